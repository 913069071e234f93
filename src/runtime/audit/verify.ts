import type { AuditRecord } from "./record.ts";
import { chainHash, GENESIS_HASH, openBodyOf } from "./record.ts";

/**
 * The outcome of verifying a trail. On success, `records` were read and `verified` of them had
 * their hash checked (0 for a summary-mode trail, which keeps no chain). On failure, `seq` is
 * the position in the chain of the first broken record (the seq it should have), `line` its
 * line in a JSONL file, and `reason` what is wrong there.
 */
export type VerifyResult =
  | { ok: true; records: number; verified: number }
  | { ok: false; seq: number; line?: number; reason: string };

/**
 * Checks records one at a time, in file order, against the chain: seq runs 1, 2, 3…; each
 * prevHash is the previous record's hash (the genesis hash first); each hash is recomputed from
 * the record's canonical form; times never decrease; `audit.seal` comes last and counts the
 * records before it. Any single change, drop, insertion or reordering of records is reported
 * at the first position where the trail differs from the original. A forger who rewrites every
 * later hash is not detected by a chain alone: anchor `AuditTrail.headHash()` elsewhere.
 */
export class ChainVerifier {
  /** Records accepted so far. */
  count = 0;
  /** Whether the accepted records end with the seal. */
  sealed = false;
  private prevHash = GENESIS_HASH;
  private lastTimeS = Number.NEGATIVE_INFINITY;

  /** Checks the next record; returns why it breaks the chain, or undefined if it holds. */
  next(record: AuditRecord): string | undefined {
    const seq = this.count + 1;
    if (this.sealed) return `a record follows the audit.seal record (seq ${seq - 1})`;
    if (record.seq !== seq) {
      return `seq is ${record.seq} where ${seq} was expected (a record is missing, added or moved)`;
    }
    if (record.prevHash !== this.prevHash) {
      const previous = seq === 1 ? "the genesis hash" : `the hash of record ${seq - 1}`;
      return `prevHash does not match ${previous}`;
    }
    if (chainHash(record.prevHash, openBodyOf(record)) !== record.hash) {
      return "hash does not match the record's contents (the record was changed)";
    }
    if (record.time < this.lastTimeS) {
      return `time ${record.time} is before the previous record's ${this.lastTimeS}`;
    }
    if (record.action === "audit.seal") {
      if (record.detail !== `records=${seq - 1}`) {
        return `the audit.seal record says ${JSON.stringify(record.detail)}, expected "records=${seq - 1}"`;
      }
      this.sealed = true;
    }
    this.count = seq;
    this.prevHash = record.hash;
    this.lastTimeS = record.time;
    return undefined;
  }

  /** Why the trail is incomplete when it must end with a seal, or undefined. */
  finish(requireSeal: boolean): string | undefined {
    if (!requireSeal || this.sealed) return undefined;
    return `the trail ends after ${this.count} records without its audit.seal record (truncated?)`;
  }
}
