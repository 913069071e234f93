/**
 * Percentiles with confidence intervals. A Stat's p50/p95/p99 are averages of the
 * per-replication percentiles (src/metrics/stat.ts), so the replications give each percentile
 * a Student t interval the same way the mean gets its `ci95`.
 */
import type { PolicyResults, Results } from "../experiment/index.ts";
import { type Interval, meanWithCi95, NON_NEGATIVE } from "../metrics/index.ts";

/** The latency metrics of a policy summary, in report order. */
export const LATENCY_METRICS = ["wait", "turnLatency", "runLatency"] as const;

/** One of the summary's latency metrics. */
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** How the report names each latency metric. */
export const METRIC_LABEL: Record<LatencyMetric, string> = {
  wait: "wait",
  turnLatency: "turn latency",
  runLatency: "run latency",
};

/** The percentiles a Stat carries, in order. */
export const PERCENTILES = ["p50", "p95", "p99"] as const;

/** One of the Stat percentiles. */
export type Percentile = (typeof PERCENTILES)[number];

/** A value with its 95% interval across replications (null below two), cut at 0. */
export interface Estimate {
  value: number;
  ci95: Interval | null;
  /** Whether the interval was cut at 0. */
  truncated: boolean;
}

/** A percentile of a policy's metric with its interval from the per-replication values. */
export function percentileEstimate(
  policy: PolicyResults,
  metric: LatencyMetric,
  percentile: Percentile,
): Estimate {
  const value = policy.summary[metric][percentile];
  // The experiment layer carries the interval itself (summary.intervals["wait.p99"]).
  const given = policy.summary.intervals?.[`${metric}.${percentile}`];
  if (given !== undefined) return { value, ci95: given.ci95, truncated: given.truncated };
  const perReplication = policy.replications.map((r) => r.summary?.[metric]?.[percentile] ?? NaN);
  const { ci95, truncated } = meanWithCi95(perReplication, NON_NEGATIVE);
  return { value, ci95, truncated };
}

/** Which intervals a table prints: keys of `summary.intervals`, of tenants' `intervals`, and the Stats' own. */
export interface ShownIntervals {
  summary: readonly string[];
  tenants: readonly string[];
  /** The latency Stats' `ci95` (the mean's). */
  stats: boolean;
}

/**
 * Whether any interval a table prints was cut at the quantity's range: then it explains the
 * mark (CUT_NOTE) it puts on the cut end.
 */
export function hasCutInterval(results: Results, shown: ShownIntervals): boolean {
  return Object.values(results.policies).some(
    (p) =>
      (shown.stats && LATENCY_METRICS.some((m) => p.summary[m]?.truncated === true)) ||
      shown.summary.some((key) => p.summary.intervals?.[key]?.truncated === true) ||
      Object.values(p.tenants).some((t) =>
        shown.tenants.some((key) => t.intervals?.[key]?.truncated === true),
      ),
  );
}
