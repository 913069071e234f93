/**
 * Running a planned experiment end to end: its cells (or one shard's), then results.json or
 * the shard's partial file.
 */
import { aggregate } from "./aggregate.ts";
import { type Shard, shardCells } from "./cells.ts";
import { type PartialFile, partialOf } from "./partial.ts";
import type { ExperimentPlan } from "./plan.ts";
import { type RunCellsOptions, runCells } from "./pool.ts";
import type { Results } from "./results.ts";

/** Options of `runExperiment`. */
export interface ExperimentOptions extends Omit<RunCellsOptions, "prepared"> {
  /** Run only this slice of the cells and return a partial; default all cells. */
  shard?: Shard;
  /** The command recorded in partials (merge writes what it would have written); default "compare". */
  command?: string;
}

/** The outcome: results of the whole experiment, or one shard's partial. */
export type ExperimentOutcome =
  | { kind: "results"; results: Results }
  | { kind: "partial"; partial: PartialFile };

/** Runs the plan's cells (or a shard of them) and aggregates them. */
export async function runExperiment(
  plan: ExperimentPlan,
  options: ExperimentOptions = {},
): Promise<ExperimentOutcome> {
  const cells = options.shard === undefined ? plan.cells : shardCells(plan.cells, options.shard);
  const first = plan.cells[0]!;
  const results = await runCells(plan.source, cells, {
    ...options,
    prepared: { point: first.point, scenario: plan.prepared },
    policyTimeoutS: plan.policyTimeoutS,
  });
  if (options.shard !== undefined) {
    return {
      kind: "partial",
      partial: partialOf(plan, options.command ?? "compare", options.shard, cells, results),
    };
  }
  return {
    kind: "results",
    results: aggregate(plan.info, results, {
      seed: plan.seed,
      replications: plan.replications,
      policies: plan.policies,
      axes: plan.axes,
    }),
  };
}
