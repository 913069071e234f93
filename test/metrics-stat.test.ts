import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Histogram,
  normalQuantile,
  RunningMoments,
  studentTCdf,
  studentTQuantile,
} from "../src/metrics/index.ts";
import {
  FRACTION,
  isClear,
  meanWithCi95,
  NON_NEGATIVE,
  pairedComparison,
  statOf,
} from "../src/metrics/stat.ts";

/** AGENTSIM_LONG=1 runs every property twenty times as long. */
const LONG = process.env.AGENTSIM_LONG ? 20 : 1;

/** A seeded uniform generator (mulberry32), so the coverage trials are the same every run. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box-Muller from a seeded uniform generator. */
function normal(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

describe("studentTQuantile", () => {
  it("matches the printed two-sided 95% table for df 1, 2, 4, 9, 29, 120 and ∞", () => {
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [4, 2.776],
      [9, 2.262],
      [29, 2.045],
      [120, 1.98],
      [Number.POSITIVE_INFINITY, 1.96],
    ];
    for (const [df, t] of table) {
      expect(Math.abs(studentTQuantile(0.975, df) - t)).toBeLessThan(5e-4);
    }
  });

  it("matches the closed forms for df 1 and 2 and the normal quantile to 1e-10 relative", () => {
    const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    for (const p of [0.6, 0.9, 0.975, 0.995, 0.9999]) {
      expect(relative(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)))).toBeLessThan(1e-10);
      const df2 = (2 * p - 1) * Math.sqrt(2 / (4 * p * (1 - p)));
      expect(relative(studentTQuantile(p, 2), df2)).toBeLessThan(1e-10);
    }
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489, 11);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 9);
  });

  it("inverts the t CDF and is antisymmetric, for any p and df", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }),
        fc.oneof(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0.5, max: 1e4, noNaN: true })),
        (p, df) => {
          const t = studentTQuantile(p, df);
          expect(Math.abs(studentTCdf(t, df) - p)).toBeLessThan(1e-9 * Math.max(1, 1 / p));
          const mirrored = studentTQuantile(1 - p, df);
          expect(Math.abs(mirrored + t)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(t)));
        },
      ),
      { numRuns: 200 * LONG },
    );
  });

  it("joins the large-df expansion continuously at df = 1e5 and approaches the normal", () => {
    expect(
      Math.abs(studentTQuantile(0.975, 1e5) - studentTQuantile(0.975, 1e5 + 1e-6)),
    ).toBeLessThan(1e-9);
    expect(studentTQuantile(0.975, 1e9)).toBeCloseTo(normalQuantile(0.975), 8);
  });

  it("rejects probabilities outside (0, 1) and df <= 0", () => {
    expect(() => studentTQuantile(1, 3)).toThrow(/studentTQuantile: p: expected a probability/);
    expect(() => studentTQuantile(0.5, 0)).toThrow(/df: expected a number > 0, got 0/);
  });
});

describe("RunningMoments", () => {
  it("agrees with the two-pass mean and sample variance", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 100 }),
        (xs) => {
          const m = RunningMoments.of(xs);
          const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
          const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
          expect(m.count).toBe(xs.length);
          expect(Math.abs(m.mean - mean)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(mean)));
          expect(Math.abs(m.variance - variance)).toBeLessThanOrEqual(1e-7 * (1 + variance));
        },
      ),
      { numRuns: 200 * LONG },
    );
  });

  it("keeps its digits when the spread is tiny against the mean", () => {
    const m = RunningMoments.of([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
    expect(m.variance).toBeCloseTo(30, 9);
  });

  it("reports NaN variance below two observations", () => {
    expect(Number.isNaN(RunningMoments.of([3]).variance)).toBe(true);
    expect(Number.isNaN(new RunningMoments().mean)).toBe(true);
  });
});

describe("confidence intervals", () => {
  it("cover the true mean about 95% of the time on normal samples (n = 2, 5, 30)", () => {
    const draw = normal(20240607);
    for (const n of [2, 5, 30]) {
      const trials = 2000;
      let covered = 0;
      for (let trial = 0; trial < trials; trial++) {
        const xs = Array.from({ length: n }, () => 10 + 3 * draw());
        const { ci95 } = meanWithCi95(xs);
        if (ci95 !== null && ci95[0] <= 10 && 10 <= ci95[1]) covered++;
      }
      // Binomial standard error at 2000 trials is 0.5%; allow four of them.
      expect(Math.abs(covered / trials - 0.95)).toBeLessThan(0.02);
    }
  });

  it("give no interval for one replication (n says why) and skip NaN replications", () => {
    expect(meanWithCi95([4])).toEqual({ mean: 4, ci95: null, truncated: false, n: 1 });
    expect(meanWithCi95([Number.NaN, 4])).toEqual({ mean: 4, ci95: null, truncated: false, n: 1 });
    const none = meanWithCi95([]);
    expect(Number.isNaN(none.mean) && none.n === 0 && none.ci95 === null).toBe(true);
  });

  it("are cut at 0 for non-negative quantities, and at 1 for fractions, and say so", () => {
    // By hand: [0.1, 0.2, 3.0] has mean 1.1, sample variance 2.71, t(0.975, 2) = 4.303 (table),
    // half-width 4.303 * sqrt(2.71 / 3) = 4.0897, so the t interval is [-2.99, 5.19].
    const raw = meanWithCi95([0.1, 0.2, 3.0]);
    expect(raw.ci95![0]).toBeCloseTo(1.1 - 4.0897, 3);
    expect(raw.truncated).toBe(false);
    const cut = meanWithCi95([0.1, 0.2, 3.0], NON_NEGATIVE);
    expect(cut.ci95![0]).toBe(0);
    expect(cut.ci95![1]).toBeCloseTo(1.1 + 4.0897, 3);
    expect(cut.truncated).toBe(true);
    // [0.9, 1, 1]: mean 0.96667, variance 1/300, half-width 4.303 * sqrt(1/900) = 0.14343.
    const fraction = meanWithCi95([0.9, 1, 1], FRACTION);
    expect(fraction.ci95![0]).toBeCloseTo(0.96667 - 0.14343, 4);
    expect(fraction.ci95![1]).toBe(1);
    expect(fraction.truncated).toBe(true);
    // An interval inside the range is left as it is.
    expect(meanWithCi95([4, 5, 6], NON_NEGATIVE).truncated).toBe(false);
  });

  it("pair replications: a constant shift has a zero-width interval, clear when it is not 0", () => {
    const a = [3, 8, 1, 7];
    const b = a.map((x) => x - 2);
    expect(pairedComparison(a, b)).toEqual({ diff: 2, ci95: [2, 2], n: 4, clear: true });
    const c = pairedComparison([1, 2, 3], [1, 1, 1]);
    // Differences 0, 1, 2: mean 1, variance 1, half-width 4.303 / sqrt(3) = 2.484 (table t).
    expect(c.diff).toBe(1);
    expect(c.ci95![0]).toBeCloseTo(1 - 2.4843, 3);
    expect(c.clear).toBe(false);
    expect(() => pairedComparison([1], [1, 2])).toThrow(
      /pairedComparison: expected as many b values/,
    );
  });

  it("pair one replication: no interval, nothing clear, however large the difference", () => {
    expect(pairedComparison([100], [1])).toEqual({ diff: 99, ci95: null, n: 1, clear: false });
    expect(isClear(null)).toBe(false);
    expect(isClear([0.1, 2])).toBe(true);
    expect(isClear([-2, -0.1])).toBe(true);
    expect(isClear([-0.1, 2])).toBe(false);
  });
});

describe("statOf", () => {
  it("averages replication means and percentiles, takes the largest max, CIs the means", () => {
    const reps = [
      [1, 2, 3, 4],
      [2, 4, 6, 8],
      [0, 0, 0, 12],
    ].map((xs) => {
      const h = new Histogram();
      for (const x of xs) h.record(x);
      return h;
    });
    const stat = statOf(reps);
    expect(stat.mean).toBeCloseTo((2.5 + 5 + 3) / 3, 12);
    expect(stat.p50).toBeCloseTo((2 + 4 + 0) / 3, 2);
    expect(stat.max).toBe(12);
    expect(stat.ci95).toEqual(meanWithCi95([2.5, 5, 3]).ci95);
    expect(stat.n).toBe(3);
  });

  it("cuts the interval of the mean at 0: a time is never negative", () => {
    const reps = [[0.01], [0.02], [9]].map((xs) => {
      const h = new Histogram();
      for (const x of xs) h.record(x);
      return h;
    });
    const stat = statOf(reps);
    expect(stat.ci95![0]).toBe(0);
    expect(stat.truncated).toBe(true);
  });

  it("gives no interval for one replication and leaves out replications that saw nothing", () => {
    const h = new Histogram();
    h.record(2);
    const stat = statOf([h, new Histogram()]);
    expect(stat).toEqual({
      mean: 2,
      p50: 2,
      p95: 2,
      p99: 2,
      max: 2,
      ci95: null,
      truncated: false,
      n: 1,
    });
    expect(Number.isNaN(statOf([new Histogram()]).mean)).toBe(true);
  });
});
