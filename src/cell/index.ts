/**
 * One cell assembled and run: what cell/ offers the experiment layer, the command line and the
 * library. A cell is one scenario under one policy with one seed (and replication, and sweep
 * point); this layer sits above the runtime and builds it (endpoints, tools, jobs, scheduler,
 * recorder, audit trail, arrivals), runs it on a fresh kernel, checks the end-of-cell
 * invariants and turns what the recorder measured into a CellResult. It also does the
 * file-reading and asynchronous work once per scenario: reading trace files and importing
 * users' policy modules.
 */

export { InvariantError } from "./invariants.ts";
export type { LoadedPolicy } from "./policy-module.ts";
export { loadPolicyModule, validateScheduler } from "./policy-module.ts";
export type { CellSpec, PreparedPolicies, PreparedScenario } from "./prepare.ts";
export { preparePolicies, prepareScenario, runCell } from "./prepare.ts";
export type { SimulatedCell, SimulateOptions } from "./simulate.ts";
export { simulate, simulateCell } from "./simulate.ts";
