import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { littlesLaw, saturation, TimeWeightedAverage } from "../src/metrics/index.ts";

/** AGENTSIM_LONG=1 runs every property twenty times as long. */
const LONG = process.env.AGENTSIM_LONG ? 20 : 1;

/** A step function: the level becomes `level` at `timeS`; times ascending. */
const steps = fc
  .array(
    fc.record({
      dtS: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true })),
      level: fc.integer({ min: -3, max: 20 }),
    }),
    { maxLength: 80, size: "max" },
  )
  .map((raw) => {
    let timeS = 0;
    return raw.map(({ dtS, level }) => {
      timeS += dtS;
      return { timeS, level };
    });
  });

/** The integral of the step function over [fromS, toS], segment by segment. */
function directIntegral(
  changes: readonly { timeS: number; level: number }[],
  fromS: number,
  toS: number,
): number {
  const overlap = (a: number, b: number) => Math.max(0, Math.min(b, toS) - Math.max(a, fromS));
  let integral = 0;
  let level = 0;
  let since = Number.NEGATIVE_INFINITY;
  for (const change of changes) {
    integral += level * overlap(since, change.timeS);
    level = change.level;
    since = change.timeS;
  }
  return integral + level * overlap(since, toS);
}

describe("TimeWeightedAverage", () => {
  it("equals the direct integral of the step function over the window over its length", () => {
    fc.assert(
      fc.property(
        steps,
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 200, noNaN: true }),
        (changes, fromS, lengthS) => {
          const toS = fromS + lengthS;
          const average = new TimeWeightedAverage({ fromS, toS });
          for (const { timeS, level } of changes) average.set(timeS, level);
          const expected = directIntegral(changes, fromS, toS);
          const last = changes.length === 0 ? 0 : changes[changes.length - 1].timeS;
          const atS = Math.max(toS, last);
          expect(average.integral(atS)).toBeCloseTo(expected, 6);
          expect(average.mean(atS)).toBeCloseTo(expected / lengthS, 6);
        },
      ),
      { numRuns: 300 * LONG },
    );
  });

  it("averages over the elapsed part when asked before the window ends", () => {
    const average = new TimeWeightedAverage({ fromS: 0, toS: 100 });
    average.set(0, 4);
    average.set(10, 0);
    expect(average.mean(20)).toBe(2);
    expect(average.mean()).toBeCloseTo(0.4, 15);
  });

  it("tracks the largest level held inside the window, ignoring levels outside it", () => {
    const average = new TimeWeightedAverage({ fromS: 10, toS: 20, initialLevel: 3 });
    average.set(5, 50); // before the window, but held into it until 11
    average.set(11, 1);
    average.set(25, 99); // after the window
    expect(average.max).toBe(50);
    const late = new TimeWeightedAverage({ fromS: 10, toS: 20 });
    late.set(1, 7);
    late.advanceTo(20);
    expect(late.max).toBe(7);
  });

  it("supports +1/-1 updates for counts and gives utilization as busy slots / slots", () => {
    const busy = new TimeWeightedAverage({ toS: 10 });
    busy.add(0, 1);
    busy.add(2, 1);
    busy.add(6, -1);
    busy.add(8, -1);
    const slots = 2;
    expect(busy.mean() / slots).toBeCloseTo((2 * 1 + 4 * 2 + 2 * 1) / 10 / slots, 15);
  });

  it("throws on misuse: backwards time, empty window, non-finite level", () => {
    const average = new TimeWeightedAverage({ toS: 10 });
    average.set(5, 1);
    expect(() => average.set(4, 1)).toThrow(/TimeWeightedAverage.set: timeS: expected >= 5/);
    expect(() => average.set(6, Number.NaN)).toThrow(/level: expected a finite number/);
    expect(() => new TimeWeightedAverage({ fromS: 3, toS: 3 })).toThrow(/fromS < toS/);
  });
});

describe("littlesLaw", () => {
  it("balances on a deterministic queue: one arrival a second, each waiting 0.5 s", () => {
    const waiting = new TimeWeightedAverage({ fromS: 0, toS: 100 });
    for (let i = 0; i < 100; i++) {
      waiting.add(i, 1);
      waiting.add(i + 0.5, -1);
    }
    const check = littlesLaw({
      arrivals: 100,
      windowS: 100,
      meanWaitS: 0.5,
      meanNumberWaiting: waiting.mean(),
    });
    expect(check.lhs).toBeCloseTo(0.5, 12);
    expect(check.rhs).toBe(0.5);
    expect(check.relativeError).toBeLessThan(1e-12);
  });

  it("reports the error relative to the larger side, 0 when both are 0", () => {
    expect(littlesLaw({ arrivals: 10, windowS: 10, meanWaitS: 2, meanNumberWaiting: 1 })).toEqual({
      lhs: 1,
      rhs: 2,
      relativeError: 0.5,
    });
    const idle = littlesLaw({
      arrivals: 0,
      windowS: 10,
      meanWaitS: Number.NaN,
      meanNumberWaiting: 0,
    });
    expect(idle.relativeError).toBe(0);
    expect(() =>
      littlesLaw({ arrivals: 1, windowS: 0, meanWaitS: 1, meanNumberWaiting: 1 }),
    ).toThrow(/littlesLaw: windowS: expected a finite number > 0, got 0/);
  });
});

describe("saturation", () => {
  const stable = {
    offeredPerS: 1,
    servedPerS: 1,
    meanServiceS: 4,
    capacitySlots: 8,
    earlyQueue: 0.4,
    lateQueue: 0.5,
    backlogAtEnd: 3,
    arrivals: 1000,
  };

  it("calls a stable queue at half load unsaturated", () => {
    expect(saturation(stable)).toEqual({
      saturated: false,
      reason: "none",
      offeredPerS: 1,
      servedPerS: 1,
      rho: 0.5,
    });
  });

  it("calls offered load at or above capacity saturated, whatever the queue did", () => {
    const verdict = saturation({ ...stable, offeredPerS: 2, servedPerS: 1.9 });
    expect(verdict.saturated).toBe(true);
    expect(verdict.reason).toBe("offered-load");
    expect(verdict.rho).toBe(1);
  });

  it("calls a linearly growing backlog saturated even when ρ < 1 (rate limits, outages)", () => {
    const verdict = saturation({
      ...stable,
      servedPerS: 0.8,
      earlyQueue: 25,
      lateQueue: 75,
      backlogAtEnd: 200,
    });
    expect(verdict).toMatchObject({ saturated: true, reason: "growing-backlog" });
  });

  it("does not call a burst at the end saturated when little is left behind", () => {
    expect(
      saturation({ ...stable, earlyQueue: 0.2, lateQueue: 3, backlogAtEnd: 20 }).saturated,
    ).toBe(false);
  });
});
