/**
 * Samplers: a `DistSpec` compiled into a function that draws from a random stream. Each sampler
 * uses a fixed number of uniforms per draw where it can (inversion), so a stream's sequence is
 * easy to reason about; the bounded normal uses rejection and the Box-Muller normal uses two.
 */
import type { DistSpec } from "./dist.ts";
import type { Rng } from "./rng.ts";

/** Draws one value from a stream. */
export type Sampler = (rng: Rng) => number;

const TWO_PI = 2 * Math.PI;
// After this many rejections a bounded normal falls back to the nearest bound; with sensible
// bounds (containing the mean) the fallback has probability below 0.5^64.
const MAX_REJECTIONS = 64;

/** A standard normal draw (Box-Muller, two uniforms, no cached spare so streams stay simple). */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng.next(); // in (0, 1]: log is finite
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(TWO_PI * u2);
}

/** Compiles a distribution into a sampler. */
export function sampler(spec: DistSpec): Sampler {
  switch (spec.dist) {
    case "constant": {
      const value = spec.value;
      return () => value;
    }
    case "uniform": {
      const { min } = spec;
      const width = spec.max - spec.min;
      return (rng) => min + width * rng.next();
    }
    case "exponential": {
      const mean = spec.mean;
      return (rng) => -mean * Math.log(1 - rng.next());
    }
    case "normal": {
      const { mean, sd } = spec;
      const lo = spec.min ?? Number.NEGATIVE_INFINITY;
      const hi = spec.max ?? Number.POSITIVE_INFINITY;
      if (lo === Number.NEGATIVE_INFINITY && hi === Number.POSITIVE_INFINITY) {
        return (rng) => mean + sd * standardNormal(rng);
      }
      return (rng) => {
        for (let i = 0; i < MAX_REJECTIONS; i++) {
          const x = mean + sd * standardNormal(rng);
          if (x >= lo && x <= hi) return x;
        }
        return Math.min(hi, Math.max(lo, mean));
      };
    }
    case "lognormal": {
      const { mu, sigma } = spec;
      return (rng) => Math.exp(mu + sigma * standardNormal(rng));
    }
    case "pareto": {
      const { scale } = spec;
      const inverseShape = 1 / spec.shape;
      return (rng) => scale / (1 - rng.next()) ** inverseShape;
    }
    case "bernoulli": {
      const p = spec.p;
      return (rng) => (rng.next() < p ? 1 : 0);
    }
    case "empirical": {
      const values = spec.values.slice();
      const n = values.length;
      if (n === 0) throw new RangeError("sampler: an empirical distribution needs values");
      return (rng) => values[Math.floor(rng.next() * n)]!;
    }
  }
}

/** The mean of a distribution (Infinity where it has none, e.g. pareto with shape <= 1). */
export function distMean(spec: DistSpec): number {
  switch (spec.dist) {
    case "constant":
      return spec.value;
    case "uniform":
      return (spec.min + spec.max) / 2;
    case "exponential":
      return spec.mean;
    case "normal":
      return spec.min === undefined && spec.max === undefined
        ? spec.mean
        : truncatedNormalMean(spec.mean, spec.sd, spec.min, spec.max);
    case "lognormal":
      return Math.exp(spec.mu + (spec.sigma * spec.sigma) / 2);
    case "pareto":
      return spec.shape <= 1
        ? Number.POSITIVE_INFINITY
        : (spec.shape * spec.scale) / (spec.shape - 1);
    case "bernoulli":
      return spec.p;
    case "empirical":
      return spec.values.reduce((a, b) => a + b, 0) / spec.values.length;
  }
}

/** The q-quantile of a distribution (used by tests and by estimates such as sjf's). */
export function distQuantile(spec: DistSpec, q: number): number {
  switch (spec.dist) {
    case "constant":
      return spec.value;
    case "uniform":
      return spec.min + (spec.max - spec.min) * q;
    case "exponential":
      return -spec.mean * Math.log(1 - q);
    case "normal":
      return spec.mean + spec.sd * normalQuantile(q);
    case "lognormal":
      return Math.exp(spec.mu + spec.sigma * normalQuantile(q));
    case "pareto":
      return spec.scale / (1 - q) ** (1 / spec.shape);
    case "bernoulli":
      return q < 1 - spec.p ? 0 : 1;
    case "empirical": {
      const sorted = spec.values.slice().sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    }
  }
}

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    throw new RangeError(`normalQuantile: expected a probability in [0, 1], got ${p}`);
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

function normalPdf(x: number): number {
  return Math.exp((-x * x) / 2) / Math.sqrt(TWO_PI);
}

function normalCdf(x: number): number {
  // Abramowitz-Stegun 7.1.26 via erf; adequate for a mean estimate of a truncated normal.
  const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

function truncatedNormalMean(mean: number, sd: number, min?: number, max?: number): number {
  const alpha = min === undefined ? Number.NEGATIVE_INFINITY : (min - mean) / sd;
  const beta = max === undefined ? Number.POSITIVE_INFINITY : (max - mean) / sd;
  const pa = Number.isFinite(alpha) ? normalPdf(alpha) : 0;
  const pb = Number.isFinite(beta) ? normalPdf(beta) : 0;
  const z = normalCdf(beta) - normalCdf(alpha);
  return z > 0 ? mean + (sd * (pa - pb)) / z : Math.min(max ?? mean, Math.max(min ?? mean, mean));
}
