/**
 * Fitting a distribution of durations among the families the scenario format has, and saying
 * how well it fits. Each family's parameters come from the data by a stated method; the family
 * kept is the one with the smallest Kolmogorov-Smirnov distance to the data (ties: the first in
 * `FAMILIES` order). Gamma and Weibull are not offered: the scenario format has no such forms.
 *
 * | family | method |
 * | --- | --- |
 * | lognormal | maximum likelihood (mu, sigma: mean and standard deviation of the logs) |
 * | lognormal | quantiles (mu = log p50, sigma from log p90 - log p10): robust to a tail that is not lognormal |
 * | exponential | maximum likelihood (mean) |
 * | normal | moments (mean, sd), bounded below at 0 as the simulator draws it |
 * | pareto | maximum likelihood (scale = the smallest value, shape = n / sum log(x / scale)) |
 * | uniform | maximum likelihood (the smallest and largest values) |
 * | constant | the median (the only form for data without spread) |
 */
import { type DistSpec, distQuantile, normalUpperTail } from "../sim/index.ts";

/** A fitted family, its method and its distance to the data. */
export interface Candidate {
  spec: DistSpec;
  method: string;
  /** Kolmogorov-Smirnov distance: the largest gap between the data's CDF and the model's. */
  ks: number;
}

/** Observed and fitted values of one percentile. */
export interface PercentilePair {
  observed: number;
  fitted: number;
}

/** A fitted quantity: the family kept, the others tried, and the fit's quality. */
export interface Fit {
  n: number;
  spec: DistSpec;
  method: string;
  ks: number;
  percentiles: { p50: PercentilePair; p90: PercentilePair; p99: PercentilePair };
  candidates: Candidate[];
  /** The data's CDF and the model's at 100 of the data's quantiles, for the chart. */
  curve: { x: number; observed: number; fitted: number }[];
}

const CURVE_POINTS = 100;

const Z90 = 1.2815515655446004;

/** Fits `sorted` (ascending, finite, non-negative, at least one value). */
export function fitDistribution(sorted: Float64Array): Fit {
  const n = sorted.length;
  if (n === 0) throw new Error("fitDistribution: expected at least one value");
  const candidates: Candidate[] = [];
  const add = (spec: DistSpec | undefined, method: string) => {
    if (spec !== undefined) candidates.push({ spec, method, ks: ksDistance(sorted, spec) });
  };
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  const median = quantileOf(sorted, 0.5);
  if (max > min) {
    const positive = min > 0;
    let sum = 0;
    let sumLog = 0;
    for (let i = 0; i < n; i++) {
      sum += sorted[i]!;
      if (positive) sumLog += Math.log(sorted[i]!);
    }
    const mean = sum / n;
    let squares = 0;
    let squaresLog = 0;
    let logsOverMin = 0;
    const meanLog = sumLog / n;
    for (let i = 0; i < n; i++) {
      squares += (sorted[i]! - mean) ** 2;
      if (positive) {
        const log = Math.log(sorted[i]!);
        squaresLog += (log - meanLog) ** 2;
        logsOverMin += log - Math.log(min);
      }
    }
    const sd = Math.sqrt(squares / Math.max(1, n - 1));
    if (positive) {
      const sigma = Math.sqrt(squaresLog / n);
      if (sigma > 0) add({ dist: "lognormal", mu: meanLog, sigma }, "maximum likelihood");
      const p10 = quantileOf(sorted, 0.1);
      const p90 = quantileOf(sorted, 0.9);
      if (p10 > 0 && p90 > p10 && median > 0) {
        const spread = (Math.log(p90) - Math.log(p10)) / (2 * Z90);
        add(
          { dist: "lognormal", mu: Math.log(median), sigma: spread },
          "quantiles (p10, p50, p90)",
        );
      }
    }
    if (mean > 0) add({ dist: "exponential", mean }, "maximum likelihood");
    if (sd > 0) add({ dist: "normal", mean, sd, min: 0 }, "moments, bounded below at 0");
    if (positive && logsOverMin > 0) {
      add({ dist: "pareto", scale: min, shape: n / logsOverMin }, "maximum likelihood");
    }
    add({ dist: "uniform", min, max }, "maximum likelihood");
  }
  add({ dist: "constant", value: median }, "the median");
  let best = candidates[0]!;
  for (const candidate of candidates) if (candidate.ks < best.ks) best = candidate;
  const pair = (q: number): PercentilePair => ({
    observed: quantileOf(sorted, q),
    fitted: distQuantile(best.spec, q),
  });
  return {
    n,
    spec: best.spec,
    method: best.method,
    ks: best.ks,
    percentiles: { p50: pair(0.5), p90: pair(0.9), p99: pair(0.99) },
    candidates,
    curve: curveOf(sorted, best.spec),
  };
}

// The data's CDF against the model's at evenly spaced quantiles of the data.
function curveOf(sorted: Float64Array, spec: DistSpec): Fit["curve"] {
  const cdf = cdfOf(spec);
  const curve: Fit["curve"] = [];
  for (let k = 0; k < CURVE_POINTS; k++) {
    const q = (k + 0.5) / CURVE_POINTS;
    const x = quantileOf(sorted, q);
    curve.push({ x, observed: q, fitted: cdf(x) });
  }
  return curve;
}

/** The q-quantile of ascending `sorted`, by linear interpolation between order statistics. */
export function quantileOf(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const at = q * (n - 1);
  const low = Math.floor(at);
  const high = Math.min(n - 1, low + 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** The Kolmogorov-Smirnov distance between ascending `sorted` and `spec`'s CDF. */
export function ksDistance(sorted: Float64Array, spec: DistSpec): number {
  const n = sorted.length;
  const cdf = cdfOf(spec);
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    // Just below and at x_i the data's CDF is i/n and (i+1)/n; ties are covered since the
    // last of equal values reaches the top of the jump.
    const gap = Math.max(f - i / n, (i + 1) / n - f);
    if (gap > d) d = gap;
  }
  return d;
}

/** The CDF of a distribution the fits produce. */
export function cdfOf(spec: DistSpec): (x: number) => number {
  switch (spec.dist) {
    case "constant":
      return (x) => (x >= spec.value ? 1 : 0);
    case "uniform":
      return (x) =>
        x <= spec.min ? 0 : x >= spec.max ? 1 : (x - spec.min) / (spec.max - spec.min);
    case "exponential":
      return (x) => (x <= 0 ? 0 : 1 - Math.exp(-x / spec.mean));
    case "lognormal":
      return (x) => (x <= 0 ? 0 : phi((Math.log(x) - spec.mu) / spec.sigma));
    case "pareto":
      return (x) => (x <= spec.scale ? 0 : 1 - (spec.scale / x) ** spec.shape);
    case "normal": {
      const low = spec.min === undefined ? 0 : phi((spec.min - spec.mean) / spec.sd);
      const high = spec.max === undefined ? 1 : phi((spec.max - spec.mean) / spec.sd);
      return (x) => {
        if (spec.min !== undefined && x <= spec.min) return 0;
        if (spec.max !== undefined && x >= spec.max) return 1;
        return (phi((x - spec.mean) / spec.sd) - low) / (high - low);
      };
    }
    default:
      throw new Error(`cdfOf: no CDF for ${spec.dist}`);
  }
}

/** The standard normal CDF (sim/'s erfc fit, relative error below 1.2e-7: enough for a KS distance). */
export function phi(z: number): number {
  return normalUpperTail(-z);
}
