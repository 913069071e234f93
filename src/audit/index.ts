// The audit trail as a format, below the runtime: append-only, hash-chained records of every
// action (record, canonical form, chain, genesis and seal, JSONL, verify, query, import). The
// runtime writes through `AuditSink`; reports, the command line and the library read through here.
export type { AuditAction, AuditDecision } from "./actions.ts";
export { AUDIT_ACTIONS, AUDIT_DECISIONS } from "./actions.ts";
export type { AuditCounts, DecisionCounts } from "./counts.ts";
export type { DigestibleScenario, GenesisBinding } from "./genesis.ts";
export { canonicalJson, describeBinding, scenarioDigest } from "./genesis.ts";
export type { ImportJsonlOptions } from "./import.ts";
export { importJsonl, queryJsonl } from "./import.ts";
export type { AuditSource } from "./jsonl.ts";
export { forEachLine, parseRecordLine } from "./jsonl.ts";
export type { AuditQuery } from "./query.ts";
export type { ActorId, AuditActor, AuditRecord } from "./record.ts";
export { chainHash, GENESIS_HASH, openBodyOf } from "./record.ts";
export type { AuditedRun, AuditSink } from "./sink.ts";
export { authorityOmitted } from "./sink.ts";
export type { AuditTrailOptions, RetentionMode, VerifyOptions } from "./trail.ts";
export { AuditTrail } from "./trail.ts";
export type { Expectation, TrailExpectation, VerifyResult } from "./verify.ts";
export { ChainVerifier } from "./verify.ts";
export type { VerifyJsonlOptions } from "./verify-jsonl.ts";
export { verifyJsonl } from "./verify-jsonl.ts";
export { AGENTSIM_VERSION } from "./version.ts";
