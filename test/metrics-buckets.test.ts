// Spreading an interval over fixed time buckets, against a brute-force sum of small steps.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addOverBuckets, bucketOf } from "../src/metrics/buckets.ts";

const LONG = process.env.AGENTSIM_LONG ? 20 : 1;

describe("addOverBuckets", () => {
  it("walks every bucket even where (k+1)·bucketS floors back into bucket k (hand count)", () => {
    // 240 buckets of 1/12 s: 8.0833.. / (1/12) floors to 96.99.. -> 96. The walk must go on.
    const series = new Float64Array(240);
    addOverBuckets(series, 1, 0, 20 / 240, 8, 14, 20);
    expect(series[100]).toBeCloseTo(20 / 12, 9);
    expect(series[160]).toBeCloseTo(20 / 12, 9);
    expect(series.reduce((a, b) => a + b, 0)).toBeCloseTo(120, 9);
  });

  it("writes one tenant's column of an interleaved series, and the last bucket takes the rest", () => {
    const series = new Float64Array(4 * 2); // 4 buckets of 1 s, 2 tenants
    addOverBuckets(series, 2, 1, 1, 2.5, 6, 1); // 0.5 in bucket 2, 3 in the last (3..6)
    expect([...series]).toEqual([0, 0, 0, 0, 0, 0.5, 0, 3]);
  });

  it("adds rate × overlap to each bucket: the same as a brute-force sum (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.double({ min: 0.001, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (buckets, bucketS, a, b) => {
          const horizon = buckets * bucketS;
          const startS = Math.min(a, b) * horizon;
          const endS = Math.max(a, b) * horizon;
          const series = new Float64Array(buckets);
          addOverBuckets(series, 1, 0, bucketS, startS, endS, 2);
          for (let k = 0; k < buckets; k++) {
            const low = k * bucketS;
            const high = k === buckets - 1 ? Number.POSITIVE_INFINITY : (k + 1) * bucketS;
            const overlap = Math.max(0, Math.min(endS, high) - Math.max(startS, low));
            expect(series[k]).toBeCloseTo(2 * overlap, 6);
          }
        },
      ),
      { numRuns: 300 * LONG },
    );
  });
});

describe("bucketOf", () => {
  it("clamps to the last bucket", () => {
    expect(bucketOf(0, 1, 4)).toBe(0);
    expect(bucketOf(3.5, 1, 4)).toBe(3);
    expect(bucketOf(99, 1, 4)).toBe(3);
  });
});
