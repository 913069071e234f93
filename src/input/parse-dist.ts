/**
 * Distributions as scenarios write them, parsed into `DistSpec` in base units. A distribution is
 * a constant (a number, or a string with a unit such as "300ms") or an object
 * `{dist: <name>, ...}` whose fields take the same units as the constant would:
 *
 * | dist | fields |
 * | --- | --- |
 * | constant | value |
 * | uniform | min, max (min <= max) |
 * | exponential | mean, or rate (mean = 1 / rate; a duration's rate is written "2/s") |
 * | normal | mean, sd (alias stddev), min?, max? (non-negative quantities default to min 0) |
 * | lognormal | mu, sigma (of the log of the base unit), or median, p99 (p99 > median) |
 * | pareto | scale (aliases xm, min), shape (alias alpha) |
 * | bernoulli | p (draws 1 with probability p, else 0) |
 * | empirical | values (a non-empty list; each draw picks one uniformly) |
 *
 * Every problem in one distribution is reported at once, each naming its field.
 */
import { DIST_NAMES, type DistSpec } from "../sim/index.ts";
import { ScenarioError, scenarioErrors } from "./errors.ts";
import {
  formatDuration,
  parseDuration,
  parseNumber,
  parseProbability,
  parseRate,
  parseTokenAmount,
  round,
} from "./units.ts";

/** What a distribution's values measure: seconds, tokens, plain numbers or probabilities. */
export type DistUnit = "duration" | "tokens" | "number" | "probability";

/** z such that P(Z <= z) = 0.99 for a standard normal: p99 = exp(mu + Z99 x sigma). */
export const Z99 = 2.3263478740408408;

/** Fields each distribution accepts, canonical names first, then aliases (alias -> canonical). */
const FIELDS: Record<DistSpec["dist"], { names: string[]; aliases: Record<string, string> }> = {
  constant: { names: ["value"], aliases: {} },
  uniform: { names: ["min", "max"], aliases: {} },
  exponential: { names: ["mean", "rate"], aliases: {} },
  normal: { names: ["mean", "sd", "min", "max"], aliases: { stddev: "sd" } },
  lognormal: { names: ["mu", "sigma", "median", "p99"], aliases: {} },
  pareto: { names: ["scale", "shape"], aliases: { xm: "scale", min: "scale", alpha: "shape" } },
  bernoulli: { names: ["p"], aliases: {} },
  empirical: { names: ["values"], aliases: {} },
};

/** How a constant of each unit is described in errors. */
const CONSTANT_EXPECTED: Record<DistUnit, string> = {
  duration: 'a non-negative duration such as "300ms"',
  tokens: "a non-negative number of tokens such as 1200",
  number: "a finite number",
  probability: "a probability between 0 and 1",
};

const NOUN: Record<DistUnit, string> = {
  duration: "a duration",
  tokens: "a number of tokens",
  number: "a number",
  probability: "a probability",
};

const EXAMPLE: Record<DistUnit, string> = {
  duration: "{dist: exponential, mean: 250ms}",
  tokens: "{dist: lognormal, median: 1200, p99: 6000}",
  number: "{dist: uniform, min: 2, max: 5}",
  probability: "{dist: uniform, min: 0.1, max: 0.5}",
};

/** Parses a distribution (or a constant) whose values measure `unit`, into base units. */
export function parseDistribution(raw: unknown, path: string, unit: DistUnit): DistSpec {
  if (typeof raw === "number" || typeof raw === "string") {
    try {
      return { dist: "constant", value: parseValue(raw, path, unit) };
    } catch {
      throw new ScenarioError(
        path,
        `${CONSTANT_EXPECTED[unit]}, or a distribution such as ${EXAMPLE[unit]}`,
        raw,
      );
    }
  }
  if (!isRecord(raw)) {
    throw new ScenarioError(
      path,
      `${CONSTANT_EXPECTED[unit]}, or a distribution such as ${EXAMPLE[unit]}`,
      raw,
    );
  }
  const name = raw.dist;
  if (typeof name !== "string" || !(DIST_NAMES as readonly string[]).includes(name)) {
    throw new ScenarioError(join(path, "dist"), `one of ${DIST_NAMES.join(", ")}`, name);
  }
  const reader = new FieldReader(raw, path, unit, name as DistSpec["dist"]);
  const spec = reader.read();
  if (reader.errors.length > 0) throw scenarioErrors(reader.errors);
  return spec!;
}

/** An error for a field that a mapping does not have, suggesting the closest known one. */
export function unknownFieldError(
  path: string,
  key: string,
  known: readonly string[],
): ScenarioError {
  const guess = closest(key, known);
  const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
  return new ScenarioError(
    join(path, key),
    `one of the fields ${known.join(", ")}${hint}`,
    `unknown field ${JSON.stringify(key)}`,
    { foundShown: true },
  );
}

/** The candidate nearest to `word` (case-insensitive edit distance at most 2), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** The problems a ScenarioError carries, each on its own (without `others`), in order. */
export function problemsOf(error: ScenarioError): ScenarioError[] {
  const alone = new ScenarioError(error.path, error.expected, error.found, {
    file: error.file,
    foundShown: true,
  });
  return [alone, ...error.others.flatMap(problemsOf)];
}

/** Appends a key to a field path: `join("a.b", "c")` = "a.b.c"; `join("", "c")` = "c". */
export function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** Renders a value of a unit for messages: durations as "300ms", others as numbers. */
export function formatValue(value: number, unit: DistUnit): string {
  return unit === "duration" ? formatDuration(value) : round(value);
}

// Reads the fields of one `{dist: ...}` object, collecting every problem.
class FieldReader {
  readonly errors: ScenarioError[] = [];
  private readonly values = new Map<string, unknown>();
  /** Canonical field name -> the key as written (an alias, perhaps). */
  private readonly keys = new Map<string, string>();

  constructor(
    raw: Record<string, unknown>,
    private readonly path: string,
    private readonly unit: DistUnit,
    private readonly name: DistSpec["dist"],
  ) {
    const { names, aliases } = FIELDS[name];
    for (const [key, value] of Object.entries(raw)) {
      if (key === "dist") continue;
      const canonical = names.includes(key) ? key : aliases[key];
      if (canonical === undefined) {
        this.errors.push(unknownFieldError(path, key, ["dist", ...names, ...Object.keys(aliases)]));
        continue;
      }
      const earlier = this.keys.get(canonical);
      if (earlier !== undefined) {
        this.errors.push(
          new ScenarioError(join(path, key), `only one of ${earlier} and ${key}`, value),
        );
        continue;
      }
      this.keys.set(canonical, key);
      this.values.set(canonical, value);
    }
  }

  read(): DistSpec | undefined {
    switch (this.name) {
      case "constant":
        return { dist: "constant", value: this.value("value") };
      case "uniform":
        return this.uniform();
      case "exponential":
        return this.exponential();
      case "normal":
        return this.normal();
      case "lognormal":
        return this.lognormal();
      case "pareto":
        return this.pareto();
      case "bernoulli":
        return { dist: "bernoulli", p: this.field("p", true, parseProbability) };
      case "empirical":
        return this.empirical();
    }
  }

  private uniform(): DistSpec {
    const min = this.value("min");
    const max = this.value("max");
    if (Number.isFinite(min) && Number.isFinite(max) && max < min) {
      this.fail("max", `${NOUN[this.unit]} not less than min (${this.shown("min", min)})`);
    }
    return { dist: "uniform", min, max };
  }

  private exponential(): DistSpec {
    this.unbounded();
    const hasMean = this.values.has("mean");
    const hasRate = this.values.has("rate");
    if (hasMean === hasRate) {
      this.errors.push(
        new ScenarioError(
          join(this.path, hasMean ? "rate" : "mean"),
          "either mean or rate (not both)",
          hasMean ? this.values.get("rate") : undefined,
        ),
      );
      return { dist: "exponential", mean: Number.NaN };
    }
    if (hasMean) return { dist: "exponential", mean: this.value("mean", { positive: true }) };
    const rate =
      this.unit === "duration"
        ? this.field("rate", true, parseRate)
        : this.field("rate", true, (raw, at) =>
            parseNumber(raw, at, { min: 0, exclusiveMin: true }),
          );
    return { dist: "exponential", mean: 1 / rate };
  }

  private normal(): DistSpec {
    const mean = this.value("mean");
    const sd = this.value("sd", { spread: true });
    const nonNegative = this.unit !== "number";
    const min = this.values.has("min") ? this.value("min") : nonNegative ? 0 : undefined;
    const max = this.values.has("max")
      ? this.value("max")
      : this.unit === "probability"
        ? 1
        : undefined;
    if (min !== undefined && max !== undefined && max < min) {
      this.fail("max", `${NOUN[this.unit]} not less than min (${formatValue(min, this.unit)})`);
    }
    const spec: DistSpec = { dist: "normal", mean, sd };
    if (min !== undefined) spec.min = min;
    if (max !== undefined) spec.max = max;
    return spec;
  }

  private lognormal(): DistSpec {
    this.unbounded();
    const byMoments = this.values.has("mu") || this.values.has("sigma");
    const byQuantiles = this.values.has("median") || this.values.has("p99");
    if (byMoments && byQuantiles) {
      const key = this.keys.get(this.values.has("median") ? "median" : "p99")!;
      this.errors.push(
        new ScenarioError(
          join(this.path, key),
          "either {mu, sigma} or {median, p99}, not both",
          this.values.get(key),
        ),
      );
      return { dist: "lognormal", mu: Number.NaN, sigma: Number.NaN };
    }
    if (!byMoments && !byQuantiles) {
      this.errors.push(
        new ScenarioError(join(this.path, "median"), "median and p99 (or mu and sigma)", undefined),
      );
      return { dist: "lognormal", mu: Number.NaN, sigma: Number.NaN };
    }
    if (byMoments) {
      const mu = this.field("mu", true, (raw, at) => parseNumber(raw, at));
      const sigma = this.field("sigma", true, (raw, at) => parseNumber(raw, at, { min: 0 }));
      return { dist: "lognormal", mu, sigma };
    }
    const median = this.value("median", { positive: true });
    const p99 = this.value("p99", { positive: true });
    if (Number.isFinite(median) && Number.isFinite(p99) && p99 <= median) {
      this.fail("p99", `${NOUN[this.unit]} greater than median (${this.shown("median", median)})`);
    }
    const mu = Math.log(median);
    return { dist: "lognormal", mu, sigma: (Math.log(p99) - mu) / Z99 };
  }

  private pareto(): DistSpec {
    this.unbounded();
    const scale = this.value("scale", { positive: true });
    const shape = this.field("shape", true, (raw, at) =>
      parseNumber(raw, at, { min: 0, exclusiveMin: true }),
    );
    return { dist: "pareto", scale, shape };
  }

  private empirical(): DistSpec {
    const raw = this.values.get("values");
    const at = join(this.path, this.keys.get("values") ?? "values");
    if (!Array.isArray(raw) || raw.length === 0) {
      this.errors.push(new ScenarioError(at, `a non-empty list of ${NOUN[this.unit]} values`, raw));
      return { dist: "empirical", values: [] };
    }
    const values = raw.map((item, i) =>
      this.attempt(() => parseValue(item, join(at, i), this.unit)),
    );
    return { dist: "empirical", values };
  }

  // Distributions without an upper bound cannot describe a probability.
  private unbounded(): void {
    if (this.unit === "probability") {
      this.errors.push(
        new ScenarioError(
          join(this.path, "dist"),
          "a distribution bounded in [0, 1] (constant, uniform, normal, bernoulli or empirical)",
          this.name,
        ),
      );
    }
  }

  // A field in the distribution's unit; `positive` refuses 0, `spread` marks a standard
  // deviation (a plain number for probabilities, never negative).
  private value(key: string, options: { positive?: boolean; spread?: boolean } = {}): number {
    return this.field(key, true, (raw, at) => {
      const value = parseValue(
        raw,
        at,
        options.spread && this.unit === "probability" ? "number" : this.unit,
      );
      if (options.positive && value <= 0) {
        throw new ScenarioError(at, `a positive ${NOUN[this.unit].slice(2)}`, raw);
      }
      if (options.spread && value < 0) throw new ScenarioError(at, "a non-negative spread", raw);
      return value;
    });
  }

  private field(
    key: string,
    required: boolean,
    parse: (raw: unknown, path: string) => number,
  ): number {
    const at = join(this.path, this.keys.get(key) ?? key);
    if (!this.values.has(key)) {
      if (required) {
        this.errors.push(
          new ScenarioError(
            at,
            `${NOUN[this.unit]} (a ${this.name} distribution needs ${key})`,
            undefined,
          ),
        );
      }
      return Number.NaN;
    }
    return this.attempt(() => parse(this.values.get(key), at));
  }

  private attempt(parse: () => number): number {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      this.errors.push(...problemsOf(error));
      return Number.NaN;
    }
  }

  private fail(key: string, expected: string): void {
    this.errors.push(
      new ScenarioError(join(this.path, this.keys.get(key) ?? key), expected, this.values.get(key)),
    );
  }

  // A field's value as the user wrote it when it was a string ("300ms"), else formatted.
  private shown(key: string, value: number): string {
    const raw = this.values.get(key);
    return typeof raw === "string" ? raw.trim() : formatValue(value, this.unit);
  }
}

/** Parses one value of a unit (a constant, a bound, an empirical value). */
function parseValue(raw: unknown, path: string, unit: DistUnit): number {
  switch (unit) {
    case "duration":
      return parseDuration(raw, path);
    case "tokens":
      return parseTokenAmount(raw, path);
    case "number":
      return parseNumber(raw, path);
    case "probability":
      return parseProbability(raw, path);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Edit distance where swapping two neighbouring letters counts once ("mxa" is 1 from "max").
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
      }
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
