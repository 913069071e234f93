/**
 * Event ordering of the kernel, checked against a reference interpreter: random programs of
 * callbacks and processes (sleeps, timeouts of any class, resource use) run both on the kernel
 * and on a naive interpreter that keeps its pending entries in a list and always takes the
 * least (time, class, insertion sequence) by a linear scan. The two traces must be identical,
 * which shows the documented order holds through process wake-ups and resource grants.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventClass, Resource, Simulation } from "../src/sim/index.ts";

const NUM_RUNS = 1000;

// Delays from a small set of exact binary fractions, so that many events tie in time.
const delay = fc.constantFrom(0, 0, 0.5, 1, 2);
const eventClass = fc.constantFrom<EventClass>(0, 1, 2, 3);

type Op =
  | { op: "sleep"; d: number }
  | { op: "timeout"; d: number; cls: EventClass }
  | { op: "use"; d: number };

type Actor =
  | { kind: "call"; d: number; cls: EventClass }
  | { kind: "process"; cls: EventClass; sleepCls: EventClass; ops: Op[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("sleep" as const), d: delay }),
  fc.record({ op: fc.constant("timeout" as const), d: delay, cls: eventClass }),
  fc.record({ op: fc.constant("use" as const), d: delay }),
);

const actor: fc.Arbitrary<Actor> = fc.oneof(
  fc.record({ kind: fc.constant("call" as const), d: delay, cls: eventClass }),
  fc.record({
    kind: fc.constant("process" as const),
    cls: eventClass,
    sleepCls: eventClass,
    ops: fc.array(op, { maxLength: 5 }),
  }),
);

const program = fc.record({
  capacity: fc.integer({ min: 1, max: 3 }),
  actors: fc.array(actor, { minLength: 1, maxLength: 12 }),
});

type Program = { capacity: number; actors: Actor[] };

/** Runs the program on the kernel; the trace lists `label@time` as things happen. */
function runKernel(p: Program): string[] {
  const sim = new Simulation({ seed: 1 });
  const resource = new Resource(sim, p.capacity);
  const trace: string[] = [];
  const record = (label: string) => trace.push(`${label}@${sim.now}`);
  p.actors.forEach((a, i) => {
    if (a.kind === "call") {
      sim.call(a.d, () => record(`c${i}`), a.cls);
      return;
    }
    sim.process(
      (function* () {
        record(`p${i}:start`);
        for (let k = 0; k < a.ops.length; k++) {
          const o = a.ops[k]!;
          if (o.op === "sleep") yield o.d;
          else if (o.op === "timeout") yield sim.timeout(o.d, undefined, o.cls);
          else {
            const request = resource.request();
            yield request;
            record(`p${i}:granted`);
            yield o.d;
            resource.release(request);
          }
          record(`p${i}:${k}`);
        }
      })(),
      a.cls,
      a.sleepCls,
    );
  });
  sim.run();
  return trace;
}

interface Entry {
  time: number;
  cls: number;
  seq: number;
  fire: () => void;
}

/** The same program on a naive interpreter of the documented semantics. */
function runReference(p: Program): string[] {
  const pending: Entry[] = [];
  const trace: string[] = [];
  let now = 0;
  let seq = 0;
  let inUse = 0;
  const waiting: (() => void)[] = [];
  const schedule = (d: number, cls: number, fire: () => void) =>
    pending.push({ time: now + d, cls, seq: seq++, fire });
  const record = (label: string) => trace.push(`${label}@${now}`);

  // Runs actor i's ops from k until one of them has to wait.
  const continueAt = (i: number, ops: Op[], k: number, sleepCls: EventClass): void => {
    if (k === ops.length) return;
    const o = ops[k]!;
    const done = () => {
      record(`p${i}:${k}`);
      continueAt(i, ops, k + 1, sleepCls);
    };
    if (o.op === "sleep") schedule(o.d, sleepCls, done);
    else if (o.op === "timeout") schedule(o.d, o.cls, done);
    else {
      const granted = () => {
        record(`p${i}:granted`);
        schedule(o.d, sleepCls, () => {
          // Release: free the slot and grant waiting requests in FIFO order, class Dispatch.
          inUse--;
          while (inUse < p.capacity && waiting.length > 0) {
            inUse++;
            schedule(0, EventClass.Dispatch, waiting.shift()!);
          }
          done();
        });
      };
      if (inUse < p.capacity && waiting.length === 0) {
        inUse++;
        granted(); // An immediate grant continues in the same step.
      } else waiting.push(granted);
    }
  };

  p.actors.forEach((a, i) => {
    if (a.kind === "call") schedule(a.d, a.cls, () => record(`c${i}`));
    else
      schedule(0, a.cls, () => {
        record(`p${i}:start`);
        continueAt(i, a.ops, 0, a.sleepCls);
      });
  });
  while (pending.length > 0) {
    let best = 0;
    for (let j = 1; j < pending.length; j++) {
      const e = pending[j]!;
      const b = pending[best]!;
      if (
        e.time < b.time ||
        (e.time === b.time && (e.cls < b.cls || (e.cls === b.cls && e.seq < b.seq)))
      )
        best = j;
    }
    const [entry] = pending.splice(best, 1);
    now = entry!.time;
    entry!.fire();
  }
  return trace;
}

function times(trace: string[]): number[] {
  return trace.map((t) => Number(t.slice(t.lastIndexOf("@") + 1)));
}

describe("kernel event ordering", () => {
  it("runs simultaneous callbacks by event class, then in the order they were scheduled", () => {
    // Callbacks all scheduled up front: the order must be a stable sort by (time, class).
    fc.assert(
      fc.property(fc.array(fc.tuple(delay, eventClass), { maxLength: 40 }), (calls) => {
        const sim = new Simulation();
        const fired: number[] = [];
        calls.forEach(([d, cls], i) => {
          sim.call(d, () => fired.push(i), cls);
        });
        sim.run();
        const expected = calls
          .map(([d, cls], i) => ({ d, cls, i }))
          .sort((a, b) => a.d - b.d || a.cls - b.cls || a.i - b.i)
          .map((e) => e.i);
        expect(fired).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("matches the reference interpreter through process wake-ups, timeouts and resource grants", () => {
    // Identical traces mean identical order of every wake-up, grant and callback.
    fc.assert(
      fc.property(program, (p) => {
        expect(runKernel(p)).toEqual(runReference(p));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("never runs an event earlier than the one before it", () => {
    // Simulated time is non-decreasing along the trace of any program.
    fc.assert(
      fc.property(program, (p) => {
        const ts = times(runKernel(p));
        for (let j = 1; j < ts.length; j++) expect(ts[j]!).toBeGreaterThanOrEqual(ts[j - 1]!);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("lets a slot released at t serve an arrival at t before later arrivals are dispatched", () => {
    // The DESIGN.md example: completion (release), then dispatch, then arrival, at one instant.
    const sim = new Simulation();
    const slot = new Resource(sim, 1);
    const order: string[] = [];
    sim.process(
      (function* () {
        const held = slot.request();
        yield held;
        yield 1;
        order.push("release");
        slot.release(held);
      })(),
    );
    sim.process(
      (function* () {
        yield 0.5;
        const request = slot.request();
        yield request;
        order.push(`waiter granted@${sim.now}`);
        slot.release(request);
      })(),
    );
    sim.call(1, () => order.push("arrival"), EventClass.Arrival);
    sim.call(1, () => order.push("governance"), EventClass.Governance);
    sim.run();
    expect(order).toEqual(["release", "governance", "waiter granted@1", "arrival"]);
  });
});
