/**
 * What every trace reader shares: reading a file (gunzipped when it is gzip), collecting
 * line-numbered problems, and turning absolute trace times into replay arrivals (sort, window,
 * speedup). An empty trace or an empty window is an error, never an empty replay.
 */
import { gunzipSync } from "node:zlib";
import {
  formatBytes,
  formatDuration,
  readRegularFileBytes,
  ScenarioError,
  scenarioErrors,
} from "../../input/index.ts";
import type { Trace, TraceReadConstraints, TraceRun } from "./types.ts";

/** Problems collected before a reader gives up (the rest of the file is not read). */
export const MAX_TRACE_ERRORS = 10;

/** A run before replay: its absolute trace time in seconds (any origin). */
export interface TimedRun {
  timeS: number;
  run: Omit<TraceRun, "arrivalS">;
}

/**
 * The most bytes of trace text, in the file or unpacked from gzip: 256 MiB (a string of it
 * is half V8's longest; the bundled traces are under 1 MB, the published Azure traces tens of
 * MB). A gzip file that would unpack to more (a few KB can) is refused as it unpacks.
 */
export const MAX_TRACE_BYTES = 256 * 2 ** 20;

/**
 * Reads a trace file as text; gzip (by name or by its magic bytes) is unpacked. Only a regular
 * file of at most `MAX_TRACE_BYTES` is read (a directory, a FIFO or a device such as /dev/zero
 * is refused with the reason in words, before a byte is read: a read of /dev/zero never ends,
 * and blocked in it the command would not even answer Ctrl-C).
 */
export function readTraceText(file: string): string {
  const bytes = readRegularFileBytes(file, "a readable trace file", MAX_TRACE_BYTES);
  const gzip =
    file.endsWith(".gz") || (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b);
  if (!gzip) return bytes.toString("utf8");
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_TRACE_BYTES }).toString("utf8");
  } catch (error) {
    const tooLarge = (error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE";
    throw new ScenarioError(
      "",
      tooLarge
        ? `a gzip-compressed trace of at most ${formatBytes(MAX_TRACE_BYTES)} unpacked`
        : "a gzip-compressed trace",
      tooLarge ? "more" : (error as Error).message,
      { file, foundShown: true },
    );
  }
}

/** Collects a reader's problems; `full` tells the reader to stop. */
export class TraceProblems {
  readonly errors: ScenarioError[] = [];

  constructor(readonly file: string) {}

  /** Records a problem at a line (and a field within it). */
  add(line: number, field: string, expected: string, found: unknown, foundShown = false): void {
    const path = field === "" ? `line ${line}` : `line ${line}: ${field}`;
    this.errors.push(new ScenarioError(path, expected, found, { file: this.file, foundShown }));
  }

  get full(): boolean {
    return this.errors.length >= MAX_TRACE_ERRORS;
  }

  /** Throws every problem at once, if there is any. */
  throwIfAny(): void {
    if (this.errors.length > 0) throw scenarioErrors(this.errors);
  }
}

/** Sorts runs by trace time and applies the window and speedup. */
export function replayRuns(
  timed: TimedRun[],
  file: string,
  format: Trace["format"],
  options: TraceReadConstraints,
  skipped: number,
): Trace {
  if (timed.length === 0) {
    throw new ScenarioError("", "a trace with at least one run", "an empty trace", {
      file,
      foundShown: true,
    });
  }
  const speedup = options.speedup ?? 1;
  if (!(speedup > 0) || !Number.isFinite(speedup)) {
    throw new ScenarioError("speedup", "a positive number", speedup, { file });
  }
  // Files are normally sorted already; otherwise a stable sort keeps ties in file order.
  const order = timed.map((_, i) => i);
  if (!timed.every((item, i) => i === 0 || timed[i - 1]!.timeS <= item.timeS)) {
    order.sort((a, b) => timed[a]!.timeS - timed[b]!.timeS || a - b);
  }
  const originS = timed[order[0]!]!.timeS;
  const spanS = timed[order[order.length - 1]!]!.timeS - originS;
  const fromS = options.window?.fromS ?? 0;
  const toS = fromS + (options.window?.forS ?? Number.POSITIVE_INFINITY);
  const runs: TraceRun[] = [];
  for (const i of order) {
    const { timeS, run } = timed[i]!;
    const traceS = timeS - originS;
    if (traceS < fromS || traceS >= toS) continue;
    runs.push({ arrivalS: (traceS - fromS) / speedup, ...run });
  }
  if (runs.length === 0) {
    throw new ScenarioError(
      "window",
      `a window holding at least one arrival (the trace spans ${formatDuration(spanS)})`,
      `from ${formatDuration(fromS)} for ${formatDuration(toS - fromS)}`,
      { file, foundShown: true },
    );
  }
  return { file, format, runs, totalRuns: timed.length, spanS, skipped };
}
