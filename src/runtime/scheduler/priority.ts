import { checkKey, checkOptionKeys, numberOption } from "./options.ts";
import { QueueScheduler } from "./queue-scheduler.ts";
import { KeyedQueue } from "./turn-queue.ts";
import type { ReadyTurn, Scheduler, SchedulerContext } from "./types.ts";

/**
 * `priority`: the highest job priority first, first-ready-first within a level.
 *
 * Option `agingPerS` (default 0, strict priority): a waiting turn gains `agingPerS` priority
 * units per second, so its effective priority at time t is `priority + agingPerS x (t -
 * readyS)`. Every waiting turn ages at the same rate, so the order between two of them never
 * changes while they wait: it is the order of the static key `priority - agingPerS x readyS`
 * (higher first), and aging costs nothing over strict priority: O(log n) per operation.
 *
 * Starvation bound (aging > 0). Let P be the highest priority of any job and x a turn of
 * priority p ready at r. A turn y can be picked before x only if its key is at least x's, that
 * is `readyS_y <= r + H` with `H = (P - p) / agingPerS`: nothing that becomes ready after
 * r + H overtakes x. With c slots kept busy (work-conserving) and turns lasting at most D
 * seconds, each slot dispatches at least once every D seconds while x waits, and each dispatch
 * is x or one of the n turns ranked ahead of x that were not yet dispatched at r, so
 *
 *     wait(x) <= D x ceil((n + 1) / c),   n <= (turns waiting at r) + (turns ready in (r, r + H])
 *
 * finite whenever arrivals are. Strict priority (agingPerS = 0) has no such bound: a steady
 * stream of higher-priority turns starves x for ever.
 */
export function createPriority(
  _ctx: SchedulerContext,
  options: Record<string, unknown>,
): Scheduler {
  checkOptionKeys("priority", options, ["agingPerS"]);
  const agingPerS = numberOption("priority", options, "agingPerS", 0, 0, "priority per second");
  const before =
    agingPerS === 0
      ? (a: ReadyTurn, b: ReadyTurn) =>
          a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq)
      : (a: ReadyTurn, b: ReadyTurn) => {
          const keyA = a.priority - agingPerS * a.readyS;
          const keyB = b.priority - agingPerS * b.readyS;
          return keyA > keyB || (keyA === keyB && a.seq < b.seq);
        };
  return new QueueScheduler("priority", new KeyedQueue(before), (turn) => {
    checkKey("priority", "priority", turn.priority, turn.seq);
    checkKey("priority", "readyS", turn.readyS, turn.seq);
  });
}
