import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { type ExperimentPlan, planExperiment } from "../src/experiment/plan.ts";
import { runCells } from "../src/experiment/pool.ts";
import { ScenarioError } from "../src/sim/errors.ts";

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
