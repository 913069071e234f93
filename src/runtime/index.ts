/**
 * The agent runtime under test: what runtime/ offers the cell layer that assembles it, the
 * layers above and the library. The runtime proper (runs, turns, endpoints, tools, governance,
 * workspaces, store, the recorder) and the scheduler contract with its built-in policies.
 */
export type { ActivityCounters } from "./activity.ts";
export { RunActivity } from "./activity.ts";
export type { AttemptPlan, TurnOutcome } from "./endpoint.ts";
export { Endpoint } from "./endpoint.ts";
export type { CellMemory } from "./memory.ts";
export {
  BYTES_PER_RUN_IN_FLIGHT,
  budgetText,
  cellBytes,
  runsInFlightMax,
} from "./memory.ts";
export type {
  DispatchView,
  EndpointView,
  RuntimeObserver,
  RuntimeView,
  RunView,
} from "./observer.ts";
export { BUCKETS, type GroupRecorder, Recorder } from "./recorder.ts";
export type {
  CallCounters,
  CellResult,
  Counts,
  EndpointCell,
  JobCell,
  RatePerMinute,
  TenantCell,
  TimelineEntry,
  TimeSeries,
} from "./result.ts";
export { RunState } from "./run-state.ts";
export type { JobRuntime, ToolRuntime } from "./runtime.ts";
export { Runtime } from "./runtime.ts";
export type {
  AcceptTurn,
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
  MODULE_EXTENSIONS,
  schedulerNames,
  unknownPolicy,
} from "./scheduler/index.ts";
export type { BlastRadius, StoreWrite } from "./store.ts";
export { TokenBucket } from "./token-bucket.ts";
