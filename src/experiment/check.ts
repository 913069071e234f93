/**
 * `agentsim check`: the three questions of DESIGN.md, answered with evidence. Each test says
 * `pass`, `fail` or `not-exercised` (nothing was there to test, which is not a pass).
 *
 * - Arbitration: Jain's index (mean over the replications that could measure it) of the
 *   fair-share policy (else the first policy) is at least `checks.minJain`, and that policy is
 *   work-conserving: after every dispatch round of its audited replication, no slot of an
 *   available endpoint (its circuit breaker closed) idles while a turn waits. Not exercised
 *   when fairness is not measurable (fewer than two tenants with demand) and no slot idled.
 * - Isolation: over every cell, no workspace escape succeeded (`isolation.succeeded` = 0); not
 *   exercised when no run tried one.
 * - Audit: one replication per policy writes its trail to a JSONL file, and the file's bytes are
 *   verified by the streaming verifier, every hash recomputed from them, against the genesis
 *   the cell should have written and the head and count the runtime reported; every action has
 *   its record and every record names who authorized it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AGENTSIM_VERSION,
  canonicalJson,
  describeBinding,
  type GenesisBinding,
  scenarioDigest,
  verifyJsonl,
} from "../audit/index.ts";
import type { CellMemory, CellResult } from "../runtime/index.ts";
import { aggregate } from "./aggregate.ts";
import { pointRecord } from "./cells.ts";
import { observeOnWorker } from "./module-tasks.ts";
import { runObservedCell } from "./observed-cell.ts";
import type { ExperimentPlan } from "./plan.ts";
import { fitsThisThread, type RunCellsOptions, runCells } from "./pool.ts";
import type { CheckResult, CheckStatus, Results, TrailHead } from "./results.ts";

/** One policy's audited replication: its trail's verdict and the work-conservation count. */
export interface AuditedReplication {
  policy: string;
  /** Records the runtime reported (genesis and seal included). */
  records: number;
  /** Whether the written file verified against the expected genesis, head and count. */
  verified: boolean;
  reason?: string;
  /** The trail's anchor as the runtime reported it. */
  trail: TrailHead;
  unaudited: number;
  withoutAuthority: number;
  /** Dispatch rounds observed, and those after which a slot idled while a turn waited. */
  rounds: number;
  idleWhileWaiting: number;
  /** Whether idling could be judged (every job may use every endpoint). */
  judged: boolean;
}

/** Options of `runCheck`. */
export interface CheckOptions
  extends Pick<RunCellsOptions, "jobs" | "onProgress" | "clock" | "memory"> {
  /** Whether a test that was not exercised fails the check (default false). */
  strict?: boolean;
  /**
   * The folder the audited replications write their temporary trails in (default the system's
   * temporary folder): the command line gives one it removes if interrupted.
   */
  tempDir?: string;
}

/** Runs the experiment and the checks; results.json carries the verdicts in `check`. */
export async function runCheck(
  plan: ExperimentPlan,
  options: CheckOptions = {},
): Promise<{ check: CheckResult; results: Results }> {
  const { strict = false, tempDir, ...run } = options;
  const cells = await runCells(plan.source, plan.cells, {
    ...run,
    prepared: { point: [], scenario: plan.prepared },
    policyTimeoutS: plan.policyTimeoutS,
  });
  const audited: AuditedReplication[] = [];
  for (const policy of plan.policies) {
    audited.push(await auditedReplication(plan, policy, tempDir, run.memory));
  }
  const extras = {
    seed: plan.seed,
    replications: plan.replications,
    policies: plan.policies,
    trails: audited.map((a) => a.trail),
  };
  const check = verdicts(plan, aggregate(plan.info, cells, extras), cells, audited, strict);
  return { check, results: aggregate(plan.info, cells, { ...extras, check }) };
}

/**
 * Replication 0 of a policy with its trail written to a temporary JSONL file, observed for
 * work conservation (after each dispatch round: is a slot idle while turns wait?). The file is
 * verified from its bytes, independently of how the runtime kept the chain, then removed; the
 * cell's own end-of-cell verification is skipped so that a broken trail is a failed check, not
 * a crash. With `memory`, its runs in flight are guarded as the experiment's cells are (past the
 * budget it stops with a BudgetError), on a worker whose heap is sized to the budget when this
 * thread's is too small for it. A module policy's cell runs on a watched worker thread (see
 * policy-watchdog.ts).
 */
export async function auditedReplication(
  plan: ExperimentPlan,
  policy: string,
  tempDir: string = tmpdir(),
  memory?: CellMemory,
): Promise<AuditedReplication> {
  const scenario = plan.prepared.scenario;
  const allEndpoints = scenario.endpoints.length;
  const judged = scenario.jobs.every((j) => j.endpoints.length === allEndpoints);
  const cell = plan.cells.find((c) => c.policy === policy && c.replication === 0)!;
  const point = pointRecord(cell.point);
  const expected: GenesisBinding = {
    agentsim: AGENTSIM_VERSION,
    scenario: scenarioDigest(scenario),
    seed: cell.seed,
    policy,
    replication: 0,
    point,
  };
  const dir = mkdtempSync(join(tempDir, "agentsim-check-"));
  try {
    const path = join(dir, "audit.jsonl");
    const spec = { policy, seed: cell.seed, replication: 0, point };
    const onWorker = plan.prepared.factories.has(policy) || !fitsThisThread(memory);
    const { result, rounds, idleWhileWaiting } = onWorker
      ? await observeOnWorker(
          plan.source,
          cell,
          path,
          moduleOf(plan, policy),
          plan.policyTimeoutS,
          memory,
        )
      : runObservedCell(plan.prepared, spec, path, memory);
    const head = result.audit.trail?.head ?? "";
    const records = result.audit.records;
    const verify = verifyJsonl(
      { path },
      {
        expect: (genesis) =>
          canonicalJson(genesis) === canonicalJson(expected)
            ? { head, records, source: "the runtime reported" }
            : `the genesis binds ${genesis.agentsim}, ${describeBinding(genesis)}; this cell is ${expected.agentsim}, ${describeBinding(expected)}`,
      },
    );
    return {
      policy,
      records,
      verified: verify.ok,
      ...(verify.ok
        ? {}
        : { reason: `record ${verify.seq} (line ${verify.line}): ${verify.reason}` }),
      trail: {
        policy,
        replication: 0,
        seed: cell.seed,
        ...(Object.keys(point).length === 0 ? {} : { point }),
        scenario: expected.scenario,
        records,
        head,
      },
      unaudited: result.audit.unaudited,
      withoutAuthority: result.audit.withoutAuthority,
      rounds,
      idleWhileWaiting,
      judged,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The file of a module policy. */
function moduleOf(plan: ExperimentPlan, label: string): string {
  return plan.prepared.scenario.policies.find((p) => p.label === label)?.module ?? label;
}

function verdicts(
  plan: ExperimentPlan,
  results: Results,
  cells: readonly CellResult[],
  audited: readonly AuditedReplication[],
  strict: boolean,
): CheckResult {
  const arbitration = arbitrationVerdict(plan, results, audited);
  const isolation = isolationVerdict(cells);
  const audit = auditVerdict(audited);
  const slo = sloVerdict(results);
  const statuses = [arbitration.status, isolation.status, audit.status];
  if (slo !== undefined) statuses.push(slo.status);
  const pass = statuses.every((s) => s === "pass" || (s === "not-exercised" && !strict));
  // DESIGN.md's keys first, in its order; `slo` and `strict` are additions.
  const tests = { arbitration, isolation, audit, ...(slo === undefined ? {} : { slo }) };
  return { scenario: plan.info.name, pass, tests, strict };
}

/** The jobs' percentile SLOs under every policy; undefined when no job declares one. */
function sloVerdict(results: Results): CheckResult["tests"]["slo"] {
  const judged: string[] = [];
  let held = 0;
  let missed = 0;
  const missedText: string[] = [];
  const undecidedText: string[] = [];
  for (const [policy, p] of Object.entries(results.policies)) {
    for (const [job, j] of Object.entries(p.jobs)) {
      for (const slo of j.percentileSlos ?? []) {
        const ci = slo.estimate.ci95;
        const text = `${job} ${slo.metric} <= ${slo.boundS} s under ${policy}: ${fmt(slo.estimate.mean)} s${ci === null ? " (one replication, no interval)" : `, 95% CI [${fmt(ci[0])}, ${fmt(ci[1])}]`}`;
        judged.push(text);
        if (slo.holds === true) held++;
        else if (slo.holds === false) {
          missed++;
          missedText.push(text);
        } else undecidedText.push(text);
      }
    }
  }
  if (judged.length === 0) return undefined;
  const status: CheckStatus =
    missed > 0 ? "fail" : held === judged.length ? "pass" : "not-exercised";
  const evidence =
    status === "fail"
      ? `missed: ${missedText.join("; ")}`
      : status === "pass"
        ? `${held} percentile SLO${held === 1 ? "" : "s"} hold: ${judged.join("; ")}`
        : `undecided (the interval straddles the bound; more replications may decide): ${undecidedText.join("; ")}`;
  return { status, pass: passOf(status), judged: judged.length, held, missed, evidence };
}

function arbitrationVerdict(
  plan: ExperimentPlan,
  results: Results,
  audited: readonly AuditedReplication[],
): CheckResult["tests"]["arbitration"] {
  const scenario = plan.prepared.scenario;
  const fairShare = plan.policies.find(
    (label) => scenario.policies.find((p) => p.label === label)?.name === "fair-share",
  );
  const policy =
    fairShare ?? (plan.policies.includes("fair-share") ? "fair-share" : plan.policies[0]!);
  const summary = results.policies[policy]!.summary;
  // A mean over no measurable replication is null (or NaN before a JSON round trip).
  const mean = summary.fairness.jain as number | null;
  const jain = mean !== null && Number.isFinite(mean) ? mean : null;
  const minJain = scenario.checks.minJain;
  const own = audited.find((a) => a.policy === policy)!;
  const workConserving = own.idleWhileWaiting === 0;
  const conserving = workConserving || !own.judged;
  const ci = summary.intervals?.["fairness.jain"]?.ci95 as [number, number] | null | undefined;
  const n = plan.replications;
  const interval = ci && n > 1 ? `, 95% CI [${fmt(ci[0])}, ${fmt(ci[1])}]` : "";
  const jainText =
    jain === null
      ? "fairness not measurable (one tenant with demand): Jain's index needs two tenants with demand in the window"
      : `Jain's index ${fmt(jain)} (mean of ${n} replication${n === 1 ? "" : "s"}${interval}) ${jain >= minJain ? ">=" : "<"} ${minJain}`;
  const conservationText = !own.judged
    ? `work conservation: ${own.idleWhileWaiting} of ${own.rounds} dispatch rounds left a slot idle while a turn waited (some jobs are restricted to endpoints, so idle slots may be ones they cannot use)`
    : workConserving
      ? `work-conserving: no slot idled while a turn waited after any of ${own.rounds} dispatch rounds`
      : `not work-conserving: a slot idled while a turn waited after ${own.idleWhileWaiting} of ${own.rounds} dispatch rounds`;
  // Idling while a turn waits fails whether or not fairness could be measured.
  const status: CheckStatus = !conserving
    ? "fail"
    : jain === null
      ? "not-exercised"
      : jain >= minJain
        ? "pass"
        : "fail";
  return {
    status,
    pass: passOf(status),
    evidence: `${policy}: ${jainText}; ${conservationText}`,
    policy,
    jain,
    minJain,
    workConserving,
  };
}

function isolationVerdict(cells: readonly CellResult[]): CheckResult["tests"]["isolation"] {
  const counts = { attempts: 0, refused: 0, succeeded: 0 };
  for (const cell of cells) {
    counts.attempts += cell.isolation.attempts;
    counts.refused += cell.isolation.refused;
    counts.succeeded += cell.isolation.succeeded;
  }
  const status: CheckStatus =
    counts.succeeded > 0 ? "fail" : counts.attempts === 0 ? "not-exercised" : "pass";
  const evidence =
    counts.attempts === 0
      ? "not exercised: no run tried to reach outside its workspace in any cell (a job's behaviour.workspaceEscapes makes runs try)"
      : `${counts.attempts} attempts to reach outside a workspace: ${counts.refused} refused, ${counts.succeeded} succeeded`;
  return { status, pass: passOf(status), ...counts, evidence };
}

function auditVerdict(audited: readonly AuditedReplication[]): CheckResult["tests"]["audit"] {
  const audit = {
    records: audited.reduce((s, a) => s + a.records, 0),
    verified: audited.every((a) => a.verified),
    unaudited: audited.reduce((s, a) => s + a.unaudited, 0),
    withoutAuthority: audited.reduce((s, a) => s + a.withoutAuthority, 0),
  };
  const ok = audit.verified && audit.unaudited === 0 && audit.withoutAuthority === 0;
  const status: CheckStatus = ok ? "pass" : "fail";
  return { status, pass: passOf(status), ...audit, evidence: auditText(audited) };
}

function passOf(status: CheckStatus): boolean | null {
  return status === "not-exercised" ? null : status === "pass";
}

function auditText(audited: readonly AuditedReplication[]): string {
  return audited
    .map((a) => {
      const chain = a.verified
        ? `file verified against the runtime's head ${a.trail.head.slice(0, 12)}…`
        : `file does not verify at ${a.reason}`;
      return `${a.policy}: ${a.records} records, ${chain}, ${a.unaudited} unaudited actions, ${a.withoutAuthority} without authority`;
    })
    .join("; ");
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : String(x);
}
