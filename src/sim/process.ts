/**
 * Processes: generator functions that yield events, in the manner of SimPy. A process yields a
 * `SimEvent` to wait for it, or a number of seconds to sleep (the cheap path: no event object
 * is made). The process is itself an event that succeeds with the generator's return value, so
 * another process can wait for it.
 */
import { EventClass, PENDING, PROCESSED, SimEvent } from "./event.ts";
import type { Simulation } from "./simulation.ts";

/** What a process generator yields: an event to wait for, or seconds to sleep. */
export type Yieldable = SimEvent<any> | number;

/** A generator that a process runs; `R` is the value the process succeeds with. */
export type ProcessGenerator<R = unknown> = Generator<Yieldable, R, any>;

/**
 * What a process runs: a generator, or any object that steps like one. A hand-written state
 * machine can return the same result object from every `next` (the process reads `done` and
 * `value` at once and keeps nothing), so a step makes no garbage, and it holds only the state it
 * needs where a suspended generator keeps its whole register file (the runtime's runs, see
 * src/runtime/runtime.ts). `throw` is called with an `Interrupt`, or the error of a failed
 * event the process waited for.
 */
export interface ProcessBody<R = unknown> {
  next(value?: any): IteratorResult<Yieldable, R>;
  throw(error: unknown): IteratorResult<Yieldable, R>;
}

/** Thrown into a process by `Process.interrupt`; `cause` says why (an abort, a timeout). */
export class Interrupt extends Error {
  /** Why the process was interrupted. */
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super(`Interrupt: ${String(cause)}`);
    this.name = "Interrupt";
    this.cause = cause;
  }
}

/**
 * Yielded by a process to wait until some code calls its `wakeWith(value)`: the cheap way for a
 * model to resume one known process with a value (the runtime's runs and dispatcher), since no
 * event object is made. An event that never fires, used only as a marker.
 */
export const SUSPEND: SimEvent<any> = new SimEvent<any>(undefined as never);

// The `sleepKey` of a process made with `start` false until `begin()`: no queue entry has it.
const NOT_STARTED = -2;

/**
 * A running generator, and the event of its completion. A model whose processes are many and
 * long-lived (the runtime's runs) can make each one a subclass that is its own body: it passes
 * no generator and overrides `resumeBody`, so a process is one object, not a process and a body.
 */
export class Process<R = unknown> extends SimEvent<R> {
  private readonly gen: ProcessBody<R> | null;
  // The event the process waits for; a firing of any other event it once waited for is stale.
  private target: SimEvent<any> | null = null;
  // True while it waits after yielding SUSPEND; the value `wakeWith` gives it.
  private suspended = false;
  private wakeValue: unknown = undefined;
  // The class of the process's sleeps (yielded numbers).
  private readonly sleepCls: EventClass;

  /**
   * Starts `gen` at the current time, after the events of class `cls` already queued for now;
   * with `start` false, at `begin()` instead. `gen` is null only for a subclass that overrides
   * `resumeBody`. Its sleeps (yielded numbers) end with class `sleepCls` (default Completion):
   * an arrival process sleeps with class Arrival, as a timeout of that class would end.
   */
  constructor(
    sim: Simulation,
    gen: ProcessBody<R> | null,
    cls: EventClass = EventClass.Completion,
    start = true,
    sleepCls: EventClass = EventClass.Completion,
  ) {
    super(sim, cls);
    this.gen = gen;
    this.sleepCls = sleepCls;
    this.sleepKey = start ? sim.enqueue(this, 0, cls) : NOT_STARTED;
  }

  /**
   * Starts a process made with `start` false, now (after the events of its class already queued
   * for now). Starting one twice is a misuse and throws.
   */
  protected begin(): void {
    if (this.sleepKey !== NOT_STARTED) throw new Error("Process.begin: the process has started");
    this.sleepKey = this.sim.enqueue(this, 0, this.cls);
  }

  /**
   * One step of the body: resumes it with the outcome of what it waited for (a value, or an error
   * to throw into it) and returns what it yields next, or that it is done.
   */
  protected resumeBody(ok: boolean, value: unknown): IteratorResult<Yieldable, R> {
    const gen = this.gen!;
    return ok ? gen.next(value) : gen.throw(value);
  }

  /** True until the generator returns or throws. */
  get isAlive(): boolean {
    return this.state === PENDING;
  }

  /** @internal The event the process waits for fired. */
  resume(event: SimEvent<any>): void {
    if (event !== this.target) return;
    this.target = null;
    this.step(event.ok, event.value);
  }

  /** @internal A sleep (a yielded number) or a wake-up (`wakeWith`) is due. */
  wake(): void {
    this.sleepKey = -1;
    const value = this.wakeValue;
    this.wakeValue = undefined;
    this.step(true, value);
  }

  /** True while the process waits after yielding `SUSPEND`. */
  get isSuspended(): boolean {
    return this.suspended;
  }

  /**
   * Resumes a process that yielded `SUSPEND`, now (after the events of class `cls` already
   * queued for now), with `value` as the result of its yield. Waking a process that is not
   * suspended is a misuse and throws.
   */
  wakeWith(value: unknown, cls: EventClass = EventClass.Completion): void {
    if (!this.suspended) throw new Error("Process.wakeWith: the process is not suspended");
    this.suspended = false;
    this.wakeValue = value;
    this.sleepKey = this.sim.enqueue(this, 0, cls);
  }

  /**
   * Throws an `Interrupt(cause)` into the process at the current time, cancelling what it waits
   * for. Interrupts are delivered in the order they were made. Interrupting a finished process
   * is a misuse and throws.
   */
  interrupt(cause?: unknown): void {
    if (this.state !== PENDING) throw new Error("Process.interrupt: the process has finished");
    const delivery = new SimEvent<unknown>(this.sim, EventClass.Completion);
    delivery.onProcessed(() => {
      if (this.state !== PENDING) return;
      this.target = null;
      this.sleepKey = -1;
      this.suspended = false;
      this.wakeValue = undefined;
      this.step(false, new Interrupt(cause));
    });
    delivery.succeed();
  }

  private step(ok: boolean, value: unknown): void {
    for (;;) {
      let result: IteratorResult<Yieldable, R>;
      try {
        result = this.resumeBody(ok, value);
      } catch (error) {
        this.finish(false, error);
        return;
      }
      if (result.done === true) {
        this.finish(true, result.value);
        return;
      }
      const yielded = result.value;
      if (typeof yielded === "number") {
        this.sleepKey = this.sim.enqueue(this, yielded, this.sleepCls);
        return;
      }
      if (yielded === SUSPEND) {
        this.suspended = true;
        return;
      }
      if (yielded.state === PROCESSED) {
        // Already happened: continue at once with its outcome, as SimPy does.
        ok = yielded.ok;
        value = yielded.value;
        if (!ok) yielded.defused = true;
        continue;
      }
      this.target = yielded;
      yielded.addWaiter(this);
      return;
    }
  }

  private finish(ok: boolean, value: unknown): void {
    if (this.hasWaiters()) {
      if (ok) this.succeed(value as R);
      else this.fail(value);
      return;
    }
    // Nobody waits: settle without a queue round trip. A failure nobody handles is a bug in the
    // model, so it escapes from Simulation.run rather than vanishing.
    this.ok = ok;
    this.value = value as R;
    this.state = PROCESSED;
    if (!ok) throw value;
  }
}
