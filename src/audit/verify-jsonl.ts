import { ScenarioError } from "../input/index.ts";
import type { AuditSource, StoredSource } from "./jsonl.ts";
import { forEachStoredLine, parseRecordLine } from "./jsonl.ts";
import type { AuditRecord } from "./record.ts";
import { openBodyOf, openBodyOfLine, recordLine } from "./record.ts";
import type { Expectation, VerifyResult } from "./verify.ts";
import { ChainVerifier } from "./verify.ts";

/** Options of `verifyJsonl`. */
export interface VerifyJsonlOptions {
  /** The file name used in messages when the source is text. */
  file?: string;
  /** Whether the trail must end with its `audit.seal` record (default true: a finished trail). */
  requireSeal?: boolean;
  /** Whether the first record must be the `audit.genesis` record (default true). */
  requireGenesis?: boolean;
  /**
   * The head hash and record count kept elsewhere that the trail must end at, or a function
   * finding them from the trail's genesis (see `Expectation`); default none, and then a trail
   * rewritten whole with every hash recomputed passes: the chain alone cannot tell.
   */
  expect?: Expectation;
}

/**
 * Verifies a JSONL audit trail, streaming it (a file is read in chunks, so any size works), and
 * names the first bad record: its seq (the position it holds in the chain, which in a JSONL
 * file is its line number) and line.
 *
 * Each line must be byte for byte the canonical serialization of the record it holds (keys in
 * order, no whitespace, each value in its one JSON form, "\n" after every line, UTF-8): a
 * duplicate key, a reordered key, a space or another encoding of the same values is refused,
 * because readers that resolve such lines differently (one keeps the first of two duplicate
 * keys, another the last) would see different records under one hash. Each hash is recomputed
 * from the line's own characters. With `expect`, the trail must end at the given head and count.
 *
 * A corrupt or truncated line is a bad record too (the trail is not intact), reported with the
 * parse problem; so is a line longer than `MAX_LINE_BYTES` (64 KiB), at which reading stops, so
 * time is linear in the file's size and memory bounded whatever it holds. Only a file that
 * cannot be read as one (missing, unreadable, a directory, a FIFO, a device) throws
 * `ScenarioError` naming it. This is what `agentsim audit verify` runs.
 */
export function verifyJsonl(source: AuditSource, options: VerifyJsonlOptions = {}): VerifyResult {
  return verifyStored(source, options);
}

/** `verifyJsonl` of any stored form, text in pieces included (a memory trail's own export). */
export function verifyStored(source: StoredSource, options: VerifyJsonlOptions = {}): VerifyResult {
  const file = typeof source !== "string" && "path" in source ? source.path : options.file;
  const chain = new ChainVerifier({
    requireGenesis: options.requireGenesis ?? true,
    expect: options.expect,
  });
  let failure: VerifyResult | undefined;
  forEachStoredLine(source, (line, lineNo, terminated, problem) => {
    const reason = problem ?? lineProblem(chain, line, lineNo, terminated, file);
    if (reason !== undefined) failure = { ok: false, seq: chain.count + 1, line: lineNo, reason };
    return reason === undefined;
  });
  if (failure !== undefined) return failure;
  const missing = chain.finish(options.requireSeal ?? true);
  if (missing !== undefined) {
    return { ok: false, seq: chain.count + 1, line: chain.count + 1, reason: missing };
  }
  const mismatch = chain.mismatch();
  if (mismatch !== undefined) {
    return { ok: false, seq: chain.count, line: chain.count, reason: mismatch };
  }
  return {
    ok: true,
    records: chain.count,
    verified: chain.count,
    head: chain.head,
    ...(chain.genesis === undefined ? {} : { genesis: chain.genesis }),
  };
}

/** Why one stored line is not the next record of the chain, or undefined. */
function lineProblem(
  chain: ChainVerifier,
  line: string,
  lineNo: number,
  terminated: boolean,
  file: string | undefined,
): string | undefined {
  let record: AuditRecord;
  try {
    record = parseRecordLine(line, lineNo, file);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.message;
  }
  const open = openBodyOfLine(line);
  const canonical = recordLine(openBodyOf(record), record.hash);
  if (open === undefined || canonical !== line) {
    return `the line is not the canonical serialization of its record (it differs at character ${firstDifference(line, canonical) + 1}: a duplicate or reordered key, whitespace or another encoding of a value), so readers could disagree on what it says`;
  }
  if (!terminated) return "the last line does not end with a newline (the file was cut?)";
  return chain.next(record, open);
}

function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
