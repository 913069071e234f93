import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScenarioError } from "../src/input/errors.ts";
import {
  parseAzureTrace,
  parseTimestamp,
  readAzureTrace,
  readTrace,
  readTraceText,
} from "../src/workload/trace/index.ts";

const DATA = resolve(import.meta.dirname, "../data/azure-llm-2023");
const CODE = resolve(DATA, "AzureLLMInferenceTrace_code.csv");
const CONV = resolve(DATA, "AzureLLMInferenceTrace_conv.csv");
const FIXTURES = resolve(import.meta.dirname, "fixtures");

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

describe("the Azure LLM inference trace 2023, as published", () => {
  it("loads the conversation trace unchanged: every row, first and last values", () => {
    // Shows 19,366 rows, arrivals relative to the first row, and the README's span.
    const trace = readAzureTrace(CONV);
    expect(trace.format).toBe("azure-llm-csv");
    expect(trace.runs).toHaveLength(19_366);
    expect(trace.totalRuns).toBe(19_366);
    const first = trace.runs[0]!;
    expect(first.arrivalS).toBe(0);
    expect(first.key).toBe("row-2");
    expect(first.turns).toEqual([
      {
        promptTokens: 374,
        outputTokens: 44,
        cachedTokens: 0,
        recordedDurationS: undefined,
        recordedFailed: false,
        model: undefined,
        toolCalls: [],
        thinkS: 0,
        promptIncludesContext: true,
      },
    ]);
    // 2023-11-16 18:15:46.6805900 -> 18:15:50.9951690 and -> 19:14:08.4025270 (the last row).
    expect(trace.runs[1]!.arrivalS).toBeCloseTo(4.314579, 6);
    const last = trace.runs.at(-1)!;
    expect(last.arrivalS).toBeCloseTo(3501.721937, 6);
    expect(last.turns[0]).toMatchObject({ promptTokens: 197, outputTokens: 183 });
    expect(trace.spanS).toBeCloseTo(3501.721937, 6);
  });

  it("loads the code trace: 8,819 rows, in arrival order, with the README's statistics", () => {
    // Shows the row count, the mean rate and the medians the data README states.
    const trace = readAzureTrace(CODE);
    expect(trace.runs).toHaveLength(8_819);
    expect(trace.runs[0]!.turns[0]).toMatchObject({ promptTokens: 4808, outputTokens: 10 });
    expect(trace.runs.at(-1)!.turns[0]).toMatchObject({ promptTokens: 549, outputTokens: 173 });
    expect(Math.round(trace.spanS)).toBe(3436);
    expect(trace.runs.length / trace.spanS).toBeCloseTo(2.57, 2);
    const sorted = (values: number[]) => values.sort((a, b) => a - b);
    const prompts = sorted(trace.runs.map((run) => run.turns[0]!.promptTokens));
    const outputs = sorted(trace.runs.map((run) => run.turns[0]!.outputTokens));
    expect(prompts[Math.floor(prompts.length / 2)]).toBe(1469);
    expect(outputs[Math.floor(outputs.length / 2)]).toBe(13);
    for (let i = 1; i < trace.runs.length; i++) {
      expect(trace.runs[i]!.arrivalS).toBeGreaterThanOrEqual(trace.runs[i - 1]!.arrivalS);
    }
  });

  it("applies a window in trace time, then the speedup", () => {
    // Shows DESIGN.md's window {from: 10m, for: 30m} at speedup 2: arrivals in [0, 900) s.
    const all = readAzureTrace(CODE);
    const sliced = readAzureTrace(CODE, { window: { fromS: 600, forS: 1800 }, speedup: 2 });
    const inWindow = all.runs.filter((run) => run.arrivalS >= 600 && run.arrivalS < 2400);
    expect(sliced.runs).toHaveLength(inWindow.length);
    expect(sliced.totalRuns).toBe(8_819);
    sliced.runs.forEach((run, i) => {
      expect(run.arrivalS).toBeCloseTo((inWindow[i]!.arrivalS - 600) / 2, 9);
      expect(run.key).toBe(inWindow[i]!.key);
    });
    expect(sliced.runs.at(-1)!.arrivalS).toBeLessThan(900);
  });

  it("is read through the job's arrival spec", () => {
    // Shows readTrace dispatching on the format, with the spec's window and speedup.
    const trace = readTrace({
      process: "trace",
      file: CONV,
      format: "azure-llm-csv",
      speedup: 4,
      runPer: "session",
      window: { fromS: 0, forS: 60 },
    });
    expect(trace.runs.length).toBeGreaterThan(100);
    expect(trace.runs.at(-1)!.arrivalS).toBeLessThan(15);
  });
});

describe("small and malformed CSV traces", () => {
  it("reads CRLF, seven fractional digits, a day boundary and no final newline", () => {
    // Shows a fixture crossing midnight keeps every digit of the timestamps.
    const trace = readAzureTrace(resolve(FIXTURES, "azure-small.csv"));
    expect(trace.runs.map((run) => run.arrivalS)).toEqual([
      0,
      expect.closeTo(4.314579, 9),
      expect.closeTo(4.541877, 9),
      expect.closeTo(20_653.3194101, 6),
    ]);
    expect(trace.runs[3]!.turns[0]).toMatchObject({ promptTokens: 1, outputTokens: 0 });
  });

  it("names the file, the line and the field of every bad row", () => {
    // Shows bad tokens, a bad month, a short row and a negative count, one line each.
    const file = resolve(FIXTURES, "azure-bad.csv");
    expect(report(() => readAzureTrace(file))).toEqual([
      `${file}: line 3: ContextTokens: expected a non-negative integer, got "abc"`,
      `${file}: line 4: TIMESTAMP: expected a time such as "2023-11-16 18:15:46.6805900", got "2023-13-16 18:15:51.2224670"`,
      `${file}: line 5: expected 3 comma-separated fields (TIMESTAMP,ContextTokens,GeneratedTokens), got "2023-11-16 18:15:52.0,12"`,
      `${file}: line 6: ContextTokens: expected a non-negative integer, got "-4"`,
    ]);
  });

  it("refuses an empty trace, a missing header and an empty window", () => {
    // Shows the three ways a CSV trace can hold no run.
    expect(report(() => parseAzureTrace("", "e.csv"))).toEqual([
      "e.csv: line 1: expected the header TIMESTAMP,ContextTokens,GeneratedTokens, got an empty file",
    ]);
    expect(
      report(() => parseAzureTrace("TIMESTAMP,ContextTokens,GeneratedTokens\r\n", "h.csv")),
    ).toEqual(["h.csv: expected a trace with at least one run, got an empty trace"]);
    expect(report(() => parseAzureTrace("2023-11-16 18:15:46.6805900,374,44\n", "n.csv"))[0]).toBe(
      'n.csv: line 1: expected the header TIMESTAMP,ContextTokens,GeneratedTokens, got "2023-11-16 18:15:46.6805900,374,44"',
    );
    const text = readFileSync(resolve(FIXTURES, "azure-small.csv"), "utf8");
    expect(
      report(() => parseAzureTrace(text, "w.csv", { window: { fromS: 5, forS: 60 } })),
    ).toEqual([
      "w.csv: window: expected a window holding at least one arrival (the trace spans 5.73703h), got from 5s for 1m",
    ]);
    expect(report(() => readAzureTrace(resolve(FIXTURES, "none.csv")))[0]).toMatch(
      /none\.csv: expected a readable trace file, got no such file \(ENOENT\)/,
    );
  });

  it("reads only a regular file of bounded size, refusing at once what is not one, in words", () => {
    // Shows a directory, /dev/zero (whose read never ended, the command deaf to Ctrl-C), a FIFO
    // (whose read blocked) and a gzip file unpacking to more than 256 MiB (a few hundred KB of
    // zeros) each refused with the reason in words, within a fraction of a second; a directory
    // was "got EISDIR".
    const dir = mkdtempSync(join(tmpdir(), "agentsim-trace-files-"));
    try {
      const fifo = join(dir, "fifo.csv");
      execFileSync("mkfifo", [fifo]);
      const bomb = join(dir, "bomb.jsonl.gz");
      const member = gzipSync(Buffer.alloc(2 ** 20));
      writeFileSync(bomb, Buffer.concat(Array.from({ length: 257 }, () => member)));
      const start = performance.now();
      expect(report(() => readAzureTrace(dir))).toEqual([
        `${dir}: expected a readable trace file, got a directory`,
      ]);
      expect(report(() => readAzureTrace("/dev/zero"))).toEqual([
        "/dev/zero: expected a readable trace file, got a character device",
      ]);
      expect(report(() => readAzureTrace(fifo))).toEqual([
        `${fifo}: expected a readable trace file, got a named pipe (FIFO)`,
      ]);
      expect(report(() => readTraceText(bomb))).toEqual([
        `${bomb}: expected a gzip-compressed trace of at most 256 MiB unpacked, got more`,
      ]);
      expect(performance.now() - start).toBeLessThan(5000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds columns by name and sorts unsorted rows", () => {
    // Shows extra and reordered columns, and arrivals relative to the earliest row.
    const text =
      "GeneratedTokens,TIMESTAMP,Extra,ContextTokens\n7,2023-11-16 10:00:05,x,70\n3,2023-11-16T10:00:00Z,y,30\n";
    const trace = parseAzureTrace(text, "t.csv");
    expect(
      trace.runs.map((run) => [
        run.arrivalS,
        run.turns[0]!.promptTokens,
        run.turns[0]!.outputTokens,
      ]),
    ).toEqual([
      [0, 30, 3],
      [5, 70, 7],
    ]);
  });

  it("stops after ten problems", () => {
    // Shows a long broken file reports its first ten problems, not thousands.
    const text = `TIMESTAMP,ContextTokens,GeneratedTokens\n${"bad,row,x\n".repeat(1000)}`;
    expect(report(() => parseAzureTrace(text, "many.csv"))).toHaveLength(10);
  });

  it("never throws anything but a ScenarioError on arbitrary rows", () => {
    // Shows fuzzed CSV bodies either load or are refused with a file and line.
    const cell = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.nat().map(String),
      fc.constant("2023-11-16 18:15:46.6805900"),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { maxLength: 20 }),
        (rows) => {
          const text = `TIMESTAMP,ContextTokens,GeneratedTokens\r\n${rows.map((r) => r.join(",")).join("\r\n")}`;
          try {
            const trace = parseAzureTrace(text, "f.csv");
            expect(trace.runs.length).toBeGreaterThan(0);
          } catch (error) {
            expect(error).toBeInstanceOf(ScenarioError);
            expect((error as ScenarioError).message.startsWith("f.csv: ")).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("parseTimestamp", () => {
  it("agrees with Date.UTC on random valid times", () => {
    // Shows the calendar arithmetic (no Date in the reader) matches the platform's.
    fc.assert(
      fc.property(
        fc.date({
          min: new Date(Date.UTC(1970, 0, 1)),
          max: new Date(Date.UTC(2100, 0, 1)),
          noInvalidDate: true,
        }),
        (date) => {
          const text = date.toISOString().replace("T", " ").replace("Z", "");
          const parsed = parseTimestamp(text)!;
          expect(parsed.day * 86_400_000 + Math.round(parsed.secondOfDay * 1000)).toBe(
            date.getTime(),
          );
        },
      ),
      { numRuns: 300 },
    );
    expect(parseTimestamp("2023-02-29 00:00:00")).toBeUndefined();
    expect(parseTimestamp("2024-02-29 23:59:59.9999999")?.secondOfDay).toBeCloseTo(
      86_399.9999999,
      7,
    );
  });
});
