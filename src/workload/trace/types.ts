/**
 * What the trace readers produce: runs with their arrival times (windowed and sped up) and the
 * turns they recorded. A `TraceTurn` has the fields of the runtime's `TurnPlan`, so a replayed
 * run's turns can be used as they are.
 */

/** One recorded tool call after a turn. */
export interface TraceToolCall {
  /** Tool name as recorded (e.g. `read_file`). */
  tool: string;
  /** Recorded duration in seconds. */
  durationS: number;
  /** True when the recording says it failed or timed out (status 2). */
  failed: boolean;
  /** Which tool batch of the turn it belongs to (0-based): calls of a batch ran together. */
  batch: number;
}

/** One recorded LLM call: a turn. */
export interface TraceTurn {
  /** Prompt tokens sent (the whole prompt, context included). */
  promptTokens: number;
  /** Completion tokens generated. */
  outputTokens: number;
  /** Prompt tokens the recording served from a cache; 0 when unknown. */
  cachedTokens: number;
  /** The call's recorded duration in seconds (for calibration, not used as simulated latency); undefined when the trace has none. */
  recordedDurationS: number | undefined;
  /** Whether the recorded call failed (a 5xx); the simulated endpoint draws its own failures. */
  recordedFailed: boolean;
  /** Model label as recorded (maps to endpoints by their `models`); undefined when the trace has none. */
  model: string | undefined;
  /** Tool calls the recording made after this call. */
  toolCalls: TraceToolCall[];
  /** Think time before this turn, in replay seconds (after speedup): the user's pause since the previous user turn ended; 0 within a user turn. */
  thinkS: number;
  /** Always true: recorded prompts already include the run's context. */
  promptIncludesContext: true;
}

/** One replayed run. */
export interface TraceRun {
  /** Arrival in replay seconds, from the start of the window, after speedup. */
  arrivalS: number;
  /** Names the run: the session id (`<id>/<k>` per user turn), or `row-<line>` for CSV traces. */
  key: string;
  /** Line of the file it came from (1-based), for messages. */
  line: number;
  /** Scalar fields a `tenantBy` mapping can use (session_id, date, model, ...); {} for CSV traces. */
  fields: Record<string, string>;
  turns: TraceTurn[];
}

/** A trace read from a file. */
export interface Trace {
  /** The file it came from. */
  file: string;
  format: "azure-llm-csv" | "agent-sessions-jsonl";
  /** Runs in arrival order (ties keep file order). */
  runs: TraceRun[];
  /** Runs the file holds before the window is applied. */
  totalRuns: number;
  /** Trace time from the first to the last arrival in the whole file, in seconds (before speedup). */
  spanS: number;
  /** Sessions or user turns skipped because they recorded no LLM call. */
  skipped: number;
}

/** How a trace is replayed. */
export interface TraceReadConstraints {
  /** Replay speed (2 = twice as fast): arrival times and think times are divided by it; default 1. */
  speedup?: number;
  /** Slice of the trace, in trace time from its first arrival, before speedup; default all of it. */
  window?: { fromS: number; forS: number };
  /** agent-sessions: one run per session (default) or per user turn. */
  runPer?: "session" | "userTurn";
}
