/**
 * Loading a scenario: read the file (YAML, or JSON, which YAML 1.2 reads too), validate it with
 * the schema, check its references, normalize it. Every problem of a document is collected and
 * thrown as one `ScenarioError` whose `report()` lists them one a line, each naming the file and
 * the field: `noisy.yaml: jobs[1].arrivals.rate: expected a positive rate such as "2/s", got "-1"`.
 * Syntax errors name the line and column; nothing here ends in a stack trace. What a file may
 * ask of the reader is bounded: see source.ts (size, encoding) and yaml-document.ts (nesting,
 * aliases, keys).
 */
import { dirname, resolve } from "node:path";
import { problemsOf, ScenarioError, scenarioErrors } from "../input/index.ts";
import { zodErrors } from "./issues.ts";
import { normalizeScenario } from "./normalize.ts";
import { referenceErrors } from "./references.ts";
import { scenarioSchema } from "./schema.ts";
import { readScenarioText } from "./source.ts";
import type { Scenario } from "./types.ts";
import { applyVary, type SweepPoint } from "./vary.ts";
import { parseYamlDocument } from "./yaml-document.ts";

/** Options of `loadScenarioFile`. */
export interface LoadConstraints {
  /** Sweep settings applied to the raw document before validation; default none. */
  vary?: SweepPoint;
}

/**
 * Reads a scenario file into its raw document (not validated): a regular UTF-8 file of at most
 * `MAX_SCENARIO_BYTES` (source.ts), YAML with bounded nesting and alias expansion
 * (yaml-document.ts). Throws ScenarioError.
 */
export function readScenarioDocument(file: string): unknown {
  return parseScenarioText(readScenarioText(file), file);
}

/** Parses YAML or JSON text into a raw document; `file` names it in errors. */
export function parseScenarioText(text: string, file?: string): unknown {
  return parseYamlDocument(text.replace(/^\uFEFF/, ""), file);
}

/** Loads, validates and normalizes a scenario file, with optional sweep settings applied first. */
export function loadScenarioFile(file: string, options: LoadConstraints = {}): Scenario {
  let raw = readScenarioDocument(file);
  for (const setting of options.vary ?? []) {
    try {
      raw = applyVary(raw, setting.path, setting.value);
    } catch (error) {
      throw error instanceof ScenarioError ? error.inFile(file) : error;
    }
  }
  return parseScenario(raw, file);
}

/**
 * Validates and normalizes a raw document (from YAML, JSON or code). `file`, when given, names the
 * source in errors and anchors relative paths (trace files, policy modules); else the working
 * directory does. Throws one ScenarioError listing every problem.
 */
export function parseScenario(raw: unknown, file?: string): Scenario {
  const { list, scenario } = documentErrors(raw, file);
  if (scenario !== undefined) {
    list.push(...sweepErrors(raw as Record<string, unknown>, scenario, file));
    if (list.length === 0) return scenario;
  }
  const all = scenarioErrors(list);
  throw file === undefined ? all : all.inFile(file);
}

function documentErrors(raw: unknown, file: string | undefined) {
  const list: ScenarioError[] = [];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    list.push(
      new ScenarioError("", "a scenario: a mapping with horizon, endpoints, tenants and jobs", raw),
    );
    return { list, scenario: undefined };
  }
  const baseDir = file === undefined ? process.cwd() : dirname(resolve(file));
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) list.push(...zodErrors(result.error, raw));
  list.push(...referenceErrors(raw, baseDir));
  if (!result.success || list.length > 0) return { list, scenario: undefined };
  try {
    return { list, scenario: normalizeScenario(result.data, file) };
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    list.push(...problemsOf(error));
    return { list, scenario: undefined };
  }
}

// Each value of each declared sweep axis must make a valid scenario on its own.
function sweepErrors(
  raw: Record<string, unknown>,
  scenario: Scenario,
  file: string | undefined,
): ScenarioError[] {
  const { sweep: _, ...base } = raw;
  const errors: ScenarioError[] = [];
  scenario.sweep.forEach((axis, i) => {
    axis.values.forEach((value, j) => {
      try {
        const first = documentErrors(applyVary(base, axis.path, value, `sweep[${i}].path`), file)
          .list[0];
        if (first === undefined) return;
        errors.push(
          new ScenarioError(
            `sweep[${i}].values[${j}]`,
            `a value that keeps the scenario valid (${first.path}: expected ${first.expected})`,
            first.found,
            { foundShown: true },
          ),
        );
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        errors.push(...problemsOf(error));
      }
    });
  });
  return errors;
}
