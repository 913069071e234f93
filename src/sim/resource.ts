/**
 * A resource with a capacity (slots) and a pluggable queue discipline. A request that finds a
 * free slot is granted at once, without a round trip through the event queue (so the
 * requesting process continues in the same instant); otherwise it waits in the queue and is
 * granted, with class Dispatch, when a release frees a slot.
 */
import { EventClass, PROCESSED, SimEvent } from "./event.ts";
import type { Simulation } from "./simulation.ts";

/** The order in which waiting requests are granted. */
export interface ResourceQueue<R> {
  /** Requests waiting. */
  readonly length: number;
  /** Adds a waiting request. */
  push(request: R): void;
  /** Removes and returns the next request to grant; undefined when empty. */
  shift(): R | undefined;
  /** Withdraws a waiting request; false when it was not waiting. */
  remove(request: R): boolean;
}

/** First come, first served: a growable ring buffer. */
export class FifoQueue<R> implements ResourceQueue<R> {
  private items: (R | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  /** Requests waiting. */
  get length(): number {
    return this.count;
  }

  /** Adds at the tail. */
  push(request: R): void {
    if (this.count === this.items.length) {
      const grown = new Array<R | undefined>(this.items.length * 2);
      for (let i = 0; i < this.count; i++)
        grown[i] = this.items[(this.head + i) % this.items.length];
      this.items = grown;
      this.head = 0;
    }
    this.items[(this.head + this.count++) % this.items.length] = request;
  }

  /** Takes from the head. */
  shift(): R | undefined {
    if (this.count === 0) return undefined;
    const request = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return request;
  }

  /** Removes one waiting request (linear: withdrawals are rare). */
  remove(request: R): boolean {
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) % this.items.length;
      if (this.items[at] === request) {
        for (let j = i; j < this.count - 1; j++) {
          this.items[(this.head + j) % this.items.length] =
            this.items[(this.head + j + 1) % this.items.length];
        }
        this.items[(this.head + this.count - 1) % this.items.length] = undefined;
        this.count--;
        return true;
      }
    }
    return false;
  }
}

/** A request for one slot; it succeeds (with itself) when granted. */
export class Request extends SimEvent<Request> {
  /** The resource asked. */
  readonly resource: Resource;
  /** True while it holds a slot. */
  holding = false;

  constructor(resource: Resource) {
    super(resource.sim, EventClass.Dispatch);
    this.resource = resource;
  }
}

/** Options of a resource. */
export interface ResourceConstraints {
  /** Queue discipline; default first come, first served. */
  queue?: ResourceQueue<Request>;
}

/** A pool of `capacity` identical slots. */
export class Resource {
  /** The simulation it belongs to. */
  readonly sim: Simulation;
  /** Slots. */
  readonly capacity: number;
  /** Slots in use now. */
  inUse = 0;
  /** The most slots ever in use at once (an invariant check: never above capacity). */
  maxInUse = 0;
  private readonly queue: ResourceQueue<Request>;

  /** A resource of `capacity` slots (a positive integer). */
  constructor(sim: Simulation, capacity: number, options: ResourceConstraints = {}) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Resource: expected a positive integer capacity, got ${capacity}`);
    }
    this.sim = sim;
    this.capacity = capacity;
    this.queue = options.queue ?? new FifoQueue<Request>();
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Asks for a slot: granted at once when one is free, else queued. */
  request(): Request {
    const request = new Request(this);
    if (this.inUse < this.capacity && this.queue.length === 0) {
      this.grantNow(request);
    } else {
      this.queue.push(request);
    }
    return request;
  }

  /** Gives back the slot of a granted request, or withdraws a waiting one. */
  release(request: Request): void {
    if (!request.holding) {
      this.queue.remove(request);
      return;
    }
    request.holding = false;
    this.inUse--;
    while (this.inUse < this.capacity && this.queue.length > 0) {
      const next = this.queue.shift()!;
      next.holding = true;
      this.take();
      next.succeed(next);
    }
  }

  private grantNow(request: Request): void {
    request.holding = true;
    this.take();
    request.value = request;
    request.state = PROCESSED;
  }

  private take(): void {
    this.inUse++;
    if (this.inUse > this.maxInUse) this.maxInUse = this.inUse;
    if (this.inUse > this.capacity) {
      throw new Error(
        `Resource: ${this.inUse} slots in use, over the capacity of ${this.capacity}`,
      );
    }
  }
}
