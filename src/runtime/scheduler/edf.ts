import { checkKey, checkOptionKeys } from "./options.ts";
import { QueueScheduler } from "./queue-scheduler.ts";
import { KeyedQueue } from "./turn-queue.ts";
import type { Scheduler, SchedulerContext } from "./types.ts";

/**
 * `edf`: earliest deadline first (`deadlineS`: the run's arrival plus its job's SLO run
 * latency). Turns of jobs without an SLO (deadline `Infinity`) come after every deadline;
 * ties, those included, are first-ready-first. O(log n).
 */
export function createEdf(_ctx: SchedulerContext, options: Record<string, unknown>): Scheduler {
  checkOptionKeys("edf", options, []);
  const queue = new KeyedQueue(
    (a, b) => a.deadlineS < b.deadlineS || (a.deadlineS === b.deadlineS && a.seq < b.seq),
  );
  return new QueueScheduler("edf", queue, (turn) =>
    checkKey("edf", "deadlineS", turn.deadlineS, turn.seq),
  );
}
