/**
 * Reading a request log, streaming, in one of three formats (README "Calibrating from your
 * logs" documents them):
 *
 * - `requests-jsonl`: one request a line, `{timestamp, promptTokens, outputTokens, ttftMs,
 *   durationMs, status}`; OpenAI's usage names `prompt_tokens` / `completion_tokens` are
 *   accepted as aliases, at the top level or inside `usage`.
 * - `requests-csv`: the same columns, named in a header line (RFC 4180; see csv.ts).
 * - `agent-sessions-jsonl`: the GitHub Copilot agent-trace layout that trace replay reads (one
 *   session a line; each `turns[].llm_calls[]` a request with `timestamp`, `duration_ms`,
 *   `tokens.prompt`, `tokens.completion`, `result`); it has no time to first token.
 *
 * A malformed row is a problem named by its line and field. Without `skipBad` the reading stops
 * after `MAX_PROBLEMS` of them and throws them all at once; with it, malformed rows are skipped
 * and counted (the first `MAX_PROBLEMS` kept for the message). A line (or CSV record) longer
 * than `MAX_LINE_CHARS` stops the reading either way.
 */
import { ScenarioError, scenarioErrors, show } from "../input/index.ts";
import { CsvReader, CsvTooLong } from "./csv.ts";
import { type Outcome, RequestColumns, type RequestRow } from "./records.ts";
import { LineSplitter, LineTooLong, textChunks } from "./text-source.ts";

/** The formats `calibrate` reads. */
export const LOG_FORMATS = ["requests-jsonl", "requests-csv", "agent-sessions-jsonl"] as const;
/** One of `LOG_FORMATS`. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Problems kept (and, without skipBad, read before stopping). */
export const MAX_PROBLEMS = 10;
/** The longest line (or CSV record) read, in characters: a request row is some 200. */
export const MAX_LINE_CHARS = 1 << 20;
/** The longest line of an agent-sessions file (a whole session), in characters. */
export const MAX_SESSION_CHARS = 64 << 20;

/** Options of `readRequestLog`. */
export interface ReadLogConstraints {
  /** The format; default from the name (.csv) and the first line (a session has `turns`). */
  format?: LogFormat;
  /** Skip malformed rows (and count them) instead of stopping; default false. */
  skipBad?: boolean;
}

/** What was read. */
export interface LogRead {
  format: LogFormat;
  columns: RequestColumns;
  /** Malformed rows skipped (with skipBad). */
  badRows: number;
  /** The first problems, each naming the file, the line and the field. */
  problems: ScenarioError[];
}

// Status words and what they mean; numbers are HTTP codes (see `outcomeOf`).
const STATUS_WORDS: Readonly<Record<string, Outcome>> = {
  ok: "ok",
  success: "ok",
  succeeded: "ok",
  completed: "ok",
  error: "error",
  failed: "error",
  failure: "error",
  server_error: "error",
  timeout: "timeout",
  timed_out: "timeout",
  timedout: "timeout",
  rate_limited: "rateLimited",
  ratelimited: "rateLimited",
  throttled: "rateLimited",
};
const STATUS_EXPECTED = `"ok", "error", "timeout", "rate_limited" (or a synonym) or an HTTP status code`;

/** What a status says: 2xx ok; 429 rate-limited; 408 and 504 timeout; other codes error. */
export function outcomeOf(status: unknown): Outcome | undefined {
  let code: number | undefined;
  if (typeof status === "number") code = status;
  else if (typeof status === "string") {
    const word = status.trim().toLowerCase();
    const named = STATUS_WORDS[word];
    if (named !== undefined) return named;
    if (/^\d{3}$/.test(word)) code = Number(word);
  }
  if (code === undefined || !Number.isInteger(code) || code < 100 || code > 599) return undefined;
  if (code >= 200 && code < 300) return "ok";
  if (code === 429) return "rateLimited";
  if (code === 408 || code === 504) return "timeout";
  return "error";
}

/** Reads a request log into columns. Throws ScenarioError naming the file, line and field. */
export async function readRequestLog(
  path: string,
  options: ReadLogConstraints = {},
): Promise<LogRead> {
  const columns = new RequestColumns();
  const problems: ScenarioError[] = [];
  const skipBad = options.skipBad === true;
  let badRows = 0;
  let format = options.format ?? (/\.csv(\.gz)?$/i.test(path) ? "requests-csv" : undefined);
  const problem = (line: number, field: string, expected: string, found: string) => {
    badRows++;
    if (problems.length < MAX_PROBLEMS) {
      const where = field === "" ? `line ${line}` : `line ${line}: ${field}`;
      problems.push(new ScenarioError(where, expected, found, { file: path, foundShown: true }));
    }
    if (!skipBad && problems.length >= MAX_PROBLEMS) throw new Stop();
  };
  const rows = new RowReader(columns, problem);
  let csv: CsvReader | undefined;
  let lines: LineSplitter | undefined;
  try {
    let blank = "";
    for await (let chunk of textChunks(path, "a readable request log (JSONL or CSV)")) {
      if (format === undefined) {
        // Blank text before the first line is kept, so that line numbers stay right.
        chunk = blank + chunk;
        const firstLine = chunk.trimStart().split("\n", 1)[0] ?? "";
        if (firstLine === "") {
          blank = chunk;
          continue;
        }
        format = /^\{.*"turns"\s*:\s*\[/.test(firstLine)
          ? "agent-sessions-jsonl"
          : "requests-jsonl";
      }
      if (format === "requests-csv") {
        csv ??= new CsvReader(
          {
            record: (fields, line) => rows.csvRecord(fields, line),
            problem: (line, expected, found) => problem(line, "", expected, found),
          },
          MAX_LINE_CHARS,
        );
        csv.push(chunk);
      } else {
        const sessions = format === "agent-sessions-jsonl";
        lines ??= new LineSplitter(
          (text, line) => (sessions ? rows.sessionLine(text, line) : rows.jsonLine(text, line)),
          sessions ? MAX_SESSION_CHARS : MAX_LINE_CHARS,
        );
        lines.push(chunk);
      }
    }
    csv?.end();
    lines?.end();
    if (format === "requests-csv" && !rows.sawHeader) {
      throw new ScenarioError("line 1", "a header line naming the columns", "an empty file", {
        file: path,
        foundShown: true,
      });
    }
  } catch (error) {
    if (error instanceof LineTooLong || error instanceof CsvTooLong) {
      throw new ScenarioError(
        `line ${error.line}`,
        `a line of at most ${error.maxChars.toLocaleString("en-US")} characters`,
        "a longer line (the reading stopped there)",
        { file: path, foundShown: true },
      );
    }
    if (error instanceof ScenarioError && error.file === undefined) throw error.inFile(path);
    if (!(error instanceof Stop)) throw error;
  }
  if (!skipBad && problems.length > 0) throw scenarioErrors(problems);
  return { format: format ?? "requests-jsonl", columns, badRows, problems };
}

// Thrown to stop reading once enough problems are known.
class Stop extends Error {}

type Problem = (line: number, field: string, expected: string, found: string) => void;
type Json = Record<string, unknown>;

// The columns a CSV header may name, canonical first, with their aliases.
const CSV_COLUMNS: Readonly<Record<string, string>> = {
  timestamp: "timestamp",
  prompttokens: "promptTokens",
  prompt_tokens: "promptTokens",
  outputtokens: "outputTokens",
  completion_tokens: "outputTokens",
  ttftms: "ttftMs",
  durationms: "durationMs",
  status: "status",
};
const REQUIRED_COLUMNS = ["timestamp", "durationMs", "status"];

/** Reads rows into columns, reporting what is wrong with each. */
class RowReader {
  sawHeader = false;
  private header: (string | undefined)[] = [];

  constructor(
    private readonly columns: RequestColumns,
    private readonly problem: Problem,
  ) {}

  jsonLine(text: string, line: number): void {
    if (text.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      this.problem(line, "", "a JSON object (one request a line)", (error as Error).message);
      return;
    }
    if (!isRecord(raw)) {
      this.problem(line, "", "a JSON object (one request a line)", show(raw));
      return;
    }
    const usage = raw.usage;
    const row = this.parse(
      line,
      raw.timestamp,
      raw.promptTokens ?? raw.prompt_tokens ?? usageOf(usage, "prompt_tokens"),
      raw.outputTokens ?? raw.completion_tokens ?? usageOf(usage, "completion_tokens"),
      raw.ttftMs,
      raw.durationMs,
      raw.status,
      raw.promptTokens === undefined || raw.outputTokens === undefined
        ? aliasNames(raw)
        : JSON_NAMES,
    );
    if (row !== undefined) this.columns.push(row);
  }

  csvRecord(fields: string[], line: number): void {
    if (fields.length === 1 && fields[0]!.trim() === "") return;
    if (!this.sawHeader) {
      this.sawHeader = true;
      this.header = fields.map((name) => CSV_COLUMNS[name.trim().toLowerCase()]);
      const missing = REQUIRED_COLUMNS.filter((name) => !this.header.includes(name));
      if (missing.length > 0) {
        throw new ScenarioError(
          "line 1",
          `a header naming the columns timestamp, promptTokens, outputTokens, ttftMs, durationMs, status (missing ${missing.join(", ")})`,
          JSON.stringify(fields.join(",").slice(0, 120)),
          { foundShown: true },
        );
      }
      return;
    }
    const at = (name: string): string | undefined => {
      const value = fields[this.header.indexOf(name)];
      return value === "" ? undefined : value;
    };
    const row = this.parse(
      line,
      at("timestamp"),
      at("promptTokens"),
      at("outputTokens"),
      at("ttftMs"),
      at("durationMs"),
      at("status"),
      JSON_NAMES,
    );
    if (row !== undefined) this.columns.push(row);
  }

  sessionLine(text: string, line: number): void {
    if (text.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      this.problem(line, "", "a JSON object (one session a line)", (error as Error).message);
      return;
    }
    if (!isRecord(raw) || !Array.isArray(raw.turns)) {
      this.problem(line, "turns", "a session object with a list of turns", show(raw));
      return;
    }
    // A session is read whole or not at all: a bad call makes the line a bad row.
    const rows: RequestRow[] = [];
    for (const [t, turn] of raw.turns.entries()) {
      const calls = isRecord(turn) ? turn.llm_calls : undefined;
      if (!Array.isArray(calls)) {
        this.problem(line, `turns[${t}].llm_calls`, "a list of LLM calls", show(calls));
        return;
      }
      for (const [c, call] of calls.entries()) {
        const at = `turns[${t}].llm_calls[${c}]`;
        if (!isRecord(call) || !isRecord(call.tokens)) {
          this.problem(
            line,
            `${at}.tokens`,
            "an LLM call with tokens {prompt, completion}",
            show(call),
          );
          return;
        }
        const row = this.parse(
          line,
          call.timestamp,
          call.tokens.prompt,
          call.tokens.completion,
          undefined,
          call.duration_ms,
          sessionStatus(call.result),
          {
            timestamp: `${at}.timestamp`,
            promptTokens: `${at}.tokens.prompt`,
            outputTokens: `${at}.tokens.completion`,
            ttftMs: `${at}.ttft_ms`,
            durationMs: `${at}.duration_ms`,
            status: `${at}.result`,
          },
        );
        if (row === undefined) return;
        rows.push(row);
      }
    }
    for (const row of rows) this.columns.push(row);
  }

  // The row in base units, or undefined after reporting its first problem; `names` names the
  // fields in messages.
  private parse(
    line: number,
    timestamp: unknown,
    promptRaw: unknown,
    outputRaw: unknown,
    ttftRaw: unknown,
    durationRaw: unknown,
    status: unknown,
    names: FieldNames,
  ): RequestRow | undefined {
    const outcome = outcomeOf(status);
    if (outcome === undefined) {
      this.problem(line, names.status, STATUS_EXPECTED, show(status));
      return undefined;
    }
    const startS = timeOf(timestamp);
    if (startS === undefined) {
      this.problem(
        line,
        names.timestamp,
        "a time: ISO 8601 text (2026-06-01T12:00:00.5Z) or Unix seconds",
        show(timestamp),
      );
      return undefined;
    }
    // An answered request must say how long it took and how many tokens; a failed one may not.
    const answered = outcome === "ok";
    const needsDuration = outcome === "ok" || outcome === "timeout";
    const durationMs = this.number(
      line,
      names.durationMs,
      durationRaw,
      needsDuration,
      "milliseconds",
    );
    if (durationMs === undefined) return undefined;
    const ttftMs = this.number(line, names.ttftMs, ttftRaw, false, "milliseconds");
    if (ttftMs === undefined) return undefined;
    const promptTokens = this.number(line, names.promptTokens, promptRaw, answered, "tokens", true);
    if (promptTokens === undefined) return undefined;
    const outputTokens = this.number(line, names.outputTokens, outputRaw, answered, "tokens", true);
    if (outputTokens === undefined) return undefined;
    if (ttftMs > durationMs) {
      this.problem(line, names.ttftMs, `at most durationMs (${durationMs})`, String(ttftMs));
      return undefined;
    }
    return {
      startS,
      ttftS: ttftMs / 1000,
      durationS: durationMs / 1000,
      promptTokens,
      outputTokens,
      outcome,
    };
  }

  // A non-negative number (an integer for tokens); NaN when absent and not required; undefined
  // after reporting a problem.
  private number(
    line: number,
    field: string,
    raw: unknown,
    required: boolean,
    unit: string,
    integer = false,
  ): number | undefined {
    if (raw === undefined || raw === null) {
      if (!required) return Number.NaN;
      this.problem(line, field, `a non-negative number of ${unit} (required)`, "nothing");
      return undefined;
    }
    const value =
      typeof raw === "number"
        ? raw
        : typeof raw === "string" && raw.trim() !== ""
          ? Number(raw)
          : Number.NaN;
    if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
      const what = integer ? "a non-negative integer number of" : "a non-negative number of";
      this.problem(line, field, `${what} ${unit}`, show(raw));
      return undefined;
    }
    return value;
  }
}

/** The name each field of a row goes by in messages. */
type FieldNames = Readonly<
  Record<"timestamp" | "promptTokens" | "outputTokens" | "ttftMs" | "durationMs" | "status", string>
>;
const JSON_NAMES: FieldNames = {
  timestamp: "timestamp",
  promptTokens: "promptTokens",
  outputTokens: "outputTokens",
  ttftMs: "ttftMs",
  durationMs: "durationMs",
  status: "status",
};

// A row that names its tokens with OpenAI's usage names: messages use the names it used.
function aliasNames(raw: Json): FieldNames {
  const name = (canonical: string, alias: string) =>
    raw[canonical] !== undefined
      ? canonical
      : raw[alias] !== undefined
        ? alias
        : usageOf(raw.usage, alias) !== undefined
          ? `usage.${alias}`
          : canonical;
  return {
    ...JSON_NAMES,
    promptTokens: name("promptTokens", "prompt_tokens"),
    outputTokens: name("outputTokens", "completion_tokens"),
  };
}

function usageOf(usage: unknown, name: string): unknown {
  return isRecord(usage) ? usage[name] : undefined;
}

// A Copilot call's `result`: absent or "Success" is ok; otherwise read as a status word or code
// ("Timeout", "RateLimited"), and anything else is an error.
function sessionStatus(result: unknown): string {
  if (result === undefined || result === null) return "ok";
  const word = String(result).trim().toLowerCase();
  if (word === "success") return "ok";
  const known = outcomeOf(word);
  if (known !== undefined) return word;
  if (word.includes("timeout") || word.includes("timed out")) return "timeout";
  if (word.includes("rate") || word.includes("429") || word.includes("throttl"))
    return "rate_limited";
  return "error";
}

// The common form of a UTC time, read without Date.parse (which keeps milliseconds only).
const UTC_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)Z$/;

// Whether `raw` ends in seconds as "ss.fffZ" from its 18th character: two digits, then nothing
// or a point and digits, then Z.
function secondsForm(raw: string): boolean {
  const last = raw.length - 1;
  if (raw.charCodeAt(last) !== 90 || !isDigit(raw, 17) || !isDigit(raw, 18)) return false;
  if (last === 19) return true;
  if (raw.charCodeAt(19) !== 46 || last === 20) return false;
  for (let i = 20; i < last; i++) if (!isDigit(raw, i)) return false;
  return true;
}

function isDigit(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c >= 48 && c <= 57;
}
// The minute last read ("2026-06-01T12:00:") and its Unix time in seconds.
let lastMinute = { text: "\u0000", s: 0 };

// ISO 8601 text or a number of Unix seconds, in seconds.
function timeOf(raw: unknown): number | undefined {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === "string") {
    // A log's times share their minute with the row before, mostly: that minute is read once.
    if (raw.length > 19 && raw.startsWith(lastMinute.text) && secondsForm(raw)) {
      const second = Number(raw.slice(17, -1));
      if (second < 61) return lastMinute.s + second;
    }
    const m = UTC_TIME.exec(raw);
    if (m !== null) {
      const month = Number(m[2]);
      const day = Number(m[3]);
      const hour = Number(m[4]);
      const minute = Number(m[5]);
      const second = Number(m[6]);
      if (
        month >= 1 &&
        month <= 12 &&
        day >= 1 &&
        day <= 31 &&
        hour < 24 &&
        minute < 60 &&
        second < 61
      ) {
        const minuteS = Date.UTC(Number(m[1]), month - 1, day, hour, minute) / 1000;
        lastMinute = { text: raw.slice(0, 17), s: minuteS };
        return minuteS + second;
      }
      return undefined;
    }
  }
  if (typeof raw !== "string" || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(raw.trim())) {
    if (typeof raw === "string" && /^\s*\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
    return undefined;
  }
  const ms = Date.parse(raw.trim());
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
