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
// After this many rejections a bounded normal falls back to the point of its bounds nearest the
// mean. Every proposal below accepts with probability above 0.25, so the fallback has
// probability below 0.75^64 (1e-8).
const MAX_REJECTIONS = 64;
// A bounded normal keeping at least this much of the normal's mass draws plain normals and
// rejects those outside; with less (narrow bounds, or bounds out in a tail), it proposes from
// a law that fits the window instead, so a draw never needs many tries.
const PLAIN_REJECTION_MASS = 0.25;

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
      return truncatedNormalSampler(mean, sd, lo, hi);
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

/**
 * The smallest and largest values a distribution can draw (infinite where it is unbounded),
 * for load-time checks such as "a token budget below the smallest possible turn".
 */
export function distRange(spec: DistSpec): { min: number; max: number } {
  switch (spec.dist) {
    case "constant":
      return { min: spec.value, max: spec.value };
    case "uniform":
      return { min: spec.min, max: spec.max };
    case "exponential":
    case "lognormal":
      return { min: 0, max: Number.POSITIVE_INFINITY };
    case "normal":
      return {
        min: spec.min ?? Number.NEGATIVE_INFINITY,
        max: spec.max ?? Number.POSITIVE_INFINITY,
      };
    case "pareto":
      return { min: spec.scale, max: Number.POSITIVE_INFINITY };
    case "bernoulli":
      return { min: spec.p >= 1 ? 1 : 0, max: spec.p <= 0 ? 0 : 1 };
    case "empirical":
      return { min: Math.min(...spec.values), max: Math.max(...spec.values) };
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
    case "normal": {
      if (spec.min === undefined && spec.max === undefined) {
        return spec.mean + spec.sd * normalQuantile(q);
      }
      const [a, b] = standardBounds(spec.mean, spec.sd, spec.min, spec.max);
      // Bounds truncate the normal: map q into the probability range the bounds keep, on the
      // side of the mean where that range keeps its digits.
      const mass = normalMass(a, b);
      const z =
        a > 0
          ? -normalQuantile(clamp01(upperTail(a) - q * mass))
          : normalQuantile(clamp01(upperTail(-a) + q * mass));
      const x = spec.mean + spec.sd * z;
      return Math.min(spec.max ?? x, Math.max(spec.min ?? x, x));
    }
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

/**
 * P(Z > x) for a standard normal Z, to a relative error below 1.2e-7 everywhere, tails included
 * (erfc by the Chebyshev fit of Numerical Recipes' `erfcc`).
 */
export function normalUpperTail(x: number): number {
  return upperTail(x);
}

function upperTail(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Mass of the standard normal on [a, b], from the tail nearer the window so no digits cancel. */
function normalMass(a: number, b: number): number {
  return a > 0 ? upperTail(a) - upperTail(b) : upperTail(-b) - upperTail(-a);
}

function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** The bounds of a normal in standard units; min above max is a misuse and throws. */
function standardBounds(mean: number, sd: number, min?: number, max?: number): [number, number] {
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  if (!(lo <= hi)) {
    throw new RangeError(`sampler: normal: expected min <= max, got min ${lo} and max ${hi}`);
  }
  return [(lo - mean) / sd, (hi - mean) / sd];
}

function truncatedNormalSampler(mean: number, sd: number, lo: number, hi: number): Sampler {
  const [a, b] = standardBounds(mean, sd, lo, hi);
  const fallback = Math.min(hi, Math.max(lo, mean));
  if (normalMass(a, b) >= PLAIN_REJECTION_MASS) {
    return (rng) => {
      for (let i = 0; i < MAX_REJECTIONS; i++) {
        const x = mean + sd * standardNormal(rng);
        if (x >= lo && x <= hi) return x;
      }
      return fallback;
    };
  }
  // Little mass inside: draw a standard normal restricted to a window on the upper side of 0
  // (mirroring a window below 0), by Robert's (1995) proposals.
  const sign = b <= 0 ? -1 : 1;
  const from = sign > 0 ? a : -b;
  const to = sign > 0 ? b : -a;
  const draw = windowedNormal(from, to);
  return (rng) => {
    for (let i = 0; i < MAX_REJECTIONS; i++) {
      const z = draw(rng);
      if (!Number.isNaN(z)) return Math.min(hi, Math.max(lo, mean + sd * sign * z));
    }
    return fallback;
  };
}

/**
 * One proposal for a standard normal restricted to [from, to], with to > 0: the accepted value,
 * or NaN when rejected. A window containing 0 or short for its distance from 0 is proposed
 * uniformly; a long window in the tail by a shifted exponential of the optimal rate.
 */
function windowedNormal(from: number, to: number): Sampler {
  const nearest = Math.max(0, from); // Where the density peaks in the window.
  if (from <= 0 || (to - from) * from <= 1) {
    const width = to - from;
    return (rng) => {
      const z = from + width * rng.next();
      return rng.next() <= Math.exp((nearest * nearest - z * z) / 2) ? z : Number.NaN;
    };
  }
  const rate = (from + Math.sqrt(from * from + 4)) / 2;
  return (rng) => {
    const z = from - Math.log(1 - rng.next()) / rate;
    const accept = Math.exp(-((z - rate) ** 2) / 2);
    return rng.next() <= accept && z <= to ? z : Number.NaN;
  };
}

function truncatedNormalMean(mean: number, sd: number, min?: number, max?: number): number {
  const [a, b] = standardBounds(mean, sd, min, max);
  const pa = Number.isFinite(a) ? normalPdf(a) : 0;
  const pb = Number.isFinite(b) ? normalPdf(b) : 0;
  const mass = normalMass(a, b);
  return mass > 0
    ? mean + (sd * (pa - pb)) / mass
    : Math.min(max ?? mean, Math.max(min ?? mean, mean));
}
