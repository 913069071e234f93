import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { aggregate } from "../src/experiment/aggregate.ts";
import { planExperiment } from "../src/experiment/plan.ts";
import { runCells } from "../src/experiment/pool.ts";
import type { Results, Stat } from "../src/experiment/results.ts";
import { Histogram } from "../src/metrics/histogram.ts";
import { pairedComparison } from "../src/metrics/stat.ts";
import type { CellResult } from "../src/runtime/result.ts";

let dir: string;
let cells: CellResult[];
let results: Results;
let sweep: Results;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-aggregate-"));
  const doc = parse(
    readFileSync(resolve(import.meta.dirname, "fixtures/noisy-neighbor.yaml"), "utf8"),
  );
  doc.horizon = "3m";
  doc.warmup = "30s";
  doc.endpoints[0].failures.outages = [];
  const file = join(dir, "small.yaml");
  writeFileSync(file, stringify(doc));
  const plan = await planExperiment(file, { replications: 3 });
  cells = await runCells(plan.source, plan.cells);
  results = aggregate(plan.info, cells, {
    seed: plan.seed,
    replications: 3,
    policies: plan.policies,
  });
  const sweepPlan = await planExperiment(file, {
    replications: 2,
    policies: ["fifo", "fair-share"],
    axes: [{ path: "endpoints.0.slots", values: [4, 16] }],
  });
  sweep = aggregate(sweepPlan.info, await runCells(sweepPlan.source, sweepPlan.cells), {
    seed: sweepPlan.seed,
    replications: 2,
    policies: sweepPlan.policies,
    axes: sweepPlan.axes,
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STAT = ["mean", "p50", "p95", "p99", "max", "ci95"];
const COUNTS = ["submitted", "completed", "failed", "rejected", "inFlight"];

function expectStat(stat: Stat) {
  expect(Object.keys(stat)).toEqual(STAT);
  expect(stat.ci95).toHaveLength(2);
}

describe("aggregate", () => {
  it("produces every key of DESIGN.md's results contract, in its order", () => {
    expect(Object.keys(results).slice(0, 6)).toEqual([
      "scenario",
      "seed",
      "replications",
      "version",
      "policies",
      "comparisons",
    ]);
    expect(Object.keys(results.policies)).toEqual(["fifo", "priority", "fair-share"]);
    for (const policy of Object.values(results.policies)) {
      expect(Object.keys(policy)).toEqual(
        expect.arrayContaining(["summary", "tenants", "jobs", "replications"]),
      );
      const s = policy.summary;
      for (const key of ["wait", "turnLatency", "runLatency"] as const) expectStat(s[key]);
      expect(Object.keys(s.throughput)).toEqual(["runsPerSecond", "tokensPerSecond"]);
      expect(Object.keys(s.fairness)).toEqual(["jain", "maxServiceGap"]);
      expect(Object.keys(s.counts)).toEqual(COUNTS);
      expect(typeof s.utilization).toBe("number");
      expect(typeof s.wastedTokens).toBe("number");
      expect(typeof s.sloAttainment).toBe("number");
      expect(Object.keys(policy.tenants)).toEqual(["support", "batch"]);
      for (const tenant of Object.values(policy.tenants)) {
        expect(typeof tenant.serviceShare).toBe("number");
        expectStat(tenant.wait);
        expectStat(tenant.runLatency);
        expect(Object.keys(tenant.counts)).toEqual(COUNTS);
      }
      expect(Object.keys(policy.jobs)).toEqual(["ticket-triage", "nightly-summaries"]);
      expect(policy.replications).toHaveLength(3);
      for (const r of policy.replications)
        expect(Object.keys(r).slice(0, 2)).toEqual(["seed", "summary"]);
    }
    for (const c of results.comparisons)
      expect(Object.keys(c)).toEqual(["metric", "a", "b", "diff", "ci95"]);
  });

  it("sums counts and averages rates over replications; Stats come from per-replication summaries", () => {
    const fifo = cells.filter((c) => c.policy === "fifo");
    const summary = results.policies.fifo!.summary;
    expect(summary.counts.submitted).toBe(fifo.reduce((s, c) => s + c.counts.submitted, 0));
    expect(summary.throughput.runsPerSecond).toBeCloseTo(
      fifo.reduce((s, c) => s + c.throughput.runsPerSecond, 0) / 3,
      12,
    );
    const p99s = fifo.map((c) => Histogram.fromJSON(c.wait).quantile(0.99));
    expect(summary.wait.p99).toBeCloseTo(p99s.reduce((a, b) => a + b, 0) / 3, 9);
    expect(summary.saturation.saturated).toBe(fifo.some((c) => c.saturation.saturated));
  });

  it("compares the first policy with each other on the same seeds: diff = mean(b - a), with the required metrics", () => {
    const metrics = new Set(results.comparisons.map((c) => c.metric));
    for (const m of [
      "wait.mean",
      "wait.p99",
      "runLatency.p99",
      "jain",
      "sloAttainment",
      "tenants.support.wait.p99",
    ]) {
      expect(metrics.has(m)).toBe(true);
    }
    expect(new Set(results.comparisons.map((c) => `${c.a}>${c.b}`))).toEqual(
      new Set(["fifo>priority", "fifo>fair-share"]),
    );
    const a = cells
      .filter((c) => c.policy === "fifo")
      .map((c) => Histogram.fromJSON(c.wait).quantile(0.99));
    const b = cells
      .filter((c) => c.policy === "fair-share")
      .map((c) => Histogram.fromJSON(c.wait).quantile(0.99));
    const expected = pairedComparison(b, a);
    const found = results.comparisons.find((c) => c.metric === "wait.p99" && c.b === "fair-share")!;
    expect(found.diff).toBe(expected.diff);
    expect(found.ci95).toEqual(expected.ci95);
    // Common random numbers: replication r of every policy ran with the same seed.
    const seeds = (p: string) => results.policies[p]!.replications.map((r) => r.seed);
    expect(seeds("priority")).toEqual(seeds("fifo"));
    expect(seeds("fair-share")).toEqual(seeds("fifo"));
  });

  it("keeps chart data: a monotone merged wait CDF ending at 1, averaged time series, replication 0's timeline", () => {
    const charts = results.policies["fair-share"]!.charts;
    expect(charts.waitCdf.length).toBeGreaterThan(10);
    expect(charts.waitCdf.length).toBeLessThanOrEqual(60);
    for (let i = 1; i < charts.waitCdf.length; i++) {
      expect(charts.waitCdf[i]!.valueS).toBeGreaterThan(charts.waitCdf[i - 1]!.valueS);
      expect(charts.waitCdf[i]!.fraction).toBeGreaterThanOrEqual(charts.waitCdf[i - 1]!.fraction);
    }
    expect(charts.waitCdf.at(-1)!.fraction).toBe(1);
    const first = cells.find((c) => c.policy === "fair-share" && c.replication === 0)!;
    expect(charts.timeline).toEqual(first.timeline);
    expect(charts.timeseries.queueLength).toHaveLength(first.timeseries.queueLength.length);
  });

  it("lists a sweep's points in grid order with a summary per policy; the top level describes the first point", () => {
    expect(sweep.sweep!.axes).toEqual([{ path: "endpoints.0.slots", values: [4, 16] }]);
    expect(sweep.sweep!.points.map((p) => p.point)).toEqual([
      { "endpoints.0.slots": 4 },
      { "endpoints.0.slots": 16 },
    ]);
    for (const point of sweep.sweep!.points) {
      expect(Object.keys(point.policies)).toEqual(["fifo", "fair-share"]);
    }
    const [few, many] = sweep.sweep!.points;
    // Four times the slots serve the same load with less waiting.
    expect(many!.policies.fifo!.summary.wait.mean).toBeLessThan(
      few!.policies.fifo!.summary.wait.mean,
    );
    expect(sweep.policies.fifo!.summary).toEqual(few!.policies.fifo!.summary);
  });

  it("refuses a cell set with a cell missing or repeated", () => {
    const extras = {
      seed: results.seed,
      replications: 3,
      policies: ["fifo", "priority", "fair-share"],
    };
    expect(() => aggregate(results as never, cells.slice(1), extras)).toThrow(/missing cell fifo/);
    expect(() => aggregate(results as never, [...cells, cells[0]!], extras)).toThrow(
      /appears twice/,
    );
  });
});
