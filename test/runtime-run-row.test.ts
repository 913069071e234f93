/**
 * A run's row is declared once (`RUN_ROW`): its fields' offsets follow from the table, tile the
 * row without gap or overlap, and the rows `RunRows` hands out are exactly that size apart.
 */
import { describe, expect, it } from "vitest";
import { CODE, DOUBLE, INT, layOutRow, words } from "../src/runtime/row-layout.ts";
import { RUN_ROW, RunRows } from "../src/runtime/run-state.ts";

describe("a run's row layout", () => {
  it("gives every field its own doubles, side by side from 0 to the row's size", () => {
    const fields = Object.entries(RUN_ROW.fields).map(([name, field]) => ({
      name,
      from: RUN_ROW.offsets[name as keyof typeof RUN_ROW.offsets],
      to: RUN_ROW.offsets[name as keyof typeof RUN_ROW.offsets] + field.doubles,
    }));
    fields.sort((a, b) => a.from - b.from);
    let end = 0;
    for (const field of fields) {
      expect(field.from, `${field.name} starts where the field before it ends`).toBe(end);
      end = field.to;
    }
    expect(end).toBe(RUN_ROW.doubles);
    const used = new Set<number>();
    for (const field of fields) for (let d = field.from; d < field.to; d++) used.add(d);
    expect(used.size).toBe(RUN_ROW.doubles);
  });

  it("keeps a multi-double field's kind apart: an Alea state of four, a key of three", () => {
    expect(RUN_ROW.fields.STREAM).toEqual({ kind: "words", doubles: 4 });
    expect(RUN_ROW.fields.KEY).toEqual({ kind: "words", doubles: 3 });
    for (const field of Object.values(RUN_ROW.fields)) {
      if (field.kind !== "words") expect(field.doubles).toBe(1);
    }
  });

  it("hands out rows exactly a row's size apart, in chunks of whole rows", () => {
    const rows = new RunRows();
    const first = rows.take();
    const chunk = rows.chunk;
    expect(first).toBe(0);
    expect(rows.take()).toBe(RUN_ROW.doubles);
    expect(rows.take()).toBe(2 * RUN_ROW.doubles);
    expect(chunk.length % RUN_ROW.doubles).toBe(0);
  });
});

describe("layOutRow", () => {
  it("places fields in the order declared, each after the widths before it", () => {
    const row = layOutRow({ A: DOUBLE, B: words(3), C: INT, D: CODE });
    expect(row.offsets).toEqual({ A: 0, B: 1, C: 4, D: 5 });
    expect(row.doubles).toBe(6);
  });

  it("refuses a width that is not a positive whole number, naming the field", () => {
    expect(() => layOutRow({ A: DOUBLE, B: words(0) })).toThrow(
      "layOutRow: field B: expected a positive whole number of doubles, got 0",
    );
    expect(() => layOutRow({ A: words(1.5) })).toThrow(/field A/);
  });
});
