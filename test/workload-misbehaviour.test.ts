/**
 * What a misbehaving agent tries is decided in the workload layer from its run's stream alone:
 * the draws are taken in a fixed order (victim, kind of escape, read or write, then the trick),
 * escapes come before garbage writes, and the runtime only carries the actions out.
 */
import { describe, expect, it } from "vitest";
import type { Rng } from "../src/sim/index.ts";
import {
  ESCAPE_LINK_TARGETS,
  ESCAPE_PATHS,
  type EscapeAttempt,
  escapeAttempt,
  type MisbehaviourActions,
  misbehave,
} from "../src/workload/index.ts";

/** A stream that hands out the given numbers in order, and fails when they run out. */
function scripted(...draws: number[]): Rng & { left: () => number } {
  let i = 0;
  return {
    name: "scripted",
    next: () => {
      if (i >= draws.length) throw new Error("drew more numbers than scripted");
      return draws[i++]!;
    },
    left: () => draws.length - i,
  };
}

describe("an escape attempt", () => {
  it("draws victim, kind and read-or-write, then a trick path with the victim filled in", () => {
    const rng = scripted(0.6, 0.1, 0.7, 0);
    const attempt = escapeAttempt("a#1", ["b#1", "c#1"], 5, rng);
    expect(attempt).toEqual({
      victim: "c#1",
      links: [],
      path: ESCAPE_PATHS[0].replace("{victim}", "c#1"),
      write: false,
    });
    expect(rng.left()).toBe(0);
  });

  it("links to a trick target, or chains a link up to the root, numbering its links", () => {
    const linked = escapeAttempt("a#1", [], 7, scripted(0.7, 0.2, 0));
    expect(linked).toEqual({
      victim: undefined,
      links: [
        { path: "links/e7", target: ESCAPE_LINK_TARGETS[0].replace("{victim}", "other-run") },
      ],
      path: "links/e7",
      write: true,
    });
    // The chain draws no fourth number.
    const chain = escapeAttempt("a#1", ["b#1"], 8, scripted(0, 0.9, 0.9));
    expect(chain.links).toEqual([
      { path: "links/e8-up", target: ".." },
      { path: "links/e8", target: "e8-up/../b#1/out/turn-0-0.txt" },
    ]);
  });

  it("without another open run, never names a namespace that would be its own folder", () => {
    for (let k = 0; k < 40; k++) {
      const u = k / 40;
      const { path } = escapeAttempt("a#1", [], 1, scripted(0.1, 0.9, u));
      expect(path.startsWith("other-run")).toBe(false);
    }
  });
});

describe("misbehave", () => {
  it("tries every escape of the turn, then every garbage write, through the actions given", () => {
    const done: string[] = [];
    let escapes = 0;
    const actions: MisbehaviourActions = {
      self: "a#1",
      victims: () => ["b#1"],
      escapesSoFar: () => escapes,
      escape: (attempt: EscapeAttempt) => {
        escapes++;
        done.push(`escape ${attempt.path}`);
      },
      writeGarbage: (entity) => done.push(`garbage ${entity}`),
    };
    const rng = scripted(0, 0.7, 0, 0, 0, 0.7, 0, 0, 0.5, 0.25);
    misbehave(
      {
        fraction: 1,
        workspaceEscapes: { perTurn: 2 },
        garbageWrites: { perTurn: 1, scopes: ["x", "y"] },
      },
      100,
      actions,
      rng,
    );
    expect(done).toEqual(["escape links/e1", "escape links/e2", "garbage y/25"]);
    expect(rng.left()).toBe(0);
  });
});
