/**
 * Shards and merging. `--shard i/n` runs the cells whose index k has k mod n = i − 1 (see
 * `shardCells`) and writes `partial-i-of-n.json`: the experiment's parameters, the scenario
 * facts results.json needs, and the raw cell results, with the SHA-256 of the header and of
 * each cell result. `merge` reads partials defensively (see partial-check.ts: bounds before any
 * expansion, each result's shape, each digest), checks that they belong to one experiment and
 * cover every cell exactly once, then aggregates them exactly as an unsharded run would, so the
 * merged results.json is byte-identical to it.
 */

import { ScenarioError, scenarioErrors, show } from "../input/index.ts";
import type { CellResult } from "../runtime/index.ts";
import type { SweepAxis } from "../scenario/index.ts";
import { aggregate, VERSION } from "./aggregate.ts";
import { cellResultProblems, type Layout } from "./cell-check.ts";
import { type Cell, cellsOf, pointRecord, type Shard } from "./cells.ts";
import {
  cellsInShard,
  checkPartial,
  headerOf,
  MAX_CELLS,
  PARTIAL_FORMAT,
  sha256Of,
} from "./partial-check.ts";
import type { ExperimentPlan, ScenarioInfo } from "./plan.ts";
import type { Results } from "./results.ts";

export { MAX_CELLS, PARTIAL_FORMAT };

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
  /** SHA-256 of the canonical JSON of {format, version, experiment, shard, info}. */
  headerSha256: string;
  /** Each cell's index, the SHA-256 of its result's canonical JSON, and the result. */
  cells: { index: number; sha256: string; result: CellResult }[];
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
  const header: Omit<PartialFile, "headerSha256" | "cells"> = {
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
  };
  return {
    ...header,
    headerSha256: sha256Of(headerOf(header)),
    // Results are plain JSON already (see canonicalResult), so the digest of what is written
    // is the digest of what merge reads back.
    cells: cells.map((cell, i) => ({
      index: cell.index,
      sha256: sha256Of(results[i]!),
      result: results[i]!,
    })),
  };
}

/** Merged partials: the experiment they share and its results. */
export interface Merged {
  experiment: PartialExperiment;
  results: Results;
}

/**
 * Merges partials (each with the file it came from, for messages). Throws one ScenarioError
 * listing every problem when one is not a partial as its shard wrote it (a header number out of
 * bounds, a cell result of the wrong shape or whose digest differs: edited or truncated), when
 * they do not belong together, or when they do not cover every cell once. Nothing is expanded
 * from a header before its numbers are checked, and the cells are expanded only once every one
 * of them is in hand, so work and memory follow the files' size, not what they claim.
 */
export function mergePartials(partials: readonly { file: string; data: unknown }[]): Merged {
  if (partials.length === 0) {
    throw new ScenarioError("merge", "one or more partial-i-of-n.json files", "none");
  }
  const problems: ScenarioError[] = [];
  const checked: { file: string; partial: PartialFile }[] = [];
  for (const { file, data } of partials) {
    try {
      checked.push({ file, partial: checkPartial(data, file) });
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      problems.push(error);
    }
  }
  if (problems.length > 0) throw scenarioErrors(problems);
  const [head, ...rest] = checked;
  const reference = head!.partial;
  for (const { file, partial } of rest) {
    problems.push(...disagreements(head!.file, reference, file, partial));
  }
  if (problems.length > 0) throw scenarioErrors(problems);
  const { experiment } = reference;
  const byShard = new Map<number, string>();
  const present: { file: string; partial: PartialFile }[] = [];
  for (const { file, partial } of checked) {
    const other = byShard.get(partial.shard.index);
    if (other === undefined) {
      byShard.set(partial.shard.index, file);
      present.push({ file, partial });
    } else {
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
    }
  }
  const missing = missingShards(experiment.cells, reference.shard.count, byShard);
  if (missing !== undefined) problems.push(missing);
  const layouts = new Map<string, Layout>();
  for (const { file, partial } of present) {
    problems.push(...cellResultProblems(file, partial, layouts));
  }
  if (problems.length > 0) throw scenarioErrors(problems);
  // Every cell is in hand (each shard once, each with all its cells), so expanding the
  // experiment's cells costs no more than the files read.
  const expected = cellsOf(experiment);
  const found = new Array<CellResult | undefined>(expected.length);
  for (const { file, partial } of present) {
    partial.cells.forEach(({ index, result }, i) => {
      if (matches(expected[index]!, result)) found[index] = result;
      else {
        problems.push(
          new ScenarioError(
            `cells[${i}]`,
            `cell ${index} of the experiment its header describes (${describeCell(expected[index]!)})`,
            describeResult(result),
            { file, foundShown: true },
          ),
        );
      }
    });
  }
  if (problems.length > 0) throw scenarioErrors(problems);
  return { experiment, results: aggregated(reference, found as CellResult[], checked) };
}

// Where a partial's header differs from the first one's.
function disagreements(
  headFile: string,
  reference: PartialFile,
  file: string,
  partial: PartialFile,
): ScenarioError[] {
  const problems: ScenarioError[] = [];
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
          `the same value as ${headFile} (${show(a)}): partials of one experiment`,
          b,
          {
            file,
          },
        ),
      );
    }
  }
  return problems;
}

/** Shards listed at most in a message about missing ones. */
const SHARDS_SHOWN = 10;

// The shards with cells that no file gave, counted without listing the cells.
function missingShards(total: number, count: number, given: ReadonlyMap<number, string>) {
  const shards: string[] = [];
  let cells = 0;
  // Shards past the cell count run no cell: they need no file.
  for (let index = 1; index <= Math.min(count, total); index++) {
    if (given.has(index)) continue;
    cells += cellsInShard(total, index, count);
    if (shards.length < SHARDS_SHOWN) shards.push(`${index}/${count}`);
  }
  if (cells === 0) return undefined;
  const absent = Math.min(count, total) - [...given.keys()].filter((i) => i <= total).length;
  const more = absent > shards.length ? ` and ${absent - shards.length} more` : "";
  return new ScenarioError(
    "merge",
    `every cell of the experiment (${total} cells in ${count} shards)`,
    `${cells} missing, from shard${absent === 1 ? "" : "s"} ${shards.join(", ")}${more}`,
    { foundShown: true },
  );
}

// Aggregation of cells that passed every check. Only a partial forged with recomputed digests
// could still hold results that disagree with each other; that is bad input too, not a crash.
function aggregated(
  reference: PartialFile,
  cells: CellResult[],
  checked: readonly { file: string }[],
): Results {
  try {
    return aggregate(reference.info, cells, reference.experiment);
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new ScenarioError(
      "merge",
      "cell results that aggregate (partials as their shards wrote them; if they are, please report this)",
      `${why}, in ${checked.map((c) => c.file).join(", ")}`,
      { foundShown: true },
    );
  }
}

function describeCell(cell: Cell): string {
  const point = cell.point.length === 0 ? "" : `, point ${JSON.stringify(pointRecord(cell.point))}`;
  return `policy ${JSON.stringify(cell.policy)}, replication ${cell.replication}, seed ${cell.seed}${point}`;
}

function describeResult(result: CellResult): string {
  return `policy ${JSON.stringify(result.policy)}, replication ${result.replication}, seed ${result.seed}${
    Object.keys(result.point).length === 0 ? "" : `, point ${JSON.stringify(result.point)}`
  }`;
}

function matches(cell: Cell, result: CellResult): boolean {
  return (
    result.policy === cell.policy &&
    result.replication === cell.replication &&
    result.seed === cell.seed &&
    JSON.stringify(result.point) === JSON.stringify(pointRecord(cell.point))
  );
}

function shardText(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
