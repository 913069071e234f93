import { KeyedQueue, type TurnQueue } from "./turn-queue.ts";
import type { AcceptTurn, ReadyTurn, Scheduler, Usage } from "./types.ts";

/**
 * A policy that is one queue in a fixed order: fifo, priority, sjf, las, edf and most user
 * policies. It keeps no accounting, so `complete` only checks that a picked turn was in flight.
 */
export class QueueScheduler implements Scheduler {
  /** Picked turns not yet completed: a cheap guard against a runtime calling `complete` twice. */
  private inFlight = 0;

  /**
   * @param name the policy's name.
   * @param queue holds the waiting turns in the policy's order.
   * @param check throws when a turn cannot be ordered (say, a NaN key); called on enqueue.
   */
  constructor(
    readonly name: string,
    private readonly queue: TurnQueue,
    private readonly check?: (turn: ReadyTurn) => void,
  ) {}

  /** Turns waiting. */
  get size(): number {
    return this.queue.size;
  }

  /** Adds a ready turn. O(log n); O(1) for fifo. */
  enqueue(turn: ReadyTurn, _nowS: number): void {
    this.check?.(turn);
    this.queue.push(turn);
  }

  /** Removes and returns the first (accepted) turn. O(log n); O(n) if the first is refused. */
  pick(_nowS: number, accept?: AcceptTurn): ReadyTurn | undefined {
    const turn = accept === undefined ? this.queue.pop() : this.queue.popFirst(accept);
    if (turn !== undefined) this.inFlight++;
    return turn;
  }

  /** Nothing to account; throws if no picked turn is in flight. */
  complete(turn: ReadyTurn, _usage: Usage, _nowS: number): void {
    if (this.inFlight === 0) {
      throw new Error(`${this.name}.complete: turn ${turn.seq} completed but no turn is in flight`);
    }
    this.inFlight--;
  }
}

/**
 * A policy that serves turns in the order of `compare` (negative: `a` first, as for
 * `Array.prototype.sort`), ties and NaN broken first-ready-first. The quickest way to write a
 * policy of your own: `keyedScheduler("shortest-prompt-first", (a, b) => a.promptTokens -
 * b.promptTokens)`. Every operation is O(log n).
 */
export function keyedScheduler(
  name: string,
  compare: (a: ReadyTurn, b: ReadyTurn) => number,
): Scheduler {
  return new QueueScheduler(
    name,
    new KeyedQueue((a, b) => {
      const order = compare(a, b);
      return order < 0 || (!(order > 0) && a.seq < b.seq);
    }),
  );
}
