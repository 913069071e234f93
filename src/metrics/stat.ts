import { Histogram } from "./histogram.ts";
import { RunningMoments } from "./moments.ts";
import { studentTQuantile } from "./student-t.ts";

/** A closed interval [low, high]. */
export type Interval = [low: number, high: number];

/**
 * The values a quantity can take, so that its intervals stay inside them: a latency, a count
 * or a rate is never below 0 (`min: 0`), a fraction never above 1 (`max: 1`). Default: any
 * real number (differences keep their sign).
 */
export interface RangeConstraints {
  /** Smallest possible value; default -Infinity. */
  min?: number;
  /** Largest possible value; default Infinity. */
  max?: number;
}

/** The range of latencies, counts, rates and token figures: [0, ∞). */
export const NON_NEGATIVE: RangeConstraints = { min: 0 };

/** The range of fractions (Jain's index, SLO attainment, shares, utilization): [0, 1]. */
export const FRACTION: RangeConstraints = { min: 0, max: 1 };

/** The results contract's summary of a metric across replications (seconds for times). */
export interface Stat {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /**
   * Student t 95% confidence interval of the mean across replications, cut at 0 (a time is
   * never negative); null with fewer than two replications that observed something.
   */
  ci95: Interval | null;
  /** Whether `ci95` was cut at 0 (the t interval reached below it). */
  truncated: boolean;
  /** Replications that observed something (the interval's n). */
  n: number;
}

/** What one replication contributes to a {@link Stat}. */
export interface ReplicationSummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** A mean with its Student t 95% confidence interval. */
export interface MeanEstimate {
  mean: number;
  /** The interval, cut to the quantity's range; null with fewer than two values. */
  ci95: Interval | null;
  /** Whether the interval was cut at an end of the range. */
  truncated: boolean;
  /** Number of values that entered the estimate. */
  n: number;
}

/** A paired difference a − b with its Student t 95% confidence interval. */
export interface PairedComparison {
  diff: number;
  /** The interval of the mean difference (never cut: a difference has a sign); null below two pairs. */
  ci95: Interval | null;
  /** Number of pairs that entered the estimate. */
  n: number;
  /** The interval excludes 0 (so n >= 2): the sign of the difference is clear. */
  clear: boolean;
}

/** One replication's summary of a histogram: count, exact mean and max, p50, p95, p99. */
export function summarize(histogram: Histogram): ReplicationSummary {
  const [p50, p95, p99] = histogram.quantiles(SUMMARY_QUANTILES);
  return {
    count: histogram.count,
    mean: histogram.mean,
    p50: p50!,
    p95: p95!,
    p99: p99!,
    max: histogram.max,
  };
}

const SUMMARY_QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * Mean and Student t 95% interval of per-replication values, in order. NaN values (a
 * replication that observed nothing) are left out. With fewer than two values there is no
 * interval (`ci95: null`): one replication says nothing about spread, and a zero-width
 * interval would read as certainty. The interval is cut to `range` (a latency's t interval
 * can reach below 0 when replications disagree; the quantity cannot), and `truncated` says so.
 * With no values the mean is NaN (null in JSON).
 */
export function meanWithCi95(
  values: readonly number[],
  range: RangeConstraints = {},
): MeanEstimate {
  const moments = RunningMoments.of(values.filter((x) => !Number.isNaN(x)));
  const n = moments.count;
  const mean = moments.mean;
  if (n < 2) return { mean, ci95: null, truncated: false, n };
  const halfWidth = studentTQuantile(0.975, n - 1) * Math.sqrt(moments.variance / n);
  const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY } = range;
  const low = mean - halfWidth;
  const high = mean + halfWidth;
  const ci95: Interval = [Math.max(min, low), Math.min(max, high)];
  return { mean, ci95, truncated: ci95[0] !== low || ci95[1] !== high, n };
}

/** Whether an interval of a difference excludes 0: no interval (n < 2) is never clear. */
export function isClear(ci95: Interval | null | undefined): boolean {
  return ci95 !== null && ci95 !== undefined && (ci95[0] > 0 || ci95[1] < 0);
}

/**
 * The {@link Stat} of a metric over replications (histograms or their summaries, in
 * replication order).
 *
 * `mean`, `p50`, `p95` and `p99` are averages of the per-replication values, not quantiles of
 * the pooled observations: each replication is one independent sample of the system, the
 * average is what the confidence interval is about, and a busy replication cannot outweigh a
 * quiet one. `max` is the largest value of any replication (the worst case seen). `ci95` is
 * the Student t interval of the per-replication means, cut at 0 (see {@link meanWithCi95}:
 * null below two replications). Replications that observed nothing are left out; if all
 * did, every figure is NaN and `n` is 0.
 */
export function statOf(replications: readonly (Histogram | ReplicationSummary)[]): Stat {
  const summaries = replications
    .map((r) => (r instanceof Histogram ? summarize(r) : r))
    .filter((s) => s.count > 0);
  const average = (pick: (s: ReplicationSummary) => number): number =>
    summaries.length === 0
      ? Number.NaN
      : summaries.reduce((sum, s) => sum + pick(s), 0) / summaries.length;
  const { mean, ci95, truncated, n } = meanWithCi95(
    summaries.map((s) => s.mean),
    NON_NEGATIVE,
  );
  return {
    mean,
    p50: average((s) => s.p50),
    p95: average((s) => s.p95),
    p99: average((s) => s.p99),
    max: summaries.length === 0 ? Number.NaN : Math.max(...summaries.map((s) => s.max)),
    ci95,
    truncated,
    n,
  };
}

/**
 * The paired difference a − b over replications that share random numbers (replication i of
 * a and of b saw the same runs): the mean difference and the Student t 95% interval of the
 * differences, which is much narrower than comparing two independent intervals. Pairs where
 * either value is NaN are left out; below two pairs there is no interval and nothing is clear.
 */
export function pairedComparison(
  aValues: readonly number[],
  bValues: readonly number[],
): PairedComparison {
  if (aValues.length !== bValues.length) {
    throw new RangeError(
      `pairedComparison: expected as many b values as a values (${aValues.length}), got ${bValues.length}`,
    );
  }
  const diffs = aValues.map((a, i) => a - bValues[i]!);
  const { mean, ci95, n } = meanWithCi95(diffs);
  return { diff: mean, ci95, n, clear: isClear(ci95) };
}
