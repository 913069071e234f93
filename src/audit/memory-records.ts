import { ACTION_JSON, AUDIT_ACTIONS, AUDIT_DECISIONS, DECISION_JSON } from "./actions.ts";
import type { ActorTable } from "./actors.ts";
import { RecordColumns } from "./columns.ts";
import type { AuditQuery } from "./query.ts";
import { compileQuery } from "./query.ts";
import type { AuditRecord } from "./record.ts";
import { chainHash, GENESIS_HASH, openBody, recordLine } from "./record.ts";
import type { VerifyResult } from "./verify.ts";
import { ChainVerifier } from "./verify.ts";

/** Records between remembered chain hashes; a record's hash is recomputed from the checkpoint before it. */
const CHECKPOINT_EVERY = 256;

/** The fields of imported records that the chain is checked against, kept as they were read. */
export interface ClaimedChain {
  readonly seq: number[];
  readonly prevHash: string[];
  readonly hash: string[];
}

/**
 * The records of a memory-mode trail and their hash chain, computed lazily: appending stores
 * fields only; verifying, exporting or querying hashes as far as needed, keeping one hash every
 * 256 records (a checkpoint) and the last one. Records imported from a file keep the seq,
 * prevHash and hash they claimed, and are checked against them instead.
 */
export class MemoryRecords {
  readonly columns = new RecordColumns();
  /** Whether times never decrease (always for appended records; checked for imported ones). */
  timeSorted = true;
  private readonly checkpoints: string[] = [GENESIS_HASH];
  private hashed = 0;
  private head = GENESIS_HASH;

  /** Records of the trail whose actors are in `actors`; `claimed` for imported records. */
  constructor(
    private readonly actors: ActorTable,
    private readonly claimed?: ClaimedChain,
  ) {}

  /** The hash of the last record, hashing what is not hashed yet. */
  headHash(): string {
    const n = this.columns.length;
    if (this.claimed !== undefined) return n === 0 ? GENESIS_HASH : this.claimed.hash[n - 1]!;
    this.hashTo(n);
    return this.head;
  }

  /** Records matching `query`, in seq order. */
  query(query: AuditQuery): AuditRecord[] {
    const c = this.columns;
    const q = compileQuery(query, this.actors);
    const from = this.timeSorted ? c.lowerBound(q.fromS) : 0;
    const to = this.timeSorted ? c.lowerBound(q.toS) : c.length;
    const found: number[] = [];
    for (let i = from; i < to && found.length < q.limit; i++) {
      const t = c.timeAt(i);
      if (
        q.actorMask[c.actorAt(i)] === 1 &&
        (q.actionMask & (1 << c.actionAt(i))) !== 0 &&
        (q.decisionMask & (1 << c.decisionAt(i))) !== 0 &&
        t >= q.fromS &&
        t < q.toS
      ) {
        found.push(i);
      }
    }
    return this.materialize(found);
  }

  /** Every record, in seq order. */
  all(): AuditRecord[] {
    return this.materialize(Array.from({ length: this.columns.length }, (_, i) => i));
  }

  /** The JSONL lines, joined into pieces of about `chunkChars` characters. */
  *jsonlChunks(chunkChars: number): Generator<string> {
    let prev = GENESIS_HASH;
    let chunk = "";
    for (let i = 0; i < this.columns.length; i++) {
      const claimed = this.claimed;
      const seq = claimed === undefined ? i + 1 : claimed.seq[i]!;
      const open = this.openAt(i, seq, claimed === undefined ? prev : claimed.prevHash[i]!);
      const hash = claimed === undefined ? chainHash(prev, open) : claimed.hash[i]!;
      if (claimed === undefined && i === this.hashed) this.advance(hash);
      chunk += `${recordLine(open, hash)}\n`;
      prev = hash;
      if (chunk.length >= chunkChars) {
        yield chunk;
        chunk = "";
      }
    }
    if (chunk !== "") yield chunk;
  }

  /**
   * Verifies imported records against the seq, prevHash and hash they claimed (appended records
   * are verified through their JSONL export: see `AuditTrail.verify`).
   */
  verify(requireSeal: boolean): VerifyResult {
    if (this.claimed === undefined) {
      throw new Error("MemoryRecords.verify: only imported records are checked here");
    }
    return this.verifyClaimed(requireSeal);
  }

  private verifyClaimed(requireSeal: boolean): VerifyResult {
    const chain = new ChainVerifier();
    for (const record of this.all()) {
      const reason = chain.next(record);
      if (reason !== undefined)
        return { ok: false, seq: chain.count + 1, line: chain.count + 1, reason };
    }
    const missing = chain.finish(requireSeal);
    if (missing !== undefined) return { ok: false, seq: chain.count + 1, reason: missing };
    return { ok: true, records: chain.count, verified: chain.count, head: chain.head };
  }

  /** The canonical body (without closing brace) of record index `i`. */
  private openAt(i: number, seq: number, prevHash: string): string {
    const c = this.columns;
    const actor = c.actorAt(i);
    return openBody(
      seq,
      c.timeAt(i),
      this.actors.part(actor),
      ACTION_JSON[c.actionAt(i)]!,
      c.targetAt(i),
      DECISION_JSON[c.decisionAt(i)]!,
      this.actors.authPart(actor),
      c.detailAt(i),
      prevHash,
    );
  }

  /** Marks the next record hashed, keeping a checkpoint every 256. */
  private advance(hash: string): void {
    this.hashed++;
    this.head = hash;
    if (this.hashed % CHECKPOINT_EVERY === 0) this.checkpoints.push(hash);
  }

  /** Extends the chain to cover the first `n` records. */
  private hashTo(n: number): void {
    for (let i = this.hashed; i < n; i++)
      this.advance(chainHash(this.head, this.openAt(i, i + 1, this.head)));
  }

  /** Full records for sorted indices; hashes recomputed from the checkpoint before each. */
  private materialize(indices: readonly number[]): AuditRecord[] {
    const claimed = this.claimed;
    if (claimed !== undefined) {
      return indices.map((i) =>
        this.recordAt(i, claimed.seq[i]!, claimed.prevHash[i]!, claimed.hash[i]!),
      );
    }
    if (indices.length === 0) return [];
    this.hashTo(indices[indices.length - 1]! + 1);
    const out: AuditRecord[] = [];
    let i = -1;
    let prev = GENESIS_HASH;
    for (const wanted of indices) {
      // Jump to the checkpoint before the wanted record unless walking there is shorter.
      const checkpoint = Math.floor(wanted / CHECKPOINT_EVERY);
      if (i < checkpoint * CHECKPOINT_EVERY) {
        i = checkpoint * CHECKPOINT_EVERY;
        prev = this.checkpoints[checkpoint]!;
      }
      for (; i <= wanted; i++) {
        const hash = chainHash(prev, this.openAt(i, i + 1, prev));
        if (i === wanted) out.push(this.recordAt(i, i + 1, prev, hash));
        prev = hash;
      }
    }
    return out;
  }

  /** Record index `i` as an object, keys in the canonical order. */
  private recordAt(i: number, seq: number, prevHash: string, hash: string): AuditRecord {
    const c = this.columns;
    const id = c.actorAt(i);
    const actors = this.actors;
    return {
      seq,
      time: c.timeAt(i),
      run: actors.run[id]!,
      job: actors.job[id]!,
      tenant: actors.tenant[id]!,
      action: AUDIT_ACTIONS[c.actionAt(i)]!,
      target: c.targetAt(i),
      decision: AUDIT_DECISIONS[c.decisionAt(i)]!,
      authorizedBy: actors.authorizedBy[id]!,
      detail: c.detailAt(i),
      prevHash,
      hash,
    };
  }
}
