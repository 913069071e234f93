/**
 * One cell assembled and run: what cell/ offers the experiment layer, the command line and the
 * library. A cell is one scenario under one policy with one seed (and replication, and sweep
 * point); this layer sits above the runtime and builds it (endpoints, tools, jobs, scheduler,
 * recorder, audit trail, arrivals), runs it on a fresh kernel, checks the end-of-cell
 * invariants and turns what the recorder measured into a CellResult. It also does the
 * file-reading and asynchronous work once per scenario: reading trace files and importing
 * users' policy modules.
 */

export { GuardedScheduler } from "./guarded-scheduler.ts";
export { InvariantError } from "./invariants.ts";
export {
  POLICY_METHODS,
  PolicyMethod,
  WATCH_CALLS,
  WATCH_METHOD,
  WATCH_WORDS,
  watchPolicyCalls,
} from "./policy-calls.ts";
export type { PolicyCell } from "./policy-error.ts";
export { PolicyError } from "./policy-error.ts";
export type {
  LoadedPolicy,
  ModuleSchedulerFactory,
  PolicyCellContext,
} from "./policy-module.ts";
export { loadPolicyModule, validateScheduler } from "./policy-module.ts";
export type {
  CellSpec,
  PrepareConstraints,
  PreparedPolicies,
  PreparedScenario,
} from "./prepare.ts";
export { preparePolicies, prepareScenario, runCell } from "./prepare.ts";
export type { SimulatedCell, SimulateOptions } from "./simulate.ts";
export { simulate, simulateCell } from "./simulate.ts";
