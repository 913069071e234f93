/**
 * Generators of audit trails for the audit tests: a few actors and a list of appends with
 * non-decreasing times, replayable into a trail of any retention mode.
 */
import fc from "fast-check";
import type {
  AuditAction,
  AuditDecision,
  AuditTrail,
  GenesisBinding,
} from "../../src/audit/index.ts";
import { AUDIT_ACTIONS, AUDIT_DECISIONS } from "../../src/audit/index.ts";

export { PROPERTY_TIMEOUT_MS, RUNS } from "./property-runs.ts";

/** A genesis binding for test trails (what a cell's trail binds: see `GenesisBinding`). */
export const TEST_GENESIS: GenesisBinding = {
  agentsim: "0.0.0-test",
  scenario: "5".repeat(64),
  seed: 7,
  policy: "fifo",
  replication: 0,
  point: {},
};

/** One append: which actor, how much later than the previous one, and the record's fields. */
export interface AppendSpec {
  actor: number;
  dtS: number;
  action: AuditAction;
  target: string;
  decision: AuditDecision;
  detail: string;
}

/** Identity of a generated actor. */
export interface ActorSpec {
  run: string;
  job: string;
  tenant: string;
  authorizedBy: string;
}

/** A generated trail: actors and appends. */
export interface TrailSpec {
  actors: ActorSpec[];
  appends: AppendSpec[];
}

const name = fc.oneof(
  fc.constantFrom("run-1", "ticket-triage#7", "support", "head-of-support", ""),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 6 }),
);

const actorSpec: fc.Arbitrary<ActorSpec> = fc.record({
  run: name,
  job: name,
  tenant: name,
  authorizedBy: name,
});

const appendSpec: fc.Arbitrary<AppendSpec> = fc.record({
  actor: fc.nat({ max: 7 }),
  dtS: fc.oneof(
    fc.constant(0),
    fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(1e-9, 0.1, 0.30000000000000004, 5e-324),
  ),
  action: fc.constantFrom(
    ...AUDIT_ACTIONS.filter((a) => a !== "audit.seal" && a !== "audit.genesis"),
  ),
  target: name,
  decision: fc.constantFrom(...AUDIT_DECISIONS),
  detail: fc.oneof(fc.constant(""), name, fc.string({ unit: "grapheme", maxLength: 10 })),
});

/** A trail of 1 to 4 actors and up to `maxAppends` appends. */
export function trailSpec(maxAppends = 30): fc.Arbitrary<TrailSpec> {
  return fc.record({
    actors: fc.array(actorSpec, { minLength: 1, maxLength: 4 }),
    appends: fc.array(appendSpec, { maxLength: maxAppends }),
  });
}

/** Replays a generated trail into `trail`, optionally sealing it; returns the actor ids. */
export function replay(spec: TrailSpec, trail: AuditTrail, seal = true): number[] {
  const ids = spec.actors.map((a) => trail.actor(a));
  let timeS = 0;
  for (const a of spec.appends) {
    timeS += a.dtS;
    trail.append(timeS, ids[a.actor % ids.length]!, a.action, a.target, a.decision, a.detail);
  }
  if (seal) trail.seal();
  return ids;
}
