/**
 * One policy's results from its replications' cells (in replication order): Stats from the
 * per-replication histograms with Student t intervals, means of the rates, totals of the
 * counts, per-tenant and per-job figures, the saturation verdict over the replications, and
 * the data the report's charts need.
 */

import type { Bottleneck } from "../metrics/index.ts";
import {
  FRACTION,
  Histogram,
  type HistogramJSON,
  meanWithCi95,
  NON_NEGATIVE,
  type RangeConstraints,
  statOf,
} from "../metrics/index.ts";
import type {
  CellResult,
  Counts,
  EndpointCell,
  RatePerMinute,
  TimeSeries,
} from "../runtime/index.ts";
import type { PercentileSlo } from "../scenario/index.ts";
import type {
  EndpointSummary,
  Estimate,
  JobResults,
  PolicyCharts,
  PolicyResults,
  PolicySummary,
  RateSummary,
  ReplicationResult,
  SaturationSummary,
  Stat,
  TenantResults,
} from "./results.ts";

/** Probabilities at which the merged wait CDF is sampled: even steps, then the tail. */
const CDF_PROBABILITIES = [
  ...Array.from({ length: 50 }, (_, i) => i / 50),
  0.985,
  0.99,
  0.995,
  0.998,
  0.999,
  0.9995,
  0.9999,
  1,
];

const decoded = new WeakMap<HistogramJSON, Histogram>();

/** The histogram of a cell's JSON (decoded once per object). */
export function histogramOf(json: HistogramJSON): Histogram {
  let histogram = decoded.get(json);
  if (histogram === undefined) {
    histogram = Histogram.fromJSON(json);
    decoded.set(json, histogram);
  }
  return histogram;
}

/** A number read back from JSON, where null stood for NaN. */
export function num(value: number | null | undefined): number {
  return value === null || value === undefined ? Number.NaN : value;
}

/** The results of one policy from its cells, in replication order. */
export function policyResults(
  cells: readonly CellResult[],
  slos: ReadonlyMap<string, readonly PercentileSlo[]> = new Map(),
): PolicyResults {
  return {
    summary: summaryOf(cells, true),
    tenants: tenantsOf(cells),
    jobs: jobsOf(cells, slos),
    replications: cells.map(replicationOf),
    charts: chartsOf(cells),
  };
}

/** The summary over cells; `intervals` adds Student t intervals of the per-replication values. */
export function summaryOf(cells: readonly CellResult[], intervals = false): PolicySummary {
  const avg = (pick: (c: CellResult) => number | null) => mean(cells.map((c) => num(pick(c))));
  const jains = cells.map((c) => c.fairness.jain).filter((j): j is number => j !== null);
  const summary: PolicySummary = {
    wait: statOfCells(cells, (c) => c.wait),
    turnLatency: statOfCells(cells, (c) => c.turnLatency),
    runLatency: statOfCells(cells, (c) => c.runLatency),
    throughput: {
      runsPerSecond: avg((c) => c.throughput.runsPerSecond),
      tokensPerSecond: avg((c) => c.throughput.tokensPerSecond),
    },
    utilization: avg((c) => c.utilization),
    fairness: {
      jain: jains.length === 0 ? null : mean(jains),
      maxServiceGap: avg((c) => c.fairness.maxServiceGap),
      jainReplications: jains.length,
    },
    counts: sumCounts(cells.map((c) => c.counts)),
    wastedTokens: avg((c) => c.wastedTokens),
    sloAttainment: meanOrNull(cells.map((c) => c.sloAttainment)),
    saturation: saturationOf(cells),
    littlesLaw: {
      meanWaiting: avg((c) => c.littlesLaw.meanWaiting),
      lambdaW: avg((c) => c.littlesLaw.lambdaW),
      relativeError: avg((c) => c.littlesLaw.relativeError),
    },
    priority: {
      inversions: avg((c) => c.priority.inversions),
      blockedByLowerS: avg((c) => c.priority.blockedByLowerS),
    },
    calls: sumRecords(cells.map((c) => c.calls)),
    endpoints: endpointsOf(cells),
    governance: { denials: sum(cells.map((c) => c.governance.denials)) },
    isolation: sumRecords(cells.map((c) => c.isolation)),
    audit: {
      records: sum(cells.map((c) => c.audit.records)),
      unaudited: sum(cells.map((c) => c.audit.unaudited)),
      withoutAuthority: sum(cells.map((c) => c.audit.withoutAuthority)),
      verified: verifiedOf(cells),
    },
  };
  if (intervals) summary.intervals = intervalsOf(cells);
  return summary;
}

/**
 * The saturation verdict over replications. Saturated if any replication was, steady only if
 * every one was: a policy that lost its steady state in one replication of five is not
 * reported as steady. Offered loads, limits and rates are means over the replications (the
 * figures every output prints); the reason is the worst replication's own sentence, the worst
 * being the most loaded of those not steady (then the one that lost most runs, then the first).
 */
export function saturationOf(cells: readonly CellResult[]): SaturationSummary {
  const avg = (pick: (c: CellResult) => number) => mean(cells.map((c) => num(pick(c))));
  const load = (c: CellResult) => c.saturation.resources[0]?.load ?? 0;
  let worst: number | null = null;
  cells.forEach((cell, i) => {
    if (cell.saturation.steady) return;
    const w = worst === null ? undefined : cells[worst]!;
    if (
      w === undefined ||
      load(cell) > load(w) ||
      (load(cell) === load(w) && cell.saturation.failedFraction > w.saturation.failedFraction)
    ) {
      worst = i;
    }
  });
  const resources = meanResources(cells);
  const saturated = cells.some((c) => c.saturation.saturated);
  const named = worst === null ? null : cells[worst]!.saturation.bottleneck;
  const bottleneck =
    named === null
      ? null
      : (resources.find((r) => r.resource === named.resource && r.name === named.name) ?? null);
  return {
    saturated,
    steady: cells.every((c) => c.saturation.steady),
    bottleneck,
    resources,
    failedFraction: avg((c) => c.saturation.failedFraction),
    offeredPerS: avg((c) => c.saturation.offeredPerS),
    capacityPerS: avg((c) => c.saturation.capacityPerS),
    arrivalsPerS: avg((c) => c.saturation.arrivalsPerS),
    completionsPerS: avg((c) => c.saturation.completionsPerS),
    reason: worst === null ? "" : cells[worst]!.saturation.reason,
    notSteady: cells.filter((c) => !c.saturation.steady).length,
    worstReplication: worst,
  };
}

/** Each endpoint's rates (means over the replications), refusals (totals) and 429 share. */
export function endpointsOf(cells: readonly CellResult[]): Record<string, EndpointSummary> {
  const endpoints: Record<string, EndpointSummary> = {};
  for (const name of Object.keys(cells[0]!.endpoints)) {
    const of = cells.map((c) => c.endpoints[name]!);
    const rate = (pick: (e: EndpointCell) => RatePerMinute): RateSummary => {
      const offered = mean(of.map((e) => num(pick(e).offered)));
      const limit = pick(of[0]!).limit;
      return {
        offered,
        sent: mean(of.map((e) => num(pick(e).sent))),
        admitted: mean(of.map((e) => num(pick(e).admitted))),
        limit,
        load: limit === null ? null : offered / limit,
      };
    };
    endpoints[name] = {
      requestsPerMinute: rate((e) => e.requestsPerMinute),
      tokensPerMinute: rate((e) => e.tokensPerMinute),
      attempts: sum(of.map((e) => e.attempts)),
      rateLimited: sum(of.map((e) => e.rateLimited)),
      unavailable: sum(of.map((e) => e.unavailable)),
      rateLimitedShare: estimateOf(
        of.map((e) => (e.attempts > 0 ? e.rateLimited / e.attempts : null)),
        FRACTION,
      ),
    };
  }
  return endpoints;
}

// Each resource's offered load and limit averaged over replications (matched by kind and
// name), its load the ratio of the means; most loaded first, ties in first-seen order.
function meanResources(cells: readonly CellResult[]): Bottleneck[] {
  const groups = new Map<string, Bottleneck[]>();
  for (const cell of cells) {
    for (const r of cell.saturation.resources) {
      const key = `${r.resource}\u0000${r.name}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [r]);
      else group.push(r);
    }
  }
  const resources = [...groups.values()].map((group) => {
    const offered = mean(group.map((r) => r.offered));
    const limit = mean(group.map((r) => r.limit));
    const load = limit > 0 ? offered / limit : offered > 0 ? Number.POSITIVE_INFINITY : 0;
    return { ...group[0]!, offered, limit, load };
  });
  return resources
    .map((r, i) => [r, i] as const)
    .sort(([a, i], [b, j]) => b.load - a.load || i - j)
    .map(([r]) => r);
}

/** A mean across values (NaN and null left out) with its interval cut to `range`. */
export function estimateOf(
  values: readonly (number | null)[],
  range: RangeConstraints = NON_NEGATIVE,
): Estimate {
  const { mean, ci95, truncated, n } = meanWithCi95(values.map(num), range);
  return { mean, ci95, truncated, n };
}

// Intervals of the figures the tables print, from one value per replication.
function intervalsOf(cells: readonly CellResult[]): Record<string, Estimate> {
  const of = (pick: (c: CellResult) => number | null, range = NON_NEGATIVE): Estimate =>
    estimateOf(
      cells.map((c) => pick(c)),
      range,
    );
  const q = (json: HistogramJSON, p: number) => histogramOf(json).quantile(p);
  return {
    "wait.p50": of((c) => q(c.wait, 0.5)),
    "wait.p95": of((c) => q(c.wait, 0.95)),
    "wait.p99": of((c) => q(c.wait, 0.99)),
    "turnLatency.p99": of((c) => q(c.turnLatency, 0.99)),
    "runLatency.p50": of((c) => q(c.runLatency, 0.5)),
    "runLatency.p95": of((c) => q(c.runLatency, 0.95)),
    "runLatency.p99": of((c) => q(c.runLatency, 0.99)),
    "throughput.runsPerSecond": of((c) => c.throughput.runsPerSecond),
    "throughput.tokensPerSecond": of((c) => c.throughput.tokensPerSecond),
    utilization: of((c) => c.utilization, FRACTION),
    "fairness.jain": of((c) => c.fairness.jain, FRACTION),
    wastedTokens: of((c) => c.wastedTokens),
    sloAttainment: of((c) => c.sloAttainment, FRACTION),
    "counts.failed": of((c) => c.counts.failed),
    "counts.rejected": of((c) => c.counts.rejected),
    "calls.rateLimited": of((c) => c.calls.rateLimited),
    "calls.unavailable": of((c) => c.calls.unavailable),
    "calls.timeouts": of((c) => c.calls.timeouts),
  };
}

/** Per-tenant results over cells, in the scenario's tenant order. */
export function tenantsOf(cells: readonly CellResult[]): Record<string, TenantResults> {
  const tenants: Record<string, TenantResults> = {};
  for (const [name, first] of Object.entries(cells[0]!.tenants)) {
    const of = cells.map((c) => c.tenants[name]!);
    const p99 = (json: HistogramJSON) => histogramOf(json).quantile(0.99);
    tenants[name] = {
      weight: first.weight,
      demand: mean(of.map((t) => num(t.demand))),
      fairShare: mean(of.map((t) => num(t.fairShare))),
      serviceShare: mean(of.map((t) => num(t.serviceShare))),
      wait: statOf(of.map((t) => histogramOf(t.wait))),
      runLatency: statOf(of.map((t) => histogramOf(t.runLatency))),
      counts: sumCounts(of.map((t) => t.counts)),
      headOfLineBlockedS: mean(of.map((t) => num(t.headOfLineBlockedS))),
      intervals: {
        "wait.p99": estimateOf(of.map((t) => p99(t.wait))),
        "runLatency.p99": estimateOf(of.map((t) => p99(t.runLatency))),
        serviceShare: estimateOf(
          of.map((t) => t.serviceShare),
          FRACTION,
        ),
      },
    };
  }
  return tenants;
}

/** Per-job results over cells, each declared percentile SLO judged on them. */
export function jobsOf(
  cells: readonly CellResult[],
  slos: ReadonlyMap<string, readonly PercentileSlo[]>,
): Record<string, JobResults> {
  const jobs: Record<string, JobResults> = {};
  for (const [name, first] of Object.entries(cells[0]!.jobs)) {
    const of = cells.map((c) => c.jobs[name]!);
    jobs[name] = {
      tenant: first.tenant,
      priority: first.priority,
      wait: statOf(of.map((j) => histogramOf(j.wait))),
      runLatency: statOf(of.map((j) => histogramOf(j.runLatency))),
      counts: sumCounts(of.map((j) => j.counts)),
      sloAttainment: meanOrNull(of.map((j) => j.sloAttainment)),
    };
    const declared = slos.get(name) ?? [];
    if (declared.length > 0) {
      jobs[name].percentileSlos = declared.map((slo) => {
        // A replication that measured no run has no percentile (NaN, left out of the mean).
        const values = of.map((j) => {
          const histogram = histogramOf(j[slo.metric]);
          return histogram.count === 0 ? Number.NaN : histogram.quantile(slo.percentile / 100);
        });
        const estimate = estimateOf(values);
        const ci = estimate.ci95;
        const holds =
          ci === null ? null : ci[1] <= slo.boundS ? true : ci[0] > slo.boundS ? false : null;
        return { metric: `${slo.metric}.p${slo.percentile}`, boundS: slo.boundS, estimate, holds };
      });
    }
  }
  return jobs;
}

/** One replication's summary and per-tenant figures (results.json's `replications`). */
export function replicationOf(cell: CellResult): ReplicationResult {
  const tenants: ReplicationResult["tenants"] = {};
  for (const [name, t] of Object.entries(cell.tenants)) {
    const wait = histogramOf(t.wait);
    const runLatency = histogramOf(t.runLatency);
    tenants[name] = {
      demand: num(t.demand),
      serviceShare: num(t.serviceShare),
      waitMean: wait.mean,
      waitP99: wait.quantile(0.99),
      runLatencyMean: runLatency.mean,
      runLatencyP99: runLatency.quantile(0.99),
      counts: { ...t.counts },
    };
  }
  return { seed: cell.seed, summary: summaryOf([cell]), tenants };
}

function chartsOf(cells: readonly CellResult[]): PolicyCharts {
  return {
    waitCdf: cdfOf(cells),
    timeseries: averageSeries(cells.map((c) => c.timeseries)),
    timeline: cells[0]!.timeline,
    outages: cells[0]!.outages,
  };
}

// The wait CDF of all replications' turns together, sampled at fixed probabilities.
function cdfOf(cells: readonly CellResult[]): PolicyCharts["waitCdf"] {
  const merged = histogramOf(cells[0]!.wait).clone();
  for (const cell of cells.slice(1)) merged.merge(histogramOf(cell.wait));
  if (merged.count === 0) return [];
  const values: number[] = [];
  for (const p of CDF_PROBABILITIES) {
    const value = merged.quantile(p);
    if (values.length === 0 || value > values[values.length - 1]!) values.push(value);
  }
  return merged.cdf(values).map(({ valueS, fraction }) => ({ valueS, fraction }));
}

function averageSeries(series: readonly TimeSeries[]): TimeSeries {
  const average = (arrays: readonly (readonly (number | null)[])[]): number[] =>
    arrays[0]!.map((_, i) => mean(arrays.map((a) => num(a[i]))));
  const first = series[0]!;
  const serviceByTenant: Record<string, number[]> = {};
  for (const tenant of Object.keys(first.serviceByTenant)) {
    serviceByTenant[tenant] = average(series.map((s) => s.serviceByTenant[tenant]!));
  }
  return {
    bucketS: first.bucketS,
    queueLength: average(series.map((s) => s.queueLength)),
    queueMax: average(series.map((s) => s.queueMax)),
    serviceByTenant,
    busySlots: average(series.map((s) => s.busySlots)),
  };
}

function statOfCells(cells: readonly CellResult[], pick: (c: CellResult) => HistogramJSON): Stat {
  return statOf(cells.map((c) => histogramOf(pick(c))));
}

// Chains of every replication that kept one verified: false if any broke, null if none was
// kept (summary mode), else true.
function verifiedOf(cells: readonly CellResult[]): boolean | null {
  const kept = cells.map((c) => c.audit.verified).filter((v) => v !== null);
  if (kept.length === 0) return null;
  return kept.every((v) => v === true);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : sum(values) / values.length;
}

function meanOrNull(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : mean(present);
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function sumCounts(counts: readonly Counts[]): Counts {
  return sumRecords(counts);
}

// Field-wise sums of records of numbers, keys in the first record's order.
function sumRecords<T extends object>(records: readonly T[]): T {
  const total: Record<string, number> = {};
  for (const key of Object.keys(records[0]!)) {
    total[key] = sum(records.map((r) => num((r as Record<string, number>)[key])));
  }
  return total as T;
}
