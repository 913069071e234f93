/**
 * The per-tenant table that summary.md and the cockpit both show: its columns, and a row's
 * cells as plain text (the cockpit escapes them; summary.md adds a column of its own).
 */
import type { TenantResults } from "../experiment/index.ts";
import { count, fixed, percent, seconds, withInterval } from "./format.ts";

/** The columns, in order. */
export const TENANT_COLUMNS = [
  "policy",
  "tenant",
  "weight",
  "demand (cost units)",
  "service share",
  "wait p50 (s)",
  "wait p99 (s)",
  "run latency p95 (s)",
  "completed / submitted",
  "failed / rejected",
] as const;

/** One tenant's row under one policy, a cell per column of `TENANT_COLUMNS`. */
export function tenantCells(policy: string, tenant: string, t: TenantResults): string[] {
  return [
    policy,
    tenant,
    fixed(t.weight, 2),
    count(t.demand),
    percent(t.serviceShare),
    seconds(t.wait?.p50),
    withInterval(t.wait?.p99, t.intervals?.["wait.p99"]),
    seconds(t.runLatency?.p95),
    `${count(t.counts?.completed)} / ${count(t.counts?.submitted)}`,
    `${count(t.counts?.failed)} / ${count(t.counts?.rejected)}`,
  ];
}
