/**
 * Rows of numbers declared once: a table of named fields, each with its kind and the doubles it
 * takes, from which every field's offset and the row's size follow (`layOutRow`). Code that keeps
 * records in a shared Float64Array (a run's row, `RunRows`) reads and writes them at
 * `base + offsets.FIELD`, so adding a field is one line in its table.
 */

/**
 * How a field's doubles are read: a number (`double`), a whole number (`int`: counts, indexes,
 * masks), a flag (`flag`: 1 or 0), a code (`code`: an index into a table of names), or several
 * doubles (`words`: e.g. an Alea state or a key).
 */
export type FieldKind = "double" | "int" | "flag" | "code" | "words";

/** One field of a row: its kind and the doubles it takes. */
export interface RowField {
  readonly kind: FieldKind;
  readonly doubles: number;
}

/** A number. */
export const DOUBLE: RowField = Object.freeze({ kind: "double", doubles: 1 });
/** A whole number kept in a double (exact up to 2^53). */
export const INT: RowField = Object.freeze({ kind: "int", doubles: 1 });
/** A flag: 1 or 0. */
export const FLAG: RowField = Object.freeze({ kind: "flag", doubles: 1 });
/** A code: an index into a table of names. */
export const CODE: RowField = Object.freeze({ kind: "code", doubles: 1 });

/** `count` doubles read together (an Alea state, a key). */
export function words(count: number): RowField {
  return Object.freeze({ kind: "words", doubles: count });
}

/** A row laid out from its table of fields. */
export interface RowLayout<K extends string> {
  /** The table, as declared. */
  readonly fields: Readonly<Record<K, RowField>>;
  /** Each field's first double: the widths of the fields declared before it, summed. */
  readonly offsets: Readonly<Record<K, number>>;
  /** Doubles a row: every field's width, summed. */
  readonly doubles: number;
}

/**
 * Lays out a row from its fields, in the order declared: each field starts where the one
 * before it ends. A width that is not a positive whole number throws at once.
 */
export function layOutRow<K extends string>(fields: Record<K, RowField>): RowLayout<K> {
  const offsets = {} as Record<K, number>;
  let at = 0;
  for (const name of Object.keys(fields) as K[]) {
    const width = fields[name].doubles;
    if (!Number.isInteger(width) || width < 1) {
      throw new RangeError(
        `layOutRow: field ${name}: expected a positive whole number of doubles, got ${width}`,
      );
    }
    offsets[name] = at;
    at += width;
  }
  return { fields: Object.freeze({ ...fields }), offsets: Object.freeze(offsets), doubles: at };
}
