import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { ScenarioError } from "../input/index.ts";
import { ACTION_CODE, DECISION_CODE } from "./actions.ts";
import type { AuditRecord } from "./record.ts";

/** A JSONL audit trail: its text, or `{ path }` of a file (read in chunks, never whole). */
export type AuditSource = string | { readonly path: string };

/** A trail as stored: JSONL text, a file, or text in pieces (a memory trail's export). */
export type StoredSource = AuditSource | { readonly chunks: Iterable<string> };

/** Bytes read from a file at a time. */
const READ_CHUNK_BYTES = 1 << 20;

const STRING_FIELDS = ["run", "job", "tenant", "target", "authorizedBy", "detail"] as const;
const FIELD_COUNT = 12;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Calls `onLine` with each line of the source and its 1-based number, stopping early when it
 * returns false. A final newline does not make an extra line; a trailing "\r" is dropped.
 * An unreadable file throws `ScenarioError` naming it.
 */
export function forEachLine(
  source: AuditSource,
  onLine: (line: string, lineNo: number) => boolean,
): void {
  if (typeof source === "string") {
    forEachLineOfText(source, onLine);
    return;
  }
  withAuditFile(source.path, (fd) => forEachLineOfFile(fd, onLine));
}

function forEachLineOfText(text: string, onLine: (line: string, lineNo: number) => boolean) {
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    lineNo++;
    if (!onLine(stripCr(text.slice(start, end)), lineNo)) return;
    start = end + 1;
  }
}

function forEachLineOfFile(fd: number, onLine: (line: string, lineNo: number) => boolean) {
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let lineNo = 0;
  for (;;) {
    const bytes = readSync(fd, buffer, 0, buffer.length, null);
    const text =
      bytes === 0 ? pending + decoder.end() : pending + decoder.write(buffer.subarray(0, bytes));
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      lineNo++;
      if (!onLine(stripCr(text.slice(start, end)), lineNo)) return;
      start = end + 1;
    }
    pending = text.slice(start);
    if (bytes === 0) break;
  }
  if (pending !== "") onLine(stripCr(pending), lineNo + 1);
}

/**
 * Calls `onLine` with each line exactly as stored, for verification: a "\r" is kept, each line's
 * bytes are decoded as strict UTF-8 (a byte sequence that is not UTF-8, or a byte-order mark,
 * is not silently replaced or dropped: `problem` says so), and `terminated` tells whether the
 * line ended with "\n". Stops early when `onLine` returns false. An unreadable file throws
 * `ScenarioError` naming it.
 */
export function forEachStoredLine(
  source: StoredSource,
  onLine: (line: string, lineNo: number, terminated: boolean, problem?: string) => boolean,
): void {
  if (typeof source === "string" || "chunks" in source) {
    const chunks = typeof source === "string" ? [source] : source.chunks;
    let pending = "";
    let lineNo = 0;
    for (const chunk of chunks) {
      const text = pending + chunk;
      let start = 0;
      for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
        lineNo++;
        if (!onLine(text.slice(start, end), lineNo, true)) return;
        start = end + 1;
      }
      pending = text.slice(start);
    }
    if (pending !== "") onLine(pending, lineNo + 1, false);
    return;
  }
  withAuditFile(source.path, (fd) => forEachStoredLineOfFile(fd, onLine));
}

/** Opens an audit file (a clear error naming it when it cannot), reads it, and closes it. */
function withAuditFile(path: string, read: (fd: number) => void): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw new ScenarioError("", "a readable JSONL audit file", codeOf(error), { file: path });
  }
  try {
    read(fd);
  } finally {
    closeSync(fd);
  }
}

function forEachStoredLineOfFile(
  fd: number,
  onLine: (line: string, lineNo: number, terminated: boolean, problem?: string) => boolean,
): void {
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const decode = (bytes: Uint8Array, lineNo: number, terminated: boolean): boolean => {
    let line: string;
    try {
      line = decoder.decode(bytes);
    } catch {
      return onLine("", lineNo, terminated, "bytes that are not UTF-8");
    }
    return onLine(line, lineNo, terminated);
  };
  let pending: Buffer[] = [];
  let lineNo = 0;
  for (;;) {
    const bytes = readSync(fd, buffer, 0, buffer.length, null);
    if (bytes === 0) break;
    const chunk = buffer.subarray(0, bytes);
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      lineNo++;
      const piece = chunk.subarray(start, end);
      const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      if (!decode(line, lineNo, true)) return;
      start = end + 1;
    }
    // The rest of the chunk is copied: the buffer is reused by the next read.
    if (start < bytes) pending.push(Buffer.from(chunk.subarray(start)));
  }
  if (pending.length > 0) decode(Buffer.concat(pending), lineNo + 1, false);
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * Parses one JSONL line into a record, checking every field's type; a corrupt or truncated
 * line throws `ScenarioError` whose path is `line N` (and the field), naming `file` if given.
 */
export function parseRecordLine(line: string, lineNo: number, file?: string): AuditRecord {
  const where = `line ${lineNo}`;
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new ScenarioError(field === "" ? where : `${where}: ${field}`, expected, found, { file });
  };
  if (line.trim() === "") {
    throw new ScenarioError(where, "an audit record (one JSON object a line)", "an empty line", {
      file,
      foundShown: true,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ScenarioError(
      where,
      "an audit record (one JSON object a line)",
      `invalid JSON (${why})`,
      {
        file,
        foundShown: true,
      },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("", "an audit record (a JSON object)", clip(line));
  }
  const r = value as Record<string, unknown>;
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 1)
    fail("seq", "a positive integer", r.seq);
  if (typeof r.time !== "number" || !Number.isFinite(r.time))
    fail("time", "a finite number of seconds", r.time);
  for (const field of STRING_FIELDS) {
    if (typeof r[field] !== "string") fail(field, "a string", r[field]);
  }
  if (typeof r.action !== "string" || ACTION_CODE[r.action] === undefined) {
    fail("action", 'an audit action such as "tool.call"', r.action);
  }
  if (typeof r.decision !== "string" || DECISION_CODE[r.decision] === undefined) {
    fail("decision", "one of allow, deny, ok, error", r.decision);
  }
  for (const field of ["prevHash", "hash"] as const) {
    if (typeof r[field] !== "string" || !HEX64.test(r[field]))
      fail(field, "64 lowercase hex digits", r[field]);
  }
  const keys = Object.keys(r);
  if (keys.length !== FIELD_COUNT) {
    const extra = keys.find((k) => !KNOWN_FIELDS.has(k));
    fail(extra ?? "", "only the fields of an audit record", extra);
  }
  return r as unknown as AuditRecord;
}

const KNOWN_FIELDS = new Set([
  "seq",
  "time",
  ...STRING_FIELDS,
  "action",
  "decision",
  "prevHash",
  "hash",
]);

function clip(line: string): string {
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(error);
}
