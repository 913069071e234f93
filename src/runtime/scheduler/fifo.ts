import { checkOptionKeys } from "./options.ts";
import { QueueScheduler } from "./queue-scheduler.ts";
import { SeqQueue } from "./turn-queue.ts";
import type { Scheduler, SchedulerContext } from "./types.ts";

/**
 * `fifo`: turns in the order they became ready (`seq`). No options.
 * Enqueue and pick are O(1) (a ring buffer).
 */
export function createFifo(_ctx: SchedulerContext, options: Record<string, unknown>): Scheduler {
  checkOptionKeys("fifo", options, []);
  return new QueueScheduler("fifo", new SeqQueue());
}
