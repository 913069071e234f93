import { hash } from "node:crypto";
import type { AuditAction, AuditDecision } from "./actions.ts";

/**
 * The `prevHash` of the first record (the genesis record): 64 zeros. It is public, so a chain
 * alone proves nothing about who wrote it: anyone can compute one from scratch. What pins a
 * trail is its head hash kept elsewhere (results.json), and what ties it to a cell is its
 * genesis record.
 */
export const GENESIS_HASH = "0".repeat(64);

/** Who a record is on behalf of: a run of a job, for a tenant, under someone's authority. */
export interface AuditActor {
  readonly run: string;
  readonly job: string;
  readonly tenant: string;
  /** Who authorized the job (its governance `authorizedBy`); "" when nobody did. */
  readonly authorizedBy: string;
}

/** A small integer naming an actor registered with `AuditTrail.actor`; records store this. */
export type ActorId = number;

/** One audit record, as exported (one JSONL line each) and as returned by queries. */
export interface AuditRecord extends AuditActor {
  /** Position in the chain, from 1; in an intact export it equals the line number. */
  readonly seq: number;
  /** Simulated time of the action, in seconds. */
  readonly time: number;
  readonly action: AuditAction;
  /** What was acted on: a tool name, a workspace path, a store entity@version, a turn id. */
  readonly target: string;
  readonly decision: AuditDecision;
  /** Free text; for `deny` and `error` the reason. "" when there is nothing to add. */
  readonly detail: string;
  /** The previous record's `hash` (`GENESIS_HASH` for seq 1). */
  readonly prevHash: string;
  /** sha256(prevHash + canonical JSON of this record without `hash`), lowercase hex. */
  readonly hash: string;
}

/** The JSON fragment `,"run":…,"job":…,"tenant":…` of an actor, computed once per actor. */
export function actorJson(actor: AuditActor): string {
  const { run, job, tenant } = actor;
  return `,"run":${JSON.stringify(run)},"job":${JSON.stringify(job)},"tenant":${JSON.stringify(tenant)}`;
}

/**
 * The canonical serialization of a record without its hash, minus the closing brace, from
 * pre-quoted parts. It is the single definition of the format: keys in the order of
 * `AuditRecord`, strings by `JSON.stringify`, numbers in JavaScript's shortest round-trip form,
 * so a parsed record serializes back to the same bytes.
 */
export function openBody(
  seq: number,
  time: number,
  actorPart: string,
  actionJson: string,
  target: string,
  decisionJson: string,
  authorizedByJson: string,
  detail: string,
  prevHash: string,
): string {
  return (
    `{"seq":${seq},"time":${time}${actorPart},"action":${actionJson},` +
    `"target":${JSON.stringify(target)},"decision":${decisionJson},` +
    `"authorizedBy":${authorizedByJson},"detail":${JSON.stringify(detail)},` +
    `"prevHash":${JSON.stringify(prevHash)}`
  );
}

/** The canonical serialization of `record` without its hash, minus the closing brace. */
export function openBodyOf(record: Omit<AuditRecord, "hash">): string {
  return openBody(
    record.seq,
    record.time,
    actorJson(record),
    JSON.stringify(record.action),
    record.target,
    JSON.stringify(record.decision),
    JSON.stringify(record.authorizedBy),
    record.detail,
    record.prevHash,
  );
}

/** The chain hash of a record: sha256 of its prevHash followed by its canonical body. */
export function chainHash(prevHash: string, open: string): string {
  return hash("sha256", `${prevHash}${open}}`, "hex");
}

/** The exported JSONL line (no newline) of a record given its open body and hash. */
export function recordLine(open: string, recordHash: string): string {
  return `${open},"hash":${JSON.stringify(recordHash)}}`;
}

/** Characters of a line's `,"hash":"<64 hex digits>"}` ending. */
const HASH_TAIL_CHARS = 75;

/**
 * The open body of a JSONL line as it was written: the line's own characters before its
 * `,"hash":"…"}` ending, or undefined when the line does not end that way. A verifier hashes
 * these characters, not a re-serialization of what it parsed, so what is checked is the bytes
 * that were stored.
 */
export function openBodyOfLine(line: string): string | undefined {
  const at = line.length - HASH_TAIL_CHARS;
  if (at <= 0 || !line.startsWith(',"hash":"', at) || !line.endsWith('"}')) return undefined;
  return line.slice(0, at);
}
