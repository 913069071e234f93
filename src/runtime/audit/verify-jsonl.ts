import { ScenarioError } from "../../sim/errors.ts";
import type { AuditSource } from "./jsonl.ts";
import { forEachLine, parseRecordLine } from "./jsonl.ts";
import type { VerifyResult } from "./verify.ts";
import { ChainVerifier } from "./verify.ts";

/** Options of `verifyJsonl`. */
export interface VerifyJsonlOptions {
  /** The file name used in messages when the source is text. */
  file?: string;
  /** Whether the trail must end with its `audit.seal` record (default true: a finished trail). */
  requireSeal?: boolean;
}

/**
 * Verifies a JSONL audit trail, streaming it (a file is read in chunks, so any size works), and
 * names the first bad record: its seq (the position it holds in the chain, which in a JSONL
 * file is its line number) and line. A corrupt or truncated line is a bad record too (the trail
 * is not intact), reported with the parse problem; only an unreadable file throws
 * (`ScenarioError`). This is what `agentsim audit verify` runs.
 */
export function verifyJsonl(source: AuditSource, options: VerifyJsonlOptions = {}): VerifyResult {
  const file = typeof source === "string" ? options.file : source.path;
  const chain = new ChainVerifier();
  let failure: VerifyResult | undefined;
  forEachLine(source, (line, lineNo) => {
    let reason: string | undefined;
    try {
      reason = chain.next(parseRecordLine(line, lineNo, file));
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      reason = error.message;
    }
    if (reason !== undefined) failure = { ok: false, seq: chain.count + 1, line: lineNo, reason };
    return reason === undefined;
  });
  if (failure !== undefined) return failure;
  const missing = chain.finish(options.requireSeal ?? true);
  if (missing !== undefined) {
    return { ok: false, seq: chain.count + 1, line: chain.count + 1, reason: missing };
  }
  return { ok: true, records: chain.count, verified: chain.count };
}
