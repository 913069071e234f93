/**
 * A user's scheduler behind a guard. Every call into it is marked for the watchdog and runs
 * with deterministic substitutes for chance and the clocks (see policy-calls.ts); an exception
 * becomes a PolicyError naming the module, the method and the cell; and what `pick` returns is
 * checked at once against the turns the guard was given and has not handed out, so a foreign
 * object, a turn returned twice, a refused turn or a wrong `undefined` stops the cell there
 * rather than surfacing later as an unrelated error. Built-in policies are not wrapped.
 */
import { show } from "../input/index.ts";
import type { AcceptTurn, ReadyTurn, Scheduler, Usage } from "../runtime/index.ts";
import { enterPolicy, leavePolicy, type PolicyClock, PolicyMethod } from "./policy-calls.ts";
import { type PolicyCell, PolicyError, thrown } from "./policy-error.ts";

/** A user's Scheduler, guarded; what the runtime holds when the policy is a module. */
export class GuardedScheduler implements Scheduler {
  /** The policy's name, read once from the user's scheduler. */
  readonly name: string;
  /** Turns enqueued and not yet handed out by `pick`. */
  private readonly waiting = new Set<ReadyTurn>();
  /** Every turn ever enqueued (a run is one object for all its turns), to name a repeat. */
  private readonly seen = new WeakSet<ReadyTurn>();

  /** Guards `inner`, loaded from `module`, in `cell`, with `clock` for chance and time. */
  constructor(
    private readonly inner: Scheduler,
    private readonly module: string,
    private readonly cell: PolicyCell,
    private readonly clock: PolicyClock,
  ) {
    this.name = inner.name;
  }

  /**
   * Turns waiting, as the guard counts them: what it was given less what `pick` handed out.
   * The user's own `size` is checked to be a number when the module loads, and not asked again.
   */
  get size(): number {
    return this.waiting.size;
  }

  enqueue(turn: ReadyTurn, nowS: number): void {
    this.waiting.add(turn);
    this.seen.add(turn);
    const previous = enterPolicy(this.clock, PolicyMethod.enqueue, nowS);
    try {
      this.inner.enqueue(turn, nowS);
    } catch (error) {
      throw this.threw("enqueue()", error);
    } finally {
      leavePolicy(previous);
    }
  }

  pick(nowS: number, accept?: AcceptTurn): ReadyTurn | undefined {
    let turn: ReadyTurn | undefined;
    const previous = enterPolicy(this.clock, PolicyMethod.pick, nowS);
    try {
      turn = this.inner.pick(nowS, accept);
    } catch (error) {
      throw this.threw("pick()", error);
    } finally {
      leavePolicy(previous);
    }
    if (turn === undefined) {
      if (this.waiting.size > 0 && (accept === undefined || this.firstAccepted(accept))) {
        throw this.badPick(this.missing(accept), "undefined");
      }
      return undefined;
    }
    if (!this.waiting.has(turn)) throw this.badPick("a waiting turn", this.stranger(turn));
    if (accept !== undefined && !accept(turn)) {
      throw this.badPick(
        "a turn the free slot accepts (accept(turn) is true)",
        `turn seq ${turn.seq}, which it refuses`,
      );
    }
    this.waiting.delete(turn);
    return turn;
  }

  complete(turn: ReadyTurn, usage: Usage, nowS: number): void {
    const previous = enterPolicy(this.clock, PolicyMethod.complete, nowS);
    try {
      this.inner.complete(turn, usage, nowS);
    } catch (error) {
      throw this.threw("complete()", error);
    } finally {
      leavePolicy(previous);
    }
  }

  private threw(method: string, error: unknown): PolicyError {
    return new PolicyError(
      this.module,
      method,
      this.cell,
      `${method} to return`,
      `an exception: ${thrown(error)}`,
    );
  }

  private badPick(expected: string, found: string): PolicyError {
    return new PolicyError(this.module, "pick()", this.cell, `pick() to return ${expected}`, found);
  }

  /** The first waiting turn (in enqueue order) that `accept` takes, if any. */
  private firstAccepted(accept: AcceptTurn): ReadyTurn | undefined {
    for (const turn of this.waiting) if (accept(turn)) return turn;
    return undefined;
  }

  /** What `pick` should have returned instead of undefined. */
  private missing(accept: AcceptTurn | undefined): string {
    const count = `${this.waiting.size} turn${this.waiting.size === 1 ? "" : "s"} wait`;
    if (accept === undefined) return `one of the waiting turns (${count})`;
    return `a turn the free slot accepts (${count}; it accepts seq ${this.firstAccepted(accept)!.seq})`;
  }

  /** What a returned value that is not a waiting turn is. */
  private stranger(value: unknown): string {
    if (typeof value === "object" && value !== null && this.seen.has(value as ReadyTurn)) {
      const turn = value as ReadyTurn;
      return `turn seq ${turn.seq} (job ${turn.job}) again: pick() handed it out already`;
    }
    if (typeof value === "object" && value !== null) {
      return "an object that enqueue() never received (return the turn itself, not a copy)";
    }
    return `${show(value)}, which is not a turn`;
  }
}
