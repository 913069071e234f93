import type { AuditAction, AuditDecision } from "./actions.ts";
import {
  ACTION_CODE,
  ACTION_JSON,
  AUDIT_DECISIONS,
  DECISION_CODE,
  DECISION_JSON,
  GENESIS_CODE,
  SEAL_CODE,
} from "./actions.ts";
import { ActorTable } from "./actors.ts";
import type { AuditCounts } from "./counts.ts";
import { countsOf, DECISIONS_PER_ACTION, newCountMatrix } from "./counts.ts";
import { FLUSH_CHARS, JsonlFileWriter } from "./file-sink.ts";
import type { GenesisBinding } from "./genesis.ts";
import { genesisDetail } from "./genesis.ts";
import type { ClaimedChain } from "./memory-records.ts";
import { MemoryRecords } from "./memory-records.ts";
import type { AuditQuery } from "./query.ts";
import type { ActorId, AuditActor, AuditRecord } from "./record.ts";
import { chainHash, GENESIS_HASH, openBody, recordLine } from "./record.ts";
import type { AuditSink } from "./sink.ts";
import type { VerifyResult } from "./verify.ts";
import { verifyStored } from "./verify-jsonl.ts";

/**
 * How much of the trail a cell keeps. `memory` (the default) keeps every record, compactly;
 * `file` streams hashed JSONL to a path and keeps only a write buffer; `summary` keeps only the
 * counts the end-of-cell checks need, so a run of ten million turns costs no memory per record.
 */
export type RetentionMode = "memory" | "file" | "summary";

/**
 * Options of `AuditTrail`: the retention mode (default memory) and, for file mode, the path;
 * `genesis`, what the trail's first record binds it to (every trail a cell writes has one;
 * without it the trail starts with its first action, as a bare library trail).
 */
export type AuditTrailOptions = (
  | { mode?: "memory" }
  | { mode: "summary" }
  | { mode: "file"; path: string; flushChars?: number }
) & { genesis?: GenesisBinding };

/** Options of `AuditTrail.verify`. */
export interface VerifyOptions {
  /** Whether a trail that has not been sealed fails (default false: a live trail is fine). */
  requireSeal?: boolean;
}

/** The identity of the trail's own records (genesis, seal): actor 0, no run and no authority. */
const TRAIL_ACTOR: AuditActor = { run: "", job: "", tenant: "", authorizedBy: "" };

/**
 * The audit trail of one cell: append-only records in a SHA-256 chain.
 *
 * `append` is the hot path (about eight records a turn). Nothing can change a record inside a
 * running simulation, so in memory mode the chain is computed lazily: hashes are made when the
 * trail is verified, exported or queried, never on append, and then only a checkpoint every 256
 * records is kept. File mode hashes each record as it writes it (the file must be verifiable on
 * its own); summary mode keeps no records and no chain, only `counts()`.
 *
 * Misuse throws at once, naming the limit: an unknown action or decision, an unregistered actor,
 * a time that is not finite or is earlier than the previous record's (records are appended in
 * simulated-time order), an append after `seal`, or a records-only operation in another mode.
 */
export class AuditTrail implements AuditSink {
  /** The retention mode (default "memory"). */
  readonly mode: RetentionMode;
  private readonly actors: ActorTable;
  private readonly matrix = newCountMatrix();
  private withoutAuthority = 0;
  private memory: MemoryRecords | undefined;
  /** Whether the records were imported (read-only, checked against their claimed hashes). */
  private imported = false;
  private readonly writer: JsonlFileWriter | undefined;
  private seq = 0;
  private lastTimeS = 0;
  private closed = false;
  private sealed = false;
  /** Records the trail wrote itself (its genesis and seal), which are not actions. */
  private own = 0;
  private hasGenesis = false;
  /** File mode: the hash of the last record written. */
  private head = GENESIS_HASH;

  /** A new, empty trail; `{ mode: "file", path }` creates or truncates the file at once. */
  constructor(options: AuditTrailOptions = {}) {
    this.mode = options.mode ?? "memory";
    this.actors = new ActorTable(this.mode !== "summary");
    this.actors.add(TRAIL_ACTOR);
    this.actors.noAuthority[0] = 0;
    if (this.mode === "memory") this.memory = new MemoryRecords(this.actors);
    if (options.mode === "file") {
      this.writer = new JsonlFileWriter(options.path, options.flushChars ?? FLUSH_CHARS);
    }
    if (options.genesis !== undefined) {
      this.add(0, 0, GENESIS_CODE, DECISION_CODE.ok!, "", genesisDetail(options.genesis));
      this.own++;
      this.hasGenesis = true;
    }
  }

  /**
   * A read-only memory trail holding `records` exactly as given, claimed seq and hashes
   * included, so `verify` finds any break in them (what `importJsonl` returns).
   */
  static fromRecords(records: Iterable<AuditRecord>): AuditTrail {
    const claimed: ClaimedChain = { seq: [], prevHash: [], hash: [] };
    const trail = new AuditTrail();
    const memory = new MemoryRecords(trail.actors, claimed);
    trail.memory = memory;
    trail.imported = true;
    const actorIds = new Map<string, ActorId>([[actorKey(TRAIL_ACTOR), 0]]);
    for (const r of records) {
      const key = actorKey(r);
      let actor = actorIds.get(key);
      if (actor === undefined) {
        actor = trail.actors.add(r);
        actorIds.set(key, actor);
      }
      const a = ACTION_CODE[r.action]!;
      const d = DECISION_CODE[r.decision]!;
      if (r.time < trail.lastTimeS) memory.timeSorted = false;
      trail.lastTimeS = r.time;
      trail.matrix[a * DECISIONS_PER_ACTION + d]!++;
      if (a === SEAL_CODE || a === GENESIS_CODE) trail.own++;
      else if (r.authorizedBy === "") trail.withoutAuthority++;
      memory.columns.push(r.time, actor, a, d, r.target, r.detail);
      claimed.seq.push(r.seq);
      claimed.prevHash.push(r.prevHash);
      claimed.hash.push(r.hash);
      trail.sealed = a === SEAL_CODE;
    }
    trail.seq = memory.columns.length;
    trail.closed = true;
    return trail;
  }

  /** Registers who records are on behalf of (once per run); returns the id `append` takes. */
  actor(identity: AuditActor): ActorId {
    if (this.closed) throw new Error("AuditTrail.actor: the trail is sealed or read-only");
    return this.actors.add(identity);
  }

  /**
   * Appends one record and returns its seq (from 1). Cheap in every mode: a few checks, a count,
   * and in memory mode a store into columns; the hash is not computed here.
   */
  append(
    timeS: number,
    actor: ActorId,
    action: AuditAction,
    target: string,
    decision: AuditDecision,
    detail = "",
  ): number {
    const a = ACTION_CODE[action];
    const d = DECISION_CODE[decision];
    if (
      a === undefined ||
      d === undefined ||
      a === SEAL_CODE ||
      a === GENESIS_CODE ||
      !(timeS >= this.lastTimeS && timeS < Number.POSITIVE_INFINITY) ||
      !(actor > 0 && actor < this.actors.count && (actor | 0) === actor) ||
      typeof target !== "string" ||
      typeof detail !== "string" ||
      this.closed
    ) {
      this.misuse(timeS, actor, action, target, decision, detail);
    }
    return this.add(timeS, actor, a!, d!, target, detail);
  }

  /**
   * Ends the trail with an `audit.seal` record (detail `records=N`), after which appends throw;
   * a verifier requiring the seal then detects a truncated trail. A file-mode trail is flushed
   * and closed. `timeS` defaults to the last record's time.
   */
  seal(timeS: number = this.lastTimeS): void {
    if (this.closed) throw new Error("AuditTrail.seal: the trail is already sealed or read-only");
    if (!(timeS >= this.lastTimeS && timeS < Number.POSITIVE_INFINITY)) {
      throw new Error(
        `AuditTrail.seal: time ${timeS} is before the last record's ${this.lastTimeS}`,
      );
    }
    this.add(timeS, 0, SEAL_CODE, DECISION_CODE.ok!, "", `records=${this.seq}`);
    this.own++;
    this.closed = true;
    this.sealed = true;
    this.writer?.close();
  }

  /** Number of records appended (the seal included). */
  get size(): number {
    return this.seq;
  }

  /** Records of actions: every record but the trail's own genesis and seal. */
  get actionRecords(): number {
    return this.seq - this.own;
  }

  /** Whether the trail ends with its seal. */
  get isSealed(): boolean {
    return this.sealed;
  }

  /** Counts per action and decision, denials, and records without authority (every mode). */
  counts(): AuditCounts {
    return countsOf(this.matrix, this.withoutAuthority);
  }

  /**
   * Checks the chain as it would be read back: file mode flushes and verifies its file's bytes
   * with the JSONL verifier, against the count appended and the head computed while writing;
   * memory mode streams its own JSONL export through the same verifier (nothing outside the
   * process can have changed its records, so this checks the serialization and the chain's
   * rules, not tampering); imported records are checked against their claimed hashes; summary
   * mode has no chain and reports `verified: 0`. Names the first broken record when there is one.
   */
  verify(options: VerifyOptions = {}): VerifyResult {
    const requireSeal = options.requireSeal ?? false;
    // Imported records may hold a seal anywhere: the chain check finds where it breaks.
    if (requireSeal && !this.sealed && !this.imported) {
      const reason = `the trail ends after ${this.seq} records without its audit.seal record`;
      return { ok: false, seq: this.seq + 1, reason };
    }
    if (this.memory !== undefined && this.imported) return this.memory.verify(requireSeal);
    const stored = { requireSeal: this.sealed, requireGenesis: this.hasGenesis };
    if (this.memory !== undefined) {
      return verifyStored(
        { chunks: this.memory.jsonlChunks(FLUSH_CHARS) },
        { ...stored, expect: { records: this.seq, source: "the trail appended" } },
      );
    }
    if (this.writer !== undefined) {
      this.writer.flush();
      const expect = { records: this.seq, head: this.head, source: "the trail wrote" };
      return verifyStored({ path: this.writer.path }, { ...stored, expect });
    }
    return { ok: true, records: this.seq, verified: 0 };
  }

  /** The hash of the last record (the genesis hash when empty): anchor it to pin the whole trail. */
  headHash(): string {
    if (this.memory !== undefined) return this.memory.headHash();
    if (this.writer !== undefined) return this.head;
    throw new Error("AuditTrail.headHash: summary mode keeps no chain");
  }

  /** Records matching every given field of `query`, in seq order (memory mode). */
  query(query: AuditQuery = {}): AuditRecord[] {
    return this.memoryFor("query").query(query);
  }

  /** Every record, in seq order (memory mode). */
  records(): AuditRecord[] {
    return this.memoryFor("records").all();
  }

  /** The whole trail as JSONL text, one record a line, each line ending "\n" (memory mode). */
  exportJsonl(): string {
    let text = "";
    for (const chunk of this.jsonlChunks()) text += chunk;
    return text;
  }

  /** The JSONL export in pieces of about `chunkChars` characters, for writing to any stream. */
  jsonlChunks(chunkChars: number = FLUSH_CHARS): Generator<string> {
    return this.memoryFor("jsonlChunks").jsonlChunks(chunkChars);
  }

  /**
   * Writes the JSONL export to `path` with synchronous writes, chunk by chunk (memory mode); an
   * unwritable path throws `ScenarioError`.
   */
  writeJsonl(path: string): void {
    const chunks = this.jsonlChunks();
    const writer = new JsonlFileWriter(path);
    try {
      for (const chunk of chunks) writer.write(chunk);
    } finally {
      writer.close();
    }
  }

  private add(timeS: number, actor: number, a: number, d: number, target: string, detail: string) {
    this.matrix[a * DECISIONS_PER_ACTION + d]!++;
    this.withoutAuthority += this.actors.noAuthority[actor]!;
    this.lastTimeS = timeS;
    const seq = ++this.seq;
    if (this.memory !== undefined) {
      this.memory.columns.push(timeS, actor, a, d, target, detail);
    } else if (this.writer !== undefined) {
      const actors = this.actors;
      const open = openBody(
        seq,
        timeS,
        actors.part(actor),
        ACTION_JSON[a]!,
        target,
        DECISION_JSON[d]!,
        actors.authPart(actor),
        detail,
        this.head,
      );
      this.head = chainHash(this.head, open);
      this.writer.line(recordLine(open, this.head));
    }
    return seq;
  }

  private memoryFor(operation: string): MemoryRecords {
    if (this.memory === undefined) {
      const hint = this.mode === "file" ? " (read the file back with importJsonl({ path }))" : "";
      throw new Error(
        `AuditTrail.${operation}: needs mode "memory", this trail is "${this.mode}"${hint}`,
      );
    }
    return this.memory;
  }

  private misuse(
    timeS: number,
    actor: number,
    action: string,
    target: unknown,
    decision: string,
    detail: unknown,
  ): never {
    const name = "AuditTrail.append";
    if (this.closed) throw new Error(`${name}: the trail is sealed or read-only`);
    if (
      ACTION_CODE[action] === undefined ||
      action === "audit.seal" ||
      action === "audit.genesis"
    ) {
      const why =
        "is not one of the audit actions (the genesis is written by the constructor, the seal by seal())";
      throw new Error(`${name}: action ${JSON.stringify(action)} ${why}`);
    }
    if (DECISION_CODE[decision] === undefined) {
      const allowed = AUDIT_DECISIONS.join(", ");
      throw new Error(`${name}: decision ${JSON.stringify(decision)} is not one of ${allowed}`);
    }
    if (!(actor > 0 && actor < this.actors.count && (actor | 0) === actor)) {
      throw new Error(`${name}: actor ${actor} was not registered with actor()`);
    }
    if (typeof target !== "string" || typeof detail !== "string") {
      throw new Error(`${name}: target and detail must be strings`);
    }
    const limit = `must be finite and at least the previous record's ${this.lastTimeS}`;
    throw new Error(`${name}: time ${timeS} ${limit}`);
  }
}

function actorKey(actor: AuditActor): string {
  return JSON.stringify([actor.run, actor.job, actor.tenant, actor.authorizedBy]);
}
