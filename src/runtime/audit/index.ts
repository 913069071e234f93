// The audit trail: append-only, hash-chained records of every action the runtime takes.
export type { AuditAction, AuditDecision } from "./actions.ts";
export { AUDIT_ACTIONS, AUDIT_DECISIONS } from "./actions.ts";
export type { AuditCounts, DecisionCounts } from "./counts.ts";
export type { GenesisBinding } from "./genesis.ts";
export { canonicalJson, describeBinding, scenarioDigest } from "./genesis.ts";
export type { ImportJsonlOptions } from "./import.ts";
export { importJsonl } from "./import.ts";
export type { AuditSource } from "./jsonl.ts";
export type { AuditQuery } from "./query.ts";
export type { ActorId, AuditActor, AuditRecord } from "./record.ts";
export { chainHash, GENESIS_HASH, openBodyOf } from "./record.ts";
export type { AuditedRun, AuditSink } from "./sink.ts";
export type { AuditTrailOptions, RetentionMode, VerifyOptions } from "./trail.ts";
export { AuditTrail } from "./trail.ts";
export type { Expectation, TrailExpectation, VerifyResult } from "./verify.ts";
export type { VerifyJsonlOptions } from "./verify-jsonl.ts";
export { verifyJsonl } from "./verify-jsonl.ts";
export { AGENTSIM_VERSION } from "./version.ts";
