/**
 * What the cockpit's audit view shows of a policy's audit.jsonl: the first records (a page
 * stays small whatever the trail's size), the total, and the chain's verification. One
 * streaming pass over the file does all three, and hands every record to an optional visitor
 * (the trace's run tracks), so a trail of any size is read once.
 */

import type { AuditRecord, VerifyResult } from "../audit/index.ts";
import { ChainVerifier, forEachLine, parseRecordLine } from "../audit/index.ts";
import { ScenarioError } from "../input/index.ts";

/** Records kept for the audit table per policy (default of `readAuditView`). */
export const AUDIT_ROWS_DEFAULT = 1000;

/** A policy's audit trail as the report shows it. */
export interface AuditView {
  policy: string;
  /** The file read. */
  path: string;
  /** Lines in the file (one record each in an intact trail). */
  total: number;
  /** The first records that parse, in file order, up to the limit. */
  records: AuditRecord[];
  /**
   * The chain's verification over the whole file: the checks of `verifyJsonl` (seq, prevHash,
   * hash, time order, the seal last and required), naming the first bad record and line.
   */
  verify: VerifyResult;
}

/**
 * Reads the audit view of one file in one pass, calling `onRecord` with every record that
 * parses. An unreadable file gives a view whose verification says why.
 */
export function readAuditView(
  policy: string,
  path: string,
  limit = AUDIT_ROWS_DEFAULT,
  onRecord?: (record: AuditRecord) => void,
): AuditView {
  const records: AuditRecord[] = [];
  const chain = new ChainVerifier();
  let total = 0;
  let failure: VerifyResult | undefined;
  try {
    forEachLine({ path }, (line, lineNo) => {
      total = lineNo;
      let record: AuditRecord | undefined;
      let reason: string | undefined;
      try {
        record = parseRecordLine(line, lineNo, path);
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        reason = error.message;
      }
      if (record !== undefined) {
        if (records.length < limit) records.push(record);
        onRecord?.(record);
        if (failure === undefined) reason = chain.next(record);
      }
      if (failure === undefined && reason !== undefined) {
        failure = { ok: false, seq: chain.count + 1, line: lineNo, reason };
      }
      return true;
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { policy, path, total, records, verify: { ok: false, seq: chain.count + 1, reason } };
  }
  if (failure === undefined) {
    const missing = chain.finish(true);
    failure =
      missing === undefined
        ? { ok: true, records: chain.count, verified: chain.count }
        : { ok: false, seq: chain.count + 1, line: chain.count + 1, reason: missing };
  }
  return { policy, path, total, records, verify: failure };
}

/** The audit views of every policy given (policy → path), in the order given. */
export function readAuditViews(
  auditJsonl: Record<string, string>,
  limit = AUDIT_ROWS_DEFAULT,
): AuditView[] {
  return Object.entries(auditJsonl).map(([policy, path]) => readAuditView(policy, path, limit));
}
