/**
 * `agentsim check`: the three questions of DESIGN.md, answered with evidence.
 *
 * - Arbitration: Jain's index among backlogged tenants (mean over replications) of the
 *   fair-share policy (else the first policy) is at least `checks.minJain`, and that policy is
 *   work-conserving: after every dispatch round of its audited replication, no slot of an
 *   available endpoint (its circuit breaker closed) idles while a turn waits.
 * - Isolation: over every cell, no workspace escape succeeded (`isolation.succeeded` = 0).
 * - Audit: one replication per policy keeps its whole trail in memory; the chain verifies (the
 *   seal included), every action has its record and every record names who authorized it.
 */
import { runCell } from "../runtime/prepare.ts";
import type { CellResult } from "../runtime/result.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { aggregate } from "./aggregate.ts";
import { pointRecord } from "./cells.ts";
import type { ExperimentPlan } from "./plan.ts";
import { type RunCellsOptions, runCells } from "./pool.ts";
import type { CheckResult, Results } from "./results.ts";

/** One policy's audited replication: its trail's verdict and the work-conservation count. */
export interface AuditedReplication {
  policy: string;
  records: number;
  verified: boolean;
  reason?: string;
  unaudited: number;
  withoutAuthority: number;
  /** Dispatch rounds observed, and those after which a slot idled while a turn waited. */
  rounds: number;
  idleWhileWaiting: number;
  /** Whether idling could be judged (every job may use every endpoint). */
  judged: boolean;
}

/** Runs the experiment and the checks; results.json carries the verdicts in `check`. */
export async function runCheck(
  plan: ExperimentPlan,
  options: Pick<RunCellsOptions, "jobs" | "onProgress" | "clock"> = {},
): Promise<{ check: CheckResult; results: Results }> {
  const cells = await runCells(plan.source, plan.cells, {
    ...options,
    prepared: { point: [], scenario: plan.prepared },
  });
  const audited = plan.policies.map((policy) => auditedReplication(plan, policy));
  const extras = {
    seed: plan.seed,
    replications: plan.replications,
    policies: plan.policies,
  };
  const check = verdicts(plan, aggregate(plan.info, cells, extras), cells, audited);
  return { check, results: aggregate(plan.info, cells, { ...extras, check }) };
}

/** Replication 0 of a policy with its trail in memory, instrumented for work conservation. */
export function auditedReplication(plan: ExperimentPlan, policy: string): AuditedReplication {
  const scenario = plan.prepared.scenario;
  const allEndpoints = scenario.endpoints.length;
  const judged = scenario.jobs.every((j) => j.endpoints.length === allEndpoints);
  let rounds = 0;
  let idleWhileWaiting = 0;
  const instrument = (runtime: Runtime) => {
    runtime.onDispatchRound = (rt) => {
      rounds++;
      // An endpoint whose circuit breaker is open (after a 503) is not available to idle.
      const now = rt.sim.now;
      const idle = rt.endpoints.some((e) => e.hasFreeSlot && e.openUntilS <= now);
      if (rt.scheduler.size > 0 && idle) idleWhileWaiting++;
    };
  };
  const cell = plan.cells.find((c) => c.policy === policy && c.replication === 0)!;
  const { result, audit } = runCell(
    plan.prepared,
    { policy, seed: cell.seed, replication: 0, point: pointRecord(cell.point) },
    { audit: { mode: "memory" }, instrument },
  );
  const verify = audit.verify({ requireSeal: true });
  return {
    policy,
    records: result.audit.records,
    verified: verify.ok,
    ...(verify.ok ? {} : { reason: `record ${verify.seq}: ${verify.reason}` }),
    unaudited: result.audit.unaudited,
    withoutAuthority: result.audit.withoutAuthority,
    rounds,
    idleWhileWaiting,
    judged,
  };
}

function verdicts(
  plan: ExperimentPlan,
  results: Results,
  cells: readonly CellResult[],
  audited: readonly AuditedReplication[],
): CheckResult {
  const scenario = plan.prepared.scenario;
  const fairShare = plan.policies.find(
    (label) => scenario.policies.find((p) => p.label === label)?.name === "fair-share",
  );
  const policy =
    fairShare ?? (plan.policies.includes("fair-share") ? "fair-share" : plan.policies[0]!);
  const summary = results.policies[policy]!.summary;
  const jain = summary.fairness.jain;
  const minJain = scenario.checks.minJain;
  const ci = summary.intervals?.["fairness.jain"]?.ci95;
  const own = audited.find((a) => a.policy === policy)!;
  const workConserving = own.idleWhileWaiting === 0;
  const jainText = `Jain's index ${fmt(jain)} (mean of ${plan.replications} replication${plan.replications === 1 ? "" : "s"}${ci && plan.replications > 1 ? `, 95% CI [${fmt(ci[0])}, ${fmt(ci[1])}]` : ""}) ${jain >= minJain ? ">=" : "<"} ${minJain}`;
  const conservationText = !own.judged
    ? `work conservation: ${own.idleWhileWaiting} of ${own.rounds} dispatch rounds left a slot idle while a turn waited (some jobs are restricted to endpoints, so idle slots may be ones they cannot use)`
    : workConserving
      ? `work-conserving: no slot idled while a turn waited after any of ${own.rounds} dispatch rounds`
      : `not work-conserving: a slot idled while a turn waited after ${own.idleWhileWaiting} of ${own.rounds} dispatch rounds`;
  const isolation = { attempts: 0, refused: 0, succeeded: 0 };
  for (const cell of cells) {
    isolation.attempts += cell.isolation.attempts;
    isolation.refused += cell.isolation.refused;
    isolation.succeeded += cell.isolation.succeeded;
  }
  const audit = {
    records: audited.reduce((s, a) => s + a.records, 0),
    verified: audited.every((a) => a.verified),
    unaudited: audited.reduce((s, a) => s + a.unaudited, 0),
    withoutAuthority: audited.reduce((s, a) => s + a.withoutAuthority, 0),
  };
  const arbitrationPass = jain >= minJain && (workConserving || !own.judged);
  const isolationPass = isolation.succeeded === 0;
  const auditPass = audit.verified && audit.unaudited === 0 && audit.withoutAuthority === 0;
  return {
    scenario: plan.info.name,
    pass: arbitrationPass && isolationPass && auditPass,
    tests: {
      arbitration: {
        pass: arbitrationPass,
        evidence: `${policy}: ${jainText}; ${conservationText}`,
        policy,
        jain,
        minJain,
        workConserving,
      },
      isolation: { pass: isolationPass, ...isolation, evidence: isolationText(isolation) },
      audit: { pass: auditPass, ...audit, evidence: auditText(audited) },
    },
  };
}

function isolationText(i: { attempts: number; refused: number; succeeded: number }): string {
  if (i.attempts === 0) return "no run tried to reach outside its workspace in any cell";
  return `${i.attempts} attempts to reach outside a workspace: ${i.refused} refused, ${i.succeeded} succeeded`;
}

function auditText(audited: readonly AuditedReplication[]): string {
  return audited
    .map((a) => {
      const chain = a.verified ? "chain verified" : `chain broken at ${a.reason}`;
      return `${a.policy}: ${a.records} records, ${chain}, ${a.unaudited} unaudited actions, ${a.withoutAuthority} without authority`;
    })
    .join("; ");
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : String(x);
}
