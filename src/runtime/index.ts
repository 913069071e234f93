/** The agent runtime under test: what runtime/ offers the experiment layer and the library. */
export type { ActivityCounters } from "./activity.ts";
export { ESCAPE_PATHS, RunActivity } from "./activity.ts";
export type { SimulatedCell, SimulateOptions } from "./cell.ts";
export { InvariantError, simulate, simulateCell } from "./cell.ts";
export type { AttemptPlan, TurnOutcome } from "./endpoint.ts";
export { Endpoint } from "./endpoint.ts";
export type { CellSpec, PreparedScenario } from "./prepare.ts";
export { preparePolicies, prepareScenario, runCell } from "./prepare.ts";
export type {
  CellResult,
  Counts,
  JobCell,
  TenantCell,
  TimelineEntry,
  TimeSeries,
} from "./result.ts";
export type { Runtime } from "./runtime.ts";
export type {
  ReadyTurn,
  Scheduler,
  SchedulerContext,
  SchedulerFactory,
  Usage,
} from "./scheduler/index.ts";
export {
  createScheduler,
  isSchedulerName,
  keyedScheduler,
  loadPolicyModule,
  schedulerNames,
} from "./scheduler/index.ts";
export { TokenBucket } from "./token-bucket.ts";
