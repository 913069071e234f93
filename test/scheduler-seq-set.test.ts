import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SeqSet } from "../src/runtime/scheduler/seq-set.ts";

const numRuns = process.env.AGENTSIM_LONG ? 2000 : 200;

describe("SeqSet", () => {
  it("agrees with a Set<number> for dense, shuffled and far-apart seqs (window slides, grows and evicts)", () => {
    const seq = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 5000 }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 ** 16 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, 31, 32, 2 ** 26, 2 ** 27 + 5, 2 ** 32 - 1) },
    );
    const ops = fc.array(
      fc.tuple(fc.constantFrom("add", "delete", "has"), seq, fc.integer({ min: 0, max: 40 })),
      {
        maxLength: 300,
        size: "max",
      },
    );
    fc.assert(
      fc.property(ops, (steps) => {
        // A window of at most 256 words (8192 seqs), so sliding, growth and eviction all happen.
        const set = new SeqSet(256);
        const model = new Set<number>();
        // Plain comparisons (expect() in this inner loop would dominate the run time).
        const mismatches: string[] = [];
        const same = (what: string, actual: unknown, expected: unknown) => {
          if (actual !== expected)
            mismatches.push(`${what}: ${String(actual)} vs ${String(expected)}`);
        };
        let next = 0;
        for (const [op, value, run] of steps) {
          // Runs of consecutive seqs, as the runtime produces, between random ones.
          for (let i = 0; i < run; i++, next++) {
            same(`add(${next})`, set.add(next), !model.has(next));
            model.add(next);
          }
          if (op === "add") {
            same(`add(${value})`, set.add(value), !model.has(value));
            model.add(value);
          } else if (op === "delete") {
            same(`delete(${value})`, set.delete(value), model.delete(value));
          } else {
            same(`has(${value})`, set.has(value), model.has(value));
          }
          same("size", set.size, model.size);
        }
        for (const value of model) same(`has(${value}) at the end`, set.has(value), true);
        expect(mismatches).toEqual([]);
      }),
      { numRuns },
    );
  });

  it("keeps a starving member across a window that moves 100 million seqs past it", () => {
    const set = new SeqSet();
    set.add(7);
    for (let seq = 8; seq < 100_000_000; seq += 1000) {
      set.add(seq);
      set.delete(seq);
    }
    expect(set.has(7)).toBe(true);
    expect(set.size).toBe(1);
    expect(set.delete(7)).toBe(true);
    expect(set.size).toBe(0);
  });

  it("rejects a seq that is not an integer in 0..2^32-1", () => {
    const set = new SeqSet();
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32])
      expect(() => set.add(bad)).toThrow(/not an integer in 0..2\^32-1/);
  });
});
