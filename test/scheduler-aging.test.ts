import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createScheduler, type ReadyTurn } from "../src/runtime/scheduler/index.ts";
import { contextFor, drive, type TurnSpec } from "./support/scheduler-driver.ts";

const numRuns = process.env.AGENTSIM_LONG ? 1000 : 150;
const ctx = contextFor([1]);

/**
 * The aging bound of priority.ts: with c slots, turns of at most `maxDurationS`, and n turns
 * ranked ahead of x and not dispatched before x became ready, x waits at most
 * maxDurationS x ceil((n + 1) / c). (Every such turn became ready by r + (P - p) / agingPerS:
 * that follows from the ranking by algebra, so it is not asserted.)
 */
function agingBound(
  x: ReadyTurn,
  all: ReadyTurn[],
  startS: Map<number, number>,
  agingPerS: number,
  c: number,
  maxDurationS: number,
) {
  const key = (t: ReadyTurn) => t.priority - agingPerS * t.readyS;
  const ahead = all.filter(
    (y) =>
      y !== x &&
      (key(y) > key(x) || (key(y) === key(x) && y.seq < x.seq)) &&
      startS.get(y.seq)! >= x.readyS,
  );
  return { ahead, waitBoundS: maxDurationS * Math.ceil((ahead.length + 1) / c) };
}

const workload = fc.array(
  fc.record({
    readyS: fc.integer({ min: 0, max: 200 }).map((t) => t / 4),
    durationS: fc.integer({ min: 1, max: 5 }),
    priority: fc.integer({ min: 0, max: 4 }),
  }),
  { minLength: 1, maxLength: 120, size: "max" },
) as fc.Arbitrary<TurnSpec[]>;

describe("priority with aging", () => {
  it("keeps every turn's wait within maxDurationS x ceil((n + 1) / c), n counted within the aging horizon", () => {
    fc.assert(
      fc.property(
        workload,
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(0.25, 0.5, 1, 2),
        (specs, c, agingPerS) => {
          const result = drive(createScheduler("priority", ctx, { agingPerS }), specs, c, ctx);
          const maxDurationS = Math.max(...specs.map((s) => s.durationS));
          for (const x of result.turns) {
            const { waitBoundS } = agingBound(
              x,
              result.turns,
              result.startS,
              agingPerS,
              c,
              maxDurationS,
            );
            expect(result.startS.get(x.seq)! - x.readyS).toBeLessThanOrEqual(waitBoundS + 1e-9);
          }
        },
      ),
      { numRuns },
    );
  });

  it("bounds the wait of a low-priority turn under a flood that starves it under strict priority", () => {
    // One slot; a priority-10 turn of 1 s every second for 1000 s keeps the slot busy; one
    // priority-1 turn arrives at 0.5 s.
    const flood: TurnSpec[] = Array.from({ length: 1000 }, (_, i) => ({
      readyS: i,
      durationS: 1,
      priority: 10,
    }));
    const specs = [...flood, { readyS: 0.5, durationS: 1, priority: 1 }];
    const lowWait = (options: Record<string, unknown>) => {
      const result = drive(createScheduler("priority", ctx, options), specs, 1, ctx);
      const low = result.turns[specs.length - 1]!;
      return { waitS: result.startS.get(low.seq)! - low.readyS, result, low };
    };
    const strict = lowWait({});
    expect(strict.waitS).toBe(999.5);
    const aged = lowWait({ agingPerS: 1 });
    const bound = agingBound(aged.low, aged.result.turns, aged.result.startS, 1, 1, 1);
    // Horizon (10 - 1) / 1 = 9 s: only the flood turns ready at 1..9 s can overtake it.
    expect(bound.ahead.map((t) => t.readyS)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(bound.waitBoundS).toBe(10);
    expect(aged.waitS).toBe(9.5);
  });
});
