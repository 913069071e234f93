import type { AuditAction, AuditDecision } from "./actions.ts";
import { AUDIT_ACTIONS, AUDIT_DECISIONS } from "./actions.ts";

/** How many records of one action ended in each decision. */
export interface DecisionCounts {
  total: number;
  allow: number;
  deny: number;
  ok: number;
  error: number;
}

/**
 * The ledger every retention mode keeps, and all that summary mode keeps: what the end-of-cell
 * checks need without the records themselves.
 */
export interface AuditCounts {
  /** Records appended, the seal included. */
  records: number;
  /** Records with decision `deny`. */
  denials: number;
  /** Records with decision `error`. */
  errors: number;
  /** Records (other than the seal) whose actor has no `authorizedBy`. */
  withoutAuthority: number;
  /** Per action, in `AUDIT_ACTIONS` order, listing only actions that occurred. */
  byAction: Partial<Record<AuditAction, DecisionCounts>>;
  /** Per decision, all four listed. */
  byDecision: Record<AuditDecision, number>;
}

/** Width of a row of the count matrix: one cell per decision. */
export const DECISIONS_PER_ACTION = AUDIT_DECISIONS.length;

/** A count matrix indexed `actionCode * DECISIONS_PER_ACTION + decisionCode`, zeroed. */
export function newCountMatrix(): Float64Array {
  return new Float64Array(AUDIT_ACTIONS.length * DECISIONS_PER_ACTION);
}

/** Renders a count matrix and the authority tally as `AuditCounts`. */
export function countsOf(matrix: Float64Array, withoutAuthority: number): AuditCounts {
  const byAction: Partial<Record<AuditAction, DecisionCounts>> = {};
  const byDecision = { allow: 0, deny: 0, ok: 0, error: 0 };
  let records = 0;
  AUDIT_ACTIONS.forEach((action, a) => {
    const row = { total: 0, allow: 0, deny: 0, ok: 0, error: 0 };
    AUDIT_DECISIONS.forEach((decision, d) => {
      const n = matrix[a * DECISIONS_PER_ACTION + d]!;
      row[decision] = n;
      row.total += n;
      byDecision[decision] += n;
    });
    records += row.total;
    if (row.total > 0) byAction[action] = row;
  });
  return {
    records,
    denials: byDecision.deny,
    errors: byDecision.error,
    withoutAuthority,
    byAction,
    byDecision,
  };
}
