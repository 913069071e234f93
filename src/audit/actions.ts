/**
 * Every action the runtime records, in a fixed order: the order is the numeric code a trail
 * stores (one byte a record) and the order counts are listed in.
 */
export const AUDIT_ACTIONS = [
  "run.start",
  "run.end",
  "run.reject",
  "turn.dispatch",
  "model.call",
  "model.result",
  "retry",
  "abort",
  "tool.call",
  "tool.result",
  "workspace.read",
  "workspace.write",
  "workspace.list",
  "workspace.delete",
  "store.read",
  "store.write",
  "context.compact",
  "audit.genesis",
  "audit.seal",
] as const;

/**
 * One action of the runtime. `run.reject` is an admission refusal; `abort` covers timeouts and
 * preemption (the turn's partial tokens are lost). The trail writes two records of its own:
 * `audit.genesis` first, binding the trail to what produced it (agentsim's version, the
 * scenario's digest, seed, policy, replication, sweep point), and `audit.seal` last, counting
 * the records before it, so a trail cut at its tail is detected.
 */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Outcomes, in code order. `allow` and `deny` are the verdicts of a check on a request (a tool
 * call, a model call, a store or workspace access); `ok` and `error` are the outcomes of
 * something that happened (a model result, a tool result, a run's end, a completed workspace
 * operation). A `deny` or `error` record carries its reason in `detail`.
 */
export const AUDIT_DECISIONS = ["allow", "deny", "ok", "error"] as const;

/** The verdict or outcome of one audited action (see `AUDIT_DECISIONS`). */
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/** Numeric code of each action (its index in `AUDIT_ACTIONS`); a null-prototype lookup table. */
export const ACTION_CODE: Readonly<Record<string, number>> = codes(AUDIT_ACTIONS);

/** Numeric code of each decision (its index in `AUDIT_DECISIONS`). */
export const DECISION_CODE: Readonly<Record<string, number>> = codes(AUDIT_DECISIONS);

/** The code of `audit.seal`, which the trail treats specially (last record, no authority). */
export const SEAL_CODE = AUDIT_ACTIONS.indexOf("audit.seal");

/** The code of `audit.genesis`, which the trail treats specially (first record, no authority). */
export const GENESIS_CODE = AUDIT_ACTIONS.indexOf("audit.genesis");

function codes(names: readonly string[]): Readonly<Record<string, number>> {
  const table: Record<string, number> = Object.create(null);
  names.forEach((name, i) => {
    table[name] = i;
  });
  return Object.freeze(table);
}

/** Each action as a JSON string, by code (records are serialized from these). */
export const ACTION_JSON: readonly string[] = AUDIT_ACTIONS.map((action) => JSON.stringify(action));

/** Each decision as a JSON string, by code. */
export const DECISION_JSON: readonly string[] = AUDIT_DECISIONS.map((d) => JSON.stringify(d));
