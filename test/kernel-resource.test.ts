/**
 * Resources: under random arrivals, holding times and impatient customers who give up, a
 * resource never has more slots in use than its capacity, never leaves a slot idle while a
 * request waits, and grants in first-come-first-served order; a free slot is granted at once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FifoQueue,
  type Request,
  Resource,
  type ResourceQueue,
  Simulation,
} from "../src/sim/index.ts";

const NUM_RUNS = process.env.AGENTSIM_LONG ? 10_000 : 1000;

const customer = fc.record({
  arriveS: fc.constantFrom(0, 0, 0.5, 1, 1.5, 2, 3),
  holdS: fc.constantFrom(0, 0.5, 1, 2, 4),
  // Gives up waiting after this long (and withdraws its request), or never.
  patienceS: fc.option(fc.constantFrom(0, 0.5, 1, 3), { nil: undefined }),
});

const scenario = fc.record({
  capacity: fc.integer({ min: 1, max: 4 }),
  customers: fc.array(customer, { minLength: 1, maxLength: 25 }),
});

describe("Resource", () => {
  it("stays within capacity, is work-conserving, and grants first come, first served", () => {
    fc.assert(
      fc.property(scenario, ({ capacity, customers }) => {
        const sim = new Simulation();
        const requested: number[] = [];
        const granted: number[] = [];
        const owner = new Map<Request, number>();
        // A grant is decided when the queue hands a waiting request over (or at once, below).
        const queue = new (class extends FifoQueue<Request> {
          override shift(): Request | undefined {
            const next = super.shift();
            if (next !== undefined) granted.push(owner.get(next)!);
            return next;
          }
        })();
        const resource = new Resource(sim, capacity, { queue });
        customers.forEach((c, i) => {
          sim.process(
            (function* () {
              yield c.arriveS;
              const request = resource.request();
              owner.set(request, i);
              requested.push(i);
              if (request.processed) granted.push(i);
              if (c.patienceS !== undefined) {
                const first = yield sim.anyOf([request, sim.timeout(c.patienceS)]);
                if (first.index !== 0) {
                  // Gives up: withdraws the request, or gives back a grant made at this instant.
                  resource.release(request);
                  return;
                }
              } else {
                yield request;
              }
              yield c.holdS;
              resource.release(request);
            })(),
          );
        });
        while (sim.step()) {
          expect(resource.inUse).toBeLessThanOrEqual(capacity);
          if (resource.waiting > 0) expect(resource.inUse).toBe(capacity);
        }
        expect(resource.maxInUse).toBeLessThanOrEqual(capacity);
        expect(resource.inUse).toBe(0);
        expect(resource.waiting).toBe(0);
        // FIFO: grants are decided in the order of the requests, skipping those withdrawn.
        const grantedSet = new Set(granted);
        expect(granted).toEqual(requested.filter((i) => grantedSet.has(i)));
        expect(grantedSet.size).toBe(granted.length);
        if (customers.every((c) => c.patienceS === undefined)) {
          expect(granted.length).toBe(customers.length);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("grants a free slot at once, with no event and no time passing", () => {
    const sim = new Simulation();
    const resource = new Resource(sim, 2);
    const trace: string[] = [];
    sim.process(
      (function* () {
        const request = resource.request();
        expect(request.processed).toBe(true);
        const before = sim.eventsProcessed;
        const value: Request = yield request;
        trace.push(`granted@${sim.now} after ${sim.eventsProcessed - before} events`);
        expect(value).toBe(request);
        resource.release(request);
      })(),
    );
    sim.run();
    expect(trace).toEqual(["granted@0 after 0 events"]);
  });

  it("ignores a second release and the release of a request never granted", () => {
    const sim = new Simulation();
    const resource = new Resource(sim, 1);
    const held = resource.request();
    const waiting = resource.request();
    resource.release(waiting); // Withdrawn from the queue.
    expect(resource.waiting).toBe(0);
    resource.release(held);
    resource.release(held);
    expect(resource.inUse).toBe(0);
    expect(waiting.triggered).toBe(false);
  });

  it("grants in the order a pluggable queue discipline says", () => {
    class LastInFirstOut implements ResourceQueue<Request> {
      private stack: Request[] = [];
      get length(): number {
        return this.stack.length;
      }
      push(request: Request): void {
        this.stack.push(request);
      }
      shift(): Request | undefined {
        return this.stack.pop();
      }
      remove(request: Request): boolean {
        const at = this.stack.indexOf(request);
        if (at >= 0) this.stack.splice(at, 1);
        return at >= 0;
      }
    }
    const sim = new Simulation();
    const resource = new Resource(sim, 1, { queue: new LastInFirstOut() });
    const order: number[] = [];
    for (let i = 0; i < 4; i++) {
      sim.process(
        (function* () {
          const request = resource.request();
          yield request;
          order.push(i);
          yield 1;
          resource.release(request);
        })(),
      );
    }
    sim.run();
    expect(order).toEqual([0, 3, 2, 1]);
  });

  it("rejects a capacity that is not a positive integer", () => {
    const sim = new Simulation();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new Resource(sim, bad)).toThrow(/positive integer capacity/);
    }
  });
});

describe("FifoQueue", () => {
  it("behaves as an array under push, shift and remove, across growth of its ring", () => {
    const op = fc.oneof(
      fc.constant({ op: "push" as const }),
      fc.constant({ op: "shift" as const }),
      fc.record({ op: fc.constant("remove" as const), at: fc.nat(40) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const queue = new FifoQueue<number>();
        const model: number[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.op === "push") {
            queue.push(next);
            model.push(next++);
          } else if (o.op === "shift") {
            expect(queue.shift()).toBe(model.shift());
          } else {
            const target = o.at % (next + 1); // Sometimes not present.
            const at = model.indexOf(target);
            expect(queue.remove(target)).toBe(at >= 0);
            if (at >= 0) model.splice(at, 1);
          }
          expect(queue.length).toBe(model.length);
        }
        const rest: number[] = [];
        for (let x = queue.shift(); x !== undefined; x = queue.shift()) rest.push(x);
        expect(rest).toEqual(model);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
