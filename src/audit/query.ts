import type { AuditAction, AuditDecision } from "./actions.ts";
import { ACTION_CODE, DECISION_CODE } from "./actions.ts";
import type { ActorTable } from "./actors.ts";
import type { AuditRecord } from "./record.ts";

/**
 * A filter on records; every given field must match. Times select `fromS <= time < toS`
 * (half-open, so consecutive windows do not overlap); `limit` caps the records returned.
 */
export interface AuditQuery {
  run?: string;
  job?: string;
  tenant?: string;
  authorizedBy?: string;
  action?: AuditAction | readonly AuditAction[];
  decision?: AuditDecision | readonly AuditDecision[];
  fromS?: number;
  toS?: number;
  limit?: number;
}

/** A query compiled against an actor table: bit masks, so a scan does no string compares. */
export interface CompiledQuery {
  /** 1 for each actor id that matches the actor fields. */
  readonly actorMask: Uint8Array;
  /** Bit `code` set for each wanted action. */
  readonly actionMask: number;
  /** Bit `code` set for each wanted decision. */
  readonly decisionMask: number;
  readonly fromS: number;
  readonly toS: number;
  readonly limit: number;
}

/** Compiles a query; misuse (an unknown action or decision) throws naming it. */
export function compileQuery(query: AuditQuery, actors: ActorTable): CompiledQuery {
  const actorMask = new Uint8Array(actors.count);
  for (let id = 0; id < actors.count; id++) {
    const match =
      (query.run === undefined || actors.run[id] === query.run) &&
      (query.job === undefined || actors.job[id] === query.job) &&
      (query.tenant === undefined || actors.tenant[id] === query.tenant) &&
      (query.authorizedBy === undefined || actors.authorizedBy[id] === query.authorizedBy);
    actorMask[id] = match ? 1 : 0;
  }
  return {
    actorMask,
    actionMask: maskOf("action", query.action, ACTION_CODE),
    decisionMask: maskOf("decision", query.decision, DECISION_CODE),
    fromS: query.fromS ?? Number.NEGATIVE_INFINITY,
    toS: query.toS ?? Number.POSITIVE_INFINITY,
    limit: query.limit ?? Number.POSITIVE_INFINITY,
  };
}

function maskOf(
  field: string,
  wanted: string | readonly string[] | undefined,
  codes: Readonly<Record<string, number>>,
): number {
  if (wanted === undefined) return 0xffffffff;
  let mask = 0;
  for (const name of typeof wanted === "string" ? [wanted] : wanted) {
    const code = codes[name];
    if (code === undefined)
      throw new Error(`AuditTrail.query: unknown ${field} ${JSON.stringify(name)}`);
    mask |= 1 << code;
  }
  return mask;
}

/**
 * Whether a record matches every given field of `query` (what a trail's `query` selects,
 * checked on one record at a time, for reading a file as a stream). Misuse (an unknown action
 * or decision) throws naming it, as `compileQuery` does.
 */
export function recordFilter(query: AuditQuery): (record: AuditRecord) => boolean {
  const actionMask = maskOf("action", query.action, ACTION_CODE);
  const decisionMask = maskOf("decision", query.decision, DECISION_CODE);
  const fromS = query.fromS ?? Number.NEGATIVE_INFINITY;
  const toS = query.toS ?? Number.POSITIVE_INFINITY;
  return (r) =>
    (query.run === undefined || r.run === query.run) &&
    (query.job === undefined || r.job === query.job) &&
    (query.tenant === undefined || r.tenant === query.tenant) &&
    (query.authorizedBy === undefined || r.authorizedBy === query.authorizedBy) &&
    (actionMask & (1 << ACTION_CODE[r.action]!)) !== 0 &&
    (decisionMask & (1 << DECISION_CODE[r.decision]!)) !== 0 &&
    r.time >= fromS &&
    r.time < toS;
}
