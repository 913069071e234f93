/**
 * Sweeps: `--vary <path>=<values>` axes, set into the raw document before validation so every
 * sweep point is checked like a file would be.
 *
 * - Values: a list `a,b,c`, or a range `lo..hi:count` (count from 2 to 100,000, linear spacing, written in
 *   the unit of `lo`: `0.5/s..4/s:8` gives "0.5/s", "1/s", ..., "4/s"; `300ms..2s:3` gives
 *   "300ms", "1150ms", "2000ms").
 * - Paths: dot-separated; a segment selects a list element by its `name`
 *   (`jobs.ticket-triage.arrivals.rate`) or by index (`endpoints.0.slots`). The last segment may
 *   name a field the document leaves out (it is then added); earlier ones must exist.
 */
import { ScenarioError, show } from "../input/index.ts";
import { BOUNDS, formatBound } from "./bounds.ts";
import type { SweepAxis } from "./types.ts";

/** One value of one axis at a sweep point. */
export interface SweepSetting {
  path: string;
  value: string | number;
}

/** A sweep point: one setting per axis, in axis order. */
export type SweepPoint = SweepSetting[];

const FLAG_EXPECTED =
  'path=values such as "jobs.ticket-triage.arrivals.rate=0.5/s..4/s:8" or "endpoints.0.slots=4,8,16"';

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const QUANTITY_RE = new RegExp(`^(${NUMBER})\\s*(\\S*)$`);
const NUMBER_RE = new RegExp(`^${NUMBER}$`);
// A range attempt: starts with a number and has ".." and ":" (a path like "../a.csv" does not).
const RANGE_RE = /^([+-]?\.?\d[^,]*?)\.\.([^,]+):([^,]*)$/;

// Suffixes of a range's bounds: the kind of quantity and the factor into base units.
const SUFFIXES: Record<string, { kind: string; factor: number }> = {
  "": { kind: "", factor: 1 },
  ms: { kind: "duration", factor: 0.001 },
  s: { kind: "duration", factor: 1 },
  sec: { kind: "duration", factor: 1 },
  m: { kind: "duration", factor: 60 },
  min: { kind: "duration", factor: 60 },
  h: { kind: "duration", factor: 3600 },
  hour: { kind: "duration", factor: 3600 },
  "/s": { kind: "rate", factor: 1 },
  "/sec": { kind: "rate", factor: 1 },
  "/m": { kind: "rate", factor: 1 / 60 },
  "/min": { kind: "rate", factor: 1 / 60 },
  "/h": { kind: "rate", factor: 1 / 3600 },
  "/hour": { kind: "rate", factor: 1 / 3600 },
  k: { kind: "tokens", factor: 1000 },
  K: { kind: "tokens", factor: 1000 },
  M: { kind: "tokens", factor: 1_000_000 },
  "%": { kind: "percent", factor: 1 },
};

/** Parses a `--vary` flag into an axis; `where` names the flag in errors (default "--vary"). */
export function parseVary(flag: string, where = "--vary"): SweepAxis {
  const equals = flag.indexOf("=");
  const path = equals < 0 ? "" : flag.slice(0, equals).trim();
  if (path === "" || /(^|\.)(\.|$)/.test(path)) throw new ScenarioError(where, FLAG_EXPECTED, flag);
  return { path, values: parseValues(flag.slice(equals + 1), where, flag) };
}

/** Parses the values of an axis: `a,b,c` or `lo..hi:count`. */
export function parseValues(
  text: string,
  where: string,
  shown: unknown = text,
): (string | number)[] {
  const trimmed = text.trim();
  const range = RANGE_RE.exec(trimmed);
  if (range) {
    const count = /^\s*\d+\s*$/.test(range[3]!) ? Number(range[3]) : Number.NaN;
    return rangeValues(range[1]!.trim(), range[2]!.trim(), count, where, shown);
  }
  const items = trimmed.split(",").map((item) => item.trim());
  if (trimmed === "" || items.some((item) => item === "")) {
    throw new ScenarioError(where, 'values such as "4,8,16" or "0.5/s..4/s:8"', shown);
  }
  if (items.length > BOUNDS.sweepValues) {
    throw new ScenarioError(
      where,
      `at most ${formatBound(BOUNDS.sweepValues)} values`,
      `${formatBound(items.length)} values`,
      { foundShown: true },
    );
  }
  return items.map(asValue);
}

/**
 * A copy of the raw document with the field at `path` set to `value`. Unknown paths throw a
 * ScenarioError listing what is available at that level; `where` names the source in errors.
 */
export function applyVary(
  rawDoc: unknown,
  path: string,
  value: unknown,
  where = `--vary ${path}`,
): unknown {
  const doc = structuredClone(rawDoc);
  const segments = path.split(".");
  let node: unknown = doc;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    const at = segments.slice(0, i).join(".");
    const under = at === "" ? "the document" : `"${at}"`;
    if (Array.isArray(node)) {
      const index = elementIndex(node, segment);
      if (index === undefined) {
        const names = node.map((item, j) =>
          isRecord(item) && typeof item.name === "string" ? item.name : String(j),
        );
        throw new ScenarioError(
          where,
          `a name or index of an element under ${under}: ${names.join(", ") || "(the list is empty)"}`,
          segment,
        );
      }
      if (last) node[index] = value;
      else node = node[index];
    } else if (isRecord(node)) {
      // Own fields only, and set as own fields: "__proto__" must never reach a prototype.
      if (last) {
        Object.defineProperty(node, segment, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else if (!Object.hasOwn(node, segment)) {
        throw new ScenarioError(
          where,
          `a field under ${under}: ${Object.keys(node).join(", ")}`,
          segment,
        );
      } else node = node[segment];
    } else {
      throw new ScenarioError(where, `a mapping or list at ${under}`, node);
    }
  }
  return doc;
}

/**
 * Every combination of the axes' values (the cartesian product; the last axis varies fastest).
 * Throws a ScenarioError beyond `BOUNDS.sweepPoints` points, before making any.
 */
export function expandGrid(axes: readonly SweepAxis[]): SweepPoint[] {
  const size = axes.reduce((product, axis) => product * axis.values.length, 1);
  if (size > BOUNDS.sweepPoints) {
    throw new ScenarioError(
      "sweep",
      `a grid of at most ${formatBound(BOUNDS.sweepPoints)} points (the product of the axes' value counts)`,
      `${axes.map((axis) => formatBound(axis.values.length)).join(" x ")} = ${formatBound(size)} points`,
      { foundShown: true },
    );
  }
  let points: SweepPoint[] = [[]];
  for (const axis of axes) {
    const next: SweepPoint[] = [];
    for (const point of points) {
      for (const value of axis.values) next.push([...point, { path: axis.path, value }]);
    }
    points = next;
  }
  return points;
}

/** A short label of a sweep point: "rate=0.5/s slots=8" (the last path segment of each axis). */
export function pointLabel(point: SweepPoint): string {
  return point.map(({ path, value }) => `${path.split(".").pop()}=${value}`).join(" ");
}

/** A range axis `path=lo..hi`: its ends as numbers in the unit of `lo` (its suffix). */
export interface RangeAxis {
  path: string;
  lo: number;
  hi: number;
  /** The unit suffix of `lo` ("" for a plain number): values are written with it. */
  unit: string;
}

/** Parses `--vary path=lo..hi` (a range without a count: capacity's search axis). */
export function parseRangeAxis(flag: string, where = "--vary"): RangeAxis {
  const expected = 'path=lo..hi such as "jobs.ticket-triage.arrivals.rate=0.5/s..4/s"';
  const equals = flag.indexOf("=");
  const path = equals < 0 ? "" : flag.slice(0, equals).trim();
  const range = /^\s*([+-]?\.?\d[^,]*?)\.\.([^,:]+)$/.exec(flag.slice(equals + 1));
  if (path === "" || /(^|\.)(\.|$)/.test(path) || range === null) {
    throw new ScenarioError(where, expected, flag);
  }
  const ends = rangeEnds(range[1]!.trim(), range[2]!.trim(), where, flag, expected);
  if (!(ends.hi > ends.lo)) {
    throw new ScenarioError(where, `${expected}, with lo below hi`, flag);
  }
  return { path, ...ends };
}

// The ends of a range in the unit of its low end.
function rangeEnds(
  loText: string,
  hiText: string,
  where: string,
  shown: unknown,
  expected: string,
) {
  const lo = quantity(loText);
  const hi = quantity(hiText);
  if (lo === undefined || hi === undefined) throw new ScenarioError(where, expected, shown);
  const compatible = lo.kind === hi.kind || lo.kind === "" || hi.kind === "";
  if (!compatible) {
    throw new ScenarioError(
      where,
      `a range whose bounds have the same kind of unit as ${show(loText)}`,
      shown,
    );
  }
  // The high bound in the unit of the low one: 300ms..2s means 300..2000 (ms).
  return { lo: lo.value, hi: (hi.value * hi.factor) / lo.factor, unit: lo.suffix };
}

function rangeValues(
  loText: string,
  hiText: string,
  count: number,
  where: string,
  shown: unknown,
): (string | number)[] {
  const {
    lo,
    hi: hiValue,
    unit,
  } = rangeEnds(
    loText,
    hiText,
    where,
    shown,
    'a range lo..hi:count with numbers such as "0.5/s..4/s:8"',
  );
  if (!Number.isInteger(count) || count < 2 || count > BOUNDS.sweepValues) {
    throw new ScenarioError(
      where,
      `a range lo..hi:count with a count from 2 to ${formatBound(BOUNDS.sweepValues)}`,
      shown,
    );
  }
  return Array.from({ length: count }, (_, i) => {
    const value = Number((lo + ((hiValue - lo) * i) / (count - 1)).toPrecision(12));
    return unit === "" ? value : `${value}${unit}`;
  });
}

function quantity(text: string) {
  const match = QUANTITY_RE.exec(text);
  if (!match) return undefined;
  const suffix = match[2]!;
  const unit = SUFFIXES[suffix.replace(/^\/\s*/, "/")];
  const value = Number(match[1]);
  if (unit === undefined || !Number.isFinite(value)) return undefined;
  return { value, suffix, ...unit };
}

function asValue(item: string): string | number {
  return NUMBER_RE.test(item) ? Number(item) : item;
}

function elementIndex(list: unknown[], segment: string): number | undefined {
  const byName = list.findIndex((item) => isRecord(item) && item.name === segment);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(segment) && Number(segment) < list.length) return Number(segment);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
