import { closeSync } from "node:fs";
import {
  formatBytes,
  type OpenedFile,
  openRegularFile,
  readChunk,
  ScenarioError,
} from "../input/index.ts";
import { ACTION_CODE, DECISION_CODE } from "./actions.ts";
import type { AuditRecord } from "./record.ts";

/** A JSONL audit trail: its text, or `{ path }` of a file (read in chunks, never whole). */
export type AuditSource = string | { readonly path: string };

/** A trail as stored: JSONL text, a file, or text in pieces (a memory trail's export). */
export type StoredSource = AuditSource | { readonly chunks: Iterable<string> };

/**
 * The longest line a trail may hold, in bytes of UTF-8 without its "\n": 64 KiB. A record is a
 * few hundred bytes (the longest agentsim writes are under 1 KB), so a longer line is not a
 * record, and reading stops at it instead of gathering an unbounded line in memory.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/** Bytes read from a file at a time. */
const READ_CHUNK_BYTES = 1 << 20;

const STRING_FIELDS = ["run", "job", "tenant", "target", "authorizedBy", "detail"] as const;
const FIELD_COUNT = 12;
const HEX64 = /^[0-9a-f]{64}$/;
const EXPECTED_FILE = "a readable JSONL audit file (a regular file)";

/** Why a line is refused for its length alone. */
export const LINE_TOO_LONG = `a line longer than ${formatBytes(MAX_LINE_BYTES)}, the bound on an audit record (records are a few hundred bytes); reading stopped there`;

/**
 * Calls `onLine` with each line of the source and its 1-based number, stopping early when it
 * returns false. A final newline does not make an extra line; a trailing "\r" is dropped; bytes
 * that are not UTF-8 are read as U+FFFD. A file that is missing, unreadable or not a regular
 * file (a directory, a FIFO, a device), or a line longer than `MAX_LINE_BYTES`, throws
 * `ScenarioError` naming the file (and the line).
 */
export function forEachLine(
  source: AuditSource,
  onLine: (line: string, lineNo: number) => boolean,
): void {
  const file = typeof source === "string" ? undefined : source.path;
  const tooLong = (lineNo: number): never => {
    throw new ScenarioError(
      `line ${lineNo}`,
      "an audit record (one JSON object a line)",
      LINE_TOO_LONG,
      {
        file,
        foundShown: true,
      },
    );
  };
  if (typeof source === "string") {
    forEachLineOfText([source], (line, lineNo, _terminated, long) =>
      long ? tooLong(lineNo) : onLine(stripCr(line), lineNo),
    );
    return;
  }
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  withAuditFile(source.path, (opened) =>
    forEachLineOfFile(opened, source.path, (bytes, lineNo, _terminated, long) =>
      long ? tooLong(lineNo) : onLine(stripCr(decoder.decode(bytes)), lineNo),
    ),
  );
}

/**
 * Calls `onLine` with each line exactly as stored, for verification: a "\r" is kept, each line's
 * bytes are decoded as strict UTF-8 (a byte sequence that is not UTF-8, or a byte-order mark,
 * is not silently replaced or dropped: `problem` says so), and `terminated` tells whether the
 * line ended with "\n". A line longer than `MAX_LINE_BYTES` comes with `problem` set, and is
 * the last. Stops early when `onLine` returns false. A file that is missing, unreadable or not
 * a regular file throws `ScenarioError` naming it.
 */
export function forEachStoredLine(
  source: StoredSource,
  onLine: (line: string, lineNo: number, terminated: boolean, problem?: string) => boolean,
): void {
  if (typeof source === "string" || "chunks" in source) {
    const chunks = typeof source === "string" ? [source] : source.chunks;
    forEachLineOfText(chunks, (line, lineNo, terminated, long) =>
      long ? onLine("", lineNo, terminated, LINE_TOO_LONG) : onLine(line, lineNo, terminated),
    );
    return;
  }
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  withAuditFile(source.path, (opened) =>
    forEachLineOfFile(opened, source.path, (bytes, lineNo, terminated, long) => {
      if (long) return onLine("", lineNo, terminated, LINE_TOO_LONG);
      let line: string;
      try {
        line = decoder.decode(bytes);
      } catch {
        return onLine("", lineNo, terminated, "bytes that are not UTF-8");
      }
      return onLine(line, lineNo, terminated);
    }),
  );
}

/**
 * One line as read: its content (empty when `tooLong`), number, whether "\n" ended it, and
 * whether it passed `MAX_LINE_BYTES` (then it is the last call). Returns false to stop.
 */
type LineVisitor<T> = (line: T, lineNo: number, terminated: boolean, tooLong: boolean) => boolean;

/** Lines of text given in pieces; a line is never gathered past the bound. */
function forEachLineOfText(chunks: Iterable<string>, onLine: LineVisitor<string>): void {
  let pending = "";
  let lineNo = 0;
  for (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
      lineNo++;
      const line = pending + chunk.slice(start, end);
      pending = "";
      if (textTooLong(line)) {
        onLine("", lineNo, true, true);
        return;
      }
      if (!onLine(line, lineNo, true, false)) return;
      start = end + 1;
    }
    pending += chunk.slice(start);
    if (textTooLong(pending)) {
      onLine("", lineNo + 1, false, true);
      return;
    }
  }
  if (pending !== "") onLine(pending, lineNo + 1, false, false);
}

// Whether text takes more than MAX_LINE_BYTES in UTF-8 (a UTF-16 unit takes 1 to 3 bytes, so
// the exact count is needed only in between).
function textTooLong(text: string): boolean {
  if (text.length > MAX_LINE_BYTES) return true;
  return text.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(text, "utf8") > MAX_LINE_BYTES;
}

/**
 * Lines of a file as bytes, in one pass over chunks of `READ_CHUNK_BYTES`: time linear in the
 * file's size, memory bounded by a chunk and `MAX_LINE_BYTES`, whatever the file holds.
 */
function forEachLineOfFile(file: OpenedFile, path: string, onLine: LineVisitor<Buffer>): void {
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  for (;;) {
    const bytes = readChunk(file, path, buffer);
    if (bytes === 0) break;
    const chunk = buffer.subarray(0, bytes);
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      lineNo++;
      if (pendingBytes + end - start > MAX_LINE_BYTES) {
        onLine(EMPTY, lineNo, true, true);
        return;
      }
      const piece = chunk.subarray(start, end);
      const line = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      pendingBytes = 0;
      if (!onLine(line, lineNo, true, false)) return;
      start = end + 1;
    }
    if (start < bytes) {
      pendingBytes += bytes - start;
      if (pendingBytes > MAX_LINE_BYTES) {
        onLine(EMPTY, lineNo + 1, false, true);
        return;
      }
      // The rest of the chunk is copied: the buffer is reused by the next read.
      pending.push(Buffer.from(chunk.subarray(start)));
    }
  }
  if (pendingBytes > 0) onLine(Buffer.concat(pending), lineNo + 1, false, false);
}

const EMPTY = Buffer.alloc(0);

/** Opens an audit file (a clear error naming it when it cannot), reads it, and closes it. */
function withAuditFile(path: string, read: (file: OpenedFile) => void): void {
  const file = openRegularFile(path, EXPECTED_FILE);
  try {
    read(file);
  } finally {
    closeSync(file.fd);
  }
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
