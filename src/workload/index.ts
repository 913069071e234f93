/** What workload/ offers the runtime and the scenario layer: arrivals, run programs, traces. */

export type { ArrivalTarget, ReplayRun } from "./arrivals.ts";
export { startArrivals } from "./arrivals.ts";
export type { ProgramRun, ProgramSource, ToolCallPlan, TurnPlan } from "./program.ts";
export { DrawnPrograms, programModel, replayedPrograms, tokens } from "./program.ts";
export type { Trace } from "./trace/index.ts";
export { readTrace } from "./trace/index.ts";
