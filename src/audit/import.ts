import type { AuditSource } from "./jsonl.ts";
import { forEachLine, parseRecordLine } from "./jsonl.ts";
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
