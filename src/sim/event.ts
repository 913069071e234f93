/**
 * Events: the things processes wait for. An event is pending, then triggered (its outcome is
 * set and it sits in the event queue), then processed (its waiters have run). Simultaneous
 * events run by class (see `EventClass`), then in the order they were scheduled.
 */
import type { Process } from "./process.ts";
import type { Simulation } from "./simulation.ts";

/**
 * The order of simultaneous events (DESIGN.md, "The kernel"): at one instant, completions and
 * releases run first, then governance decisions, then dispatches, then arrivals. So a slot freed
 * at t can serve a turn that arrives at t, and a completion is never overtaken by a dispatch
 * that depends on it.
 */
export const EventClass = {
  /** Completions, releases, timers; the default. */
  Completion: 0,
  /** Governance decisions (checks that gate an action). */
  Governance: 1,
  /** Dispatches of work onto a resource. */
  Dispatch: 2,
  /** Arrivals of new work. */
  Arrival: 3,
} as const;

/** One of the `EventClass` values. */
export type EventClass = (typeof EventClass)[keyof typeof EventClass];

/** A callback run when an event is processed. */
export type EventCallback<T> = (event: SimEvent<T>) => void;

/** Event states: pending (no outcome yet), triggered (in the queue), processed (waiters ran). */
export const PENDING = 0;
export const TRIGGERED = 1;
export const PROCESSED = 2;

/** An event of the simulation, with an outcome (`ok` and `value`) once triggered. */
export class SimEvent<T = unknown> {
  // Fields are declared and assigned in the constructor rather than initialized in place: the
  // kernel makes several events per customer, and plain assignments build the object faster
  // than class-field definitions do in V8.
  /** The simulation it belongs to. */
  declare readonly sim: Simulation;
  /** PENDING, TRIGGERED or PROCESSED. */
  declare state: 0 | 1 | 2;
  /** False when the event failed; `value` then holds the error. */
  declare ok: boolean;
  /** The outcome value (or the error of a failed event). */
  declare value: T;
  /** The class it is scheduled with when it succeeds or fails now. */
  declare cls: EventClass;
  /** True once a waiter or `defuse()` has taken responsibility for a failure. */
  declare defused: boolean;
  /** @internal Sequence number of this event's own entry in the queue; -1 when none. */
  declare eventKey: number;
  /** @internal Sequence number of a process's pending sleep (a yielded number); -1 when none. */
  declare sleepKey: number;
  // The first waiter is kept in a field: most events have exactly one, so no array is allocated.
  // Callbacks are stored as EventCallback<any> so that SimEvent stays covariant in T (a
  // SimEvent<undefined> or a Process<never> is a SimEvent<unknown>).
  declare private waiter: Process<any> | EventCallback<any> | null;
  declare private waiters: (Process<any> | EventCallback<any>)[] | null;

  /** A pending event of `sim`; it runs with class `cls` (default Completion) when triggered. */
  constructor(sim: Simulation, cls: EventClass = EventClass.Completion) {
    this.sim = sim;
    this.state = PENDING;
    this.ok = true;
    this.value = undefined as T;
    this.cls = cls;
    this.defused = false;
    this.eventKey = -1;
    this.sleepKey = -1;
    this.waiter = null;
    this.waiters = null;
  }

  /** True once the outcome is set. */
  get triggered(): boolean {
    return this.state !== PENDING;
  }

  /** True once the waiters have run. */
  get processed(): boolean {
    return this.state === PROCESSED;
  }

  /** Sets the outcome to success with `value` and schedules the event now. */
  succeed(value?: T): this {
    if (this.state !== PENDING) throw new Error(`SimEvent.succeed: event already triggered`);
    this.value = value as T;
    this.state = TRIGGERED;
    this.eventKey = this.sim.enqueue(this, 0, this.cls);
    return this;
  }

  /** Sets the outcome to failure with `error` and schedules the event now. */
  fail(error: unknown): this {
    if (this.state !== PENDING) throw new Error(`SimEvent.fail: event already triggered`);
    this.ok = false;
    this.value = error as T;
    this.state = TRIGGERED;
    this.eventKey = this.sim.enqueue(this, 0, this.cls);
    return this;
  }

  /** Marks a failure as handled, so it does not escape from `Simulation.run`. */
  defuse(): this {
    this.defused = true;
    return this;
  }

  /** Runs `callback` when the event is processed (at once if it already was). */
  onProcessed(callback: EventCallback<T>): this {
    this.addWaiter(callback);
    return this;
  }

  /** @internal Registers a process or callback to run when the event is processed. */
  addWaiter(waiter: Process<any> | EventCallback<T>): void {
    if (this.state === PROCESSED) {
      if (typeof waiter === "function") waiter(this);
      else waiter.resume(this);
      return;
    }
    if (this.waiter === null) this.waiter = waiter;
    else if (this.waiters === null) this.waiters = [waiter];
    else this.waiters.push(waiter);
  }

  /** @internal True when some process or callback waits for this event. */
  hasWaiters(): boolean {
    return this.waiter !== null;
  }

  /** @internal Runs the waiters; called by the simulation when the event leaves the queue. */
  fire(): void {
    this.state = PROCESSED;
    const first = this.waiter;
    if (first === null) {
      if (!this.ok && !this.defused) throw this.value;
      return;
    }
    this.waiter = null;
    if (!this.ok) this.defused = true;
    if (typeof first === "function") first(this);
    else first.resume(this);
    const rest = this.waiters;
    if (rest !== null) {
      this.waiters = null;
      for (const w of rest) {
        if (typeof w === "function") w(this);
        else w.resume(this);
      }
    }
  }
}
