import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScenarioError } from "../src/input/errors.ts";
import { loadScenarioFile } from "../src/scenario/index.ts";
import {
  parseAgentSessions,
  readAgentSessions,
  readTrace,
  traceTenant,
} from "../src/workload/trace/index.ts";

const SESSIONS = resolve(
  import.meta.dirname,
  "../data/agent-sessions-synthetic/sessions-300.jsonl.gz",
);
const FIXTURES = resolve(import.meta.dirname, "fixtures");
const SMALL = resolve(FIXTURES, "sessions-small.jsonl");

/** The lines of the ScenarioError thrown by `run`. */
function report(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.report().split("\n");
  }
  throw new Error("expected a ScenarioError");
}

/** The fields of the Copilot layout these tests count, as the file holds them. */
interface RawCall {
  message_id: string;
  timestamp: string;
  duration_ms: number;
  model: string;
  result: string;
  tokens: { prompt: number; completion: number; cached: number };
}
interface RawBatch {
  timestamp: string;
  duration_ms: number;
  request_id: string;
  function_calls: { name: string; status: number; duration_ms: number }[];
}
interface RawSession {
  session_id: string;
  date: string;
  turns: { turn_id: string; llm_calls: RawCall[]; tool_batches: RawBatch[] }[];
}

// The expected values below are counted from the JSONL itself (gunzip, JSON.parse), not from
// agentsim's reader: the reader is what is under test.
const RAW: RawSession[] = gunzipSync(readFileSync(SESSIONS))
  .toString("utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line));
const USER_TURNS = RAW.flatMap((session) => session.turns);
const CALLS = USER_TURNS.flatMap((turn) => turn.llm_calls);
const TOOL_CALLS = USER_TURNS.flatMap((turn) =>
  turn.tool_batches.flatMap((batch) => batch.function_calls),
);
const ms = (iso: string) => Date.parse(iso);
const FIRST_MS = ms(RAW[0]!.turns[0]!.llm_calls[0]!.timestamp);

describe("the synthetic agent-session trace (Copilot layout)", () => {
  const trace = readAgentSessions(SESSIONS);

  it("holds what its README says, counted from the JSONL", () => {
    // Shows the figures of data/agent-sessions-synthetic/README.md, counted line by line.
    expect(RAW).toHaveLength(300);
    expect(USER_TURNS).toHaveLength(1_286);
    expect(CALLS).toHaveLength(10_208);
    expect(CALLS.filter((call) => call.result !== "Success")).toHaveLength(100);
    expect(TOOL_CALLS).toHaveLength(8_994);
    expect(TOOL_CALLS.filter((call) => call.status !== 1)).toHaveLength(365);
    const prompt = CALLS.reduce((sum, call) => sum + call.tokens.prompt, 0);
    const cached = CALLS.reduce((sum, call) => sum + call.tokens.cached, 0);
    expect(cached / prompt).toBeCloseTo(0.858, 3);
  });

  it("reads every session, LLM call and tool call", () => {
    // Shows a run per session holding all its LLM calls as turns and all its tool calls.
    expect(trace.format).toBe("agent-sessions-jsonl");
    expect(trace.runs).toHaveLength(RAW.length);
    expect(trace.skipped).toBe(0);
    const turns = trace.runs.flatMap((run) => run.turns);
    expect(turns).toHaveLength(CALLS.length);
    const calls = turns.flatMap((turn) => turn.toolCalls);
    expect(calls).toHaveLength(TOOL_CALLS.length);
    expect(calls.filter((call) => call.failed)).toHaveLength(
      TOOL_CALLS.filter((call) => call.status !== 1).length,
    );
    expect(turns.filter((turn) => turn.recordedFailed)).toHaveLength(
      CALLS.filter((call) => call.result !== "Success").length,
    );
    expect(new Set(turns.map((turn) => turn.model))).toEqual(
      new Set(["Model A", "Model B", "Model C"]),
    );
    const lastMs = ms(RAW.at(-1)!.turns[0]!.llm_calls[0]!.timestamp);
    expect(trace.spanS).toBeCloseTo((lastMs - FIRST_MS) / 1000, 3);
  });

  it("keeps the first session's values: tokens, tool calls", () => {
    // Shows the first LLM call's tokens and its tool batch as the first line records them.
    const raw = RAW[0]!;
    const call = raw.turns[0]!.llm_calls[0]!;
    const batch = raw.turns[0]!.tool_batches.find((b) => b.request_id === call.message_id);
    const first = trace.runs[0]!;
    expect(first.key).toBe(raw.session_id);
    expect(first.arrivalS).toBe(0);
    expect(first.line).toBe(1);
    expect(first.fields).toEqual({
      session_id: raw.session_id,
      date: "2026-06-01",
      model: call.model,
    });
    expect(first.turns).toHaveLength(
      raw.turns.reduce((sum, turn) => sum + turn.llm_calls.length, 0),
    );
    expect(first.turns[0]).toEqual({
      promptTokens: call.tokens.prompt,
      outputTokens: call.tokens.completion,
      cachedTokens: 0,
      recordedDurationS: call.duration_ms / 1000,
      recordedFailed: call.result !== "Success",
      model: call.model,
      toolCalls: (batch?.function_calls ?? []).map((f) => ({
        tool: f.name,
        durationS: f.duration_ms / 1000,
        failed: f.status !== 1,
        batch: 0,
      })),
      thinkS: 0,
      promptIncludesContext: true,
    });
    expect(first.turns[1]?.cachedTokens).toBe(raw.turns[0]!.llm_calls[1]?.tokens.cached);
    const last = trace.runs.at(-1)!;
    expect(last.key).toBe(RAW.at(-1)!.session_id);
    expect(last.arrivalS).toBeCloseTo(trace.spanS, 6);
  });

  it("measures the think time before a later user turn", () => {
    // Shows the pause from the end of user turn 0 (its last call or batch to finish) to user
    // turn 1's first call, on the first session with two user turns, and on no other turn.
    const index = RAW.findIndex((session) => session.turns.length > 1);
    const raw = RAW[index]!;
    const [u0, u1] = raw.turns;
    const endMs = Math.max(
      ...u0!.llm_calls.map((c) => ms(c.timestamp) + c.duration_ms),
      ...u0!.tool_batches.map((b) => ms(b.timestamp) + b.duration_ms),
    );
    const thinkS = (ms(u1!.llm_calls[0]!.timestamp) - endMs) / 1000;
    expect(thinkS).toBeGreaterThan(0);
    const run = trace.runs[index]!;
    expect(run.key).toBe(raw.session_id);
    const boundaries = raw.turns
      .slice(1)
      .map((_, k) =>
        raw.turns.slice(0, k + 1).reduce((sum, turn) => sum + turn.llm_calls.length, 0),
      );
    expect(run.turns.map((turn) => turn.thinkS > 0)).toEqual(
      run.turns.map((_, i) => boundaries.includes(i)),
    );
    expect(run.turns[u0!.llm_calls.length]!.thinkS).toBeCloseTo(thinkS, 6);
    const fast = readAgentSessions(SESSIONS, { speedup: 4 });
    expect(fast.runs[index]!.turns[u0!.llm_calls.length]!.thinkS).toBeCloseTo(thinkS / 4, 6);
  });

  it("splits per user turn, with a window and a speedup", () => {
    // Shows a run per user turn, and those starting in [10m, 20m) replayed twice as fast.
    expect(readAgentSessions(SESSIONS, { runPer: "userTurn" }).runs).toHaveLength(
      USER_TURNS.length,
    );
    const inWindow = USER_TURNS.filter((turn) => {
      const startS = (ms(turn.llm_calls[0]!.timestamp) - FIRST_MS) / 1000;
      return startS >= 600 && startS < 1200;
    });
    expect(inWindow.length).toBeGreaterThan(100);
    const sliced = readAgentSessions(SESSIONS, {
      runPer: "userTurn",
      window: { fromS: 600, forS: 600 },
      speedup: 2,
    });
    expect(sliced.runs).toHaveLength(inWindow.length);
    expect(sliced.totalRuns).toBe(USER_TURNS.length);
    for (const run of sliced.runs) {
      expect(run.arrivalS).toBeGreaterThanOrEqual(0);
      expect(run.arrivalS).toBeLessThan(300);
      expect(run.turns.every((turn) => turn.thinkS === 0)).toBe(true);
      expect(run.key).toMatch(/^[0-9a-f]{24}\/\d+$/);
    }
  });

  it("divides arrival times by the speedup", () => {
    // Shows the last session arriving four times sooner at speedup 4.
    const fast = readAgentSessions(SESSIONS, { speedup: 4 });
    expect(fast.runs.at(-1)!.arrivalS).toBeCloseTo(trace.spanS / 4, 6);
  });

  it("is replayed from a scenario, with tenants mapped by a field", () => {
    // Shows trace-replay.yaml's copilot job: user-turn runs, tenant by date (all on 2026-06-01,
    // so none maps to "weekend").
    expect(new Set(RAW.map((session) => session.date))).toEqual(new Set(["2026-06-01"]));
    const s = loadScenarioFile(resolve(FIXTURES, "trace-replay.yaml"));
    const job = s.jobs[1]!;
    if (job.arrivals.process !== "trace") throw new Error("expected a trace job");
    const replay = readTrace(job.arrivals);
    expect(replay.runs).toHaveLength(USER_TURNS.length);
    const tenants = new Set(
      replay.runs.map((run) =>
        traceTenant(
          run,
          job.arrivals.process === "trace" ? job.arrivals.tenantBy : undefined,
          job.tenant,
        ),
      ),
    );
    expect(tenants).toEqual(new Set(["agents"]));
    const azure = s.jobs[0]!;
    if (azure.arrivals.process !== "trace") throw new Error("expected a trace job");
    expect(readTrace(azure.arrivals).runs.at(-1)!.arrivalS).toBeLessThan(900);
  });
});

describe("small and malformed session files", () => {
  it("attaches tool batches, measures think time and skips empty user turns", () => {
    // Shows the hand-made fixture's two sessions as docs/traces.md describes them.
    const trace = readAgentSessions(SMALL);
    expect(trace.runs.map((run) => [run.key, run.arrivalS, run.line])).toEqual([
      ["s1", 0, 1],
      ["s2", 30, 3],
    ]);
    expect(trace.skipped).toBe(1);
    const [m1, m2, m3] = trace.runs[0]!.turns;
    expect(m1!.toolCalls).toEqual([
      { tool: "read_file", durationS: 0.4, failed: false, batch: 0 },
      { tool: "grep", durationS: 0.45, failed: true, batch: 0 },
    ]);
    // The second batch names no known call: it goes to the latest call started before it (m2).
    expect(m2!.toolCalls).toEqual([{ tool: "run_tests", durationS: 1.5, failed: false, batch: 0 }]);
    expect(m2).toMatchObject({
      promptTokens: 1200,
      outputTokens: 80,
      cachedTokens: 900,
      model: "Model B",
    });
    // User turn 1 ends at 12:00:06 (its last tool batch); user turn 3 starts at 12:01:06.
    expect(m3).toMatchObject({ thinkS: 60, recordedFailed: true, recordedDurationS: 3 });
    expect(trace.runs[1]!.fields).toEqual({
      session_id: "s2",
      date: "2026-06-06",
      model: "Model C",
    });
    expect(
      traceTenant(trace.runs[1]!, { field: "date", map: { "2026-06-06": "weekend" } }, "default"),
    ).toBe("weekend");
    expect(
      traceTenant(trace.runs[0]!, { field: "date", map: { "2026-06-06": "weekend" } }, "default"),
    ).toBe("default");
  });

  it("splits the fixture per user turn, keeping user turn numbers", () => {
    // Shows keys `<session>/<k>` in arrival order and per-user-turn fields.
    const trace = readAgentSessions(SMALL, { runPer: "userTurn" });
    expect(trace.runs.map((run) => [run.key, run.arrivalS])).toEqual([
      ["s1/0", 0],
      ["s2/0", 30],
      ["s1/2", 66],
    ]);
    expect(trace.runs[2]!.fields).toMatchObject({ turn_id: "t2", userTurn: "2" });
  });

  it("reads gzip by name or by magic bytes", () => {
    // Shows the gzipped fixture, with and without a .gz name, equal to the plain file.
    const plain = readAgentSessions(SMALL);
    expect(readAgentSessions(`${SMALL}.gz`)).toEqual({ ...plain, file: `${SMALL}.gz` });
    const disguised = resolve(FIXTURES, "sessions-small-gz.data");
    expect(readAgentSessions(disguised).runs).toEqual(plain.runs);
  });

  it("names the file, the line and the field of every bad line", () => {
    // Shows broken JSON, a non-object, a missing token count, a bad time and a bad status.
    const file = resolve(FIXTURES, "sessions-bad.jsonl");
    const lines = report(() => readAgentSessions(file));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: line 2: expected a JSON object \\(one session a line\\), got `,
      ),
    );
    expect(lines.slice(1)).toEqual([
      `${file}: line 3: expected a JSON object (one session a line), got [1,2,3]`,
      `${file}: line 4: turns[0].llm_calls[0].tokens.prompt: expected a non-negative integer, got nothing`,
      `${file}: line 5: turns[0].llm_calls[0].timestamp: expected an ISO-8601 time such as "2026-06-01T12:00:01.731Z", got "yesterday"`,
      `${file}: line 6: turns[0].tool_batches[0].function_calls[0].status: expected an integer status (1 ok, 2 failure or timeout), got "ok"`,
    ]);
  });

  it("refuses an empty file, sessions without calls, and an empty window", () => {
    // Shows a trace with no run is an error, never an empty replay.
    expect(report(() => parseAgentSessions("\n\n", "e.jsonl"))).toEqual([
      "e.jsonl: expected a trace with at least one run, got an empty trace",
    ]);
    expect(
      report(() =>
        parseAgentSessions('{"session_id": "x", "turns": [{"llm_calls": []}]}\n', "x.jsonl"),
      ),
    ).toEqual(["x.jsonl: expected a trace with at least one run, got an empty trace"]);
    expect(
      report(() => readAgentSessions(SMALL, { window: { fromS: 3600, forS: 60 } }))[0],
    ).toMatch(
      /sessions-small\.jsonl: window: expected a window holding at least one arrival \(the trace spans 30s\), got from 1h for 1m$/,
    );
    expect(
      report(() => readAgentSessions(resolve(FIXTURES, "sessions-small.jsonl.gz.missing")))[0],
    ).toMatch(/expected a readable trace file, got no such file \(ENOENT\)/);
    const notGzip = resolve(FIXTURES, "azure-small.csv");
    expect(() => readAgentSessions(notGzip)).toThrow(ScenarioError);
  });

  it("never throws anything but a ScenarioError on mangled sessions", () => {
    // Shows fuzzed edits of a valid session line load or are refused with file and line.
    const line = readFileSync(SMALL, "utf8").split("\n")[0]!;
    const session = JSON.parse(line);
    const paths: (string | number)[][] = [];
    const walk = (node: unknown, at: (string | number)[]) => {
      paths.push(at);
      if (Array.isArray(node)) {
        node.forEach((item, i) => {
          walk(item, [...at, i]);
        });
      } else if (typeof node === "object" && node !== null) {
        for (const [k, v] of Object.entries(node)) walk(v, [...at, k]);
      }
    };
    walk(session, []);
    const edits = fc.array(
      fc.record({
        path: fc.constantFrom(...paths.filter((p) => p.length > 0)),
        value: fc.oneof(fc.anything({ maxDepth: 1 }), fc.constantFrom(-1, null, "x", 1.5, [], {})),
      }),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(edits, fc.boolean(), (changes, cut) => {
        const copy = structuredClone(session);
        for (const { path, value } of changes) {
          const parent = path
            .slice(0, -1)
            .reduce<unknown>(
              (node, key) => (node as Record<PropertyKey, unknown> | null)?.[key],
              copy,
            );
          if (typeof parent === "object" && parent !== null) {
            (parent as Record<PropertyKey, unknown>)[path.at(-1)!] = value;
          }
        }
        let text = JSON.stringify(copy);
        if (cut) text = text.slice(0, Math.floor(text.length / 2));
        try {
          parseAgentSessions(`${text}\n`, "f.jsonl");
        } catch (error) {
          expect(error).toBeInstanceOf(ScenarioError);
          expect((error as ScenarioError).message.startsWith("f.jsonl: ")).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
