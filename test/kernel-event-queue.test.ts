/**
 * The event queue against a reference model: a plain array kept sorted by (time, key). Random
 * command sequences (fast-check model-based testing) push entries with tied times and keys in
 * any class, pop them, and pop only before a limit; every answer must match the model's.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../src/sim/index.ts";

const NUM_RUNS = process.env.AGENTSIM_LONG ? 5000 : 500;
const CLASS_STRIDE = 2 ** 44;

interface Entry {
  time: number;
  key: number;
  item: number;
}

interface Model {
  entries: Entry[]; // Sorted by (time, key).
  seq: number;
}

interface Real {
  queue: EventQueue<number>;
}

function byTimeKey(a: Entry, b: Entry): number {
  return a.time - b.time || a.key - b.key;
}

class PushCommand implements fc.Command<Model, Real> {
  constructor(
    readonly time: number,
    readonly cls: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    // Keys are unique, as the kernel makes them: class x 2^44 + a sequence number.
    const key = this.cls * CLASS_STRIDE + m.seq;
    const entry = { time: this.time, key, item: m.seq++ };
    r.queue.push(entry.time, entry.key, entry.item);
    m.entries.push(entry);
    m.entries.sort(byTimeKey);
    expect(r.queue.size).toBe(m.entries.length);
    expect(r.queue.peekTime()).toBe(m.entries[0]!.time);
  }
  toString(): string {
    return `push(${this.time}, class ${this.cls})`;
  }
}

class PopCommand implements fc.Command<Model, Real> {
  check(m: Readonly<Model>): boolean {
    return m.entries.length > 0;
  }
  run(m: Model, r: Real): void {
    const expected = m.entries.shift()!;
    expect(r.queue.pop()).toBe(expected.item);
    expect(r.queue.lastTime).toBe(expected.time);
    expect(r.queue.lastKey).toBe(expected.key);
    expect(r.queue.size).toBe(m.entries.length);
    expect(r.queue.peekTime()).toBe(m.entries[0]?.time ?? Number.POSITIVE_INFINITY);
  }
  toString(): string {
    return "pop()";
  }
}

class PopBeforeCommand implements fc.Command<Model, Real> {
  constructor(readonly limit: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const head = m.entries[0];
    const got = r.queue.popBefore(this.limit);
    if (head === undefined || !(head.time < this.limit)) {
      expect(got).toBeUndefined();
      return;
    }
    m.entries.shift();
    expect(got).toBe(head.item);
    expect(r.queue.lastKey).toBe(head.key);
  }
  toString(): string {
    return `popBefore(${this.limit})`;
  }
}

// Few distinct times, so that ties in time (broken by class, then sequence) are common.
const time = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.double({ min: 0, max: 1e6, noNaN: true }));
const commands = [
  fc.tuple(time, fc.integer({ min: 0, max: 3 })).map(([t, c]) => new PushCommand(t, c)),
  fc.tuple(time, fc.integer({ min: 0, max: 3 })).map(([t, c]) => new PushCommand(t, c)),
  fc.constant(new PopCommand()),
  time.map((t) => new PopBeforeCommand(t)),
];

describe("EventQueue", () => {
  it("pops in (time, key) order exactly as a sorted array does", () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 300 }), fc.nat(8), (cmds, log2Capacity) => {
        // Small initial capacities make the queue grow during the run.
        const setup = () => ({
          model: { entries: [], seq: 0 },
          real: { queue: new EventQueue<number>(2 ** log2Capacity) },
        });
        fc.modelRun(setup, cmds);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("drains any batch of pushes in sorted order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(time, fc.integer({ min: 0, max: 3 })), { maxLength: 2000 }),
        (pushes) => {
          const queue = new EventQueue<number>(1);
          const entries = pushes.map(([t, c], i) => ({
            time: t,
            key: c * CLASS_STRIDE + i,
            item: i,
          }));
          for (const e of entries) queue.push(e.time, e.key, e.item);
          const popped: number[] = [];
          while (queue.size > 0) popped.push(queue.pop());
          expect(popped).toEqual(entries.sort(byTimeKey).map((e) => e.item));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("lets go of popped items, so the queue does not keep them alive", () => {
    const queue = new EventQueue<object>(4);
    for (let i = 0; i < 3; i++) queue.push(i, i, { i });
    while (queue.size > 0) queue.pop();
    // The slots once used now hold nothing.
    const items = (queue as unknown as { items: unknown[] }).items;
    expect(items.slice(0, 3).every((x) => x === undefined)).toBe(true);
  });
});
