/**
 * Agent sessions in the GitHub Copilot coding-agent trace layout (JSONL, one session a line,
 * plain or gzip): each session is a run, or with `runPer: "userTurn"` each user turn is; each LLM
 * call is a turn with its recorded prompt, completion and cached tokens; each tool batch's
 * function calls become the tool calls after the LLM call that asked for them (`request_id` =
 * the call's `message_id`); the pause between user turns is think time. docs/traces.md describes
 * the fields read and how lenient the reader is.
 */
import { readTraceText, replayRuns, type TimedRun, TraceProblems } from "./replay.ts";
import type { Trace, TraceReadConstraints, TraceToolCall, TraceTurn } from "./types.ts";

type Json = Record<string, unknown>;

/** Reads an agent-sessions JSONL(.gz) trace file. Throws ScenarioError naming file and line. */
export function readAgentSessions(file: string, options: TraceReadConstraints = {}): Trace {
  return parseAgentSessions(readTraceText(file), file, options);
}

/** Parses the text of an agent-sessions JSONL trace; `file` names it in errors. */
export function parseAgentSessions(
  text: string,
  file: string,
  options: TraceReadConstraints = {},
): Trace {
  const problems = new TraceProblems(file);
  const timed: TimedRun[] = [];
  const perUserTurn = options.runPer === "userTurn";
  const speedup = options.speedup ?? 1;
  let skipped = 0;
  let lineNumber = 0;
  let start = 0;
  while (start < text.length && !problems.full) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNumber++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === "") continue;
    const reader = new SessionReader(problems, lineNumber);
    const session = reader.session(line);
    if (session === undefined) continue;
    const userTurns = session.userTurns.filter((turn) => turn.turns.length > 0);
    skipped += session.userTurns.length - userTurns.length;
    if (userTurns.length === 0) continue;
    if (perUserTurn) {
      for (const userTurn of userTurns) {
        timed.push({
          timeS: userTurn.startS,
          run: {
            key: `${session.id}/${userTurn.index}`,
            line: lineNumber,
            fields: { ...session.fields, turn_id: userTurn.id, userTurn: String(userTurn.index) },
            turns: userTurn.turns,
          },
        });
      }
      continue;
    }
    // The think time before a user turn: from the end of the previous one to its first call.
    for (let k = 1; k < userTurns.length; k++) {
      const pauseS = Math.max(0, userTurns[k]!.startS - userTurns[k - 1]!.endS);
      userTurns[k]!.turns[0]!.thinkS = pauseS / speedup;
    }
    timed.push({
      timeS: userTurns[0]!.startS,
      run: {
        key: session.id,
        line: lineNumber,
        fields: session.fields,
        turns: userTurns.flatMap((userTurn) => userTurn.turns),
      },
    });
  }
  problems.throwIfAny();
  return replayRuns(timed, file, "agent-sessions-jsonl", options, skipped);
}

interface UserTurn {
  index: number;
  id: string;
  turns: TraceTurn[];
  /** Trace time of its first LLM call. */
  startS: number;
  /** Trace time when its last call or tool batch ended. */
  endS: number;
}

// Reads one line, reporting problems with their field paths; undefined when the line is bad.
class SessionReader {
  private bad = false;

  constructor(
    private readonly problems: TraceProblems,
    private readonly line: number,
  ) {}

  session(text: string) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      this.fail("", "a JSON object (one session a line)", (error as Error).message, true);
      return undefined;
    }
    if (!isRecord(raw)) {
      this.fail("", "a JSON object (one session a line)", raw);
      return undefined;
    }
    const id = this.text(raw, "session_id", "session_id", true) ?? `line-${this.line}`;
    const turns = this.list(raw, "turns", "turns", true);
    const userTurns = turns.map((turn, k) => this.userTurn(turn, `turns[${k}]`, k));
    if (this.bad) return undefined;
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        fields[key] = String(value);
      }
    }
    const firstModel = userTurns.flatMap((turn) => turn?.turns ?? [])[0]?.model;
    if (fields.model === undefined && firstModel !== undefined) fields.model = firstModel;
    return { id, fields, userTurns: userTurns as UserTurn[] };
  }

  private userTurn(raw: unknown, path: string, index: number): UserTurn | undefined {
    if (!isRecord(raw)) {
      this.fail(path, "a user turn object with llm_calls", raw);
      return undefined;
    }
    const id = this.text(raw, "turn_id", `${path}.turn_id`, false) ?? String(index);
    const calls = this.list(raw, "llm_calls", `${path}.llm_calls`, true);
    const turns: TraceTurn[] = [];
    const startsS: number[] = [];
    const byMessage = new Map<string, number>();
    let endS = Number.NEGATIVE_INFINITY;
    calls.forEach((call, i) => {
      const at = `${path}.llm_calls[${i}]`;
      if (!isRecord(call)) {
        this.fail(at, "an LLM call object", call);
        return;
      }
      const timeS = this.time(call, "timestamp", `${at}.timestamp`, true);
      const durationS = this.seconds(call, "duration_ms", `${at}.duration_ms`);
      const tokens = call.tokens;
      if (!isRecord(tokens)) {
        this.fail(`${at}.tokens`, "an object {prompt, completion, cached?}", tokens);
        return;
      }
      const promptTokens = this.count(tokens, "prompt", `${at}.tokens.prompt`, true);
      const outputTokens = this.count(tokens, "completion", `${at}.tokens.completion`, true);
      const cachedTokens = this.count(tokens, "cached", `${at}.tokens.cached`, false) ?? 0;
      const result = this.text(call, "result", `${at}.result`, false);
      const messageId = this.text(call, "message_id", `${at}.message_id`, false);
      if (timeS === undefined || promptTokens === undefined || outputTokens === undefined) return;
      if (messageId !== undefined) byMessage.set(messageId, turns.length);
      startsS.push(timeS);
      endS = Math.max(endS, timeS + (durationS ?? 0));
      turns.push({
        promptTokens,
        outputTokens,
        cachedTokens,
        recordedDurationS: durationS,
        recordedFailed: result !== undefined && result.toLowerCase() !== "success",
        model: this.text(call, "model", `${at}.model`, false),
        toolCalls: [],
        thinkS: 0,
        promptIncludesContext: true,
      });
    });
    const batches =
      raw.tool_batches === undefined
        ? []
        : this.list(raw, "tool_batches", `${path}.tool_batches`, true);
    const batchCounts = turns.map(() => 0);
    batches.forEach((batch, b) => {
      const at = `${path}.tool_batches[${b}]`;
      if (!isRecord(batch)) {
        this.fail(at, "a tool batch object with function_calls", batch);
        return;
      }
      const timeS = this.time(batch, "timestamp", `${at}.timestamp`, false);
      const durationS = this.seconds(batch, "duration_ms", `${at}.duration_ms`);
      const requestId = this.text(batch, "request_id", `${at}.request_id`, false);
      const calls = this.list(batch, "function_calls", `${at}.function_calls`, true);
      const toolCalls = calls.map((call, c) => this.toolCall(call, `${at}.function_calls[${c}]`));
      if (timeS !== undefined) endS = Math.max(endS, timeS + (durationS ?? 0));
      const owner = ownerOf(requestId, timeS, byMessage, startsS);
      if (owner === undefined) return;
      const batchIndex = batchCounts[owner]!++;
      for (const call of toolCalls) {
        if (call !== undefined) turns[owner]!.toolCalls.push({ ...call, batch: batchIndex });
      }
    });
    return { index, id, turns, startS: startsS[0] ?? 0, endS };
  }

  private toolCall(raw: unknown, at: string): Omit<TraceToolCall, "batch"> | undefined {
    if (!isRecord(raw)) {
      this.fail(at, "a function call object {name, status, duration_ms}", raw);
      return undefined;
    }
    const tool = this.text(raw, "name", `${at}.name`, true);
    const status = raw.status;
    if (status !== undefined && !(typeof status === "number" && Number.isInteger(status))) {
      this.fail(`${at}.status`, "an integer status (1 ok, 2 failure or timeout)", status);
    }
    const durationS = this.seconds(raw, "duration_ms", `${at}.duration_ms`) ?? 0;
    if (tool === undefined) return undefined;
    return { tool, durationS, failed: status !== undefined && status !== 1 };
  }

  private text(raw: Json, key: string, at: string, required: boolean): string | undefined {
    const value = raw[key];
    if (typeof value === "string" && value !== "") return value;
    if (typeof value === "number") return String(value);
    if (value === undefined || value === null) {
      if (required) this.fail(at, "a non-empty string", value);
      return undefined;
    }
    this.fail(at, "a non-empty string", value);
    return undefined;
  }

  private list(raw: Json, key: string, at: string, required: boolean): unknown[] {
    const value = raw[key];
    if (Array.isArray(value)) return value;
    if (value !== undefined || required) this.fail(at, "a list", value);
    return [];
  }

  private count(raw: Json, key: string, at: string, required: boolean): number | undefined {
    const value = raw[key];
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
    if ((value === undefined || value === null) && !required) return undefined;
    this.fail(at, "a non-negative integer", value);
    return undefined;
  }

  // A duration in milliseconds, as seconds; missing or null is undefined.
  private seconds(raw: Json, key: string, at: string): number | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value / 1000;
    this.fail(at, "a non-negative number of milliseconds", value);
    return undefined;
  }

  // An ISO-8601 timestamp as seconds since the epoch.
  private time(raw: Json, key: string, at: string, required: boolean): number | undefined {
    const value = raw[key];
    if ((value === undefined || value === null) && !required) return undefined;
    const ms =
      typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)
        ? Date.parse(value)
        : Number.NaN;
    if (Number.isNaN(ms)) {
      this.fail(at, 'an ISO-8601 time such as "2026-06-01T12:00:01.731Z"', value);
      return undefined;
    }
    return ms / 1000;
  }

  private fail(at: string, expected: string, found: unknown, foundShown = false): void {
    this.bad = true;
    if (!this.problems.full) this.problems.add(this.line, at, expected, found, foundShown);
  }
}

// The LLM call a tool batch belongs to: the one whose message_id it names, else the latest call
// that started before the batch, else the last call of the user turn.
function ownerOf(
  requestId: string | undefined,
  timeS: number | undefined,
  byMessage: Map<string, number>,
  startsS: number[],
): number | undefined {
  if (startsS.length === 0) return undefined;
  const named = requestId === undefined ? undefined : byMessage.get(requestId);
  if (named !== undefined) return named;
  if (timeS !== undefined) {
    for (let i = startsS.length - 1; i >= 0; i--) if (startsS[i]! <= timeS) return i;
    return 0;
  }
  return startsS.length - 1;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
