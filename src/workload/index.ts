/**
 * What workload/ offers the runtime, the cell layer and the scenario layer: arrivals, run
 * programs, traces, and what misbehaving agents do.
 */

export type { ArrivalTarget, ReplayRun } from "./arrivals.ts";
export { startArrivals } from "./arrivals.ts";
export type { EscapeAttempt, LinkPlan, MisbehaviourActions } from "./misbehaviour.ts";
export {
  ESCAPE_LINK_TARGETS,
  ESCAPE_PATHS,
  escapeAttempt,
  misbehave,
  storeEntity,
  toolOutsideGrant,
} from "./misbehaviour.ts";
export type { ProgramRun, ProgramSource, ToolCallPlan, TurnPlan } from "./program.ts";
export { DrawnPrograms, programModel, replayedPrograms, tokens } from "./program.ts";
export type { Trace } from "./trace/index.ts";
export { readTrace } from "./trace/index.ts";
