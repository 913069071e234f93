import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LevelSeries, SumSeries } from "../src/metrics/index.ts";

/** AGENTSIM_LONG=1 runs every property twenty times as long. */
const LONG = process.env.AGENTSIM_LONG ? 20 : 1;

const shape = fc.record({
  endS: fc.oneof(fc.constant(1200), fc.double({ min: 0.5, max: 1e4, noNaN: true })),
  buckets: fc.oneof(fc.constant(240), fc.integer({ min: 1, max: 500 })),
});

describe("SumSeries", () => {
  it("conserves the total: the buckets plus the overflow add up to everything added", () => {
    fc.assert(
      fc.property(
        shape,
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 2, noNaN: true }), fc.integer({ min: 0, max: 1e6 })),
          {
            maxLength: 300,
            size: "max",
          },
        ),
        ({ endS, buckets }, adds) => {
          const series = new SumSeries({ endS, buckets });
          let total = 0;
          let beyond = 0;
          for (const [fraction, amount] of adds) {
            series.add(fraction * endS, amount);
            total += amount;
            if (fraction * endS >= endS) beyond += amount;
          }
          const json = series.toJSON();
          expect(json.sum.length).toBe(buckets);
          expect(json.sum.reduce((s, x) => s + x, 0) + json.overflow).toBe(total);
          expect(json.overflow).toBe(beyond);
          expect(series.total).toBe(total);
        },
      ),
      { numRuns: 300 * LONG },
    );
  });

  it("puts an amount in the bucket whose half-open interval holds its time", () => {
    const series = new SumSeries({ endS: 10, buckets: 5 });
    series.add(0, 1);
    series.add(1.999, 2);
    series.add(2, 4);
    series.add(9.999, 8);
    series.add(10, 16);
    expect(series.toJSON()).toEqual({
      kind: "sum",
      endS: 10,
      buckets: 5,
      sum: [3, 4, 0, 0, 8],
      overflow: 16,
    });
  });

  it("averages replications bucket by bucket, the same bits for the same parts", () => {
    const a = new SumSeries({ endS: 4, buckets: 2 });
    const b = new SumSeries({ endS: 4, buckets: 2 });
    a.add(1, 10);
    b.add(3, 6);
    b.add(5, 2);
    const average = SumSeries.average([a.toJSON(), b.toJSON()]);
    expect(average).toEqual({ kind: "sum", endS: 4, buckets: 2, sum: [5, 3], overflow: 1 });
    expect(JSON.stringify(SumSeries.average(JSON.parse(JSON.stringify([a, b]))))).toBe(
      JSON.stringify(average),
    );
    expect(() => SumSeries.average([a.toJSON(), new SumSeries({ endS: 5 }).toJSON()])).toThrow(
      /SumSeries.average: parts\[1\]: expected endS 4 and 2 buckets, got 5 and 240/,
    );
  });
});

describe("LevelSeries", () => {
  it("gives each bucket the time-weighted mean of the level, conserving the integral", () => {
    fc.assert(
      fc.property(
        shape,
        fc.array(
          fc.record({
            dt: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.05, noNaN: true })),
            level: fc.integer({ min: 0, max: 50 }),
          }),
          { maxLength: 100, size: "max" },
        ),
        ({ endS, buckets }, changes) => {
          const series = new LevelSeries({ endS, buckets });
          let timeS = 0;
          let level = 0;
          let integral = 0;
          for (const change of changes) {
            const next = timeS + change.dt * endS;
            integral += level * (Math.min(next, endS) - Math.min(timeS, endS));
            series.set(next, change.level);
            timeS = next;
            level = change.level;
          }
          const end = Math.max(timeS, endS);
          integral += level * (endS - Math.min(timeS, endS));
          series.advanceTo(end);
          const json = series.toJSON();
          const width = endS / buckets;
          const area = json.mean.reduce<number>((s, m) => s + (m ?? Number.NaN) * width, 0);
          expect(area).toBeCloseTo(integral, 6);
          json.mean.forEach((m, k) => {
            expect(m).not.toBeNull();
            expect(m as number).toBeLessThanOrEqual((json.max[k] as number) + 1e-9);
          });
        },
      ),
      { numRuns: 200 * LONG },
    );
  });

  it("reports bucket means and maxima of a known queue, instantaneous spikes in max", () => {
    const series = new LevelSeries({ endS: 4, buckets: 4 });
    series.set(0.5, 2); // bucket 0: 0 for 0.5 s, 2 for 0.5 s
    series.set(1.5, 6);
    series.set(1.5, 4); // a spike of no duration still shows in max
    series.set(3, 0);
    series.advanceTo(4);
    const json = series.toJSON();
    expect(json.mean).toEqual([1, 3, 4, 0]);
    expect(json.max).toEqual([2, 6, 4, 0]);
  });

  it("leaves buckets the run never reached null, and ignores time past endS", () => {
    const series = new LevelSeries({ endS: 10, buckets: 5 });
    series.set(1, 3);
    series.advanceTo(5);
    series.set(50, 99);
    const early = new LevelSeries({ endS: 10, buckets: 5 });
    early.set(1, 3);
    early.advanceTo(5);
    expect(early.toJSON().mean).toEqual([1.5, 3, 3, null, null]);
    expect(series.toJSON().max).toEqual([3, 3, 3, 3, 3]);
  });

  it("averages replications over those that reached each bucket", () => {
    const a = new LevelSeries({ endS: 2, buckets: 2 });
    a.set(0, 2);
    a.advanceTo(2);
    const b = new LevelSeries({ endS: 2, buckets: 2 });
    b.set(0, 4);
    b.advanceTo(1);
    expect(LevelSeries.average([a.toJSON(), b.toJSON()])).toEqual({
      kind: "level",
      endS: 2,
      buckets: 2,
      mean: [3, 2],
      max: [3, 2],
    });
  });

  it("throws on misuse: backwards time, bad shape", () => {
    const series = new LevelSeries({ endS: 10 });
    series.set(3, 1);
    expect(() => series.set(2, 1)).toThrow(/LevelSeries.set: timeS: expected >= 3/);
    expect(() => new LevelSeries({ endS: 0 })).toThrow(/LevelSeries: endS/);
    expect(() => new SumSeries({ endS: 1, buckets: 0 })).toThrow(/SumSeries: buckets/);
    expect(() => new SumSeries({ endS: 1 }).add(-1, 1)).toThrow(/SumSeries.add: timeS/);
  });
});
