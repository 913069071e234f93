import fc from "fast-check";
import { encodeIntoCompressedBase64, Float64Histogram } from "hdr-histogram-js";
import { describe, expect, it } from "vitest";
import { Histogram, nearestRank } from "../src/metrics/index.ts";

/** AGENTSIM_LONG=1 runs every property twenty times as long. */
const LONG = process.env.AGENTSIM_LONG ? 20 : 1;

/** Seconds as the simulator produces them: many exact zeros, sub-millisecond waits, long tails. */
const valueS = fc.oneof(
  fc.constant(0),
  fc.double({ min: 0, max: 0.002, noNaN: true }),
  fc.double({ min: 0, max: 30, noNaN: true }),
  fc.double({ min: 0, max: 1e5, noNaN: true }),
);
const values = fc.array(valueS, { minLength: 1, maxLength: 400 });

/** The nearest-rank quantile the histogram promises to approximate. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[nearestRank(q, sorted.length) - 1];
}

function histogramOf(xs: readonly number[]): Histogram {
  const h = new Histogram();
  for (const x of xs) h.record(x);
  return h;
}

describe("Histogram", () => {
  it("keeps quantiles within 0.5 µs + value/1024 of the exact quantile, in [min, max]", () => {
    fc.assert(
      fc.property(values, fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
        const h = histogramOf(xs);
        const sorted = [...xs].sort((a, b) => a - b);
        for (const p of [q, 0, 0.5, 0.95, 0.99, 1]) {
          const exact = exactQuantile(sorted, p);
          const got = h.quantile(p);
          expect(got).toBeGreaterThanOrEqual(exact - 0.5e-6 - 1e-12);
          expect(got).toBeLessThanOrEqual(exact + 0.5e-6 + exact / 1024 + 1e-12);
          expect(got).toBeGreaterThanOrEqual(sorted[0]);
          expect(got).toBeLessThanOrEqual(sorted[sorted.length - 1]);
        }
      }),
      { numRuns: 300 * LONG },
    );
  });

  it("keeps count, min and max exact and the mean exact at microsecond resolution", () => {
    fc.assert(
      fc.property(values, (xs) => {
        const h = histogramOf(xs);
        expect(h.count).toBe(xs.length);
        expect(h.min).toBe(Math.min(...xs));
        expect(h.max).toBe(Math.max(...xs));
        const sumUs = xs.reduce((s, x) => s + Math.round(x * 1e6), 0);
        expect(h.sumS).toBe(sumUs / 1e6);
        const directMean = xs.reduce((s, x) => s + x, 0) / xs.length;
        expect(Math.abs(h.mean - directMean)).toBeLessThanOrEqual(0.5e-6 + 1e-9 * directMean);
      }),
      { numRuns: 200 * LONG },
    );
  });

  it("puts each value in the same bucket as HdrHistogram's own recordValue", () => {
    const microseconds = fc.oneof(
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 0, max: 2 ** 32 + 5 }),
      fc.integer({ min: 0, max: 1e12 }),
      fc
        .integer({ min: 0, max: 39 })
        .chain((p) => fc.integer({ min: -1, max: 1 }).map((d) => Math.max(0, 2 ** p + d))),
    );
    fc.assert(
      fc.property(fc.array(microseconds, { minLength: 1, maxLength: 200 }), (us) => {
        const ours = new Histogram();
        const reference = new Float64Histogram(1, 1e12, 3);
        for (const u of us) {
          ours.record(u / 1e6);
          reference.recordValue(Math.round((u / 1e6) * 1e6));
        }
        reference.establishInternalTackingValues();
        expect(ours.toJSON().counts).toBe(encodeIntoCompressedBase64(reference));
      }),
      { numRuns: 200 * LONG },
    );
  });

  it("merges into exactly what recording the union gives, in either order", () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const union = JSON.stringify(histogramOf([...a, ...b]));
        expect(JSON.stringify(histogramOf(a).merge(histogramOf(b)))).toBe(union);
        expect(JSON.stringify(histogramOf(b).merge(histogramOf(a)))).toBe(union);
      }),
      { numRuns: 100 * LONG },
    );
  });

  it("round-trips through JSON with byte-identical output and equal statistics", () => {
    fc.assert(
      fc.property(values, (xs) => {
        const h = histogramOf(xs);
        const text = JSON.stringify(h);
        const back = Histogram.fromJSON(JSON.parse(text));
        expect(JSON.stringify(back)).toBe(text);
        expect(back.count).toBe(h.count);
        expect(back.mean).toBe(h.mean);
        expect(back.min).toBe(h.min);
        expect(back.max).toBe(h.max);
        for (const q of [0, 0.5, 0.9, 0.99, 1]) expect(back.quantile(q)).toBe(h.quantile(q));
      }),
      { numRuns: 100 * LONG },
    );
  });

  it("keeps the microsecond sum exact past 2^53 µs, whatever the merge order", () => {
    const big = new Histogram({ highestS: 1e9 });
    for (let i = 0; i < 20; i++) big.record(9e8); // 1.8e16 µs in total, beyond 2^53
    const other = new Histogram({ highestS: 1e9 });
    other.record(1e-6);
    const left = big.clone().merge(other);
    const right = other.clone().merge(big);
    expect(left.toJSON().sumUs).toBe("18000000000000001");
    expect(JSON.stringify(right)).toBe(JSON.stringify(left));
    expect(Histogram.fromJSON(left.toJSON()).toJSON().sumUs).toBe("18000000000000001");
  });

  it("gives a CDF that is 0 below min, 1 from max, monotone and within a bucket of exact", () => {
    fc.assert(
      fc.property(values, fc.array(valueS, { maxLength: 20 }), (xs, points) => {
        const h = histogramOf(xs);
        const sorted = [...points].sort((a, b) => a - b);
        const cdf = h.cdf(sorted);
        let previous = 0;
        for (const { valueS: p, fraction } of cdf) {
          expect(fraction).toBeGreaterThanOrEqual(previous);
          previous = fraction;
          const atOrBelow = (limit: number) => xs.filter((x) => x <= limit).length / xs.length;
          expect(fraction).toBeGreaterThanOrEqual(atOrBelow(p * (1 - 1 / 1024) - 1e-6));
          expect(fraction).toBeLessThanOrEqual(atOrBelow(p * (1 + 1 / 1024) + 1e-6));
          if (p < h.min) expect(fraction).toBe(0);
          if (p >= h.max) expect(fraction).toBe(1);
        }
      }),
      { numRuns: 150 * LONG },
    );
  });

  it("ranks decimal quantiles as written: p07 of 100 values is the 7th, p95 of 20 the 19th", () => {
    expect(nearestRank(0.07, 100)).toBe(7);
    expect(nearestRank(0.95, 20)).toBe(19);
    expect(nearestRank(0.5, 3)).toBe(2);
    expect(nearestRank(0, 10)).toBe(1);
    expect(nearestRank(1, 10)).toBe(10);
    const h = histogramOf(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(h.quantile(0.07)).toBeCloseTo(7, 3);
  });

  it("handles zeros: all-zero waits give zero quantiles and mean", () => {
    const h = histogramOf([0, 0, 0, 0]);
    expect([h.quantile(0), h.quantile(0.5), h.quantile(1), h.mean, h.min, h.max]).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
    expect(h.cdf([0, 1])).toEqual([
      { valueS: 0, fraction: 1 },
      { valueS: 1, fraction: 1 },
    ]);
  });

  it("clamps values above range into the top bucket, counts them and keeps max exact", () => {
    const h = new Histogram({ highestS: 10 });
    for (const x of [1, 2, 50, 1e12, 3]) h.record(x);
    expect(h.overflowCount).toBe(2);
    expect(h.count).toBe(5);
    expect(h.max).toBe(1e12);
    expect(h.quantile(1)).toBe(1e12);
    expect(h.quantile(0.5)).toBeCloseTo(3, 2);
    expect(Histogram.fromJSON(h.toJSON()).overflowCount).toBe(2);
  });

  it("reports NaN statistics when empty and serializes min/max as null", () => {
    const h = new Histogram();
    expect(Number.isNaN(h.mean) && Number.isNaN(h.quantile(0.5)) && Number.isNaN(h.max)).toBe(true);
    const json = h.toJSON();
    expect([json.minS, json.maxS, json.count]).toEqual([null, null, 0]);
    expect(Histogram.fromJSON(json).count).toBe(0);
  });

  it("throws on misuse, naming the method and the limit", () => {
    const h = new Histogram();
    expect(() => h.record(-1)).toThrow(/Histogram.record: expected a finite value >= 0 s, got -1/);
    expect(() => h.record(Number.NaN)).toThrow(/got NaN/);
    expect(() => h.record(Number.POSITIVE_INFINITY)).toThrow(/got Infinity/);
    expect(() => h.quantile(1.5)).toThrow(/q in \[0, 1\]/);
    expect(() => h.merge(new Histogram({ highestS: 10 }))).toThrow(/equal constraints/);
    expect(() => new Histogram({ significantDigits: 7 })).toThrow(/significantDigits/);
    expect(() => new Histogram({ highestS: 0 })).toThrow(/highestS/);
  });

  it("supports other precisions: 2 significant digits stay within 1/128 of the value", () => {
    fc.assert(
      fc.property(values, (xs) => {
        const h = new Histogram({ significantDigits: 2 });
        for (const x of xs) h.record(x);
        const sorted = [...xs].sort((a, b) => a - b);
        for (const q of [0.5, 0.99]) {
          const exact = exactQuantile(sorted, q);
          expect(Math.abs(h.quantile(q) - exact)).toBeLessThanOrEqual(0.5e-6 + exact / 128 + 1e-12);
        }
      }),
      { numRuns: 100 * LONG },
    );
  });
});
