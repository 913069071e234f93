/** Trace replay: readers of the Azure LLM inference CSV and of agent-session JSONL traces. */
import type { TraceArrivalSpec } from "../../scenario/index.ts";
import { readAgentSessions } from "./agent-sessions.ts";
import { readAzureTrace } from "./azure.ts";
import type { Trace, TraceRun } from "./types.ts";

export { parseAgentSessions, readAgentSessions } from "./agent-sessions.ts";
export { parseAzureTrace, parseTimestamp, readAzureTrace } from "./azure.ts";
export { MAX_TRACE_ERRORS, readTraceText } from "./replay.ts";
export type { Trace, TraceReadConstraints, TraceRun, TraceToolCall, TraceTurn } from "./types.ts";

/** Reads the trace a job's `arrivals: {process: trace}` names, windowed and sped up as it says. */
export function readTrace(spec: TraceArrivalSpec): Trace {
  const options = {
    speedup: spec.speedup,
    runPer: spec.runPer,
    ...(spec.window === undefined ? {} : { window: spec.window }),
  };
  return spec.format === "azure-llm-csv"
    ? readAzureTrace(spec.file, options)
    : readAgentSessions(spec.file, options);
}

/** The tenant a replayed run belongs to: `tenantBy.map[run.fields[tenantBy.field]]`, else `fallback`. */
export function traceTenant(
  run: TraceRun,
  tenantBy: TraceArrivalSpec["tenantBy"],
  fallback: string,
): string {
  if (tenantBy === undefined) return fallback;
  const value = run.fields[tenantBy.field];
  return (value !== undefined ? tenantBy.map[value] : undefined) ?? fallback;
}
