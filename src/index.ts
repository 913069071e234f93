/**
 * agentsim's public API: what a user may import. Each folder's own index.ts says what it offers
 * the others; this file is the table of contents for users.
 */

// The audit trail.
export type { AuditAction, AuditQuery, AuditRecord } from "./audit/index.ts";
export { AuditTrail, importJsonl, verifyJsonl } from "./audit/index.ts";
// Calibration: an endpoint of the scenario format fitted to request logs.
export type { Calibration, Fit, LogFormat, LogRead } from "./calibrate/index.ts";
export { calibrate, endpointYaml, readRequestLog } from "./calibrate/index.ts";
// One cell: a scenario under one policy and seed; preparing a scenario (its traces read, its
// policy modules imported); loading a user's policy module, and the error (a ScenarioError)
// that names the module, the method and the cell when the module fails in a cell.
export type {
  CellSpec,
  LoadedPolicy,
  PolicyCell,
  PreparedScenario,
  SimulateOptions,
} from "./cell/index.ts";
export {
  InvariantError,
  loadPolicyModule,
  PolicyError,
  prepareScenario,
  runCell,
  simulate,
  simulateCell,
} from "./cell/index.ts";
// Experiments: replications, comparisons, sweeps, checks, results.json.
export type { CheckResult, Comparison, Results } from "./experiment/index.ts";
export { aggregate, runCheck, runExperiment } from "./experiment/index.ts";
// The error bad input throws: it names the file, the field, what was expected and what was found.
export { ScenarioError } from "./input/index.ts";
// Reports.
export { writeReport } from "./report/index.ts";
// A cell's result; observing a cell as it runs; policies: the interface and the built-ins.
export type {
  CellResult,
  DispatchView,
  EndpointView,
  ReadyTurn,
  RuntimeObserver,
  RuntimeView,
  RunView,
  Scheduler,
  SchedulerContext,
  SchedulerFactory,
  Usage,
} from "./runtime/index.ts";
export { createScheduler, keyedScheduler, schedulerNames } from "./runtime/index.ts";
// Scenarios: load, validate, describe, sweep.
export type {
  JobSpec,
  PolicyRef,
  Scenario,
  SweepAxis,
  TenantSpec,
} from "./scenario/index.ts";
export {
  applyVary,
  describeScenario,
  expandGrid,
  loadScenarioFile,
  parseScenario,
  parseVary,
  scenarioJsonSchema,
} from "./scenario/index.ts";
export type { DistSpec, Rng } from "./sim/index.ts";
// The kernel, for models of your own.
export { EventClass, Resource, Simulation } from "./sim/index.ts";
