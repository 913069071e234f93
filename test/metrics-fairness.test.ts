import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  demandFairness,
  jainIndex,
  maxMinFairShares,
  ServiceGapTracker,
} from "../src/metrics/index.ts";

/** AGENTSIM_LONG=1 runs every property twenty times as long. */
const LONG = process.env.AGENTSIM_LONG ? 20 : 1;

describe("jainIndex", () => {
  it("is 1 for equal shares and 1/n when one tenant has everything", () => {
    expect(jainIndex([5, 5, 5, 5])).toBe(1);
    expect(jainIndex([0, 0, 9])).toBeCloseTo(1 / 3, 15);
    expect(jainIndex([7])).toBe(1);
    expect(jainIndex([1, 2, 3])).toBeCloseTo(36 / 42, 15);
  });

  it("is 1 with no values or only zeros: nobody got less than anybody else", () => {
    expect(jainIndex([])).toBe(1);
    expect(jainIndex([0, 0])).toBe(1);
  });

  it("lies in [1/n, 1] and does not change when every share is scaled", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-200, max: 1e200, noNaN: true })), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (xs, scale) => {
          const j = jainIndex(xs);
          expect(j).toBeGreaterThanOrEqual(1 / xs.length - 1e-12);
          expect(j).toBeLessThanOrEqual(1 + 1e-12);
          expect(jainIndex(xs.map((x) => x * scale))).toBeCloseTo(j, 9);
        },
      ),
      { numRuns: 200 * LONG },
    );
  });

  it("is 1/n when one of n values holds everything (hand count)", () => {
    expect(jainIndex([0, 0, 0, 12])).toBeCloseTo(0.25, 15);
  });
});

describe("maxMinFairShares", () => {
  it("water-fills by weight: a tenant asking for less than its share gets its demand, the rest is divided again", () => {
    // Capacity 100 over weights 1, 1, 2: 25, 25, 50 at first; A asks for 10, so 90 is left
    // for B and C by weight 1:2 -> 30 and 60; B asks for 40 > 30, C for 1000 > 60.
    expect(
      maxMinFairShares(100, [
        { weight: 1, demand: 10 },
        { weight: 1, demand: 40 },
        { weight: 2, demand: 1000 },
      ]),
    ).toEqual([10, 30, 60]);
  });

  it("gives every tenant its demand when capacity exceeds the total, and 0 to a tenant without demand", () => {
    expect(
      maxMinFairShares(100, [
        { weight: 1, demand: 10 },
        { weight: 3, demand: 0 },
        { weight: 1, demand: 20 },
      ]),
    ).toEqual([10, 0, 20]);
  });

  it("caps in several rounds", () => {
    // 90 over four equal weights: 22.5 each; A (5) capped -> 85/3 = 28.33; B (25) capped ->
    // 60/2 = 30; C (100) and D (100) get 30 each.
    const shares = maxMinFairShares(90, [
      { weight: 1, demand: 5 },
      { weight: 1, demand: 25 },
      { weight: 1, demand: 100 },
      { weight: 1, demand: 100 },
    ]);
    expect(shares[0]).toBe(5);
    expect(shares[1]).toBe(25);
    expect(shares[2]).toBeCloseTo(30, 12);
    expect(shares[3]).toBeCloseTo(30, 12);
  });

  it("never hands out more than the capacity nor more than a tenant's demand (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            weight: fc.double({ min: 0.1, max: 10, noNaN: true }),
            demand: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.double({ min: 0, max: 2e6, noNaN: true }),
        (tenants, capacity) => {
          const shares = maxMinFairShares(capacity, tenants);
          const total = shares.reduce((a, b) => a + b, 0);
          const demand = tenants.reduce((a, t) => a + t.demand, 0);
          expect(total).toBeLessThanOrEqual(capacity * (1 + 1e-9) + 1e-9);
          // Work-conserving: everything is handed out unless every demand is met.
          expect(total).toBeCloseTo(Math.min(capacity, demand), 3);
          shares.forEach((s, i) => {
            expect(s).toBeLessThanOrEqual(tenants[i]!.demand * (1 + 1e-9));
          });
        },
      ),
      { numRuns: 200 * LONG },
    );
  });

  it("refuses a weight of 0 or a negative demand, naming the tenant", () => {
    expect(() => maxMinFairShares(1, [{ weight: 0, demand: 1 }])).toThrow(
      /maxMinFairShares: tenants\[0\].weight: expected a finite number > 0, got 0/,
    );
    expect(() => maxMinFairShares(1, [{ weight: 1, demand: -1 }])).toThrow(/tenants\[0\].demand/);
  });
});

describe("demandFairness", () => {
  const tenant = (name: string, weight: number, demand: number, service: number) => ({
    name,
    weight,
    demand,
    service,
  });

  it("is low when a flood takes the quiet tenant's share (FIFO-like) and 1 when max-min fair", () => {
    // Delivered 1000. Quiet asks 200, flood asks 5000: fair shares 200 and 800.
    const fifo = demandFairness([tenant("quiet", 1, 200, 50), tenant("flood", 1, 5000, 950)]);
    // x = 50/200 = 0.25 and 950/800 = 1.1875: (1.4375)^2 / (2 (0.0625 + 1.41015625)).
    expect(fifo.jain).toBeCloseTo(1.4375 ** 2 / (2 * (0.0625 + 1.1875 ** 2)), 12);
    expect(fifo.jain!).toBeLessThan(0.9);
    expect(fifo.tenants.map((t) => t.fairShare)).toEqual([200, 800]);
    const fair = demandFairness([tenant("quiet", 1, 200, 200), tenant("flood", 1, 5000, 800)]);
    expect(fair.jain).toBe(1);
  });

  it("does not count as unfair a tenant that received less because it asked for less", () => {
    // Backlog-only measures would compare 100 with 900 and call this unfair.
    const result = demandFairness([tenant("a", 1, 100, 100), tenant("b", 1, 2000, 900)]);
    expect(result.jain).toBe(1);
  });

  it("divides by weight", () => {
    // Delivered 900, both flooding, weights 2:1 -> fair 600 and 300.
    expect(demandFairness([tenant("a", 2, 1e6, 600), tenant("b", 1, 1e6, 300)]).jain).toBe(1);
    expect(demandFairness([tenant("a", 2, 1e6, 450), tenant("b", 1, 1e6, 450)]).jain).toBeLessThan(
      0.95,
    );
  });

  it("is null with fewer than two tenants with demand, whatever the others received", () => {
    expect(demandFairness([tenant("only", 1, 500, 500)]).jain).toBeNull();
    expect(demandFairness([tenant("a", 1, 500, 400), tenant("idle", 1, 0, 0)]).jain).toBeNull();
    expect(demandFairness([]).jain).toBeNull();
  });
});

type GapEvent =
  | { kind: "start" | "stop"; tenant: number; dtS: number }
  | { kind: "service"; tenant: number; cost: number; dtS: number };

/**
 * The definition, checked by brute force: over every pair of tenants and every stretch of
 * events during which both stay backlogged, the largest |ΔW_a/w_a − ΔW_b/w_b|.
 */
function bruteForceGap(
  weights: readonly number[],
  events: readonly GapEvent[],
  fromS: number,
  toS: number,
): number {
  const n = weights.length;
  const states: boolean[][] = [];
  const times: number[] = [];
  const backlogged = new Array<boolean>(n).fill(false);
  let timeS = 0;
  for (const e of events) {
    timeS += e.dtS;
    if (e.kind === "start") backlogged[e.tenant] = true;
    if (e.kind === "stop") backlogged[e.tenant] = false;
    states.push([...backlogged]);
    times.push(timeS);
  }
  let worst = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      for (let p = 0; p < events.length; p++) {
        if (!(states[p][a] && states[p][b])) continue;
        let drift = 0;
        for (let q = p + 1; q < events.length && states[q][a] && states[q][b]; q++) {
          const e = events[q];
          if (e.kind === "service" && times[q] >= fromS && times[q] < toS) {
            if (e.tenant === a) drift += e.cost / weights[a];
            if (e.tenant === b) drift -= e.cost / weights[b];
          }
          worst = Math.max(worst, Math.abs(drift));
        }
      }
    }
  }
  return worst;
}

function replay(tracker: ServiceGapTracker, events: readonly GapEvent[]): void {
  let timeS = 0;
  for (const e of events) {
    timeS += e.dtS;
    if (e.kind === "service") tracker.service(e.tenant, e.cost, timeS);
    else if (e.kind === "start") tracker.backlogStart(e.tenant, timeS);
    else tracker.backlogStop(e.tenant, timeS);
  }
}

const scenario = fc.integer({ min: 2, max: 4 }).chain((n) =>
  fc.record({
    weights: fc.array(fc.constantFrom(0.5, 1, 2, 3), { minLength: n, maxLength: n }),
    events: fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constantFrom("start" as const, "stop" as const),
          tenant: fc.integer({ min: 0, max: n - 1 }),
          dtS: fc.constantFrom(0, 0, 0.5, 1),
        }),
        fc.record({
          kind: fc.constant("service" as const),
          tenant: fc.integer({ min: 0, max: n - 1 }),
          cost: fc.integer({ min: 0, max: 50 }),
          dtS: fc.constantFrom(0, 0, 0.5, 1),
        }),
      ),
      { maxLength: 60, size: "max" },
    ),
    fromS: fc.constantFrom(0, 2, 5),
    toS: fc.constantFrom(Number.POSITIVE_INFINITY, 10, 20),
  }),
);

describe("ServiceGapTracker", () => {
  it("agrees with a brute-force search over all jointly backlogged intervals", () => {
    fc.assert(
      fc.property(scenario, ({ weights, events, fromS, toS }) => {
        const tracker = new ServiceGapTracker({ weights, fromS, toS });
        replay(tracker, events);
        const expected = bruteForceGap(weights, events, fromS, toS);
        expect(Math.abs(tracker.maxGap - expected)).toBeLessThanOrEqual(1e-9 * (1 + expected));
        const worst = tracker.worst();
        if (expected > 0) expect(tracker.pairGap(worst.b, worst.a)).toBe(tracker.maxGap);
      }),
      { numRuns: 1000 * LONG },
    );
  });

  it("measures both directions of drift and forgets service before a joint backlog started", () => {
    const tracker = new ServiceGapTracker({ weights: [1, 2] });
    tracker.backlogStart(0, 0);
    tracker.service(0, 100, 1); // tenant 1 is idle: no pair is running yet
    tracker.backlogStart(1, 2);
    tracker.service(0, 10, 3); // D = +10
    tracker.service(1, 40, 4); // D = 10 - 20 = -10, so the range is 20
    expect(tracker.maxGap).toBe(20);
    expect(tracker.worst()).toEqual({ gap: 20, a: 0, b: 1 });
    tracker.backlogStop(1, 5);
    tracker.service(0, 1000, 6);
    expect(tracker.maxGap).toBe(20);
    expect(tracker.serviceOf(0)).toBe(1110);
  });

  it("restarts the reference when a joint backlog period starts again", () => {
    const tracker = new ServiceGapTracker({ weights: [1, 1] });
    tracker.backlogStart(0, 0);
    tracker.backlogStart(1, 0);
    tracker.service(0, 5, 1);
    tracker.backlogStop(1, 2);
    tracker.backlogStart(1, 3);
    tracker.service(1, 4, 4); // a new period: the earlier +5 does not count against this
    expect(tracker.maxGap).toBe(5);
    expect(tracker.pairGap(0, 1)).toBe(5);
  });

  it("says which tenants were backlogged inside the window", () => {
    const tracker = new ServiceGapTracker({ weights: [1, 1, 1, 1], fromS: 10, toS: 20 });
    tracker.backlogStart(0, 0);
    tracker.backlogStop(0, 5); // before the window
    tracker.backlogStart(1, 8); // running into the window
    tracker.backlogStart(2, 12);
    tracker.backlogStop(2, 12); // zero length, inside the window
    tracker.backlogStart(3, 25); // after the window
    expect([0, 1, 2, 3].map((i) => tracker.wasBacklogged(i))).toEqual([false, true, true, false]);
  });

  it("throws on misuse: time going backwards, unknown tenants, bad weights", () => {
    const tracker = new ServiceGapTracker({ weights: [1, 1] });
    tracker.service(0, 1, 5);
    expect(() => tracker.service(0, 1, 4)).toThrow(
      /ServiceGapTracker.service: timeS: expected >= 5/,
    );
    expect(() => tracker.backlogStart(2, 6)).toThrow(/tenant: expected an index 0 to 1, got 2/);
    expect(() => tracker.service(0, -1, 6)).toThrow(/cost: expected a finite number >= 0/);
    expect(() => new ServiceGapTracker({ weights: [1, 0] })).toThrow(/weights\[1\]/);
  });
});
