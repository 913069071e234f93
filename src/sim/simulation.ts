/**
 * The simulation: a clock in seconds, the event queue, and the named random streams.
 * Time advances only by taking the next event from the queue.
 */
import { type AnyOfResult, allOf, anyOf } from "./condition.ts";
import { EventClass, PENDING, PROCESSED, SimEvent, TRIGGERED } from "./event.ts";
import { EventQueue } from "./event-queue.ts";
import { Process, type ProcessBody } from "./process.ts";
import { RandomStreams } from "./rng.ts";

// Keys pack (class, sequence) as class x 2^44 + sequence: exact in a float64 for 17 trillion events.
const CLASS_STRIDE = 2 ** 44;
const INVERSE_STRIDE = 2 ** -44;

/** Misuse of the kernel: a time in the past, NaN or Infinity. */
export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SimulationError";
  }
}

/** Options of a simulation. */
export interface SimulationConstraints {
  /** Root seed of the named random streams; default 1. */
  seed?: number | string;
}

/** A discrete-event simulation. */
export class Simulation {
  /** The current simulated time in seconds; starts at 0. */
  now = 0;
  /** Events processed so far (stale entries of cancelled sleeps are not counted). */
  eventsProcessed = 0;
  /** The named random streams of this simulation. */
  readonly rng: RandomStreams;
  private readonly queue = new EventQueue<SimEvent<any>>();
  private seq = 0;

  /** A simulation at time 0 with streams derived from `seed` (default 1). */
  constructor(options: SimulationConstraints = {}) {
    this.rng = new RandomStreams(options.seed ?? 1);
  }

  /** Events waiting in the queue. */
  get pending(): number {
    return this.queue.size;
  }

  /** Time of the next event; Infinity when none is pending. */
  peek(): number {
    return this.queue.peekTime();
  }

  /** A pending event, to be triggered later with `succeed` or `fail`. */
  event<T = unknown>(cls: EventClass = EventClass.Completion): SimEvent<T> {
    return new SimEvent<T>(this, cls);
  }

  /** An event that succeeds with `value` after `delayS` seconds. */
  timeout<T = undefined>(
    delayS: number,
    value?: T,
    cls: EventClass = EventClass.Completion,
  ): SimEvent<T> {
    const event = new SimEvent<T>(this, cls);
    event.value = value as T;
    event.state = TRIGGERED;
    event.eventKey = this.enqueue(event, delayS, cls);
    return event;
  }

  /** Runs `callback` after `delayS` seconds, with class `cls`. */
  call(
    delayS: number,
    callback: () => void,
    cls: EventClass = EventClass.Completion,
  ): SimEvent<undefined> {
    return this.timeout(delayS, undefined, cls).onProcessed(callback);
  }

  /**
   * Starts a process running `gen` now (after the events of its class already queued for now).
   * Its sleeps (yielded numbers) end with class `sleepCls` (default Completion).
   */
  process<R>(
    gen: ProcessBody<R>,
    cls: EventClass = EventClass.Completion,
    sleepCls: EventClass = EventClass.Completion,
  ): Process<R> {
    return new Process<R>(this, gen, cls, true, sleepCls);
  }

  /** An event that succeeds with all values (in order) when every event has succeeded, or fails with the first failure. */
  allOf<T>(events: readonly SimEvent<T>[]): SimEvent<T[]> {
    return allOf(this, events);
  }

  /** An event that succeeds with the first event to succeed (and its index), or fails with the first failure. */
  anyOf<T>(events: readonly SimEvent<T>[]): SimEvent<AnyOfResult<T>> {
    return anyOf(this, events);
  }

  /**
   * @internal Puts `item` in the queue `delayS` from now with class `cls` and returns the entry's
   * sequence number, which the item keeps to recognize its entry when it comes out (events
   * store the small integer rather than the packed key, which V8 would box as a double).
   * A negative, NaN or infinite delay is a bug in the model and throws at once.
   */
  enqueue(item: SimEvent<any>, delayS: number, cls: EventClass): number {
    if (!(delayS >= 0 && delayS < Number.POSITIVE_INFINITY)) {
      throw new SimulationError(
        `Simulation.schedule: expected a finite delay >= 0 seconds, got ${delayS} at t=${this.now}`,
      );
    }
    const seq = this.seq++;
    this.queue.push(this.now + delayS, cls * CLASS_STRIDE + seq, item);
    return seq;
  }

  /** Processes the next event; false when none is left. */
  step(): boolean {
    const queue = this.queue;
    if (queue.size === 0) return false;
    const item = queue.pop();
    this.dispatch(item, queue.lastTime, queue.lastKey);
    return true;
  }

  /**
   * Runs the simulation. With no argument (or Infinity), until no events remain; with a time,
   * processes the events strictly before it and leaves the clock at that time (as SimPy does); with an event,
   * until that event has been processed (returning its value) or no events remain.
   */
  run(until?: number | SimEvent<any>): unknown {
    if (until instanceof SimEvent) {
      while (until.state !== PROCESSED && this.step()) {}
      if (until.state !== PROCESSED) {
        throw new SimulationError("Simulation.run: no events left before the awaited event");
      }
      if (!until.ok) throw until.value;
      return until.value;
    }
    const limit = until ?? Number.POSITIVE_INFINITY;
    if (Number.isNaN(limit) || limit < this.now) {
      throw new SimulationError(
        `Simulation.run: expected an end time >= now (${this.now}), got ${limit}`,
      );
    }
    const queue = this.queue;
    for (let item = queue.popBefore(limit); item !== undefined; item = queue.popBefore(limit)) {
      this.dispatch(item, queue.lastTime, queue.lastKey);
    }
    // run(Infinity) is run(): the clock stays at the last event rather than jumping to Infinity.
    if (limit !== Number.POSITIVE_INFINITY) this.now = limit;
    return undefined;
  }

  /**
   * Processes the events strictly before `limitS` and, unlike `run(limitS)`, leaves the clock
   * at the last event processed (a cell's drain ends when its work does, not at the limit).
   */
  drain(limitS: number): void {
    const queue = this.queue;
    for (let item = queue.popBefore(limitS); item !== undefined; item = queue.popBefore(limitS)) {
      this.dispatch(item, queue.lastTime, queue.lastKey);
    }
  }

  private dispatch(item: SimEvent<any>, time: number, key: number): void {
    // The sequence number from the key: exact, as scaling by a power of two is.
    const seq = key - Math.floor(key * INVERSE_STRIDE) * CLASS_STRIDE;
    if (seq === item.eventKey) {
      this.now = time;
      this.eventsProcessed++;
      item.eventKey = -1;
      item.fire();
    } else if (seq === item.sleepKey) {
      this.now = time;
      this.eventsProcessed++;
      (item as Process<unknown>).wake();
    }
    // Otherwise the entry is a cancelled sleep of an interrupted process: skip it.
  }
}

export { PENDING };
