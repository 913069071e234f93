import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createScheduler,
  FairShareScheduler,
  type ReadyTurn,
} from "../src/runtime/scheduler/index.ts";
import { contextFor, type DriveResult, drive, type TurnSpec } from "./support/scheduler-driver.ts";

const numRuns = process.env.AGENTSIM_LONG ? 1000 : 120;

/**
 * The bound of fair-share.ts for tenants f and g on c slots:
 * B_f = A_f/w_f + (c - 1) max(U_f/w_f, O_g/w_g), B_g likewise, where A is a tenant's largest
 * actual cost, U its largest underestimate and O its largest overestimate.
 */
function fairnessBound(
  specs: readonly TurnSpec[],
  weights: readonly number[],
  c: number,
  f: number,
  g: number,
) {
  const stats = (tenant: number) => {
    const mine = specs.filter((s) => (s.tenantIndex ?? 0) === tenant);
    const cost = (s: TurnSpec) => s.cost ?? s.expectedCost ?? 1;
    const expected = (s: TurnSpec) => s.expectedCost ?? 1;
    return {
      A: Math.max(0, ...mine.map(cost)),
      U: Math.max(0, ...mine.map((s) => cost(s) - expected(s))),
      O: Math.max(0, ...mine.map((s) => expected(s) - cost(s))),
    };
  };
  const [sf, sg] = [stats(f), stats(g)];
  const [wf, wg] = [weights[f]!, weights[g]!];
  const boundF = sf.A / wf + (c - 1) * Math.max(sf.U / wf, sg.O / wg);
  const boundG = sg.A / wg + (c - 1) * Math.max(sg.U / wg, sf.O / wf);
  return { boundF, boundG };
}

/**
 * D = weighted service of f minus that of g (actual cost, counted at dispatch), after each
 * dispatch while both stay backlogged from time 0: the gap over any interval is a difference
 * of two of these values.
 */
function serviceDifferences(
  result: DriveResult,
  weights: readonly number[],
  f: number,
  g: number,
): number[] {
  const service = [0, 0];
  const differences = [0];
  for (const d of result.dispatches) {
    const tenant = d.turn.tenantIndex;
    if (tenant === f || tenant === g) {
      const cost = d.spec.cost ?? d.turn.expectedCost;
      service[tenant === f ? 0 : 1] += cost / weights[tenant]!;
    }
    differences.push(service[0]! - service[1]!);
    const left = (tenant: number) =>
      d.waiting.filter((t) => t.tenantIndex === tenant && t !== d.turn).length;
    if (left(f) === 0 || left(g) === 0) break;
  }
  return differences;
}

const weightArb = fc.constantFrom(0.5, 1, 2, 3);

/** Two to four tenants; tenants 0 and 1 start with a burst at time 0, the others come and go. */
const scenario = fc
  .record({
    weights: fc.array(weightArb, { minLength: 2, maxLength: 4 }),
    slots: fc.integer({ min: 1, max: 4 }),
    burst: fc.array(
      fc.record({
        tenantIndex: fc.integer({ min: 0, max: 1 }),
        expectedCost: fc.integer({ min: 1, max: 40 }),
      }),
      { minLength: 20, maxLength: 80, size: "max" },
    ),
    later: fc.array(
      fc.record({
        tenantIndex: fc.integer({ min: 0, max: 3 }),
        readyS: fc.integer({ min: 0, max: 60 }),
        expectedCost: fc.integer({ min: 1, max: 40 }),
      }),
      { maxLength: 60, size: "max" },
    ),
    errors: fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 140, maxLength: 140 }),
    durations: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 140, maxLength: 140 }),
    exact: fc.boolean(),
  })
  .map(({ weights, slots, burst, later, errors, durations, exact }) => {
    const specs: TurnSpec[] = [
      ...burst.map((b) => ({ ...b, readyS: 0 })),
      ...later.map((l) => ({ ...l, tenantIndex: l.tenantIndex % weights.length })),
    ].map((s, i) => ({
      ...s,
      durationS: durations[i]!,
      // The actual cost misses the estimate by up to 100% either way (never below 0).
      cost: exact
        ? s.expectedCost
        : Math.max(0, Math.round(s.expectedCost * (1 + errors[i]! / 100))),
    }));
    return { weights, slots, specs };
  });

describe("fair-share (VTC) fairness", () => {
  it("keeps the weighted service gap of continuously backlogged tenants within B_f + B_g", () => {
    fc.assert(
      fc.property(scenario, ({ weights, slots, specs }) => {
        const ctx = contextFor(weights);
        const result = drive(createScheduler("fair-share", ctx), specs, slots, ctx);
        const present = [0, 1].filter((t) =>
          specs.some((s) => s.readyS === 0 && s.tenantIndex === t),
        );
        if (present.length < 2) return;
        const { boundF, boundG } = fairnessBound(specs, weights, slots, 0, 1);
        const differences = serviceDifferences(result, weights, 0, 1);
        const tolerance = 1e-9 * (1 + boundF + boundG);
        for (const d of differences) {
          expect(d).toBeLessThanOrEqual(boundF + tolerance);
          expect(-d).toBeLessThanOrEqual(boundG + tolerance);
        }
        expect(Math.max(...differences) - Math.min(...differences)).toBeLessThanOrEqual(
          boundF + boundG + tolerance,
        );
      }),
      { numRuns },
    );
  });

  it("fifo breaks that bound: a burst from one tenant shuts out another that is backlogged all along", () => {
    // One slot, equal weights, exact estimates: the bound is 10 + 10 = 20.
    const specs: TurnSpec[] = [0, 1].flatMap((tenantIndex) =>
      Array.from({ length: 20 }, () => ({
        readyS: 0,
        durationS: 1,
        tenantIndex,
        expectedCost: 10,
      })),
    );
    const weights = [1, 1];
    const ctx = contextFor(weights);
    const { boundF, boundG } = fairnessBound(specs, weights, 1, 0, 1);
    expect(boundF + boundG).toBe(20);
    const gap = (policy: string) => {
      const differences = serviceDifferences(
        drive(createScheduler(policy, ctx), specs, 1, ctx),
        weights,
        0,
        1,
      );
      return Math.max(...differences) - Math.min(...differences);
    };
    // FIFO serves all 20 of tenant 0's turns while tenant 1 waits: a gap of 200, ten times 20.
    expect(gap("fifo")).toBe(200);
    expect(gap("fair-share")).toBeLessThanOrEqual(20);
  });

  it("comes within one small turn of the bound, so A_f/w_f + A_g/w_g cannot be lowered", () => {
    // One slot, exact costs. Tenant 0 opens with a 10, then 1s; tenant 1 has ten 1s, then a 10.
    // Counters: t0 takes the 10 (tie to the lower index); t1 catches up with ten 1s; at the tie
    // t0 takes a 1; then t1 takes its 10. Tenant 1 leads by 9 after trailing by 10: a gap of 19.
    const tenant0 = [10, ...Array(30).fill(1)];
    const tenant1 = [...Array(10).fill(1), 10, ...Array(20).fill(1)];
    const specs: TurnSpec[] = [
      ...tenant0.map((expectedCost) => ({ readyS: 0, durationS: 1, tenantIndex: 0, expectedCost })),
      ...tenant1.map((expectedCost) => ({ readyS: 0, durationS: 1, tenantIndex: 1, expectedCost })),
    ];
    const weights = [1, 1];
    const ctx = contextFor(weights);
    const differences = serviceDifferences(
      drive(createScheduler("fair-share", ctx), specs, 1, ctx),
      weights,
      1,
      0,
    );
    const { boundF, boundG } = fairnessBound(specs, weights, 1, 1, 0);
    expect(boundF + boundG).toBe(20);
    expect(Math.max(...differences) - Math.min(...differences)).toBe(19);
  });

  it("estimate errors on a turn in flight widen the gap past A_f/w_f + A_g/w_g, up to the bound", () => {
    // Two slots, equal weights; costs and estimates are 1 or 10 (U = O = 9 for both tenants), so
    // B_0 = B_1 = 10 + 1 x 9 = 19. Found by a search over small workloads, then trimmed: at 1 s
    // tenant 0 is picked on an estimate of 1 for a turn that costs 10 while tenant 1 has a turn
    // estimated at 10 that costs 1 in flight (D = +19); later the roles are reversed (D = -18).
    const turns: [tenant: number, expected: number, cost: number, durationS: number][] = [
      [0, 10, 10, 1],
      [0, 1, 10, 1],
      [0, 10, 1, 4],
      [0, 10, 1, 1],
      [0, 10, 1, 2],
      [1, 10, 1, 2],
      [1, 10, 10, 4],
      [1, 10, 10, 4],
      [1, 10, 10, 2],
      [1, 1, 10, 2],
      [0, 1, 1, 1],
    ];
    const specs: TurnSpec[] = turns.map(([tenantIndex, expectedCost, cost, durationS]) => ({
      readyS: 0,
      tenantIndex,
      expectedCost,
      cost,
      durationS,
    }));
    const weights = [1, 1];
    const ctx = contextFor(weights);
    const differences = serviceDifferences(
      drive(createScheduler("fair-share", ctx), specs, 2, ctx),
      weights,
      0,
      1,
    );
    expect(fairnessBound(specs, weights, 2, 0, 1)).toEqual({ boundF: 19, boundG: 19 });
    expect(Math.max(...differences)).toBe(19);
    expect(Math.min(...differences)).toBe(-18);
  });
});

/** A turn of `tenantIndex` with cost `expectedCost`, ready at `readyS`. */
function turn(seq: number, tenantIndex: number, expectedCost: number, readyS = 0): ReadyTurn {
  return {
    seq,
    runId: seq,
    job: `j${tenantIndex}`,
    jobIndex: tenantIndex,
    tenant: `t${tenantIndex}`,
    tenantIndex,
    priority: 0,
    readyS,
    runArrivalS: readyS,
    deadlineS: Number.POSITIVE_INFINITY,
    promptTokens: expectedCost,
    expectedCost,
    expectedDurationS: 1,
    attainedService: 0,
  };
}

const usage = (cost: number) => ({ cost, durationS: 1, promptTokens: 0, outputTokens: 0 });

describe("fair-share (VTC) accounting", () => {
  it("charges the estimate at dispatch, divided by the weight, and corrects it to the actual cost at completion", () => {
    const scheduler = new FairShareScheduler(contextFor([1, 2]));
    const a = turn(0, 1, 100);
    scheduler.enqueue(a, 0);
    expect(scheduler.pick(0)).toBe(a);
    expect(scheduler.counter(1)).toBe(50);
    scheduler.complete(a, usage(300), 1);
    expect(scheduler.counter(1)).toBe(150);
    expect(() => scheduler.complete(a, usage(300), 1)).toThrow(/none in flight/);
  });

  it("lifts a tenant that becomes backlogged to the least backlogged counter, so idle time is not banked", () => {
    const scheduler = new FairShareScheduler(contextFor([1, 1]));
    let seq = 0;
    for (let i = 0; i < 10; i++) scheduler.enqueue(turn(seq++, 0, 10), 0);
    for (let i = 0; i < 5; i++) scheduler.complete(scheduler.pick(0)!, usage(10), 0);
    expect(scheduler.counter(0)).toBe(50);
    // Tenant 1 was idle; it joins at 50, not 0, so it does not get the next 5 picks in a row.
    scheduler.enqueue(turn(seq++, 1, 10), 1);
    scheduler.enqueue(turn(seq++, 1, 10), 1);
    expect(scheduler.counter(1)).toBe(50);
    const order = Array.from({ length: 4 }, () => scheduler.pick(1)!.tenantIndex);
    expect(order).toEqual([0, 1, 0, 1]);
  });

  it("lifts to the counter of the tenant that last left when no tenant is backlogged (the paper's rule)", () => {
    const scheduler = new FairShareScheduler(contextFor([1, 1, 1]));
    scheduler.enqueue(turn(0, 0, 30), 0);
    scheduler.pick(0);
    expect(scheduler.size).toBe(0);
    scheduler.enqueue(turn(1, 1, 5), 1);
    expect(scheduler.counter(1)).toBe(30);
    // A tenant with a higher counter keeps it: lifting never lowers a counter.
    scheduler.pick(1);
    scheduler.enqueue(turn(2, 0, 5), 2);
    expect(scheduler.counter(0)).toBe(35);
  });

  it("takes a tenant out of the backlog when its last waiting turn is picked", () => {
    const scheduler = new FairShareScheduler(contextFor([1, 1]));
    const a = turn(0, 0, 1);
    const b = turn(1, 1, 1);
    scheduler.enqueue(a, 0);
    scheduler.enqueue(b, 0);
    expect(scheduler.pick(0)).toBe(a);
    expect(scheduler.pick(0)).toBe(b);
    expect(scheduler.pick(0)).toBeUndefined();
    expect(scheduler.size).toBe(0);
  });

  it("rejects a tenant weight that is not positive with the field that is wrong", () => {
    expect(() => createScheduler("fair-share", contextFor([1, 0]))).toThrow(
      "tenants[1].weight: expected a positive number, got 0",
    );
  });
});
