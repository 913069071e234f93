/**
 * Samplers against their parameters: for random parameters of every distribution, the sample
 * mean of DRAWS draws lies within a few standard errors of `distMean`, and `distQuantile(q)`
 * splits the draws as q says (P(X < x_q) <= q <= P(X <= x_q), within binomial error).
 *
 * These are statistical checks: normal runs use test/setup.ts's fixed fast-check seed (the
 * verdict is the same every run); AGENTSIM_LONG runs draw a fresh one, printed with the path on
 * failure, and AGENTSIM_SEED replays it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DistSpec,
  distMean,
  distQuantile,
  normalQuantile,
  RandomStreams,
  sampler,
} from "../src/sim/index.ts";

const LONG = process.env.AGENTSIM_LONG !== undefined;
const DRAWS = 20_000;
const SETTINGS = { numRuns: LONG ? 1000 : 125 };
const QUANTILES = [0.01, 0.1, 0.5, 0.9, 0.99];
/** Standard errors allowed: wide enough that a correct sampler essentially never fails. */
const Z = 7;

/** Standard deviation of each distribution (an upper bound for the truncated normal). */
function sd(spec: DistSpec): number {
  switch (spec.dist) {
    case "constant":
      return 0;
    case "uniform":
      return (spec.max - spec.min) / Math.sqrt(12);
    case "exponential":
      return spec.mean;
    case "normal":
      return spec.sd; // Truncation to an interval only shrinks a normal's variance.
    case "lognormal": {
      const s2 = spec.sigma * spec.sigma;
      return Math.sqrt((Math.exp(s2) - 1) * Math.exp(2 * spec.mu + s2));
    }
    case "pareto": {
      const a = spec.shape;
      return (spec.scale / (a - 1)) * Math.sqrt(a / (a - 2));
    }
    case "bernoulli":
      return Math.sqrt(spec.p * (1 - spec.p));
    case "empirical": {
      const m = distMean(spec);
      return Math.sqrt(spec.values.reduce((a, v) => a + (v - m) ** 2, 0) / spec.values.length);
    }
  }
}

function checkDistribution(spec: DistSpec, seed: number): void {
  const draw = sampler(spec);
  const rng = new RandomStreams(seed).stream("sample-test");
  const xs = new Float64Array(DRAWS);
  let sum = 0;
  for (let i = 0; i < DRAWS; i++) {
    xs[i] = draw(rng);
    sum += xs[i]!;
  }
  const mean = distMean(spec);
  const tolerance = Z * (sd(spec) / Math.sqrt(DRAWS)) + 1e-9 * (1 + Math.abs(mean));
  expect(Math.abs(sum / DRAWS - mean), `mean of ${JSON.stringify(spec)}`).toBeLessThanOrEqual(
    tolerance,
  );
  for (const q of QUANTILES) {
    const x = distQuantile(spec, q);
    let below = 0;
    let atOrBelow = 0;
    for (let i = 0; i < DRAWS; i++) {
      if (xs[i]! < x) below++;
      if (xs[i]! <= x) atOrBelow++;
    }
    const slack = Z * Math.sqrt((q * (1 - q)) / DRAWS) + 1e-6;
    const label = `q=${q} of ${JSON.stringify(spec)}`;
    expect(below / DRAWS, `P(X < x_q), ${label}`).toBeLessThanOrEqual(q + slack);
    expect(atOrBelow / DRAWS, `P(X <= x_q), ${label}`).toBeGreaterThanOrEqual(q - slack);
  }
}

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const real = (min: number, max: number) => fc.double({ min, max, noNaN: true });

const specs: Record<DistSpec["dist"], fc.Arbitrary<DistSpec>> = {
  constant: real(-1e6, 1e6).map((value) => ({ dist: "constant", value })),
  uniform: fc
    .tuple(real(-100, 100), real(1e-3, 100))
    .map(([min, width]) => ({ dist: "uniform", min, max: min + width })),
  exponential: real(1e-3, 1e3).map((mean) => ({ dist: "exponential", mean })),
  // Bounds anywhere within six sd of the mean: wide, narrow, or out in one tail.
  normal: fc
    .record({
      mean: real(-100, 100),
      sd: real(0.01, 50),
      lower: fc.option(real(-6, 6), { nil: undefined }),
      width: fc.option(real(1e-3, 12), { nil: undefined }),
    })
    .map(({ mean, sd, lower, width }) => ({
      dist: "normal",
      mean,
      sd,
      ...(lower === undefined ? {} : { min: mean + lower * sd }),
      ...(width === undefined ? {} : { max: mean + ((lower ?? -6) + width) * sd }),
    })),
  lognormal: fc
    .tuple(real(-3, 3), real(0.05, 1))
    .map(([mu, sigma]) => ({ dist: "lognormal", mu, sigma })),
  pareto: fc
    .tuple(real(0.1, 100), real(2.5, 8))
    .map(([scale, shape]) => ({ dist: "pareto", scale, shape })),
  bernoulli: real(0, 1).map((p) => ({ dist: "bernoulli", p })),
  empirical: fc
    .array(fc.oneof(fc.integer({ min: -50, max: 50 }), real(-1e3, 1e3)), {
      minLength: 1,
      maxLength: 30,
    })
    .map((values) => ({ dist: "empirical", values })),
};

describe("samplers match their distributions", () => {
  for (const [name, spec] of Object.entries(specs)) {
    it(`${name}: sample mean and quantiles agree with distMean and distQuantile`, () => {
      fc.assert(
        fc.property(spec, seed, (s, k) => checkDistribution(s, k)),
        SETTINGS,
      );
    });
  }

  it("a normal with both bounds, however narrow or far out, never draws outside them", () => {
    fc.assert(
      fc.property(
        real(-100, 100),
        real(0.01, 50),
        real(-6, 6),
        real(1e-4, 12),
        seed,
        (mean, sd, lower, width, k) => {
          const min = mean + lower * sd;
          const max = mean + (lower + width) * sd;
          const draw = sampler({ dist: "normal", mean, sd, min, max });
          const rng = new RandomStreams(k).stream("bounds");
          let outside = 0;
          for (let i = 0; i < 1000; i++) {
            const x = draw(rng);
            if (!(x >= min && x <= max)) outside++;
          }
          expect(outside).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a sampler draws the same values from streams with the same seed and name", () => {
    fc.assert(
      fc.property(fc.oneof(...Object.values(specs)), seed, (s, k) => {
        const a = sampler(s);
        const b = sampler(s);
        const r1 = new RandomStreams(k).stream("x");
        const r2 = new RandomStreams(k).stream("x");
        for (let i = 0; i < 20; i++) expect(a(r1)).toBe(b(r2));
      }),
      { numRuns: 1000 },
    );
  });

  it("normalQuantile matches printed values and is antisymmetric", () => {
    const table: [number, number][] = [
      [0.5, 0],
      [0.8413447460685429, 1],
      [0.975, 1.959963984540054],
      [0.995, 2.5758293035489],
      [0.999, 3.090232306167813],
      [1e-6, -4.753424308822899],
    ];
    for (const [p, z] of table) expect(normalQuantile(p)).toBeCloseTo(z, 7);
    fc.assert(
      fc.property(real(1e-9, 0.5), (p) => {
        expect(normalQuantile(p) + normalQuantile(1 - p)).toBeCloseTo(0, 6);
      }),
      { numRuns: 1000 },
    );
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(() => normalQuantile(1.5)).toThrow(/normalQuantile/);
  });

  it("a normal whose min is above its max is a misuse and throws when compiled", () => {
    expect(() => sampler({ dist: "normal", mean: 0, sd: 1, min: 1, max: 0 })).toThrow(
      /expected min <= max/,
    );
  });
});
