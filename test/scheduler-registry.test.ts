import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadPolicyModule } from "../src/cell/policy-module.ts";
import { ScenarioError } from "../src/input/errors.ts";
import { createScheduler, schedulerNames } from "../src/runtime/scheduler/index.ts";
import { contextFor, drive, type TurnSpec } from "./support/scheduler-driver.ts";

const ctx = contextFor([1, 1]);
const example = resolve("examples/policies/shortest-prompt-first.ts");
const dir = mkdtempSync(join(tmpdir(), "agentsim-policies-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a policy module into the temporary folder and returns its path. */
function module(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

/** The ScenarioError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<ScenarioError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ScenarioError);
  return error as ScenarioError;
}

describe("createScheduler", () => {
  it("builds every built-in policy under its own name", () => {
    expect(schedulerNames).toEqual([
      "fifo",
      "priority",
      "fair-share",
      "round-robin",
      "sjf",
      "las",
      "edf",
    ]);
    for (const name of schedulerNames) expect(createScheduler(name, ctx).name).toBe(name);
  });

  it("rejects an unknown name with a ScenarioError listing the known ones", () => {
    expect(() => createScheduler("fair_share", ctx)).toThrow(ScenarioError);
    expect(() => createScheduler("fair_share", ctx)).toThrow(
      'policy: expected one of fifo, priority, fair-share, round-robin, sjf, las, edf (or the path of a policy module ending in .ts, .mts, .js, .mjs, .cjs), got "fair_share"',
    );
  });

  it("rejects bad options naming the policy, the option and the limit", () => {
    expect(() => createScheduler("priority", ctx, { agingPerS: -1 })).toThrow(
      "priority.agingPerS: expected a number >= 0 (priority per second), got -1",
    );
    expect(() => createScheduler("round-robin", ctx, { by: "run" })).toThrow(
      'round-robin.by: expected one of "tenant", "job", got "run"',
    );
    expect(() => createScheduler("sjf", ctx, { agingPerS: 1 })).toThrow(
      'sjf.agingPerS: expected no options, got an unknown option "agingPerS"',
    );
    expect(() => createScheduler("priority", ctx, { aging: 1 })).toThrow(
      'priority.aging: expected one of the options "agingPerS", got an unknown option "aging"',
    );
    // `label` names a policy in results; every policy lets it through.
    expect(createScheduler("fifo", ctx, { label: "baseline" }).name).toBe("fifo");
  });
});

describe("loadPolicyModule", () => {
  it("loads the example policy, which serves the shortest prompt first", async () => {
    const policy = await loadPolicyModule(example);
    expect(policy.name).toBe("shortest-prompt-first");
    expect(policy.file).toBe(example);
    const specs: TurnSpec[] = [300, 100, 200, 100].map((promptTokens) => ({
      readyS: 0,
      durationS: 1,
      promptTokens,
    }));
    const { dispatches } = drive(policy.create(ctx, {}), specs, 1, ctx);
    expect(dispatches.map((d) => d.turn.promptTokens)).toEqual([100, 100, 200, 300]);
    expect(dispatches[0]!.turn.seq).toBeLessThan(dispatches[1]!.turn.seq);
  });

  it("accepts a plain JavaScript module exporting createScheduler, named after its file", async () => {
    const path = module(
      "lifo.mjs",
      `export function createScheduler() {
         const stack = [];
         return {
           name: "lifo",
           get size() { return stack.length; },
           enqueue(turn) { stack.push(turn); },
           pick() { return stack.pop(); },
           complete() {},
         };
       }`,
    );
    const policy = await loadPolicyModule(path);
    expect(policy.name).toBe("lifo");
    const { dispatches } = drive(
      policy.create(ctx, {}),
      [0, 0, 0].map((readyS) => ({ readyS, durationS: 1 })),
      1,
      ctx,
    );
    expect(dispatches.map((d) => d.turn.seq)).toEqual([2, 1, 0]);
  });

  it("rejects a module whose scheduler lacks members, naming the file and each missing member", async () => {
    const path = module(
      "half.ts",
      `export const name = "half";
       export default () => ({ name: "half", enqueue() {}, pick() { return undefined; } });`,
    );
    const error = await rejection(loadPolicyModule(path));
    expect(error.file).toBe(path);
    expect(error.message).toBe(
      `${path}: expected a scheduler with enqueue(), pick(), complete(), size and name, got one without complete(), size (a number)`,
    );
  });

  it("rejects a module without a factory, listing what it does export", async () => {
    const path = module("no-factory.mjs", "export const name = 'x'; export const pick = 1;");
    const error = await rejection(loadPolicyModule(path));
    expect(error.message).toBe(
      `${path}: expected a module exporting a scheduler factory as \`default\` or \`createScheduler\`, got exports name, pick`,
    );
  });

  it("rejects a missing file, a file that does not import, and a file of another kind", async () => {
    const missing = join(dir, "missing.ts");
    expect((await rejection(loadPolicyModule(missing))).message).toMatch(
      new RegExp(
        `^${missing}: expected a policy module that can be imported, got an import error: `,
      ),
    );
    const broken = module("broken.mjs", "export default (;");
    expect((await rejection(loadPolicyModule(broken))).message).toMatch(
      /expected a policy module that can be imported/,
    );
    expect((await rejection(loadPolicyModule(join(dir, "policy.py")))).message).toMatch(
      /expected a policy module ending in \.ts, \.mts, \.js, \.mjs, \.cjs, got ".*policy\.py"/,
    );
  });

  it("attributes a factory's own ScenarioError (a bad option) to the module's file", async () => {
    const path = module(
      "picky.mjs",
      `import { ScenarioError } from ${JSON.stringify(resolve("src/input/errors.ts"))};
       export default (_ctx, options) => {
         if (options.k !== undefined && typeof options.k !== "number") throw new ScenarioError("picky.k", "a number", options.k);
         return { name: "picky", size: 0, enqueue() {}, pick() {}, complete() {} };
       };`,
    );
    expect((await loadPolicyModule(path, { k: 2 })).name).toBe("picky");
    const error = await rejection(loadPolicyModule(path, { k: "two" }));
    expect(error.message).toBe(`${path}: picky.k: expected a number, got "two"`);
  });
});
