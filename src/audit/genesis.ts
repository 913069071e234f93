import { hash } from "node:crypto";
import { dirname, isAbsolute, relative } from "node:path";

/**
 * What a trail's genesis record binds it to: the cell that wrote it. Two trails of different
 * cells differ from their first record, so a trail cannot pass for another cell's, and a trail
 * whose genesis names another scenario or seed is refused when checked against results.json.
 */
export interface GenesisBinding {
  /** agentsim's version (package.json) that ran the cell. */
  readonly agentsim: string;
  /** `scenarioDigest` of the normalized scenario the cell ran (its sweep point applied). */
  readonly scenario: string;
  /** The cell's root seed. */
  readonly seed: number;
  /** The policy label. */
  readonly policy: string;
  readonly replication: number;
  /** The sweep point (path to value as written); {} outside sweeps. */
  readonly point: Readonly<Record<string, string | number>>;
}

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, strings and finite
 * numbers as `JSON.stringify` writes them, non-finite numbers as the strings "Infinity",
 * "-Infinity" and "NaN" (JSON has none, and `null` would make them equal), `undefined` fields
 * left out. Equal values give equal text whatever order their keys were built in.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === "number") {
    return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
  }
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map(
      (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
    );
  return `{${entries.join(",")}}`;
}

/**
 * What `scenarioDigest` reads of a normalized scenario (scenario/'s `Scenario` is one): the
 * trail's format names no scenario type, so the audit layer stays below the scenario layer.
 */
export interface DigestibleScenario {
  readonly sourceFile?: string | undefined;
  readonly policies: readonly { readonly module?: string | undefined }[];
  readonly jobs: readonly {
    readonly arrivals: { readonly process: string; readonly file?: string };
  }[];
}

/**
 * SHA-256 (hex) of the canonical JSON of a normalized scenario: what a genesis record binds.
 * It is the scenario as the cell ran it (defaults filled in, units converted, a sweep point's
 * substitutions applied), not the file's bytes, so comments and formatting do not count. So that
 * the digest does not depend on where the file lives, `sourceFile` is left out and the paths
 * of trace files and policy modules are relative to the scenario's folder. A trace's contents
 * are not part of it (only its path); a policy module's code neither.
 */
export function scenarioDigest<S extends DigestibleScenario>(scenario: S): string {
  const base = scenario.sourceFile === undefined ? undefined : dirname(scenario.sourceFile);
  const portable = (path: string) =>
    base === undefined || !isAbsolute(path) ? path : relative(base, path).split("\\").join("/");
  const { sourceFile: _file, ...rest } = scenario;
  const digestible = {
    ...rest,
    policies: scenario.policies.map((p) =>
      p.module === undefined ? p : { ...p, module: portable(p.module) },
    ),
    jobs: scenario.jobs.map((job) =>
      job.arrivals.process === "trace" && job.arrivals.file !== undefined
        ? { ...job, arrivals: { ...job.arrivals, file: portable(job.arrivals.file) } }
        : job,
    ),
  };
  return hash("sha256", canonicalJson(digestible), "hex");
}

/** The `detail` of a genesis record: the binding as canonical JSON. */
export function genesisDetail(binding: GenesisBinding): string {
  return canonicalJson(binding);
}

/**
 * The binding a genesis record's `detail` states, or why it is not one: the detail must be the
 * canonical JSON of exactly the binding's fields, with their types.
 */
export function parseGenesisDetail(detail: string): GenesisBinding | string {
  const expected = "the canonical JSON of {agentsim, point, policy, replication, scenario, seed}";
  let value: unknown;
  try {
    value = JSON.parse(detail);
  } catch {
    return `the audit.genesis record's detail is not JSON; expected ${expected}`;
  }
  const b = value as Record<string, unknown>;
  const point = b?.point as Record<string, unknown> | undefined;
  const ok =
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(b).length === 6 &&
    typeof b.agentsim === "string" &&
    typeof b.scenario === "string" &&
    /^[0-9a-f]{64}$/.test(b.scenario) &&
    Number.isSafeInteger(b.seed) &&
    typeof b.policy === "string" &&
    Number.isSafeInteger(b.replication) &&
    (b.replication as number) >= 0 &&
    typeof point === "object" &&
    point !== null &&
    !Array.isArray(point) &&
    Object.values(point).every((v) => typeof v === "string" || typeof v === "number");
  if (!ok) return `the audit.genesis record's detail is not ${expected}`;
  if (canonicalJson(value) !== detail) {
    return `the audit.genesis record's detail is not in canonical form (${expected}, keys sorted, no spaces)`;
  }
  return value as GenesisBinding;
}

/** The binding in words, for messages: `policy fifo, replication 0, seed 7, scenario 1a2b…`. */
export function describeBinding(b: Omit<GenesisBinding, "agentsim">): string {
  const point = Object.keys(b.point).length === 0 ? "" : `, point ${canonicalJson(b.point)}`;
  return `policy ${JSON.stringify(b.policy)}, replication ${b.replication}, seed ${b.seed}${point}, scenario ${b.scenario}`;
}
