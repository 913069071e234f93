/**
 * Checking a partial file before anything is expanded from it: its header's every number is
 * bounded (an experiment of at most `MAX_CELLS` cells, whose parameters multiply out to the
 * count it claims), its cells are those its shard runs, and the header and each cell result
 * carry the SHA-256 their shard wrote. Cheap checks first: nothing here allocates in proportion
 * to a number the file claims, only to what the file holds.
 */
import { hash } from "node:crypto";
import { canonicalJson } from "../audit/index.ts";
import { ScenarioError, scenarioErrors } from "../input/index.ts";
import type { PartialFile } from "./partial.ts";

/** The format tag of partial files (2: header and cell results carry SHA-256 digests). */
export const PARTIAL_FORMAT = "agentsim-partial/2";

/** The most cells an experiment merged from partials may have (1,000,000). */
export const MAX_CELLS = 1_000_000;

/** SHA-256 (hex) of a value's canonical JSON: keys sorted, no spaces, so formatting is free. */
export function sha256Of(value: unknown): string {
  return hash("sha256", canonicalJson(value), "hex");
}

/** What a partial's header digest covers: everything but its cells. */
export function headerOf(partial: Omit<PartialFile, "headerSha256" | "cells">): unknown {
  const { format, version, experiment, shard, info } = partial;
  return { format, version, experiment, shard, info };
}

/** Number of the `total` cells that shard `index` of `count` runs (cells k ≡ index − 1 mod count). */
export function cellsInShard(total: number, index: number, count: number): number {
  return index > total ? 0 : Math.floor((total - index) / count) + 1;
}

const HEX64 = /^[0-9a-f]{64}$/;
const COMMANDS = ["compare", "run", "sweep"];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const within = (value: unknown, min: number, max: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/**
 * Checks a parsed partial's header, bounds and digest and its cell entries' outline (index,
 * digest, an object as result); the results' own shape and digests are checked later, one cell
 * at a time. Throws one ScenarioError listing the problems, naming `file`.
 */
export function checkPartial(data: unknown, file: string): PartialFile {
  const fail = (path: string, expected: string, found: unknown, foundShown = false) =>
    new ScenarioError(path, expected, found, { file, foundShown });
  const expected = `a partial file written by --shard (format "${PARTIAL_FORMAT}")`;
  if (!isObject(data)) throw fail("", expected, data);
  if (data.format !== PARTIAL_FORMAT) {
    const old = typeof data.format === "string" && data.format.startsWith("agentsim-partial/");
    throw fail(
      "format",
      old
        ? `"${PARTIAL_FORMAT}" (${String(data.format)} was written by another agentsim version, without the digests merge checks: run the shards again with this one)`
        : expected,
      data.format,
    );
  }
  const problems = headerProblems(data, fail);
  if (problems.length > 0) throw scenarioErrors(problems);
  const partial = data as unknown as PartialFile;
  const actual = sha256Of(headerOf(partial));
  if (actual !== partial.headerSha256) {
    throw fail(
      "headerSha256",
      `the SHA-256 of the header as its shard wrote it (${partial.headerSha256})`,
      `a header whose SHA-256 is ${actual}: format, version, experiment, shard or info was changed after the shard wrote it`,
      true,
    );
  }
  const entries = entryProblems(partial, fail);
  if (entries.length > 0) throw scenarioErrors(entries);
  return partial;
}

type Fail = (path: string, expected: string, found: unknown, foundShown?: boolean) => ScenarioError;

// The header's fields, each bounded, and the cell count its parameters multiply out to.
function headerProblems(p: Record<string, unknown>, fail: Fail): ScenarioError[] {
  const problems: ScenarioError[] = [];
  const need = (ok: boolean, path: string, expected: string, found: unknown) => {
    if (!ok) problems.push(fail(path, expected, found));
    return ok;
  };
  need(typeof p.version === "string", "version", "agentsim's version (a string)", p.version);
  need(
    typeof p.headerSha256 === "string" && HEX64.test(p.headerSha256),
    "headerSha256",
    "64 lowercase hex digits",
    p.headerSha256,
  );
  need(isObject(p.info), "info", "the scenario's facts (a mapping)", p.info);
  const cellsOk = need(
    Array.isArray(p.cells),
    "cells",
    "a list of {index, sha256, result}",
    p.cells,
  );
  const e = p.experiment;
  if (!need(isObject(e), "experiment", "the experiment's parameters (a mapping)", e)) {
    return problems;
  }
  const x = e as Record<string, unknown>;
  need(
    COMMANDS.includes(x.command as string),
    "experiment.command",
    "compare, run or sweep",
    x.command,
  );
  need(typeof x.scenario === "string", "experiment.scenario", "the scenario's name", x.scenario);
  need(
    typeof x.digest === "string" && HEX64.test(x.digest),
    "experiment.digest",
    "64 lowercase hex digits",
    x.digest,
  );
  need(Number.isSafeInteger(x.seed), "experiment.seed", "a safe integer", x.seed);
  const most = MAX_CELLS.toLocaleString("en-US");
  const policiesOk = need(
    Array.isArray(x.policies) &&
      within(x.policies.length, 1, MAX_CELLS) &&
      x.policies.every((name) => typeof name === "string"),
    "experiment.policies",
    `a list of 1 to ${most} policy labels`,
    x.policies,
  );
  const replicationsOk = need(
    within(x.replications, 1, MAX_CELLS),
    "experiment.replications",
    `an integer from 1 to ${most} (an experiment has at most ${most} cells)`,
    x.replications,
  );
  const axesOk =
    need(Array.isArray(x.axes), "experiment.axes", "a list of sweep axes", x.axes) &&
    (x.axes as unknown[]).every((axis, i) =>
      need(
        isObject(axis) &&
          typeof axis.path === "string" &&
          Array.isArray(axis.values) &&
          within(axis.values.length, 1, MAX_CELLS) &&
          axis.values.every((v) => typeof v === "string" || typeof v === "number"),
        `experiment.axes[${i}]`,
        `{path, values} with 1 to ${most} values`,
        axis,
      ),
    );
  const countOk = need(
    within(x.cells, 1, MAX_CELLS),
    "experiment.cells",
    `an integer from 1 to ${most}`,
    x.cells,
  );
  const s = p.shard;
  const shardOk = need(
    isObject(s) && within(s.count, 1, MAX_CELLS) && within(s.index, 1, s.count as number),
    "shard",
    `{index, count} with 1 <= index <= count <= ${most}`,
    s,
  );
  if (policiesOk && replicationsOk && axesOk && countOk) {
    // Multiplied with a stop past the bound, so no product grows without limit.
    let product = (x.policies as unknown[]).length * (x.replications as number);
    for (const axis of x.axes as { values: unknown[] }[]) {
      if (product > MAX_CELLS) break;
      product *= axis.values.length;
    }
    need(
      product === x.cells,
      "experiment.cells",
      product > MAX_CELLS
        ? `at most ${most} cells, and policies × replications × sweep points makes more`
        : `${product}, the number of cells its parameters make (policies × replications × sweep points)`,
      x.cells,
    );
  }
  if (cellsOk && shardOk && countOk && problems.length === 0) {
    const shard = s as { index: number; count: number };
    const size = cellsInShard(x.cells as number, shard.index, shard.count);
    const held = (p.cells as unknown[]).length;
    need(
      held === size,
      "cells",
      `the ${size} cell${size === 1 ? "" : "s"} shard ${shard.index}/${shard.count} of a ${x.cells}-cell experiment runs`,
      `${held} (a truncated or edited partial?)`,
    );
  }
  return problems;
}

// Each cell entry: an index its shard runs, once; a digest; a result object.
function entryProblems(partial: PartialFile, fail: Fail): ScenarioError[] {
  const problems: ScenarioError[] = [];
  const { index: shardIndex, count } = partial.shard;
  const seen = new Set<number>();
  partial.cells.forEach((entry: unknown, i) => {
    const where = `cells[${i}]`;
    if (!isObject(entry)) {
      problems.push(fail(where, "{index, sha256, result}", entry));
      return;
    }
    const { index } = entry;
    if (
      !within(index, 0, partial.experiment.cells - 1) ||
      index % count !== shardIndex - 1 ||
      seen.has(index)
    ) {
      problems.push(
        fail(
          `${where}.index`,
          `a cell that shard ${shardIndex}/${count} runs, once (k mod ${count} = ${shardIndex - 1}, k < ${partial.experiment.cells})`,
          index,
        ),
      );
    } else seen.add(index);
    if (typeof entry.sha256 !== "string" || !HEX64.test(entry.sha256)) {
      problems.push(fail(`${where}.sha256`, "64 lowercase hex digits", entry.sha256));
    }
    if (!isObject(entry.result)) {
      problems.push(fail(`${where}.result`, "a cell result (a mapping)", entry.result));
    }
  });
  return problems;
}
