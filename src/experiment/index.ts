// What experiment/ offers the command line and the library: cells, planning, running (in
// this thread or on worker threads), aggregation into results.json, shards and merging, checks.

export type { AggregateExtras } from "./aggregate.ts";
export { aggregate, VERSION } from "./aggregate.ts";
export type { Budget, ExperimentCost } from "./budget.ts";
export {
  cellMemory,
  checkBudget,
  costSummary,
  DEFAULT_MAX_CALLS,
  defaultMaxMemory,
  estimateExperiment,
  planCost,
  workOf,
} from "./budget.ts";
export type {
  CapacityProbe,
  CapacityResult,
  CapacitySearch,
  CapacitySlo,
  SloEstimate,
} from "./capacity.ts";
export {
  estimateSlo,
  metricOf,
  metricPaths,
  nearestPaths,
  parseSlo,
  searchCapacity,
  shownValue,
} from "./capacity.ts";
export type { Cell, ExpandConstraints, Shard } from "./cells.ts";
export { cellsOf, expandCells, parseShard, pointRecord, shardCells } from "./cells.ts";
export type { AuditedReplication } from "./check.ts";
export { auditedReplication, runCheck } from "./check.ts";
export type { CellCost, Saturation } from "./cost.ts";
export { CELL_OVERHEAD_CALLS, estimateCell, estimatedTurns, resultBytes } from "./cost.ts";
export type { ExperimentOptions, ExperimentOutcome } from "./experiment.ts";
export { runExperiment } from "./experiment.ts";
export { loadOnWorker, observeOnWorker } from "./module-tasks.ts";
export type { Merged, PartialExperiment, PartialFile } from "./partial.ts";
export { mergePartials, PARTIAL_FORMAT, partialName, partialOf } from "./partial.ts";
export type {
  ExperimentParams,
  ExperimentPlan,
  ExperimentSource,
  PlanConstraints,
  ScenarioInfo,
} from "./plan.ts";
export {
  declaredSweepPlan,
  digestOf,
  planExperiment,
  readSource,
  resolvePolicies,
  scenarioInfo,
} from "./plan.ts";
export { POLICY_TIMEOUT_S, PolicyWatchdog } from "./policy-watchdog.ts";
export type { RunCellsOptions } from "./pool.ts";
export { runCells } from "./pool.ts";
export type * from "./results.ts";
export type { CellTask } from "./runner.ts";
export { CellRunner, canonicalResult } from "./runner.ts";
export { policyResults, summaryOf } from "./summary.ts";
