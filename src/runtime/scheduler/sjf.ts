import { checkKey, checkOptionKeys } from "./options.ts";
import { QueueScheduler } from "./queue-scheduler.ts";
import { KeyedQueue } from "./turn-queue.ts";
import type { Scheduler, SchedulerContext } from "./types.ts";

/**
 * `sjf`: shortest expected turn first (`expectedDurationS`), first-ready-first on ties.
 * Minimizes mean wait when the estimates are right; long turns can starve. O(log n).
 */
export function createSjf(_ctx: SchedulerContext, options: Record<string, unknown>): Scheduler {
  checkOptionKeys("sjf", options, []);
  const queue = new KeyedQueue(
    (a, b) =>
      a.expectedDurationS < b.expectedDurationS ||
      (a.expectedDurationS === b.expectedDurationS && a.seq < b.seq),
  );
  return new QueueScheduler("sjf", queue, (turn) =>
    checkKey("sjf", "expectedDurationS", turn.expectedDurationS, turn.seq),
  );
}
