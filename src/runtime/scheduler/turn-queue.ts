import { Heap } from "./heap.ts";
import { Ring } from "./ring.ts";
import { SeqSet } from "./seq-set.ts";
import type { AcceptTurn, ReadyTurn } from "./types.ts";

/** How many withdrawn turns a queue tolerates before it compacts (and more than it holds). */
const STALE_COMPACT_MIN = 32;

/**
 * A queue of waiting turns with O(log n) withdrawal, shared by every policy.
 *
 * Withdrawal is lazy: `delete` forgets the turn's `seq` and leaves the entry in place; `pop`
 * and `peek` drop such stale entries when they reach the front. Tracking each turn's position
 * instead would cost a map update on every heap move; a bit set of the waiting `seq`s (SeqSet)
 * costs a bit flip on enqueue and on pick. Stale entries are compacted away once they outnumber
 * live ones, so memory stays proportional to the turns waiting.
 *
 * A `seq` must be unique per enqueue (a turn enqueued again after a backoff gets a new `seq`).
 * The runtime reuses one object for every attempt of a turn and gives it a new `seq` and
 * `readyS` each time; a withdrawn turn pushed again would find its stale entry still in the
 * structure, its key changed under it, so that push purges the stale entries first (O(n), and
 * only after a withdrawal of that very turn).
 */
export abstract class TurnQueue {
  /** The `seq` of every turn waiting (not popped, not deleted). */
  private readonly live = new SeqSet();
  /** Entries still in the structure whose turn was deleted. */
  private stale = 0;
  /** The turns of those entries (a turn may come back, mutated, while its entry is stale). */
  private readonly staleTurns = new Set<ReadyTurn>();
  /** The filter of the `popFirst` in progress. */
  private accepting: AcceptTurn | undefined;
  /** Live and accepted: bound once so that filtered picks allocate nothing. */
  private readonly liveAndAccepted = (turn: ReadyTurn): boolean =>
    this.live.has(turn.seq) && this.accepting!(turn);

  /** Turns waiting. */
  get size(): number {
    return this.live.size;
  }

  /** Whether a turn with this `seq` is waiting. */
  has(turn: ReadyTurn): boolean {
    return this.live.has(turn.seq);
  }

  /** Adds a turn; throws if a turn with the same `seq` is already waiting. */
  push(turn: ReadyTurn): void {
    if (this.staleTurns.size !== 0 && this.staleTurns.has(turn)) this.compact();
    if (!this.live.add(turn.seq)) {
      throw new Error(`enqueue: a turn with seq ${turn.seq} is already waiting`);
    }
    this.insert(turn);
  }

  /** Removes and returns the first waiting turn, or undefined when none waits. */
  pop(): ReadyTurn | undefined {
    for (;;) {
      const turn = this.take();
      if (turn === undefined) return undefined;
      if (this.live.delete(turn.seq)) {
        if (this.live.size === 0 && this.stale > 0) this.empty();
        return turn;
      }
      this.dropStale(turn);
    }
  }

  /** The first waiting turn, without removing it. */
  peek(): ReadyTurn | undefined {
    for (;;) {
      const turn = this.first();
      if (turn === undefined || this.live.has(turn.seq)) return turn;
      this.take();
      this.dropStale(turn);
    }
  }

  /**
   * Removes and returns the first waiting turn that `accept` takes; the others keep their
   * places. O(log n) when the first turn is accepted; otherwise one O(n) scan, which beats
   * popping and pushing back every refused turn when a slot can take few of them.
   */
  popFirst(accept: AcceptTurn): ReadyTurn | undefined {
    const first = this.peek();
    if (first === undefined) return undefined;
    if (accept(first)) return this.pop();
    this.accepting = accept;
    const turn = this.extractFirst(this.liveAndAccepted);
    this.accepting = undefined;
    if (turn !== undefined) {
      this.live.delete(turn.seq);
      if (this.live.size === 0 && this.stale > 0) this.empty();
    }
    return turn;
  }

  /** Withdraws a waiting turn; false if it is not waiting. Amortized O(1) (compaction included). */
  delete(turn: ReadyTurn): boolean {
    if (!this.live.delete(turn.seq)) return false;
    this.stale++;
    this.staleTurns.add(turn);
    if (this.live.size === 0) this.empty();
    else if (this.stale > STALE_COMPACT_MIN && this.stale > this.live.size) this.compact();
    return true;
  }

  private dropStale(turn: ReadyTurn): void {
    this.stale--;
    this.staleTurns.delete(turn);
  }

  /** Drops every stale entry. O(n). */
  private compact(): void {
    this.retain((entry) => !this.staleTurns.has(entry) && this.live.has(entry.seq));
    this.stale = 0;
    this.staleTurns.clear();
  }

  private empty(): void {
    this.reset();
    this.stale = 0;
    this.staleTurns.clear();
  }

  /** Puts a turn in the structure. */
  protected abstract insert(turn: ReadyTurn): void;
  /** Removes and returns the first entry, in the queue's order, that `ok` accepts. O(n). */
  protected abstract extractFirst(ok: (turn: ReadyTurn) => boolean): ReadyTurn | undefined;
  /** Removes and returns the first entry (live or stale). */
  protected abstract take(): ReadyTurn | undefined;
  /** The first entry (live or stale). */
  protected abstract first(): ReadyTurn | undefined;
  /** Keeps only the entries for which `keep` is true. */
  protected abstract retain(keep: (turn: ReadyTurn) => boolean): void;
  /** Drops every entry. */
  protected abstract reset(): void;
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

  protected retain(keep: (turn: ReadyTurn) => boolean): void {
    this.inOrder.filter(keep);
    this.late.filter(keep);
  }

  protected reset(): void {
    this.inOrder.clear();
    this.late.clear();
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

  protected retain(keep: (turn: ReadyTurn) => boolean): void {
    this.heap.filter(keep);
  }

  protected reset(): void {
    this.heap.clear();
  }
}
