import type { AuditSource } from "./jsonl.ts";
import { forEachLine, parseRecordLine } from "./jsonl.ts";
import { type AuditQuery, recordFilter } from "./query.ts";
import type { AuditRecord } from "./record.ts";
import { AuditTrail } from "./trail.ts";

/** Options of `importJsonl`. */
export interface ImportJsonlOptions {
  /** The file name used in messages when the source is text. */
  file?: string;
}

/**
 * Reads a JSONL audit trail into a read-only memory trail (query it, count it, verify it).
 * A corrupt or truncated line throws `ScenarioError` naming the file and line; a well-formed
 * trail whose chain is broken imports, and its `verify()` names the first broken record.
 */
export function importJsonl(source: AuditSource, options: ImportJsonlOptions = {}): AuditTrail {
  const file = typeof source === "string" ? options.file : source.path;
  const records: AuditRecord[] = [];
  forEachLine(source, (line, lineNo) => {
    records.push(parseRecordLine(line, lineNo, file));
    return true;
  });
  return AuditTrail.fromRecords(records);
}

/**
 * Calls `onRecord` with each record of a JSONL trail that matches `query`, in the file's order,
 * as a trail imported with `importJsonl` and queried would return them, but reading the source
 * as a stream: memory is bounded by a line (`MAX_LINE_BYTES`) and a read chunk, whatever the
 * trail's size. The source is read twice: first every line is checked, so that a corrupt or
 * truncated line anywhere throws `ScenarioError` naming the file and line before any record is
 * given (as importing would), then the matches are given, `query.limit` of them at most.
 * Returns the number given. This is what `agentsim audit query` runs.
 */
export function queryJsonl(
  source: AuditSource,
  query: AuditQuery,
  onRecord: (record: AuditRecord) => void,
  options: ImportJsonlOptions = {},
): number {
  const file = typeof source === "string" ? options.file : source.path;
  const matches = recordFilter(query);
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  forEachLine(source, (line, lineNo) => {
    parseRecordLine(line, lineNo, file);
    return true;
  });
  let given = 0;
  if (limit <= 0) return given;
  forEachLine(source, (line, lineNo) => {
    const record = parseRecordLine(line, lineNo, file);
    if (!matches(record)) return true;
    onRecord(inRecordOrder(record));
    return ++given < limit;
  });
  return given;
}

/** A record with its fields in the order of `AuditRecord` (a line's keys may come in any order). */
function inRecordOrder(r: AuditRecord): AuditRecord {
  return {
    seq: r.seq,
    time: r.time,
    run: r.run,
    job: r.job,
    tenant: r.tenant,
    action: r.action,
    target: r.target,
    decision: r.decision,
    authorizedBy: r.authorizedBy,
    detail: r.detail,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}
