/**
 * Quantities with units as scenarios write them ("300ms", "2/s", "8k"), parsed into base units:
 * seconds, per-second rates, tokens. Every parser takes the field path so a bad value throws a
 * `ScenarioError` that names the field, what was expected and what was found.
 *
 * Accepted forms:
 * - duration: a non-negative number of seconds, or a string `<number><unit>` with unit `ms`, `s`,
 *   `m`, `h` (or none, meaning seconds); `"1.5s"`, `"300ms"`, `"2 m"`.
 * - rate: a positive number per second, or `<number>/<unit>` with unit `s`, `m`, `h` (also
 *   `sec`, `min`, `hour`); `"2/s"`, `"120/m"`.
 * - count: a non-negative integer (a number or a string of digits).
 * - tokens: a non-negative integer, optionally with a decimal suffix `k` (x1,000) or `M`
 *   (x1,000,000): `"8k"` = 8000, `"1.5k"` = 1500; the result must be a whole number of tokens.
 * - probability: a number in [0, 1], or a percentage string `"2%"`.
 */
import { ScenarioError } from "./errors.ts";

/** Options shared by the number-like parsers. */
export interface QuantityConstraints {
  /** Refuse zero (the value must be strictly positive); default false. */
  positive?: boolean;
  /** Largest allowed value, in base units (inclusive); default none. */
  max?: number;
}

/** Bounds for `parseNumber`. */
export interface NumberConstraints {
  /** Smallest allowed value (inclusive); default -Infinity. */
  min?: number;
  /** Largest allowed value (inclusive); default Infinity. */
  max?: number;
  /** Refuse `min` itself; default false. */
  exclusiveMin?: boolean;
  /** Require a whole number; default false. */
  integer?: boolean;
  /**
   * A bound on the magnitude of a size (|value| at most this), stated in a message only to a
   * value beyond it, unlike `max`, which is part of what the field means; default none.
   */
  bound?: number;
}

const SECONDS_PER: Record<string, number> = {
  "": 1,
  ms: 0.001,
  s: 1,
  sec: 1,
  m: 60,
  min: 60,
  h: 3600,
  hour: 3600,
};

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const DURATION_RE = new RegExp(`^(${NUMBER})\\s*(ms|s|sec|m|min|h|hour)?$`);
const RATE_RE = new RegExp(`^(${NUMBER})\\s*(?:/\\s*(s|sec|m|min|h|hour))?$`);
const TOKENS_RE = new RegExp(`^(${NUMBER})\\s*([kKM])?$`);
const PERCENT_RE = new RegExp(`^(${NUMBER})\\s*%$`);
const PLAIN_RE = new RegExp(`^(${NUMBER})$`);

/** The phrase used in duration errors. */
export const DURATION_EXPECTED = 'a non-negative duration such as "300ms" or "2s"';
/** The phrase used in rate errors. */
export const RATE_EXPECTED = 'a positive rate such as "2/s"';

/** Parses a duration into seconds: a bare number is seconds; `"300ms"`, `"1.5s"`, `"5m"`, `"1h"`. */
export function parseDuration(
  raw: unknown,
  path: string,
  constraints: QuantityConstraints = {},
): number {
  const expected = constraints.positive
    ? DURATION_EXPECTED.replace("non-negative", "positive")
    : DURATION_EXPECTED;
  // Milliseconds divide rather than multiply by 0.001 so "300ms" is exactly 0.3.
  const seconds = scaled(raw, DURATION_RE, (value, unit) =>
    unit === "ms" ? value / 1000 : value * SECONDS_PER[unit ?? ""]!,
  );
  const max = constraints.max ?? Number.POSITIVE_INFINITY;
  if (
    seconds === undefined ||
    seconds < 0 ||
    (constraints.positive && seconds === 0) ||
    seconds > max
  ) {
    throw new ScenarioError(path, atMost(expected, seconds, max, formatDuration), raw);
  }
  return seconds;
}

/** Parses a rate into events per second: a bare number is per second; `"2/s"`, `"120/m"`, `"3/h"`. */
export function parseRate(
  raw: unknown,
  path: string,
  constraints: Pick<QuantityConstraints, "max"> = {},
): number {
  const perS = scaled(raw, RATE_RE, (value, unit) => value / SECONDS_PER[unit ?? ""]!);
  const max = constraints.max ?? Number.POSITIVE_INFINITY;
  if (perS === undefined || perS <= 0 || perS > max) {
    throw new ScenarioError(path, atMost(RATE_EXPECTED, perS, max, formatRate), raw);
  }
  return perS;
}

/** Parses a non-negative integer count (`positive` refuses 0). */
export function parseCount(
  raw: unknown,
  path: string,
  constraints: QuantityConstraints = {},
): number {
  const value = scaled(raw, PLAIN_RE, (value) => value);
  const lowest = constraints.positive ? 1 : 0;
  const max = constraints.max ?? Number.POSITIVE_INFINITY;
  if (value === undefined || !Number.isInteger(value) || value < lowest || value > max) {
    const what = constraints.positive ? "a positive integer" : "a non-negative integer";
    throw new ScenarioError(path, atMost(what, value, max, grouped), raw);
  }
  return value;
}

/** Parses a token count: a non-negative integer, `"8k"` = 8000, `"2M"` = 2,000,000. */
export function parseTokens(
  raw: unknown,
  path: string,
  constraints: QuantityConstraints = {},
): number {
  const value = tokenValue(raw);
  const lowest = constraints.positive ? 1 : 0;
  const max = constraints.max ?? Number.POSITIVE_INFINITY;
  if (value === undefined || !Number.isInteger(value) || value < lowest || value > max) {
    const what = constraints.positive ? "a positive" : "a non-negative";
    const expected = `${what} whole number of tokens such as 1200 or "8k"`;
    throw new ScenarioError(path, atMost(expected, value, max, grouped), raw);
  }
  return value;
}

/**
 * A token quantity that may be fractional (inside distributions a median of 1.5k tokens is fine):
 * a non-negative number with an optional `k`/`M` suffix.
 */
export function parseTokenAmount(raw: unknown, path: string): number {
  const value = tokenValue(raw);
  if (value === undefined || value < 0) {
    throw new ScenarioError(path, 'a non-negative number of tokens such as 1200 or "8k"', raw);
  }
  return value;
}

/** Parses a probability: a number in [0, 1] or a percentage such as `"2%"`. */
export function parseProbability(raw: unknown, path: string): number {
  let value: number | undefined;
  if (typeof raw === "number") value = raw;
  else if (typeof raw === "string") {
    const percent = PERCENT_RE.exec(raw.trim());
    if (percent) value = Number(percent[1]) / 100;
    else if (PLAIN_RE.test(raw.trim())) value = Number(raw.trim());
  }
  if (value === undefined || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ScenarioError(
      path,
      'a probability between 0 and 1 (or a percentage such as "2%")',
      raw,
    );
  }
  return value;
}

/** Parses a plain finite number within bounds (numeric strings are accepted too). */
export function parseNumber(
  raw: unknown,
  path: string,
  constraints: NumberConstraints = {},
): number {
  const value = scaled(raw, PLAIN_RE, (value) => value);
  const min = constraints.min ?? Number.NEGATIVE_INFINITY;
  const max = constraints.max ?? Number.POSITIVE_INFINITY;
  const bound = constraints.bound ?? Number.POSITIVE_INFINITY;
  const ok =
    value !== undefined &&
    (constraints.exclusiveMin ? value > min : value >= min) &&
    value <= max &&
    Math.abs(value) <= bound &&
    (!constraints.integer || Number.isInteger(value));
  if (!ok) {
    const expected = describeNumber(constraints);
    const beyond =
      value === undefined || Math.abs(value) <= bound
        ? ""
        : value > 0
          ? `, at most ${grouped(bound)}`
          : `, at least ${grouped(-bound)}`;
    throw new ScenarioError(path, `${expected}${beyond}`, raw);
  }
  return value;
}

/** The phrase for a number with these bounds: "a number >= 0", "an integer between 1 and 5". */
export function describeNumber(constraints: NumberConstraints): string {
  const noun = constraints.integer ? "an integer" : "a number";
  const { min, max } = constraints;
  const hasMin = min !== undefined && min !== Number.NEGATIVE_INFINITY;
  const hasMax = max !== undefined && max !== Number.POSITIVE_INFINITY;
  if (hasMin && hasMax && !constraints.exclusiveMin) return `${noun} between ${min} and ${max}`;
  if (hasMin && min === 0 && constraints.exclusiveMin && !hasMax) {
    return constraints.integer ? "a positive integer" : "a positive number";
  }
  const parts: string[] = [];
  if (hasMin) parts.push(`${constraints.exclusiveMin ? ">" : ">="} ${min}`);
  if (hasMax) parts.push(`<= ${max}`);
  return parts.length === 0
    ? `a finite ${noun.slice(noun.indexOf(" ") + 1)}`
    : `${noun} ${parts.join(" and ")}`;
}

/** Formats seconds for people: "300ms", "2s", "1.5m", "2h" (parseDuration reads it back). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return seconds > 0 ? "never" : String(seconds);
  if (seconds === 0) return "0s";
  if (seconds < 1) return `${round(seconds * 1000)}ms`;
  if (seconds < 60) return `${round(seconds)}s`;
  if (seconds < 3600) return `${round(seconds / 60)}m`;
  return `${round(seconds / 3600)}h`;
}

/** Formats a per-second rate for people: "0.3/s", "20/m" when below 1/s would need decimals. */
export function formatRate(perS: number): string {
  if (perS >= 0.1 || perS === 0) return `${round(perS)}/s`;
  if (perS * 60 >= 0.1) return `${round(perS * 60)}/m`;
  return `${round(perS * 3600)}/h`;
}

/**
 * The expected phrase, with the upper bound when `value` is above it ("a positive integer, at
 * most 30"): a value of the wrong form or too small gets the phrase alone.
 */
function atMost(
  expected: string,
  value: number | undefined,
  max: number,
  format: (value: number) => string,
): string {
  return value !== undefined && value > max ? `${expected}, at most ${format(max)}` : expected;
}

/** A whole number with thousands separators: 100000 -> "100,000". */
function grouped(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

/** Rounds to 6 significant digits and drops trailing zeros, for messages and descriptions. */
export function round(value: number): string {
  return String(Number(value.toPrecision(6)));
}

// A number given as such, or a string matching `re` whose group 1 is the number and group 2 the
// unit; `convert` turns it into base units. Undefined when the form is wrong or not finite.
function scaled(
  raw: unknown,
  re: RegExp,
  convert: (value: number, unit: string | undefined, digits: string) => number,
): number | undefined {
  let value: number;
  if (typeof raw === "number") value = raw;
  else if (typeof raw === "string") {
    const match = re.exec(raw.trim());
    if (!match) return undefined;
    value = convert(Number(match[1]), match[2], match[1]!);
  } else return undefined;
  return Number.isFinite(value) ? value : undefined;
}

function tokenValue(raw: unknown): number | undefined {
  // Shifting the decimal exponent in the text keeps "1.1k" exactly 1100 (1.1 * 1000 is not).
  return scaled(raw, TOKENS_RE, (value, unit, digits) => {
    const exponent = unit === "k" || unit === "K" ? 3 : unit === "M" ? 6 : 0;
    if (exponent === 0) return value;
    return /[eE]/.test(digits) ? value * 10 ** exponent : Number(`${digits}e${exponent}`);
  });
}

/** The kind of quantity a value with a unit is: what its base unit is. */
export type QuantityKind = "duration" | "rate" | "tokens" | "fraction" | "number";

/** The base unit of each kind, as tables and chart axes name it. */
export const BASE_UNIT: Record<QuantityKind, string> = {
  duration: "seconds",
  rate: "per second",
  tokens: "tokens",
  fraction: "fraction",
  number: "as written",
};

/**
 * A value as a sweep axis holds it (`"300ms"`, `"0.5/s"`, `"8k"`, `"2%"`, `4`) in base units,
 * with the kind its unit says: durations in seconds, rates per second, tokens, percentages as
 * fractions. A bare number is already in its field's base unit (kind "number"); a value that is
 * no quantity (a distribution, a name) is undefined.
 */
export function baseQuantity(
  raw: string | number,
): { value: number; kind: QuantityKind } | undefined {
  if (typeof raw === "number")
    return Number.isFinite(raw) ? { value: raw, kind: "number" } : undefined;
  const text = raw.trim();
  if (PLAIN_RE.test(text)) return { value: Number(text), kind: "number" };
  const duration = DURATION_RE.exec(text);
  if (duration?.[2] !== undefined) {
    const value = Number(duration[1]);
    const seconds = duration[2] === "ms" ? value / 1000 : value * SECONDS_PER[duration[2]]!;
    return { value: seconds, kind: "duration" };
  }
  const rate = RATE_RE.exec(text);
  if (rate?.[2] !== undefined) {
    return { value: Number(rate[1]) / SECONDS_PER[rate[2]]!, kind: "rate" };
  }
  const tokens = TOKENS_RE.exec(text);
  if (tokens?.[2] !== undefined) return { value: tokenValue(text)!, kind: "tokens" };
  const percent = PERCENT_RE.exec(text);
  if (percent) return { value: Number(percent[1]) / 100, kind: "fraction" };
  return undefined;
}
