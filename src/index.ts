/**
 * agentsim's public API: what a user may import. Each folder's own index.ts says what it offers
 * the others; this file is the table of contents for users.
 */

// The audit trail.
export type { AuditAction, AuditQuery, AuditRecord } from "./audit/index.ts";
export { AuditTrail, importJsonl, verifyJsonl } from "./audit/index.ts";
// Experiments: replications, comparisons, sweeps, checks, results.json.
export type { CheckResult, Comparison, Results } from "./experiment/index.ts";
export { aggregate, runCheck, runExperiment } from "./experiment/index.ts";
// The error bad input throws: it names the file, the field, what was expected and what was found.
export { ScenarioError } from "./input/index.ts";
// Reports.
export { writeReport } from "./report/index.ts";
// One cell: a scenario under one policy and seed.
// Policies: the interface, the built-ins, and loading a user's module.
export type {
  CellResult,
  CellSpec,
  PreparedScenario,
  ReadyTurn,
  Scheduler,
  SchedulerContext,
  SchedulerFactory,
  SimulateOptions,
  Usage,
} from "./runtime/index.ts";
export {
  createScheduler,
  InvariantError,
  keyedScheduler,
  loadPolicyModule,
  prepareScenario,
  runCell,
  schedulerNames,
  simulate,
  simulateCell,
} from "./runtime/index.ts";
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
