import { isNum, percent, seconds } from "./format.ts";

/**
 * A formatter for a metric named in a comparison ("wait.mean", "fairness.jain",
 * "tenants.support.wait.p99"): seconds for times, percentages for shares and attainment,
 * three significant digits otherwise.
 */
export function metricFormat(metric: string): (x: number) => string {
  const last = metric.toLowerCase();
  if (/wait|latency|(^|\.)\w*s$/.test(last) && !/share|jain|attainment|tokens/.test(last)) {
    return seconds;
  }
  if (/share|attainment|utilization/.test(last)) return percent;
  return (x: number) => (isNum(x) ? Number(x.toPrecision(3)).toString() : "–");
}

/** The unit a metric is shown in, for headers ("s", "", …). */
export function metricUnit(metric: string): string {
  return metricFormat(metric) === seconds ? " (s)" : "";
}
