/**
 * Reading the paired comparisons of results.json: which metrics every output shows, a pair
 * looked up in either order, and a difference with its interval in words. results.json holds
 * each pair once (a before b in the policies' order); asking for (b, a) flips the sign.
 */
import type { Comparison, Results } from "../experiment/index.ts";
import type { Interval } from "../metrics/index.ts";

/** What every output says instead of an interval when there is none. */
export const NO_INTERVAL = "one replication: no interval";

/** The headline metrics every output compares (per-tenant tails too, see `isHeadline`). */
export const HEADLINE_METRICS = ["wait.p99", "runLatency.p99", "jain", "sloAttainment"] as const;

/** Whether a comparison's metric is a headline: the overall tails, Jain's index, SLO, tenant tails. */
export function isHeadline(metric: string): boolean {
  return (
    (HEADLINE_METRICS as readonly string[]).includes(metric) ||
    /^tenants\.[^.]+\.(wait|runLatency)\.p99$/.test(metric)
  );
}

/** Whether lower values of the metric are better (times) or higher (Jain's index, SLO, throughput). */
export function lowerIsBetter(metric: string): boolean {
  return !/jain|sloAttainment|throughput|serviceShare/.test(metric);
}

/** The comparison of `b` with `a` on a metric (diff = b − a), from either stored order. */
export function pairOf(
  results: Pick<Results, "comparisons">,
  metric: string,
  a: string,
  b: string,
): Comparison | undefined {
  for (const c of results.comparisons) {
    if (c.metric !== metric) continue;
    if (c.a === a && c.b === b) return c;
    if (c.a === b && c.b === a) {
      const ci95: Interval | null = c.ci95 === null ? null : [-c.ci95[1], -c.ci95[0]];
      return { ...c, a, b, diff: -c.diff, ci95 };
    }
  }
  return undefined;
}

/** The metrics compared, in results.json's order. */
export function comparedMetrics(results: Pick<Results, "comparisons">): string[] {
  return [...new Set(results.comparisons.map((c) => c.metric))];
}
