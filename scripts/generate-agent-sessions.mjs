#!/usr/bin/env node
/**
 * Generates SYNTHETIC coding-agent sessions in the record layout of the GitHub Copilot
 * coding-agent traces (see data/agent-sessions-synthetic/README.md), one session a JSON line,
 * gzip-compressed when the output name ends in `.gz`.
 *
 *   node scripts/generate-agent-sessions.mjs --seed 29 --sessions 300 \
 *     --out data/agent-sessions-synthetic/sessions-300.jsonl.gz
 *
 * The output is a pure function of the flags: the same seed and session count give the same
 * bytes on every run. Randomness comes from named streams (SHA-256 of the seed and the stream's
 * name seeds an sfc32 generator), one for the sessions' start times and one per session, so a
 * session's content does not depend on the order in which anything else was drawn. The gzip
 * header carries no file name and mtime 0, and its OS byte is set to 3 (Unix) whatever the
 * platform, so the compressed bytes depend only on the JSONL text and zlib's level-9 deflate.
 *
 * The distributions are invented, tuned so the published averages of the real traces hold
 * (about 4 user turns a session, about 8 LLM calls and about 7 tool calls a user turn, about
 * 86% of prompt tokens cached). Plain Node, no dependency.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

/** The shape of the synthetic workload; every figure is a modelling choice, not a measurement. */
export const MODEL = {
  /** Sessions start uniformly over this window, from `startIso`. */
  startIso: "2026-06-01T12:00:00.000Z",
  spanMs: 3_600_000,
  /** User turns a session: geometric with this mean, at most `userTurnsMax`. */
  userTurnsMean: 4,
  userTurnsMax: 40,
  /** LLM calls a user turn: geometric with this mean, at most `callsMax`. */
  callsMean: 8,
  callsMax: 80,
  /** Probability that an LLM call asks for a tool batch; calls in a batch: 1, 2 or 3. */
  batchProbability: 0.76,
  callsPerBatch: [
    [1, 0.87],
    [2, 0.1],
    [3, 0.03],
  ],
  tools: [
    "read_file",
    "list_dir",
    "grep_search",
    "semantic_search",
    "get_errors",
    "create_file",
    "replace_string_in_file",
    "run_in_terminal",
    "custom_tool_7f3a",
  ],
  /** A tool call fails (status 2) with this probability. */
  toolFailure: 0.04,
  /** Tool call time (ms): lognormal; a batch takes its longest call plus 5-50 ms. */
  toolMedianMs: 350,
  toolSigma: 1.9,
  toolMaxMs: 600_000,
  /** Models and their shares of the calls. */
  models: [
    ["Model A", 0.5],
    ["Model B", 0.33],
    ["Model C", 0.17],
  ],
  /** An LLM call fails (result Failed, status ServerError) with this probability. */
  callFailure: 0.01,
  /** The prompt: a 3,200-token system part, a 400-token user message, and the context. */
  systemTokens: 3200,
  userMessageTokens: 400,
  /** The first call's context: lognormal. */
  firstContextMedian: 5000,
  firstContextSigma: 0.8,
  /** Completion tokens: lognormal, within [completionMin, completionMax]. */
  completionMedian: 250,
  completionSigma: 1.07,
  completionMin: 5,
  completionMax: 16_000,
  /** Tokens each tool call's result adds to the next prompt: lognormal. */
  toolResultMedian: 750,
  toolResultSigma: 1.2,
  toolResultMax: 120_000,
  /** Cached share of a prompt after the session's first call: normal, in [40%, 99%]. */
  cachedPctMean: 87,
  cachedPctSd: 10,
  cachedPctMin: 40,
  cachedPctMax: 99,
  /** Call time (ms): time to first token (lognormal) + completion x time per token (lognormal). */
  ttftMedianMs: 700,
  ttftSigma: 0.6,
  perTokenMedianMs: 20,
  perTokenSigma: 0.35,
  /** The user's think time between user turns (s): lognormal, at most `thinkMaxS`. */
  thinkMedianS: 45,
  thinkSigma: 1.3,
  thinkMaxS: 2400,
};

/** sfc32 seeded with four 32-bit words; returns uniform draws in [0, 1). */
function sfc32(a, b, c, d) {
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A named stream: its state is the first 16 bytes of SHA-256("<seed>/<name>"). */
export function stream(seed, name) {
  const digest = createHash("sha256").update(`${seed}/${name}`).digest();
  const next = sfc32(
    digest.readUInt32LE(0),
    digest.readUInt32LE(4),
    digest.readUInt32LE(8),
    digest.readUInt32LE(12),
  );
  for (let i = 0; i < 12; i++) next(); // sfc32's recommended warm-up
  return draws(next);
}

/** The draws a generator offers, all built on `next()` in [0, 1). */
function draws(next) {
  const normal = () => {
    // Box-Muller; 1 - next() is in (0, 1], so the log is finite.
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    normal,
    lognormal: (median, sigma) => median * Math.exp(sigma * normal()),
    /** 1, 2, ... with the given mean (geometric on the positive integers). */
    geometric: (mean) => 1 + Math.floor(Math.log(1 - next()) / Math.log(1 - 1 / mean)),
    /** One of the `[value, weight]` pairs (weights summing to 1). */
    pick: (pairs) => {
      let u = next();
      for (const [value, weight] of pairs) {
        if (u < weight) return value;
        u -= weight;
      }
      return pairs.at(-1)[0];
    },
    /** 24 lowercase hex digits, like the traces' ids. */
    id: () => {
      let hex = "";
      for (let i = 0; i < 3; i++)
        hex += Math.floor(next() * 4294967296)
          .toString(16)
          .padStart(8, "0");
      return hex;
    },
  };
}

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
/** Milliseconds rounded to 0.1 ms, as integer tenths (times add up without float drift). */
const tenths = (ms) => Math.max(1, Math.round(ms * 10));
const iso = (tenthsOfMs) => new Date(Math.floor(tenthsOfMs / 10)).toISOString();

/** Marks a number that is printed as a float ("93.0"), as the published files print it. */
class Float {
  constructor(value) {
    this.value = value;
  }
}

/** One session, drawn from its own stream; `startTenths` is its first call's time. */
function session(seed, index, startTenths) {
  const m = MODEL;
  const r = stream(seed, `session/${index}`);
  const sessionId = r.id();
  const day = iso(startTenths).slice(0, 10);
  const turns = [];
  let now = startTenths;
  let prompt =
    m.systemTokens +
    m.userMessageTokens +
    Math.round(r.lognormal(m.firstContextMedian, m.firstContextSigma));
  const userTurns = Math.min(m.userTurnsMax, r.geometric(m.userTurnsMean));
  for (let k = 0; k < userTurns; k++) {
    if (k > 0)
      now += tenths(1000 * Math.min(m.thinkMaxS, r.lognormal(m.thinkMedianS, m.thinkSigma)));
    const llmCalls = [];
    const toolBatches = [];
    const calls = Math.min(m.callsMax, r.geometric(m.callsMean));
    for (let i = 0; i < calls; i++) {
      const completion = Math.round(
        clamp(r.lognormal(m.completionMedian, m.completionSigma), m.completionMin, m.completionMax),
      );
      const first = k === 0 && i === 0;
      const pct = first
        ? 0
        : clamp(m.cachedPctMean + m.cachedPctSd * r.normal(), m.cachedPctMin, m.cachedPctMax);
      const cached = Math.floor((prompt * pct) / 100);
      const durationTenths = tenths(
        r.lognormal(m.ttftMedianMs, m.ttftSigma) +
          completion * r.lognormal(m.perTokenMedianMs, m.perTokenSigma),
      );
      const failed = r.next() < m.callFailure;
      const messageId = r.id();
      llmCalls.push({
        message_id: messageId,
        timestamp: iso(now),
        duration_ms: durationTenths / 10,
        initiator_type: i === 0 ? "user" : "agent",
        model: r.pick(m.models),
        result: failed ? "Failed" : "Success",
        status_code: failed ? "ServerError" : "OK",
        tokens: {
          total: prompt + completion,
          prompt,
          completion,
          cached,
          cached_pct: new Float(Math.round((10000 * cached) / prompt) / 100),
        },
        message_metadata: [
          { type: "System", role: "system", sequenceId: 0, token_len: m.systemTokens },
          {
            type: "Context",
            role: "user",
            sequenceId: 1,
            token_len: prompt - m.systemTokens - m.userMessageTokens,
          },
          { type: "UserMessage", role: "user", sequenceId: 2, token_len: m.userMessageTokens },
        ],
      });
      now += durationTenths;
      prompt += completion;
      if (r.next() < m.batchProbability) {
        const functionCalls = [];
        const size = r.pick(m.callsPerBatch);
        let longest = 0;
        for (let j = 0; j < size; j++) {
          const callTenths = tenths(
            Math.min(m.toolMaxMs, r.lognormal(m.toolMedianMs, m.toolSigma)),
          );
          longest = Math.max(longest, callTenths);
          functionCalls.push({
            name: r.pick(m.tools.map((tool) => [tool, 1 / m.tools.length])),
            status: r.next() < m.toolFailure ? 2 : 1,
            duration_ms: callTenths / 10,
          });
          prompt += Math.round(
            Math.min(m.toolResultMax, r.lognormal(m.toolResultMedian, m.toolResultSigma)),
          );
        }
        const batchTenths = longest + tenths(5 + 45 * r.next());
        toolBatches.push({
          timestamp: iso(now),
          duration_ms: batchTenths / 10,
          auto_continue: true,
          result: "Success",
          request_id: messageId,
          function_calls: functionCalls,
        });
        now += batchTenths;
      }
    }
    turns.push({ turn_id: r.id(), llm_calls: llmCalls, tool_batches: toolBatches });
  }
  return { session_id: sessionId, date: day, turns };
}

/** JSON with ", " and ": " separators (the published files' style); Float prints "93.0". */
function dump(value) {
  if (value instanceof Float) {
    return Number.isInteger(value.value) ? value.value.toFixed(1) : String(value.value);
  }
  if (Array.isArray(value)) return `[${value.map(dump).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${dump(v)}`);
    return `{${fields.join(", ")}}`;
  }
  return JSON.stringify(value);
}

/** The JSONL text of `count` sessions for `seed`, in order of their first call. */
export function generateSessions(seed, count) {
  const starts = stream(seed, "starts");
  const origin = Date.parse(MODEL.startIso) * 10;
  const offsets = Array.from({ length: count }, () =>
    Math.floor(starts.next() * MODEL.spanMs * 10),
  );
  offsets.sort((a, b) => a - b);
  return offsets.map((offset, i) => `${dump(session(seed, i, origin + offset))}\n`).join("");
}

/** Gzip with a fixed header: no name, mtime 0, OS byte 3, level 9. */
export function gzipFixed(text) {
  const bytes = gzipSync(Buffer.from(text, "utf8"), { level: 9 });
  if (bytes.readUInt32LE(4) !== 0 || bytes[3] !== 0) {
    throw new Error("generate-agent-sessions: expected a gzip header without mtime or name");
  }
  bytes[9] = 3; // zlib writes its build's OS code; fix it so the bytes do not depend on the platform
  return bytes;
}

/** Parses `--seed N --sessions N --out FILE`; throws on anything else. */
function parseArgs(argv) {
  const options = { seed: undefined, sessions: 300, out: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`generate-agent-sessions: ${flag}: expected a value`);
    if (flag === "--seed" || flag === "--sessions") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (flag === "--seed" ? 0 : 1)) {
        throw new Error(
          `generate-agent-sessions: ${flag}: expected a non-negative integer, got "${value}"`,
        );
      }
      options[flag.slice(2)] = n;
    } else if (flag === "--out") {
      options.out = value;
    } else {
      throw new Error(
        `generate-agent-sessions: unknown flag "${flag}" (--seed, --sessions, --out)`,
      );
    }
  }
  if (options.seed === undefined || options.out === undefined) {
    throw new Error("generate-agent-sessions: usage: --seed N [--sessions 300] --out FILE[.gz]");
  }
  return options;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { seed, sessions, out } = parseArgs(process.argv.slice(2));
    const text = generateSessions(seed, sessions);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, out.endsWith(".gz") ? gzipFixed(text) : text);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
    process.exit(2);
  }
}
