import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Heap } from "../src/runtime/scheduler/heap.ts";
import { Ring } from "../src/runtime/scheduler/ring.ts";
import { KeyedQueue, SeqQueue, type TurnQueue } from "../src/runtime/scheduler/turn-queue.ts";
import type { ReadyTurn } from "../src/runtime/scheduler/types.ts";
import { readyTurns } from "./support/scheduler-driver.ts";

const numRuns = process.env.AGENTSIM_LONG ? 2000 : 200;

/** Operations on a heap of { key, id } items, checked against a sorted array. */
const heapOps = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("push" as const), key: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ op: fc.constant("pop" as const) }),
    fc.record({
      op: fc.constant("update" as const),
      at: fc.nat(),
      key: fc.integer({ min: 0, max: 20 }),
    }),
    fc.record({ op: fc.constant("removeAt" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("filter" as const), mod: fc.integer({ min: 2, max: 4 }) }),
  ),
  { maxLength: 200, size: "max" },
);

describe("Heap", () => {
  it("pops items in comparator order, ties by insertion id, through updates, removals and filters", () => {
    fc.assert(
      fc.property(heapOps, (ops) => {
        type Item = { key: number; id: number; index: number };
        const heap = new Heap<Item>(
          (a, b) => a.key < b.key || (a.key === b.key && a.id < b.id),
          (item, index) => {
            item.index = index;
          },
        );
        const model: Item[] = [];
        const ordered = () => [...model].sort((a, b) => a.key - b.key || a.id - b.id);
        let id = 0;
        for (const step of ops) {
          if (step.op === "push") {
            const item = { key: step.key, id: id++, index: -1 };
            heap.push(item);
            model.push(item);
          } else if (step.op === "pop") {
            const expected = ordered()[0];
            expect(heap.pop()).toBe(expected);
            if (expected) model.splice(model.indexOf(expected), 1);
          } else if (model.length > 0 && step.op === "update") {
            const item = model[step.at % model.length]!;
            item.key = step.key;
            heap.update(item.index);
          } else if (model.length > 0 && step.op === "removeAt") {
            const item = model[step.at % model.length]!;
            expect(heap.removeAt(item.index)).toBe(item);
            expect(item.index).toBe(-1);
            model.splice(model.indexOf(item), 1);
          } else if (step.op === "filter") {
            heap.filter((item) => item.id % step.mod !== 0);
            for (let i = model.length - 1; i >= 0; i--) {
              if (model[i]!.id % step.mod === 0) model.splice(i, 1);
            }
          }
          expect(heap.size).toBe(model.length);
          expect(heap.peek()).toBe(ordered()[0]);
          for (const item of model) expect(heap.at(item.index)).toBe(item);
        }
      }),
      { numRuns },
    );
  });
});

describe("Ring", () => {
  it("behaves as a double-ended queue across growth and wrap-around", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 300, size: "max" }),
        (ops) => {
          const ring = new Ring<number>();
          const model: number[] = [];
          let value = 0;
          for (const op of ops) {
            if (op === 0 || op === 1) {
              ring.pushBack(value);
              model.push(value++);
            } else if (op === 2) {
              ring.pushFront(value);
              model.unshift(value++);
            } else if (op === 3) {
              expect(ring.popFront()).toBe(model.shift());
            } else {
              ring.filter((v) => v % 3 !== 0);
              model.splice(0, model.length, ...model.filter((v) => v % 3 !== 0));
            }
            expect(ring.size).toBe(model.length);
            expect(ring.peekFront()).toBe(model[0]);
            expect(ring.peekBack()).toBe(model[model.length - 1]);
          }
        },
      ),
      { numRuns },
    );
  });
});

/** Operations on a turn queue: push the next turn, pop, filtered pop. */
const queueOps = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.constant({ op: "push" as const }) },
    { weight: 2, arbitrary: fc.constant({ op: "pop" as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("popFirst" as const),
        mod: fc.integer({ min: 2, max: 3 }),
      }),
    },
  ),
  { maxLength: 400, size: "max" },
);

const keyArb = fc.array(fc.nat(5), { minLength: 200, maxLength: 200 });
/** Mostly in seq order (as the runtime pushes), sometimes shuffled. */
const pushOrder = fc.oneof(
  fc.constant(Array.from({ length: 200 }, (_, i) => i)),
  fc.array(fc.nat(400), { minLength: 200, maxLength: 200 }),
);

function checkQueue(
  make: () => TurnQueue,
  before: (a: ReadyTurn, b: ReadyTurn) => boolean,
  keys: number[],
  order: number[],
  ops: readonly { op: string; at?: number; mod?: number }[],
): void {
  // Pushed in an order of their own (turn i goes at position order[i]), so SeqQueue's
  // out-of-order path is exercised too.
  const ordered = readyTurns(keys.map((key, i) => ({ readyS: i, durationS: key, priority: key })));
  const turns = ordered
    .map((_, i) => i)
    .sort((a, b) => order[a]! - order[b]! || a - b)
    .map((i) => ordered[i]!);
  const queue = make();
  const model: ReadyTurn[] = [];
  const first = (accept: (t: ReadyTurn) => boolean = () => true) =>
    model
      .filter(accept)
      .reduce<ReadyTurn | undefined>(
        (m, t) => (m === undefined || before(t, m) ? t : m),
        undefined,
      );
  let next = 0;
  for (const step of ops) {
    if (step.op === "push" && next < turns.length) {
      queue.push(turns[next]!);
      model.push(turns[next++]!);
    } else if (step.op === "pop") {
      const expected = first();
      expect(queue.pop()).toBe(expected);
      if (expected) model.splice(model.indexOf(expected), 1);
    } else if (step.op === "popFirst") {
      const accept = (t: ReadyTurn) => t.seq % step.mod! === 0;
      const expected = first(accept);
      expect(queue.popFirst(accept)).toBe(expected);
      if (expected) model.splice(model.indexOf(expected), 1);
    }
    expect(queue.size).toBe(model.length);
  }
  while (model.length > 0) {
    const expected = first()!;
    expect(queue.pop()).toBe(expected);
    model.splice(model.indexOf(expected), 1);
  }
  expect(queue.pop()).toBeUndefined();
}

describe("TurnQueue", () => {
  it("SeqQueue serves first-ready-first through filtered pops", () => {
    fc.assert(
      fc.property(keyArb, pushOrder, queueOps, (keys, order, ops) => {
        checkQueue(
          () => new SeqQueue(),
          (a, b) => a.seq < b.seq,
          keys,
          order,
          ops,
        );
      }),
      { numRuns },
    );
  });

  it("KeyedQueue serves in comparator order through filtered pops", () => {
    const before = (a: ReadyTurn, b: ReadyTurn) =>
      a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
    fc.assert(
      fc.property(keyArb, pushOrder, queueOps, (keys, order, ops) => {
        checkQueue(() => new KeyedQueue(before), before, keys, order, ops);
      }),
      { numRuns },
    );
  });

  it("refuses a turn whose seq is already waiting", () => {
    for (const queue of [new KeyedQueue((a, b) => a.seq < b.seq), new SeqQueue()]) {
      const turns = readyTurns([
        { readyS: 0, durationS: 1 },
        { readyS: 1, durationS: 1 },
      ]);
      queue.push(turns[0]!);
      queue.push(turns[1]!);
      expect(() => queue.push(turns[0]!)).toThrow(/seq 0 is already waiting/);
      expect(queue.pop()).toBe(turns[0]);
      queue.push(turns[0]!);
      expect(queue.size).toBe(2);
    }
  });
});
