/**
 * A sweep's axes as the report shows them: each axis's path, its values in base units (what
 * cells.csv holds and the sweep charts plot) and the unit to name. A value written with a unit
 * ("0.5/s", "300ms", "8k", "2%") is converted to its base unit (per second, seconds, tokens, a
 * fraction); a bare number is the field's own unit and kept as written; a value that is no
 * quantity (a distribution, a name) stays a string, and its axis is categorical.
 */
import type { Results } from "../experiment/index.ts";
import { BASE_UNIT, baseQuantity, type QuantityKind } from "../input/index.ts";

/** One axis of a sweep. */
export interface SweepAxisView {
  path: string;
  /** The values as the sweep wrote them, in grid order. */
  written: (string | number)[];
  /** The values in base units; strings when the axis is categorical. */
  values: (string | number)[];
  /** Every value is a number (in base units): the axis can be a quantitative scale. */
  numeric: boolean;
  /** The unit the values are in, in words ("per second", "seconds", "tokens", "slots"); "" when unknown. */
  unit: string;
}

// Units of bare numbers, by the field a path ends with (a bare number is in the field's unit).
const FIELD_UNITS: readonly [RegExp, string][] = [
  [/perminute$/i, "per minute"],
  [/(^|\.)rate$/i, "per second"],
  [/slots$/i, "slots"],
  [/concurrency$/i, "concurrent calls"],
  [/tokens$/i, "tokens"],
  [/(timeout|think|for|at|mean|median|horizon|warmup)$/i, "seconds"],
  [/weight$/i, "weight"],
  [/priority$/i, "priority"],
  [/(probability|errorrate)$/i, "fraction"],
];

/** The sweep's axes in the results' order; empty without a sweep. */
export function sweepAxes(results: Results): SweepAxisView[] {
  return (results.sweep?.axes ?? []).map((axis) => axisView(axis.path, axis.values));
}

/** One axis from its path and written values. */
export function axisView(path: string, written: readonly (string | number)[]): SweepAxisView {
  const parsed = written.map(baseQuantity);
  const numeric = parsed.every((q) => q !== undefined);
  const kinds = new Set<QuantityKind>(
    parsed.flatMap((q) => (q === undefined || q.kind === "number" ? [] : [q.kind])),
  );
  let unit = "";
  if (numeric && kinds.size === 1) unit = BASE_UNIT[[...kinds][0]!];
  else if (numeric && kinds.size === 0) {
    unit = FIELD_UNITS.find(([re]) => re.test(path.split(".").pop() ?? ""))?.[1] ?? "";
  }
  return {
    path,
    written: [...written],
    values: numeric ? parsed.map((q) => q!.value) : written.map(String),
    numeric,
    unit,
  };
}

/** An axis's value at a sweep point, in base units (a string on a categorical axis). */
export function axisValueAt(
  axis: SweepAxisView,
  point: Record<string, string | number>,
): string | number {
  const written = point[axis.path];
  const index = axis.written.findIndex((v) => String(v) === String(written));
  return index >= 0 ? axis.values[index]! : String(written);
}

/** "jobs.chat.arrivals.rate (per second)": an axis title with its unit. */
export function axisTitle(axis: SweepAxisView): string {
  return axis.unit === "" ? axis.path : `${axis.path} (${axis.unit})`;
}
