import { Histogram } from "./histogram.ts";
import { RunningMoments } from "./moments.ts";
import { studentTQuantile } from "./student-t.ts";

/** A closed interval [low, high]. */
export type Interval = [low: number, high: number];

/** The results contract's summary of a metric across replications (seconds for times). */
export interface Stat {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Student t 95% confidence interval of the mean, across replications. */
  ci95: Interval;
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
  ci95: Interval;
  /** Number of values that entered the estimate. */
  n: number;
}

/** A paired difference a − b with its Student t 95% confidence interval. */
export interface PairedComparison {
  diff: number;
  ci95: Interval;
  /** Number of pairs that entered the estimate. */
  n: number;
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
 * replication that observed nothing) are left out. With one value the interval is
 * [mean, mean]: one replication says nothing about spread, and a degenerate interval keeps the
 * JSON finite; read it with `n`. With none, everything is NaN (null in JSON).
 */
export function meanWithCi95(values: readonly number[]): MeanEstimate {
  const moments = RunningMoments.of(values.filter((x) => !Number.isNaN(x)));
  const n = moments.count;
  const mean = moments.mean;
  if (n < 2) return { mean, ci95: [mean, mean], n };
  const halfWidth = studentTQuantile(0.975, n - 1) * Math.sqrt(moments.variance / n);
  return { mean, ci95: [mean - halfWidth, mean + halfWidth], n };
}

/**
 * The {@link Stat} of a metric over replications (histograms or their summaries, in
 * replication order).
 *
 * `mean`, `p50`, `p95` and `p99` are averages of the per-replication values, not quantiles of
 * the pooled observations: each replication is one independent sample of the system, the
 * average is what the confidence interval is about, and a busy replication cannot outweigh a
 * quiet one. `max` is the largest value of any replication (the worst case seen). `ci95` is
 * the Student t interval of the per-replication means (see {@link meanWithCi95}: one
 * replication gives [mean, mean]). Replications that observed nothing are left out; if all
 * did, every field is NaN.
 */
export function statOf(replications: readonly (Histogram | ReplicationSummary)[]): Stat {
  const summaries = replications
    .map((r) => (r instanceof Histogram ? summarize(r) : r))
    .filter((s) => s.count > 0);
  const average = (pick: (s: ReplicationSummary) => number): number =>
    summaries.length === 0
      ? Number.NaN
      : summaries.reduce((sum, s) => sum + pick(s), 0) / summaries.length;
  const { mean, ci95 } = meanWithCi95(summaries.map((s) => s.mean));
  return {
    mean,
    p50: average((s) => s.p50),
    p95: average((s) => s.p95),
    p99: average((s) => s.p99),
    max: summaries.length === 0 ? Number.NaN : Math.max(...summaries.map((s) => s.max)),
    ci95,
  };
}

/**
 * The paired difference a − b over replications that share random numbers (replication i of
 * a and of b saw the same runs): the mean difference and the Student t 95% interval of the
 * differences, which is much narrower than comparing two independent intervals. Pairs where
 * either value is NaN are left out; one pair gives [diff, diff].
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
  const diffs = aValues.map((a, i) => a - bValues[i]);
  const { mean, ci95, n } = meanWithCi95(diffs);
  return { diff: mean, ci95, n };
}
