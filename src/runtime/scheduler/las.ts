import { checkKey, checkOptionKeys } from "./options.ts";
import { QueueScheduler } from "./queue-scheduler.ts";
import { KeyedQueue } from "./turn-queue.ts";
import type { Scheduler, SchedulerContext } from "./types.ts";

/**
 * `las`: least attained service first, per run (as Autellix does per program): the turn whose
 * run has received the least service so far (`attainedService`, taken when the turn became
 * ready) goes first, first-ready-first on ties. Short runs finish quickly without knowing run
 * lengths in advance; long runs yield to newcomers. O(log n).
 */
export function createLas(_ctx: SchedulerContext, options: Record<string, unknown>): Scheduler {
  checkOptionKeys("las", options, []);
  const queue = new KeyedQueue(
    (a, b) =>
      a.attainedService < b.attainedService ||
      (a.attainedService === b.attainedService && a.seq < b.seq),
  );
  return new QueueScheduler("las", queue, (turn) =>
    checkKey("las", "attainedService", turn.attainedService, turn.seq),
  );
}
