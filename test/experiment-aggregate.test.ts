import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { aggregate } from "../src/experiment/aggregate.ts";
import { planExperiment } from "../src/experiment/plan.ts";
import { runCells } from "../src/experiment/pool.ts";
import type { Results, Stat } from "../src/experiment/results.ts";
import { saturationOf } from "../src/experiment/summary.ts";
import { Histogram } from "../src/metrics/histogram.ts";
import type { CellResult } from "../src/runtime/result.ts";

let dir: string;
let cells: CellResult[];
let results: Results;
let sweep: Results;
let single: Results;
let singleCells: CellResult[];

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
  const singlePlan = await planExperiment(file, { replications: 1 });
  singleCells = await runCells(singlePlan.source, singlePlan.cells);
  single = aggregate(singlePlan.info, singleCells, {
    seed: singlePlan.seed,
    replications: 1,
    policies: singlePlan.policies,
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

const STAT = ["mean", "p50", "p95", "p99", "max", "ci95", "truncated", "n"];
const COUNTS = ["submitted", "completed", "failed", "rejected", "inFlight"];

function expectStat(stat: Stat) {
  expect(Object.keys(stat)).toEqual(STAT);
  expect(stat.ci95).toHaveLength(2);
  // A time's interval never reaches below 0.
  expect(stat.ci95![0]).toBeGreaterThanOrEqual(0);
}

/** Student t's 97.5% quantiles from the printed table, by degrees of freedom. */
const T_TABLE: Record<number, number> = { 1: 12.706, 2: 4.303, 4: 2.776 };

/** mean and 95% interval of b − a, pair by pair, recomputed naively here. */
function naivePaired(a: readonly number[], b: readonly number[]) {
  const d = a.map((x, i) => b[i]! - x);
  const mean = d.reduce((s, x) => s + x, 0) / d.length;
  const variance = d.reduce((s, x) => s + (x - mean) ** 2, 0) / (d.length - 1);
  const half = T_TABLE[d.length - 1]! * Math.sqrt(variance / d.length);
  return { mean, low: mean - half, high: mean + half };
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
      expect(Object.keys(s.fairness)).toEqual(["jain", "maxServiceGap", "jainReplications"]);
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
    for (const c of results.comparisons) {
      expect(Object.keys(c)).toEqual(["metric", "a", "b", "n", "diff", "ci95", "clear"]);
    }
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

  it("compares every pair of policies on the same seeds, with n: k(k − 1)/2 = 3 pairs a metric", () => {
    const metrics = new Set(results.comparisons.map((c) => c.metric));
    for (const m of [
      "wait.mean",
      "wait.p99",
      "runLatency.p99",
      "jain",
      "sloAttainment",
      "tenants.support.wait.p99",
      "tenants.batch.runLatency.p99",
    ]) {
      expect(metrics.has(m), m).toBe(true);
    }
    for (const m of metrics) {
      const pairs = results.comparisons.filter((c) => c.metric === m).map((c) => `${c.a}>${c.b}`);
      expect(pairs, m).toEqual(["fifo>priority", "fifo>fair-share", "priority>fair-share"]);
    }
    // Every replication measured these: n is the number of replications.
    for (const c of results.comparisons.filter((c) => c.metric === "wait.p99")) {
      expect(c.n).toBe(3);
    }
    // diff = mean of (b − a) replication by replication, and its t interval, recomputed here.
    const p99 = (policy: string) =>
      cells
        .filter((c) => c.policy === policy)
        .sort((x, y) => x.replication - y.replication)
        .map((c) => Histogram.fromJSON(c.wait).quantile(0.99));
    const expected = naivePaired(p99("priority"), p99("fair-share"));
    const found = results.comparisons.find(
      (c) => c.metric === "wait.p99" && c.a === "priority" && c.b === "fair-share",
    )!;
    expect(found.diff).toBeCloseTo(expected.mean, 9);
    // The printed t has four digits: agree to 1e-3 of the half-width.
    const half = (expected.high - expected.low) / 2;
    expect(Math.abs(found.ci95![0] - expected.low)).toBeLessThan(1e-3 * half);
    expect(Math.abs(found.ci95![1] - expected.high)).toBeLessThan(1e-3 * half);
    expect(found.clear).toBe(expected.low > 0 || expected.high < 0);
    // Common random numbers: replication r of every policy ran with the same seed.
    const seeds = (p: string) => results.policies[p]!.replications.map((r) => r.seed);
    expect(seeds("priority")).toEqual(seeds("fifo"));
    expect(seeds("fair-share")).toEqual(seeds("fifo"));
  });

  it("gives no interval and calls nothing clear with one replication", () => {
    expect(single.comparisons.length).toBeGreaterThan(0);
    for (const c of single.comparisons) {
      expect(c.n).toBe(1);
      expect(c.ci95).toBeNull();
      expect(c.clear).toBe(false);
    }
    const s = single.policies.fifo!.summary;
    expect(s.wait.ci95).toBeNull();
    expect(s.wait.n).toBe(1);
    expect(s.intervals!["wait.p99"]!.ci95).toBeNull();
    // The value itself is the one replication's.
    const cell = singleCells.find((c) => c.policy === "fifo")!;
    expect(s.wait.p99).toBeCloseTo(Histogram.fromJSON(cell.wait).quantile(0.99), 9);
  });

  it("averages Jain's index over the replications that measured it, and counts them", () => {
    const fifo = cells.filter((c) => c.policy === "fifo");
    const measured = fifo.map((c) => c.fairness.jain).filter((j) => j !== null) as number[];
    const s = results.policies.fifo!.summary;
    expect(s.fairness.jainReplications).toBe(measured.length);
    expect(s.fairness.jain).toBeCloseTo(measured.reduce((a, b) => a + b, 0) / measured.length, 12);
  });

  it("reports a policy steady only if every replication was, with the worst one's reason", () => {
    const base = cells.filter((c) => c.policy === "fifo");
    const resource = (offered: number) => ({
      resource: "tokensPerMinute" as const,
      name: "llm",
      offered,
      limit: 200_000,
      unit: "tokens/min",
      load: offered / 200_000,
    });
    const variant = (steady: boolean, offered: number, failedFraction: number, reason: string) => ({
      ...base[0]!,
      saturation: {
        ...base[0]!.saturation,
        saturated: offered >= 196_000,
        steady,
        bottleneck: offered >= 196_000 ? resource(offered) : null,
        resources: [resource(offered)],
        failedFraction,
        reason,
      },
    });
    const three = [
      variant(true, 150_000, 0.01, ""),
      variant(false, 212_000, 0.3, "tokensPerMinute on llm: offered 212k"),
      variant(false, 150_000, 0.2, "20% of measured runs failed"),
    ];
    const s = saturationOf(three);
    expect(s.steady).toBe(false);
    expect(s.saturated).toBe(true);
    expect(s.notSteady).toBe(2);
    expect(s.worstReplication).toBe(1);
    expect(s.reason).toBe("tokensPerMinute on llm: offered 212k");
    // Offered load and limit are means over the replications: (150k + 212k + 150k) / 3.
    expect(s.resources[0]!.offered).toBeCloseTo(512_000 / 3, 6);
    expect(s.bottleneck!.offered).toBeCloseTo(512_000 / 3, 6);
    expect(s.failedFraction).toBeCloseTo(0.51 / 3, 12);
    const calm = saturationOf([three[0]!, three[0]!]);
    expect(calm.steady).toBe(true);
    expect(calm.reason).toBe("");
    expect(calm.worstReplication).toBeNull();
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
