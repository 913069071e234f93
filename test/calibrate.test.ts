/**
 * `agentsim calibrate` fits an endpoint to request logs: on logs drawn from a known model with a
 * fixed seed the fitted medians, per-token time and load slowdown come back within 5% (rates
 * within four binomial standard errors); every format reads (JSONL with OpenAI's names, CSV,
 * the Copilot agent-trace layout); malformed rows are named by line (exit 2, or skipped and
 * counted with --skip-bad); an empty or unreadable log is one clear message; the block it writes
 * is a valid scenario endpoint that `validate` and `run` accept; same log, same bytes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  calibrate,
  inFlightAtStart,
  ksDistance,
  type Outcome,
  outcomeOf,
  RequestColumns,
  readRequestLog,
} from "../src/calibrate/index.ts";
import { incompleteGammaUpper } from "../src/metrics/index.ts";
import { runInProcess } from "./support/cli.ts";
import {
  type GeneratedRow,
  generateLog,
  KNOWN_MODEL,
  type LogModel,
} from "./support/request-log.ts";

const ROOT = resolve(import.meta.dirname, "..");
let dir: string;

function jsonl(rows: unknown[]): string {
  return `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`;
}

function rowsOf(model: LogModel): GeneratedRow[] {
  const rows: GeneratedRow[] = [];
  generateLog(model, (row) => rows.push(row));
  return rows;
}

function csvOf(rows: GeneratedRow[]): string {
  const header = "timestamp,promptTokens,outputTokens,ttftMs,durationMs,status";
  const lines = rows.map((r) =>
    [r.timestamp, r.promptTokens, r.outputTokens, r.ttftMs ?? "", r.durationMs, r.status].join(","),
  );
  return `${header}\r\n${lines.join("\r\n")}\r\n`;
}

async function calibrateJson(args: string[]) {
  const ran = await runInProcess(["calibrate", ...args, "--json"]);
  expect(ran.stderr).toBe("");
  expect(ran.code).toBe(0);
  return JSON.parse(ran.stdout);
}

let known: GeneratedRow[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-calibrate-"));
  known = rowsOf(KNOWN_MODEL);
  writeFileSync(join(dir, "known.jsonl"), jsonl(known));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const within = (fitted: number, truth: number, relative: number) =>
  expect(Math.abs(fitted - truth) / truth).toBeLessThan(relative);

// Four standard errors of a proportion p over n: the estimate lands outside with chance 6e-5.
const binomial = (fitted: number, p: number, n: number) =>
  expect(Math.abs(fitted - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));

describe("the known model", () => {
  it("gives back the lognormal ttft's median, the per-token time and the slowdown within 5%", async () => {
    const out = await calibrateJson([join(dir, "known.jsonl")]);
    const m = KNOWN_MODEL;
    expect(out.form).toBe("tokens");
    expect(out.ttft.dist.dist).toBe("lognormal");
    within(out.ttft.percentiles.p50.fitted, 0.3, 0.05);
    within(out.ttft.dist.sigma, 0.5, 0.05);
    within(out.perOutputToken.percentiles.p50.fitted, m.perTokenMedianS, 0.05);
    // The line's start (a lone request's per-token time) rests on some 19,000 requests whose
    // per-token times spread by sigma 0.1: the median's standard error is about 0.1%, so 1% is
    // ten of them, and a line misplaced by one request in flight (2% here) is caught.
    within(out.loadSlowdown.baseS, m.perTokenMedianS, 0.01);
    // The simulator's slowdown at full load: per extra request in flight, times (slots - 1).
    within(out.loadSlowdown.value, m.slowdownPerExtra * (out.slots - 1), 0.05);
    // Rates of the requests that were not refused with 429 (which are counted apart).
    const notRefused = out.rows.total - out.rows.rateLimited;
    binomial(out.errorRate.value, m.errorRate / (1 - m.rateLimitedRate), notRefused);
    binomial(out.timeoutRate.value, m.timeoutRate / (1 - m.rateLimitedRate), notRefused);
    binomial(out.rateLimitedShare.value, m.rateLimitedRate, out.rows.total);
    expect(out.timeoutS).toBe(m.timeoutS);
    // 2 requests a second over the span.
    within(out.observed.requestsPerMinute, m.ratePerS * 60, 0.05);
    expect(out.ttft.ks).toBeLessThan(0.02);
    expect(out.ttft.n).toBe(out.rows.ok);
  });

  it("gives back a gamma ttft's median within 5% (the format has no gamma: the nearest family by KS)", async () => {
    const model: LogModel = {
      ...KNOWN_MODEL,
      seed: "calibrate-gamma",
      ttft: { dist: "gamma", shape: 2, scale: 0.15 },
    };
    writeFileSync(join(dir, "gamma.jsonl"), jsonl(rowsOf(model)));
    const out = await calibrateJson([join(dir, "gamma.jsonl")]);
    // The gamma's median: P(X <= x) = 1 - Q(shape, x / scale) = 1/2, by bisection.
    let low = 0;
    let high = 10;
    for (let k = 0; k < 100; k++) {
      const mid = (low + high) / 2;
      if (1 - incompleteGammaUpper(2, mid / 0.15) < 0.5) low = mid;
      else high = mid;
    }
    within(out.ttft.percentiles.p50.fitted, low, 0.05);
    within(out.perOutputToken.percentiles.p50.fitted, model.perTokenMedianS, 0.05);
    // Every family was tried, and the one kept has the smallest distance.
    const distances = out.ttft.candidates.map((c: { ks: number }) => c.ks);
    expect(out.ttft.ks).toBe(Math.min(...distances));
    expect(out.ttft.candidates.length).toBeGreaterThanOrEqual(6);
  });
});

describe("formats", () => {
  it("reads OpenAI's usage names as aliases, at the top level or inside usage", async () => {
    const rows = known.slice(0, 3000);
    const aliased = rows.map(({ promptTokens, outputTokens, ...rest }, i) =>
      i % 2 === 0
        ? { ...rest, prompt_tokens: promptTokens, completion_tokens: outputTokens }
        : { ...rest, usage: { prompt_tokens: promptTokens, completion_tokens: outputTokens } },
    );
    writeFileSync(join(dir, "plain.jsonl"), jsonl(rows));
    // With a byte order mark, which JSON.parse would refuse.
    writeFileSync(join(dir, "aliased.jsonl"), `\uFEFF${jsonl(aliased)}`);
    const plain = await calibrateJson([join(dir, "plain.jsonl")]);
    const alias = await calibrateJson([join(dir, "aliased.jsonl")]);
    expect(alias.observed).toEqual(plain.observed);
    expect(alias.ttft).toEqual(plain.ttft);
    expect(alias.perOutputToken).toEqual(plain.perOutputToken);
  });

  it("reads CSV with a header (CRLF) to the same endpoint as the JSONL", async () => {
    const rows = known.slice(0, 3000);
    writeFileSync(join(dir, "same.jsonl"), jsonl(rows));
    // As a spreadsheet saves it: with a byte order mark before the header.
    writeFileSync(join(dir, "same.csv"), `\uFEFF${csvOf(rows)}`);
    const fromJsonl = await calibrateJson([join(dir, "same.jsonl")]);
    const fromCsv = await calibrateJson([join(dir, "same.csv")]);
    expect(fromCsv.source.format).toBe("requests-csv");
    const body = (yaml: string) => yaml.slice(yaml.indexOf("\nendpoints:"));
    expect(body(fromCsv.yaml)).toBe(body(fromJsonl.yaml));
    expect(fromCsv.rows).toEqual(fromJsonl.rows);
  });

  it("reads the Copilot agent-trace layout and fits the whole request's duration only", async () => {
    const file = join(ROOT, "data/agent-sessions-synthetic/sessions-300.jsonl.gz");
    const out = await calibrateJson([file]);
    expect(out.source.format).toBe("agent-sessions-jsonl");
    expect(out.form).toBe("whole");
    expect(out.ttft).toBeUndefined();
    expect(out.notes.join(" ")).toContain("no time to first token");
    const sessions = gunzipSync(readFileSync(file)).toString("utf8").trim().split("\n");
    let calls = 0;
    let ok = 0;
    for (const line of sessions) {
      for (const turn of JSON.parse(line).turns) {
        for (const call of turn.llm_calls) {
          calls++;
          if (call.result === undefined || call.result === "Success") ok++;
        }
      }
    }
    expect(out.rows.total).toBe(calls);
    expect(out.turn.n).toBe(ok);
    expect(out.yaml).toMatch(/\n {4}latency: \{ dist: /);
  });
});

describe("malformed rows and bad input", () => {
  const good = (i: number) => ({
    timestamp: `2026-06-01T12:00:0${i}.000Z`,
    promptTokens: 100,
    outputTokens: 50,
    ttftMs: 200,
    durationMs: 1200 + i,
    status: "ok",
  });

  function withBadRows(): string {
    return jsonl([
      good(0),
      good(1),
      { ...good(2), ttftMs: "fast" },
      good(3),
      { ...good(4), status: "maybe" },
      good(5),
    ]).replace(/\n$/, "\n{not json\n");
  }

  it("names each malformed row by line and field, exit 2, without --skip-bad", async () => {
    writeFileSync(join(dir, "bad.jsonl"), withBadRows());
    const ran = await runInProcess(["calibrate", join(dir, "bad.jsonl")]);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    const lines = ran.stderr.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /bad\.jsonl: line 3: ttftMs: expected a non-negative number of milliseconds, got "fast"$/,
    );
    expect(lines[1]).toMatch(/bad\.jsonl: line 5: status: expected "ok", "error", .*got "maybe"$/);
    expect(lines[2]).toMatch(/bad\.jsonl: line 7: expected a JSON object/);
    expect(ran.stderr).not.toMatch(/\n\s+at /);
  });

  it("skips and counts them with --skip-bad", async () => {
    writeFileSync(join(dir, "bad.jsonl"), withBadRows());
    const ran = await runInProcess(["calibrate", join(dir, "bad.jsonl"), "--skip-bad", "--json"]);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/skipped 3 malformed rows/);
    expect(ran.stderr).toMatch(/line 3: ttftMs/);
    const out = JSON.parse(ran.stdout);
    expect(out.rows.total).toBe(4);
    expect(out.source.skippedBadRows).toBe(3);
  });

  it("counts blank lines before the first row in line numbers, past the first chunk too", async () => {
    // More blank lines than the first 1 MiB chunk holds: the format is decided on a later one.
    const blanks = 2 ** 20 + 5;
    writeFileSync(join(dir, "blank-first.jsonl"), `${"\n".repeat(blanks)}${withBadRows()}`);
    const ran = await runInProcess(["calibrate", join(dir, "blank-first.jsonl")]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(`blank-first.jsonl: line ${blanks + 3}: ttftMs`);
  });

  it("refuses an --out it cannot write before reading the log", async () => {
    const ran = await runInProcess(["calibrate", join(dir, "nope.jsonl"), "--out", dir]);
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim()).toMatch(/--out: expected .*file/);
    expect(ran.stderr).not.toContain("nope.jsonl");
  });

  it("names a malformed CSV row by its line", async () => {
    const text =
      "timestamp,promptTokens,outputTokens,ttftMs,durationMs,status\n2026-06-01T12:00:00Z,1,2,3,40,ok\n2026-06-01T12:00:01Z,1,-2,3,40,ok\n";
    writeFileSync(join(dir, "bad.csv"), text);
    const ran = await runInProcess(["calibrate", join(dir, "bad.csv")]);
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim()).toMatch(
      /bad\.csv: line 3: outputTokens: expected a non-negative integer number of tokens, got "-2"$/,
    );
  });

  it("refuses an empty log, a header alone and a log without answered requests (exit 2, one line)", async () => {
    const cases: [string, string, RegExp][] = [
      [
        "empty.jsonl",
        "",
        /empty\.jsonl: expected a log with at least one request, got no request rows$/,
      ],
      [
        "blank.jsonl",
        "\n\n  \n",
        /blank\.jsonl: expected a log with at least one request, got no request rows$/,
      ],
      [
        "empty.csv",
        "",
        /empty\.csv: line 1: expected a header line naming the columns, got an empty file$/,
      ],
      [
        "header.csv",
        "timestamp,durationMs,status\n",
        /header\.csv: expected a log with at least one request, got no request rows$/,
      ],
      [
        "failed.jsonl",
        jsonl([{ ...good(0), status: 500 }]),
        /failed\.jsonl: expected at least one answered request/,
      ],
      [
        "nocolumns.csv",
        "a,b\n1,2\n",
        /nocolumns\.csv: line 1: expected a header naming the columns .*missing timestamp, durationMs, status/,
      ],
    ];
    for (const [name, text, message] of cases) {
      writeFileSync(join(dir, name), text);
      const ran = await runInProcess(["calibrate", join(dir, name)]);
      expect(ran.code, name).toBe(2);
      expect(ran.stderr.trim().split("\n"), name).toHaveLength(1);
      expect(ran.stderr.trim(), name).toMatch(message);
    }
  });

  it("refuses a line past the bound with its number, and a missing file or a folder", async () => {
    writeFileSync(join(dir, "long.jsonl"), `${jsonl([good(0)])}${"x".repeat(2 ** 20 + 10)}\n`);
    const long = await runInProcess(["calibrate", join(dir, "long.jsonl"), "--skip-bad"]);
    expect(long.code).toBe(2);
    expect(long.stderr.trim()).toMatch(
      /long\.jsonl: line 2: expected a line of at most 1,048,576 characters/,
    );
    const missing = await runInProcess(["calibrate", join(dir, "nope.jsonl")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(
      /nope\.jsonl: expected a readable request log .*no such file/,
    );
    const folder = await runInProcess(["calibrate", dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr.trim()).toMatch(/a directory/);
  });
});

describe("fuzzed logs", () => {
  it("end in a calibration (exit 0) or one clear message per problem (exit 2), never an internal error", async () => {
    const value = fc.oneof(
      fc.constantFrom(null, "", "x", -1, 0, 1.5, 1e308, "200", "429", "ok", "timeout", true),
      fc.integer({ min: -10, max: 5000 }),
      fc.string({ maxLength: 6 }),
    );
    const row = fc.record(
      {
        timestamp: fc.oneof(value, fc.constantFrom("2026-06-01T12:00:00Z", "2026-13-01T00:00:00Z")),
        promptTokens: value,
        outputTokens: value,
        ttftMs: value,
        durationMs: value,
        status: value,
      },
      { requiredKeys: [] },
    );
    const line = fc.oneof(
      row.map((r) => JSON.stringify(r)),
      fc.string({ maxLength: 30 }),
      row.map((r) => Object.values(r).map(String).join(",")),
    );
    let k = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 12 }),
        fc.constantFrom("jsonl", "csv"),
        fc.boolean(),
        async (lines, ext, skipBad) => {
          const header = "timestamp,promptTokens,outputTokens,ttftMs,durationMs,status\n";
          const file = join(dir, `fuzz-${k++}.${ext}`);
          writeFileSync(file, (ext === "csv" ? header : "") + lines.join("\n"));
          const ran = await runInProcess(["calibrate", file, ...(skipBad ? ["--skip-bad"] : [])]);
          expect([0, 2]).toContain(ran.code);
          expect(ran.stderr).not.toContain("internal error");
          if (ran.code === 2) {
            for (const message of ran.stderr.trim().split("\n")) {
              expect(message.startsWith(file)).toBe(true);
              expect(message).toMatch(/expected .*, got /);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("the endpoint block", () => {
  it("is a scenario endpoint that validate and a short run accept", async () => {
    const out = join(dir, "endpoint.yaml");
    const ran = await runInProcess([
      "calibrate",
      join(dir, "known.jsonl"),
      "--endpoint",
      "gpt",
      "--out",
      out,
    ]);
    expect(ran.code).toBe(0);
    const block = readFileSync(out, "utf8");
    expect(block).toMatch(/^endpoints:\n {2}- name: gpt\n/m);
    const scenario = [
      "name: calibrated",
      "horizon: 2m",
      "replications: 1",
      "policies: [fifo]",
      block,
      "tenants: [{ name: t }]",
      "jobs:",
      "  - name: chat",
      "    tenant: t",
      "    governance: { owner: o, authorizedBy: a }",
      "    arrivals: { process: poisson, rate: 1/s }",
      "    turns: { count: 2, promptTokens: 800, outputTokens: 150 }",
      "",
    ].join("\n");
    writeFileSync(join(dir, "calibrated.yaml"), scenario);
    const validated = await runInProcess(["validate", join(dir, "calibrated.yaml")]);
    expect(validated.stderr).toBe("");
    expect(validated.code).toBe(0);
    const run = await runInProcess([
      "run",
      join(dir, "calibrated.yaml"),
      "--json",
      "--out",
      join(dir, "report"),
    ]);
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout);
    expect(results.policies.fifo.summary.counts.completed).toBeGreaterThan(50);
  });

  it("in the whole-turn form (the Copilot trace) is a valid endpoint too", async () => {
    const out = join(dir, "copilot-endpoint.yaml");
    const file = join(ROOT, "data/agent-sessions-synthetic/sessions-300.jsonl.gz");
    expect((await runInProcess(["calibrate", file, "--out", out])).code).toBe(0);
    const scenario = [
      "horizon: 1m",
      readFileSync(out, "utf8"),
      "tenants: [{ name: t }]",
      "jobs:",
      "  - { name: chat, tenant: t, governance: { owner: o, authorizedBy: a },",
      "      arrivals: { process: poisson, rate: 1/s }, turns: { count: 1, promptTokens: 800, outputTokens: 150 } }",
      "",
    ].join("\n");
    writeFileSync(join(dir, "copilot.yaml"), scenario);
    const validated = await runInProcess(["validate", join(dir, "copilot.yaml")]);
    expect(validated.stderr).toBe("");
    expect(validated.code).toBe(0);
  });

  it("is byte-identical for the same log, and the chart is drawn", async () => {
    const args = ["calibrate", join(dir, "known.jsonl"), "--chart", join(dir, "fit.svg")];
    const first = await runInProcess(args);
    const svg = readFileSync(join(dir, "fit.svg"), "utf8");
    const second = await runInProcess(args);
    expect(second.stdout).toBe(first.stdout);
    expect(readFileSync(join(dir, "fit.svg"), "utf8")).toBe(svg);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain("observed (log)");
  });
});

describe("pieces", () => {
  it("reads status words and HTTP codes as documented", () => {
    const table: [unknown, Outcome | undefined][] = [
      ["ok", "ok"],
      ["Success", "ok"],
      [200, "ok"],
      ["204", "ok"],
      ["error", "error"],
      [500, "error"],
      [503, "error"],
      [404, "error"],
      ["timeout", "timeout"],
      [408, "timeout"],
      [504, "timeout"],
      ["rate_limited", "rateLimited"],
      [429, "rateLimited"],
      ["maybe", undefined],
      [99, undefined],
      [null, undefined],
    ];
    for (const [status, outcome] of table) expect(outcomeOf(status), String(status)).toBe(outcome);
  });

  it("counts the rates by hand: 429s apart, errors and timeouts of the rest", () => {
    const columns = new RequestColumns();
    const outcomes: [Outcome, number][] = [
      ["ok", 10],
      ["error", 2],
      ["timeout", 1],
      ["rateLimited", 7],
    ];
    let t = 0;
    for (const [outcome, count] of outcomes) {
      for (let k = 0; k < count; k++) {
        columns.push({
          startS: t++,
          ttftS: outcome === "ok" ? 0.2 + k / 100 : Number.NaN,
          durationS: outcome === "timeout" ? 30 : 0.5 + k / 100,
          promptTokens: 10,
          outputTokens: outcome === "ok" ? 20 : Number.NaN,
          outcome,
        });
      }
    }
    const c = calibrate(columns);
    expect(c.rows).toEqual({ total: 20, ok: 10, error: 2, timeout: 1, rateLimited: 7 });
    expect(c.errorRate.value).toBe(2 / 13);
    expect(c.timeoutRate.value).toBe(1 / 13);
    expect(c.rateLimitedShare.value).toBe(7 / 20);
    expect(c.timeoutS).toBe(30);
  });

  it("counts the requests in flight at each start as a plain count does", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 20 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.boolean(),
        (unordered, inTimeOrder) => {
          // Logs in time order take the two-pointer path, others the binary searches.
          const requests = inTimeOrder ? unordered.slice().sort((a, b) => a[0] - b[0]) : unordered;
          const n = requests.length;
          const starts = Float64Array.from(requests.map(([s]) => s));
          const ends = Float64Array.from(requests.map(([s, d]) => s + d));
          const counts = inFlightAtStart(starts, ends, n);
          for (let i = 0; i < n; i++) {
            // Started at or before i's start and not ended by then.
            const plain = requests.filter(([s, d]) => s <= starts[i]! && s + d > starts[i]!).length;
            expect(counts[i]).toBe(plain);
          }
        },
      ),
    );
  });

  it("measures the KS distance as computed by hand", () => {
    // Uniform on [0, 3] against 1, 2, 3: the data's CDF jumps to 1/3 at 1, where the model is 1/3,
    // so the largest gap is just below each point: 1/3 - 0 at 1... and 1 - 2/3 at 3.
    expect(ksDistance(Float64Array.of(1, 2, 3), { dist: "uniform", min: 0, max: 3 })).toBeCloseTo(
      1 / 3,
      12,
    );
    // Exponential mean 1 at the single point ln 2 (CDF 1/2): the gap is 1/2 either side.
    expect(ksDistance(Float64Array.of(Math.LN2), { dist: "exponential", mean: 1 })).toBeCloseTo(
      0.5,
      6,
    );
  });

  it("reads a gzip log as its plain text", async () => {
    const { gzipSync } = await import("node:zlib");
    const text = jsonl(known.slice(0, 500));
    writeFileSync(join(dir, "small.jsonl"), text);
    writeFileSync(join(dir, "small.jsonl.gz"), gzipSync(text));
    const plain = calibrate((await readRequestLog(join(dir, "small.jsonl"))).columns);
    const gz = calibrate((await readRequestLog(join(dir, "small.jsonl.gz"))).columns);
    expect(gz).toEqual(plain);
  });
});

describe("the README", () => {
  it("shows the example command's real output and block", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const out = join(dir, "readme-endpoint.yaml");
    const ran = await runInProcess([
      "calibrate",
      join(ROOT, "examples/logs/requests.jsonl"),
      "--endpoint",
      "gpt",
      "--out",
      out,
    ]);
    expect(ran.code).toBe(0);
    // The README ran it from the repository's root, as a relative path.
    const shown = ran.stdout.replaceAll(join(ROOT, "examples"), "examples").split("\nWrote")[0]!;
    expect(readme).toContain(shown);
    const yaml = readFileSync(out, "utf8");
    expect(readme).toContain(yaml.slice(yaml.indexOf("endpoints:")));
  });
});
