import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { type ExperimentPlan, planExperiment } from "../src/experiment/plan.ts";
import { LocalPace, runCells } from "../src/experiment/pool.ts";
import { ScenarioError } from "../src/input/errors.ts";

let dir: string;
let plan: ExperimentPlan;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-pool-"));
  const doc = parse(
    readFileSync(resolve(import.meta.dirname, "fixtures/noisy-neighbor.yaml"), "utf8"),
  );
  doc.horizon = "2m";
  doc.warmup = "20s";
  doc.endpoints[0].failures.outages = [];
  const file = join(dir, "small.yaml");
  writeFileSync(file, stringify(doc));
  plan = await planExperiment(file, { policies: ["fifo", "fair-share"], replications: 2 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the worker pool", () => {
  it("returns, from worker threads, the same cell results as this thread, in the cells' order", async () => {
    const progress: number[] = [];
    const here = await runCells(plan.source, plan.cells, { jobs: 1 });
    const there = await runCells(plan.source, plan.cells, {
      jobs: 2,
      onProgress: (done, total) => {
        expect(total).toBe(plan.cells.length);
        progress.push(done);
      },
    });
    expect(JSON.stringify(there)).toBe(JSON.stringify(here));
    expect(there.map((r) => [r.policy, r.replication])).toEqual(
      plan.cells.map((c) => [c.policy, c.replication]),
    );
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it("hands a ScenarioError raised in a worker to the caller as a ScenarioError, every problem kept", async () => {
    const broken = {
      ...plan.source,
      digest: "broken",
      document: { ...(plan.source.document as object), horizon: "-1m", tenants: "none" },
    };
    const failure = await runCells(broken, plan.cells, { jobs: 2 }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ScenarioError);
    const report = (failure as ScenarioError).report();
    expect(report).toMatch(/horizon/);
    expect(report).toMatch(/tenants/);
  });
});

describe("when the workers start (LocalPace)", () => {
  it("does not judge from a cold first cell, then shares the rest only when that repays the workers", () => {
    const pace = new LocalPace();
    expect(pace.worthWorkers(1e6, 2)).toBe(false);
    // A first cell of 1,000 model calls on a cold JIT: 0.4 s, which would project 400 s for the rest.
    pace.ran(1000, 0.4);
    expect(pace.worthWorkers(1e6, 2)).toBe(false);
    // Warm, the same cells take 5 ms: 1,000,000 calls more are 5 s, worth two workers...
    pace.ran(1000, 0.005);
    expect(pace.worthWorkers(1e6, 2)).toBe(true);
    // ...but 500,000 (2.5 s, 1.25 s saved) do not repay their start; with four workers they do.
    expect(pace.worthWorkers(5e5, 2)).toBe(false);
    expect(pace.worthWorkers(5e5, 4)).toBe(true);
    // One worker saves no time: only work longer than 3 s goes to it.
    expect(pace.worthWorkers(1e6, 1)).toBe(true);
    expect(pace.worthWorkers(5e5, 1)).toBe(false);
  });

  it("judges after one cell when that cell alone ran for a second or more", () => {
    const pace = new LocalPace();
    pace.ran(1000, 1.2);
    expect(pace.worthWorkers(4000, 2)).toBe(true);
    expect(pace.worthWorkers(2000, 2)).toBe(false);
  });
});
