/**
 * The cost estimate of what a command would run, held to the budget its flags set
 * (`--max-memory`, `--max-calls`, `--force`): over it, the command stops before any cell runs with a
 * BudgetError (exit 2); with `--force` it warns and runs, each cell still guarded.
 */
import {
  type Budget,
  type Cell,
  cellMemory,
  checkBudget,
  DEFAULT_MAX_CALLS,
  defaultMaxMemory,
  type ExperimentCost,
  type ExperimentPlan,
  planCost,
} from "../experiment/index.ts";
import { BudgetError } from "../input/index.ts";
import type { CellMemory } from "../runtime/index.ts";
import type { Io } from "./io.ts";
import { defaultJobs } from "./options.ts";

/** The budget flags, and the cells run at once. */
export interface BudgetFlags {
  jobs?: number;
  maxMemory?: number;
  maxCalls?: number;
  force?: boolean;
}

/** The budget the flags set. */
export function budgetOf(flags: BudgetFlags): Budget {
  return {
    maxMemoryBytes: flags.maxMemory ?? defaultMaxMemory(),
    maxCalls: flags.maxCalls ?? DEFAULT_MAX_CALLS,
  };
}

/**
 * Estimates the plan's `cells` (all, or a shard's) and holds the estimate to the budget, as
 * every command that runs cells does before it stages anything, and validate does for them;
 * returns the estimate and the memory budget each cell's guard enforces. `file` is the
 * scenario as named.
 */
export function budgetPlan(
  io: Io,
  plan: ExperimentPlan,
  cells: readonly Cell[],
  flags: BudgetFlags,
  file: string,
): { cost: ExperimentCost; memory: CellMemory } {
  const cost = planCost(plan, cells, flags.jobs ?? defaultJobs());
  const budget = budgetOf(flags);
  enforceBudget(io, [cost], budget, file, flags.force === true);
  return { cost, memory: cellMemory(budget, cost) };
}

/** Throws the first estimate's BudgetError, or with `force` prints it as a warning. */
export function enforceBudget(
  io: Io,
  costs: readonly ExperimentCost[],
  budget: Budget,
  file: string,
  force: boolean,
): void {
  for (const cost of costs) {
    try {
      checkBudget(cost, budget, file);
    } catch (error) {
      if (!force || !(error instanceof BudgetError)) throw error;
      io.err(`warning: ${error.message.split("\n")[0]} (running anyway: --force)\n`);
      return;
    }
  }
}
