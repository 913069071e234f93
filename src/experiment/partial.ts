/**
 * Shards and merging. `--shard i/n` runs the cells whose index k has k mod n = i − 1 (see
 * `shardCells`) and writes `partial-i-of-n.json`: the experiment's parameters, the scenario
 * facts results.json needs, and the raw cell results. `merge` checks that the partials belong
 * to one experiment and cover every cell exactly once, then aggregates them exactly as an
 * unsharded run would, so the merged results.json is byte-identical to it.
 */

import { ScenarioError, scenarioErrors, show } from "../input/index.ts";
import type { CellResult } from "../runtime/index.ts";
import type { SweepAxis } from "../scenario/index.ts";
import { aggregate, VERSION } from "./aggregate.ts";
import { type Cell, cellsOf, pointRecord, type Shard } from "./cells.ts";
import type { ExperimentPlan, ScenarioInfo } from "./plan.ts";
import type { Results } from "./results.ts";

/** The format tag of partial files. */
export const PARTIAL_FORMAT = "agentsim-partial/1";

/** What identifies an experiment: every shard of it has the same. */
export interface PartialExperiment {
  /** The command that ran (compare, run, sweep): merge writes what it would have written. */
  command: string;
  scenario: string;
  /** SHA-256 of the scenario document. */
  digest: string;
  policies: string[];
  replications: number;
  seed: number;
  axes: SweepAxis[];
  /** Number of cells of the whole experiment. */
  cells: number;
}

/** partial-i-of-n.json. */
export interface PartialFile {
  format: typeof PARTIAL_FORMAT;
  version: string;
  experiment: PartialExperiment;
  shard: Shard;
  info: ScenarioInfo;
  cells: { index: number; result: CellResult }[];
}

/** The file name of a shard's partial: `partial-i-of-n.json`. */
export function partialName(shard: Shard): string {
  return `partial-${shard.index}-of-${shard.count}.json`;
}

/** The partial file of a shard that ran `cells` of `plan` with these results (same order). */
export function partialOf(
  plan: ExperimentPlan,
  command: string,
  shard: Shard,
  cells: readonly Cell[],
  results: readonly CellResult[],
): PartialFile {
  return {
    format: PARTIAL_FORMAT,
    version: VERSION,
    experiment: {
      command,
      scenario: plan.info.name,
      digest: plan.source.digest,
      policies: [...plan.policies],
      replications: plan.replications,
      seed: plan.seed,
      axes: plan.axes.map((a) => ({ path: a.path, values: [...a.values] })),
      cells: plan.cells.length,
    },
    shard,
    info: plan.info,
    cells: cells.map((cell, i) => ({ index: cell.index, result: results[i]! })),
  };
}

/** Merged partials: the experiment they share and its results. */
export interface Merged {
  experiment: PartialExperiment;
  results: Results;
}

/**
 * Merges partials (each with the file it came from, for messages). Throws one ScenarioError
 * listing every problem when they do not belong together or do not cover every cell once.
 */
export function mergePartials(partials: readonly { file: string; data: unknown }[]): Merged {
  if (partials.length === 0) {
    throw new ScenarioError("merge", "one or more partial-i-of-n.json files", "none");
  }
  const checked = partials.map(({ file, data }) => ({ file, partial: checkShape(data, file) }));
  const [head, ...rest] = checked;
  const problems: ScenarioError[] = [];
  const reference = head!.partial;
  for (const { file, partial } of rest) {
    for (const [field, a, b] of [
      ["version", reference.version, partial.version],
      ...Object.keys(reference.experiment).map((key) => [
        `experiment.${key}`,
        reference.experiment[key as keyof PartialExperiment],
        partial.experiment[key as keyof PartialExperiment],
      ]),
      ["shard.count", reference.shard.count, partial.shard.count],
      ["info", reference.info, partial.info],
    ] as [string, unknown, unknown][]) {
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        problems.push(
          new ScenarioError(
            field,
            `the same value as ${head!.file} (${show(a)}): partials of one experiment`,
            b,
            { file },
          ),
        );
      }
    }
  }
  if (problems.length > 0) throw scenarioErrors(problems);
  const { experiment } = reference;
  const expected = cellsOf(experiment);
  if (expected.length !== experiment.cells) {
    throw new ScenarioError(
      "experiment.cells",
      `${expected.length}, the number of cells its parameters make`,
      experiment.cells,
      { file: head!.file },
    );
  }
  const found = new Array<{ file: string; result: CellResult } | undefined>(expected.length);
  const shardFiles = new Map<number, string>();
  for (const { file, partial } of checked) {
    const other = shardFiles.get(partial.shard.index);
    if (other !== undefined) {
      problems.push(
        new ScenarioError(
          "shard",
          `each shard once (${other} is the same shard)`,
          shardText(partial.shard),
          {
            file,
            foundShown: true,
          },
        ),
      );
      continue;
    }
    shardFiles.set(partial.shard.index, file);
    partial.cells.forEach(({ index, result }, i) => {
      const cell = expected[index];
      const where = `cells[${i}]`;
      if (cell === undefined || !matches(cell, result)) {
        problems.push(
          new ScenarioError(where, "a cell of the experiment its header describes", index, {
            file,
          }),
        );
      } else if (found[index] !== undefined) {
        problems.push(
          new ScenarioError(where, `each cell once (also in ${found[index]!.file})`, index, {
            file,
          }),
        );
      } else {
        found[index] = { file, result };
      }
    });
  }
  const missing = expected.filter((cell) => found[cell.index] === undefined);
  if (missing.length > 0) {
    const count = reference.shard.count;
    const shards = [...new Set(missing.map((c) => (c.index % count) + 1))].map(
      (i) => `${i}/${count}`,
    );
    problems.push(
      new ScenarioError(
        "merge",
        `every cell of the experiment (${expected.length} cells in ${count} shards)`,
        `${missing.length} missing, from shard${shards.length === 1 ? "" : "s"} ${shards.join(", ")}`,
        { foundShown: true },
      ),
    );
  }
  if (problems.length > 0) throw scenarioErrors(problems);
  const results = aggregate(
    reference.info,
    found.map((f) => f!.result),
    experiment,
  );
  return { experiment, results };
}

function matches(cell: Cell, result: CellResult): boolean {
  return (
    result !== null &&
    typeof result === "object" &&
    result.policy === cell.policy &&
    result.replication === cell.replication &&
    result.seed === cell.seed &&
    JSON.stringify(result.point) === JSON.stringify(pointRecord(cell.point))
  );
}

function shardText(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

// The structure a partial must have before its contents are compared; a file that is not a
// partial at all gets one clear message.
function checkShape(data: unknown, file: string): PartialFile {
  const expected = `a partial file written by --shard (format "${PARTIAL_FORMAT}")`;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ScenarioError("", expected, data, { file });
  }
  const p = data as Partial<PartialFile>;
  if (p.format !== PARTIAL_FORMAT) throw new ScenarioError("format", expected, p.format, { file });
  const e = p.experiment;
  const s = p.shard;
  const fail = (path: string, what: string, value: unknown) =>
    new ScenarioError(path, what, value, { file });
  if (typeof e !== "object" || e === null) throw fail("experiment", "an object", e);
  if (!Array.isArray(e.policies) || !e.policies.every((x) => typeof x === "string")) {
    throw fail("experiment.policies", "a list of policy labels", e.policies);
  }
  if (!Number.isSafeInteger(e.replications) || e.replications < 1) {
    throw fail("experiment.replications", "a positive integer", e.replications);
  }
  if (!Number.isSafeInteger(e.seed)) throw fail("experiment.seed", "an integer", e.seed);
  if (!Array.isArray(e.axes)) throw fail("experiment.axes", "a list", e.axes);
  if (!Number.isSafeInteger(e.cells)) throw fail("experiment.cells", "an integer", e.cells);
  if (
    typeof s !== "object" ||
    s === null ||
    !Number.isSafeInteger(s.index) ||
    !Number.isSafeInteger(s.count) ||
    s.index < 1 ||
    s.index > s.count
  ) {
    throw fail("shard", "{index, count} with 1 <= index <= count", s);
  }
  if (typeof p.info !== "object" || p.info === null) throw fail("info", "an object", p.info);
  if (!Array.isArray(p.cells)) throw fail("cells", "a list of {index, result}", p.cells);
  return p as PartialFile;
}
