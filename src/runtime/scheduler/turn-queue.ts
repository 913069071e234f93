import { Heap } from "./heap.ts";
import { Ring } from "./ring.ts";
import { SeqSet } from "./seq-set.ts";
import type { AcceptTurn, ReadyTurn } from "./types.ts";

/**
 * A queue of waiting turns, shared by every policy. A bit set of the waiting `seq`s (SeqSet)
 * refuses a turn enqueued twice, at the cost of a bit flip on push and on pop.
 *
 * A `seq` must be unique per enqueue (a turn enqueued again after a backoff gets a new `seq`).
 */
export abstract class TurnQueue {
  /** The `seq` of every turn waiting (not popped). */
  private readonly live = new SeqSet();

  /** Turns waiting. */
  get size(): number {
    return this.live.size;
  }

  /** Adds a turn; throws if a turn with the same `seq` is already waiting. */
  push(turn: ReadyTurn): void {
    if (!this.live.add(turn.seq)) {
      throw new Error(`enqueue: a turn with seq ${turn.seq} is already waiting`);
    }
    this.insert(turn);
  }

  /** Removes and returns the first waiting turn, or undefined when none waits. */
  pop(): ReadyTurn | undefined {
    const turn = this.take();
    if (turn !== undefined) this.live.delete(turn.seq);
    return turn;
  }

  /**
   * Removes and returns the first waiting turn that `accept` takes; the others keep their
   * places. O(log n) when the first turn is accepted; otherwise one O(n) scan, which beats
   * popping and pushing back every refused turn when a slot can take few of them.
   */
  popFirst(accept: AcceptTurn): ReadyTurn | undefined {
    const first = this.first();
    if (first === undefined) return undefined;
    if (accept(first)) return this.pop();
    const turn = this.extractFirst(accept);
    if (turn !== undefined) this.live.delete(turn.seq);
    return turn;
  }

  /** Puts a turn in the structure. */
  protected abstract insert(turn: ReadyTurn): void;
  /** Removes and returns the first entry, in the queue's order, that `ok` accepts. O(n). */
  protected abstract extractFirst(ok: (turn: ReadyTurn) => boolean): ReadyTurn | undefined;
  /** Removes and returns the first entry. */
  protected abstract take(): ReadyTurn | undefined;
  /** The first entry. */
  protected abstract first(): ReadyTurn | undefined;
}

/**
 * Turns in `seq` order (first ready, first out). Turns normally arrive in `seq` order, so they
 * go to a ring buffer at O(1); one that arrives out of order (the runtime never does this,
 * another caller might) goes to a small heap, and `take` serves whichever front is older.
 */
export class SeqQueue extends TurnQueue {
  private readonly inOrder = new Ring<ReadyTurn>();
  private readonly late = new Heap<ReadyTurn>((a, b) => a.seq < b.seq);

  protected insert(turn: ReadyTurn): void {
    const back = this.inOrder.peekBack();
    if (back === undefined || turn.seq > back.seq) this.inOrder.pushBack(turn);
    else this.late.push(turn);
  }

  protected take(): ReadyTurn | undefined {
    return this.fromRing() ? this.inOrder.popFront() : this.late.pop();
  }

  protected first(): ReadyTurn | undefined {
    return this.fromRing() ? this.inOrder.peekFront() : this.late.peek();
  }

  protected extractFirst(ok: (turn: ReadyTurn) => boolean): ReadyTurn | undefined {
    const inOrder = this.inOrder.findFirst(ok);
    const late = this.late.findFirst(ok);
    if (late < 0) return inOrder < 0 ? undefined : this.inOrder.removeAt(inOrder);
    if (inOrder >= 0 && this.inOrder.at(inOrder).seq < this.late.at(late).seq) {
      return this.inOrder.removeAt(inOrder);
    }
    return this.late.removeAt(late);
  }

  private fromRing(): boolean {
    const late = this.late.peek();
    if (late === undefined) return true;
    const front = this.inOrder.peekFront();
    return front !== undefined && front.seq < late.seq;
  }
}

/** Turns in the order of a comparator (`before(a, b)`: a goes first), kept in a binary heap. */
export class KeyedQueue extends TurnQueue {
  private readonly heap: Heap<ReadyTurn>;

  /** @param before a strict total order; break ties by `seq` so runs repeat exactly. */
  constructor(before: (a: ReadyTurn, b: ReadyTurn) => boolean) {
    super();
    this.heap = new Heap(before);
  }

  protected insert(turn: ReadyTurn): void {
    this.heap.push(turn);
  }

  protected take(): ReadyTurn | undefined {
    return this.heap.pop();
  }

  protected first(): ReadyTurn | undefined {
    return this.heap.peek();
  }

  protected extractFirst(ok: (turn: ReadyTurn) => boolean): ReadyTurn | undefined {
    const index = this.heap.findFirst(ok);
    return index < 0 ? undefined : this.heap.removeAt(index);
  }
}
