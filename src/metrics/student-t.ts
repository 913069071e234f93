/**
 * Student t and normal quantiles, computed by inverting their distribution functions.
 *
 * The t CDF comes from the regularized incomplete beta function (continued fraction, Lentz's
 * method), the normal CDF from the regularized incomplete gamma function; both are inverted by
 * bisection to a relative width of 1e-14, which is deterministic and needs no tables. For
 * df above 1e5, where log-gamma differences lose digits, the Cornish-Fisher expansion
 * (Abramowitz & Stegun 26.7.5, four terms) is exact to well below 1e-12.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];
const LARGE_DF = 1e5;
const CF_EPSILON = 1e-16;
const CF_TINY = 1e-300;
const CF_MAX_ITERATIONS = 1000;

/** Natural log of the gamma function for x > 0 (Lanczos, g = 7, n = 9; ~15 digits). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the series in its accurate range.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let series = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) series += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/** Regularized incomplete beta I_x(a, b) for x in [0, 1], a, b > 0. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x),
  );
  // The continued fraction converges fast only below the mean; use the symmetry above it.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < CF_TINY) d = CF_TINY;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= CF_MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let term = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + term * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + term / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    result *= d * c;
    term = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + term * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + term / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    const step = d * c;
    result *= step;
    if (Math.abs(step - 1) < CF_EPSILON) break;
  }
  return result;
}

/** Regularized upper incomplete gamma Q(a, x) for a > 0, x >= 0. */
export function incompleteGammaUpper(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    // Series for P(a, x), then Q = 1 - P.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n <= CF_MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * CF_EPSILON) break;
    }
    return 1 - front * sum;
  }
  // Continued fraction for Q(a, x) (Lentz).
  let b = x + 1 - a;
  let c = 1 / CF_TINY;
  let d = 1 / b;
  let result = d;
  for (let i = 1; i <= CF_MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = b + an / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    const step = d * c;
    result *= step;
    if (Math.abs(step - 1) < CF_EPSILON) break;
  }
  return front * result;
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  const tail = normalUpperTail(Math.abs(x));
  return x >= 0 ? 1 - tail : tail;
}

/** Student t CDF with `df` > 0 degrees of freedom (df may be fractional or Infinity). */
export function studentTCdf(t: number, df: number): number {
  const tail = studentTUpperTail(Math.abs(t), df);
  return t >= 0 ? 1 - tail : tail;
}

/** P(Z > x) for x >= 0, computed directly so that small tails keep their digits. */
function normalUpperTail(x: number): number {
  return 0.5 * incompleteGammaUpper(0.5, (x * x) / 2);
}

/** P(T > t) for t >= 0. */
function studentTUpperTail(t: number, df: number): number {
  if (df === Number.POSITIVE_INFINITY) return normalUpperTail(t);
  return 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Standard normal quantile Φ⁻¹(p) for p in (0, 1). */
export function normalQuantile(p: number): number {
  checkProbability("normalQuantile", p);
  return invertSymmetric(p, normalUpperTail);
}

/**
 * Student t quantile for probability p in (0, 1) and `df` > 0 degrees of freedom (Infinity
 * gives the normal quantile); e.g. `studentTQuantile(0.975, 9)` ≈ 2.262.
 */
export function studentTQuantile(p: number, df: number): number {
  checkProbability("studentTQuantile", p);
  if (!(df > 0)) {
    throw new RangeError(`studentTQuantile: df: expected a number > 0, got ${df}`);
  }
  if (df === Number.POSITIVE_INFINITY) return normalQuantile(p);
  if (df > LARGE_DF) return cornishFisher(normalQuantile(p), df);
  return invertSymmetric(p, (t) => studentTUpperTail(t, df));
}

function checkProbability(name: string, p: number): void {
  if (!(p > 0 && p < 1)) {
    throw new RangeError(`${name}: p: expected a probability in (0, 1), got ${p}`);
  }
}

/**
 * Inverts a distribution symmetric about 0, given its upper tail on [0, ∞), by bisection:
 * the tail is matched rather than the CDF so that p near 0 or 1 keeps its precision.
 */
function invertSymmetric(p: number, upperTail: (x: number) => number): number {
  if (p === 0.5) return 0;
  const tail = p > 0.5 ? 1 - p : p;
  let lo = 0;
  let hi = 1;
  while (upperTail(hi) > tail && hi < 1e300) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 2000 && hi - lo > 1e-14 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (upperTail(mid) > tail) lo = mid;
    else hi = mid;
  }
  const x = 0.5 * (lo + hi);
  return p > 0.5 ? x : -x;
}

function cornishFisher(z: number, df: number): number {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}
