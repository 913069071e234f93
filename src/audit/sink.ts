import type { AuditAction, AuditDecision } from "./actions.ts";
import type { ActorId, AuditActor } from "./record.ts";

/**
 * What workspaces, the store and the runtime write audit records to: `AuditTrail` in any
 * retention mode, or a test double. Identity is registered once per run (`actor`) and each
 * record names the returned id, so the hot path passes no strings for who did it and every
 * record of a run carries the authority its job declared.
 */
export interface AuditSink {
  /** Registers who records are on behalf of; returns the id `append` takes. */
  actor(identity: AuditActor): ActorId;
  /** Appends one record and returns its seq; `detail` defaults to "". */
  append(
    timeS: number,
    actor: ActorId,
    action: AuditAction,
    target: string,
    decision: AuditDecision,
    detail?: string,
  ): number;
}

/** A run as an audited caller: its id (which namespace it owns) and its registered actor. */
export interface AuditedRun {
  readonly run: string;
  readonly actor: ActorId;
}

/**
 * A sink that registers every actor without its authority: the modelled flaw
 * `runtime.audit.authorizedBy: omitted`, a runtime whose log names who acted but not who
 * authorized it. Records still reach `sink`, so counts and the chain are unchanged; each record
 * then lacks authority, which `check`'s audit test reports.
 */
export function authorityOmitted(sink: AuditSink): AuditSink {
  return {
    actor: (identity) => sink.actor({ ...identity, authorizedBy: "" }),
    append: sink.append.bind(sink),
  };
}
