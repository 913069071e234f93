import type { GenesisBinding } from "./genesis.ts";
import { parseGenesisDetail } from "./genesis.ts";
import type { AuditRecord } from "./record.ts";
import { chainHash, GENESIS_HASH, openBodyOf } from "./record.ts";

/**
 * The outcome of verifying a trail. On success, `records` were read and `verified` of them had
 * their hash checked (0 for a summary-mode trail, which keeps no chain); `head` is the last
 * record's hash and `genesis` what the trail's genesis record binds, when the verifier read
 * them. On failure, `seq` is the position in the chain of the first broken record (the seq it
 * should have), `line` its line in a JSONL file, and `reason` what is wrong there.
 */
export type VerifyResult =
  | { ok: true; records: number; verified: number; head?: string; genesis?: GenesisBinding }
  | { ok: false; seq: number; line?: number; reason: string };

/**
 * What a trail must end at, kept apart from the trail (results.json, a printed head): the chain
 * proves the records are unchanged only relative to its head, so only a head kept elsewhere
 * catches a trail cut and re-sealed or rewritten whole.
 */
export interface TrailExpectation {
  /** The hash of the trail's last record (its seal). */
  head?: string;
  /** How many records the trail holds, genesis and seal included (its lines). */
  records?: number;
  /** Where the expectation comes from, for messages (e.g. "results.json"); default "expected". */
  source?: string;
}

/**
 * An expectation, or a function that finds it from the trail's genesis (matching a trail to
 * its entry in results.json); it returns why there is none as a string.
 */
export type Expectation =
  | TrailExpectation
  | ((genesis: GenesisBinding) => TrailExpectation | string);

/** Options of `ChainVerifier`. */
export interface ChainOptions {
  /** Whether the first record must be an `audit.genesis` record (default false). */
  requireGenesis?: boolean;
  /** The head and count the trail must end at; default none (the chain alone). */
  expect?: Expectation;
}

/** The trail's own records (genesis, seal) are on nobody's behalf and carry no target. */
function trailOwn(record: AuditRecord): boolean {
  return (
    record.run === "" &&
    record.job === "" &&
    record.tenant === "" &&
    record.authorizedBy === "" &&
    record.target === "" &&
    record.decision === "ok"
  );
}

/**
 * Checks records one at a time, in file order, against the chain: seq runs 1, 2, 3…; each
 * prevHash is the previous record's hash (the genesis hash first); each hash is recomputed from
 * the record's body; times never decrease; an `audit.genesis` record may only come first and
 * must state its binding canonically; `audit.seal` comes last and counts the records before
 * it. Any single change, drop, insertion or reordering of records is reported at the first
 * position where the trail differs from the original. A forger who rewrites every later hash is
 * not detected by a chain alone: give the head kept elsewhere as `expect`.
 */
export class ChainVerifier {
  /** Records accepted so far. */
  count = 0;
  /** Whether the accepted records end with the seal. */
  sealed = false;
  /** What the genesis record binds, once read. */
  genesis: GenesisBinding | undefined;
  /** The hash of the last accepted record (the genesis hash before any). */
  head = GENESIS_HASH;
  private lastTimeS = Number.NEGATIVE_INFINITY;
  private readonly requireGenesis: boolean;
  private expectation: Expectation | undefined;

  constructor(options: ChainOptions = {}) {
    this.requireGenesis = options.requireGenesis ?? false;
    this.expectation = options.expect;
  }

  /**
   * Checks the next record; returns why it breaks the chain, or undefined if it holds. `open`
   * is the body its hash covers: by default the record's canonical serialization, for a JSONL
   * line the line's own characters (`openBodyOfLine`).
   */
  next(record: AuditRecord, open: string = openBodyOf(record)): string | undefined {
    const seq = this.count + 1;
    if (this.sealed) return `a record follows the audit.seal record (seq ${seq - 1})`;
    if (record.seq !== seq) {
      return `seq is ${record.seq} where ${seq} was expected (a record is missing, added or moved)`;
    }
    if (record.prevHash !== this.head) {
      const previous = seq === 1 ? "the genesis hash" : `the hash of record ${seq - 1}`;
      return `prevHash does not match ${previous}`;
    }
    if (chainHash(record.prevHash, open) !== record.hash) {
      return "hash does not match the record's contents (the record was changed)";
    }
    if (record.time < this.lastTimeS) {
      return `time ${record.time} is before the previous record's ${this.lastTimeS}`;
    }
    const why = seq === 1 ? this.first(record) : this.later(record, seq);
    if (why !== undefined) return why;
    this.count = seq;
    this.head = record.hash;
    this.lastTimeS = record.time;
    return undefined;
  }

  /** Why the trail is incomplete when it must end with a seal, or undefined. */
  finish(requireSeal: boolean): string | undefined {
    if (!requireSeal || this.sealed) return undefined;
    return `the trail ends after ${this.count} records without its audit.seal record (truncated?)`;
  }

  /**
   * Why the whole trail differs from what was expected of it (its head, its count), or
   * undefined. Call after the last record.
   */
  mismatch(): string | undefined {
    const expected = this.expectation;
    if (expected === undefined || typeof expected === "function") return undefined;
    const headDiffers = expected.head !== undefined && expected.head !== this.head;
    const countDiffers = expected.records !== undefined && expected.records !== this.count;
    if (!headDiffers && !countDiffers) return undefined;
    const source = expected.source ?? "expected";
    const wanted = [
      expected.records === undefined ? "" : `${expected.records} records`,
      expected.head === undefined ? "" : `ending at head ${expected.head}`,
    ]
      .filter((part) => part !== "")
      .join(" ");
    return (
      `the trail holds ${this.count} records ending at head ${this.head}; ${source}: ${wanted} ` +
      "(records were cut, added or rewritten and the chain recomputed)"
    );
  }

  private first(record: AuditRecord): string | undefined {
    if (record.action !== "audit.genesis") {
      if (this.requireGenesis) {
        return `the first record is ${JSON.stringify(record.action)}, not the audit.genesis record that binds the trail to its cell`;
      }
      if (typeof this.expectation === "function") {
        return "the trail has no audit.genesis record to match against its expected head";
      }
      return this.later(record, 1);
    }
    if (!trailOwn(record) || record.time !== 0) {
      return "the audit.genesis record must be at time 0, on nobody's behalf, with no target and decision ok";
    }
    const binding = parseGenesisDetail(record.detail);
    if (typeof binding === "string") return binding;
    this.genesis = binding;
    if (typeof this.expectation === "function") {
      const found = this.expectation(binding);
      if (typeof found === "string") return found;
      this.expectation = found;
    }
    return undefined;
  }

  private later(record: AuditRecord, seq: number): string | undefined {
    if (record.action === "audit.genesis") {
      return `an audit.genesis record at seq ${seq} (only the first record may be one)`;
    }
    if (record.action === "audit.seal") {
      if (!trailOwn(record)) {
        return "the audit.seal record must be on nobody's behalf, with no target and decision ok";
      }
      if (record.detail !== `records=${seq - 1}`) {
        return `the audit.seal record says ${JSON.stringify(record.detail)}, expected "records=${seq - 1}"`;
      }
      this.sealed = true;
    }
    return undefined;
  }
}
