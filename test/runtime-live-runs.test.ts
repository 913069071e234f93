// LiveRuns, the runtime's set of admitted runs, against a plain Set as the model: any sequence
// of admissions and ends leaves the same members, and misuse (twice in, out when not in) throws.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LiveRuns } from "../src/runtime/run-state.ts";

interface FakeRun {
  liveIndex: number;
  readonly id: string;
}

describe("LiveRuns", () => {
  it("holds exactly the runs a Set would, whatever the order of adds and deletes", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 9 }), { maxLength: 200 }), (ops) => {
        const runs: FakeRun[] = Array.from({ length: 10 }, (_, i) => ({
          liveIndex: -1,
          id: `r${i}`,
        }));
        const live = new LiveRuns<FakeRun>();
        const model = new Set<FakeRun>();
        for (const k of ops) {
          const run = runs[k]!;
          if (model.has(run)) {
            live.delete(run);
            model.delete(run);
          } else {
            live.add(run);
            model.add(run);
          }
          expect(live.size).toBe(model.size);
        }
        expect(new Set(live)).toEqual(model);
        for (const run of runs) expect(run.liveIndex >= 0).toBe(model.has(run));
      }),
    );
  });

  it("refuses a run added twice or deleted when not live", () => {
    const live = new LiveRuns<FakeRun>();
    const a: FakeRun = { liveIndex: -1, id: "a" };
    const b: FakeRun = { liveIndex: -1, id: "b" };
    live.add(a);
    expect(() => live.add(a)).toThrow(/already live/);
    expect(() => live.delete(b)).toThrow(/not live/);
    live.delete(a);
    expect(() => live.delete(a)).toThrow(/not live/);
  });
});
