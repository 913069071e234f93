/**
 * The runtime against its slow twin (test/reference/runtime.ts): random small scenarios —
 * policies and their options, one to three endpoints with failover and model labels, errors,
 * timeouts, outages and the circuit breaker, request and token rate limits, retries with
 * backoff, tools with quotas and failures, context growth with compaction or failure, token
 * budgets, admission limits, short drains,
 * misbehaving runs (token hogs, runaways, tools outside the grant, workspace escapes under
 * either resolver, garbage writes), workspace and store activity, data scopes, trace replay
 * (think time, recorded tool calls, model labels, prompts holding their context, tenants by
 * session), authority omitted from the trail — run through both must give every run the same
 * outcome and audited actions, the trail the same records in the same order (so the same head
 * hash), the cell the same CellResult and the experiment the same results.json, byte for byte;
 * and, as both share the recorder, each tenant's and job's run latencies must be its own runs'.
 * fast-check prints the seed and path of any failure; AGENTSIM_LONG runs many more cases.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditRecord, AuditTrail } from "../src/audit/index.ts";
import { simulateCell } from "../src/cell/simulate.ts";
import { aggregate, canonicalResult } from "../src/experiment/index.ts";
import { resultsJson } from "../src/report/results-json.ts";
import type { RunView } from "../src/runtime/observer.ts";
import type { CellResult } from "../src/runtime/result.ts";
import type { JobSpec, PolicyRef, Scenario } from "../src/scenario/types.ts";
import type { DistSpec } from "../src/sim/dist.ts";
import type { ReplayRun } from "../src/workload/arrivals.ts";
import { type ReferenceCell, type RunOutcome, simulateReference } from "./reference/runtime.ts";
import { LONG, PROPERTY_TIMEOUT_MS } from "./support/property-runs.ts";
import { job, scenario } from "./support/scenarios.ts";

const POLICIES = ["fifo", "priority", "fair-share", "round-robin", "sjf", "las", "edf"] as const;
const NUM_RUNS = LONG ? 5_000 : 150;
/** When fast-check stops (shrinking a failure, mostly): well before vitest's timeout. */
const SHRINK_LIMIT_MS = PROPERTY_TIMEOUT_MS - 30_000;
/** Cases in which each feature must have come up. */
const MIN_CASES = 3;
/** Data scopes jobs may be granted, and the scopes misbehaving runs also write garbage to. */
const SCOPES = ["tickets", "crm/accounts"] as const;
const GARBAGE_SCOPES = ["crm/accounts", "secrets", "crm"] as const;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const seconds = (min: number, max: number) => fc.double({ min, max, noNaN: true });

const endpointArb = fc.record({
  slots: fc.integer({ min: 1, max: 4 }),
  tokensLatency: fc.boolean(),
  meanS: seconds(0.2, 3),
  loadSlowdown: seconds(0, 1),
  jitter: fc.boolean(),
  errorRate: fc.constantFrom(0, 0, 0.05, 0.2, 0.5),
  timeoutS: maybe(seconds(0.5, 6)),
  // Each outage starts a gap after the end of the one before.
  outages: fc.array(fc.record({ gapS: seconds(0, 60), forS: seconds(1, 30) }), { maxLength: 2 }),
  /** Endpoints (by index) it fails over to; itself and endpoints not there are dropped. */
  failover: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
  requestsPerS: maybe(seconds(0.2, 4)),
  tokensPerS: maybe(seconds(100, 3000)),
  burst: fc.boolean(),
  sendsRetryAfter: fc.constantFrom(true, true, false),
  sharedModel: fc.boolean(),
});

/** A recorded turn of a trace (as the trace readers give them). */
const tracedTurn = fc.record({
  promptTokens: fc.integer({ min: 0, max: 2500 }),
  outputTokens: fc.integer({ min: 0, max: 400 }),
  cachedTokens: fc.integer({ min: 0, max: 200 }),
  promptIncludesContext: fc.boolean(),
  thinkS: fc.constantFrom(0, 0, 0.5, 3),
  model: fc.constantFrom(undefined, "llm0", "llm1", "shared", "unknown"),
  toolCalls: fc.array(
    fc.record({
      tool: fc.constantFrom("search", "search", "shell", "undeclared"),
      durationS: seconds(0, 2),
      failed: fc.boolean(),
    }),
    { maxLength: 2 },
  ),
});

const traceArb = fc.array(
  fc.record({
    gapS: seconds(0, 20),
    tenant: maybe(fc.integer({ min: 0, max: 2 })),
    turns: fc.array(tracedTurn, { minLength: 1, maxLength: 4 }),
  }),
  { minLength: 1, maxLength: 12 },
);

const jobArb = fc.record({
  // A trace job's runs come from a trace (none is generated for the others, which keeps their
  // counterexamples short).
  arrivals: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("poisson", "constant", "closed") },
    { weight: 1, arbitrary: traceArb },
  ),
  rate: seconds(0.05, 1.5),
  turns: fc.integer({ min: 1, max: 5 }),
  priority: fc.integer({ min: 0, max: 3 }),
  tenant: fc.integer({ min: 0, max: 2 }),
  toolProbability: fc.constantFrom(0, 0.5, 1),
  granted: fc.boolean(),
  budget: maybe(fc.integer({ min: 200, max: 4000 })),
  slo: maybe(seconds(1, 30)),
  /** Endpoints (by index) it may use, the first preferred; none there: all of them. */
  endpoints: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }),
  users: fc.integer({ min: 1, max: 3 }),
  scopes: fc.subarray([...SCOPES]),
  io: maybe(
    fc.record({
      workspaceWrites: fc.integer({ min: 0, max: 2 }),
      storeReads: fc.integer({ min: 0, max: 2 }),
      storeWrites: fc.integer({ min: 0, max: 2 }),
      keysPerScope: fc.integer({ min: 1, max: 3 }),
    }),
  ),
  misbehaving: maybe(
    fc.record({
      fraction: fc.constantFrom(0.3, 0.7, 1),
      hog: fc.boolean(),
      outside: fc.boolean(),
      runaway: fc.boolean(),
      escapes: maybe(fc.integer({ min: 1, max: 3 })),
      garbage: maybe(
        fc.record({
          perTurn: fc.integer({ min: 1, max: 3 }),
          // Always into "tickets" (where other runs read, if granted), and maybe elsewhere.
          scopes: fc.subarray([...GARBAGE_SCOPES]).map((more) => ["tickets", ...more]),
        }),
      ),
    }),
  ),
});

const workload = fc.record({
  policy: fc.constantFrom(...POLICIES),
  agingPerS: maybe(seconds(0.01, 1)),
  roundRobinBy: fc.constantFrom("tenant" as const, "job" as const),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  warmupS: fc.constantFrom(0, 10),
  endpoints: fc.array(endpointArb, { minLength: 1, maxLength: 3 }),
  // Mostly a drain long enough to empty the queue; else runs are still in flight at the end.
  drainS: fc.constantFrom(10_000, 10_000, 3, 30),
  attempts: fc.integer({ min: 1, max: 4 }),
  baseS: seconds(0.05, 1),
  retryAfter: fc.constantFrom("honour" as const, "ignore" as const),
  retryAfterMaxS: fc.constantFrom(60, 0.5),
  cooldownS: fc.constantFrom(0, 1, 5),
  contextWindow: maybe(fc.integer({ min: 300, max: 4000 })),
  overflow: fc.constantFrom("compact" as const, "fail" as const),
  compactKeep: seconds(0, 0.9),
  maxWaiting: maybe(fc.integer({ min: 1, max: 8 })),
  outputWeight: fc.constantFrom(2, 1, 4),
  timelineTurns: fc.constantFrom(0, 5, 1000),
  resolver: fc.constantFrom("strict" as const, "prefix-only" as const),
  authority: fc.constantFrom("job" as const, "job" as const, "omitted" as const),
  tool: fc.record({
    concurrency: maybe(fc.integer({ min: 1, max: 3 })),
    errorRate: fc.constantFrom(0, 0.2),
    meanS: seconds(0.05, 2),
  }),
  jobs: fc.array(jobArb, { minLength: 1, maxLength: 3 }),
});

type Workload = typeof workload extends fc.Arbitrary<infer T> ? T : never;

/** A case: the scenario, its trace runs by job, and the policy. */
interface Case {
  scenario: Scenario;
  replay: Map<string, ReplayRun[]>;
  policy: PolicyRef;
}

function build(w: Workload): Case {
  const names = w.endpoints.map((_, i) => `llm${i}`);
  const replay = new Map<string, ReplayRun[]>();
  const jobs: JobSpec[] = w.jobs.map((j, i) => {
    const m = j.misbehaving;
    const name = `job${i}`;
    if (typeof j.arrivals !== "string") replay.set(name, traceRuns(j.arrivals));
    return job({
      name,
      tenant: `tenant${j.tenant}`,
      priority: j.priority,
      arrivals:
        typeof j.arrivals !== "string"
          ? {
              process: "trace",
              file: "/nonexistent/synthetic.jsonl",
              format: "agent-sessions-jsonl",
              speedup: 1,
              runPer: "session",
            }
          : j.arrivals === "closed"
            ? {
                process: "closed",
                users: j.users,
                think: { dist: "exponential", mean: 1 / j.rate },
              }
            : { process: j.arrivals, ratePerS: j.rate },
      turns: {
        count: { dist: "uniform", min: 1, max: j.turns },
        promptTokens: { dist: "uniform", min: 20, max: 600 },
        outputTokens: { dist: "exponential", mean: 120 },
        toolCalls:
          j.toolProbability > 0 ? [{ tool: "search", probability: j.toolProbability }] : [],
      },
      governance: {
        owner: "o",
        authorizedBy: `approver${i}`,
        purpose: "p",
        riskClass: "minimal",
        tools: j.granted ? ["search"] : [],
        dataScopes: j.scopes,
        ...(j.budget === undefined ? {} : { tokenBudget: j.budget }),
      },
      endpoints: existing(j.endpoints, names.length).map((e) => names[e]!),
      slo: j.slo === undefined ? undefined : { runLatencyS: j.slo },
      io: j.io ?? { workspaceWrites: 0, storeReads: 0, storeWrites: 0, keysPerScope: 100 },
      behaviour:
        m === undefined
          ? undefined
          : {
              fraction: m.fraction,
              ...(m.hog ? { tokenHog: { outputMultiplier: 3 } } : {}),
              ...(m.outside
                ? { toolsOutsideGrant: { perTurn: 2, tools: ["search", "shell"] } }
                : {}),
              ...(m.runaway ? { runaway: { maxTurns: 8 } } : {}),
              ...(m.escapes === undefined ? {} : { workspaceEscapes: { perTurn: m.escapes } }),
              ...(m.garbage === undefined ? {} : { garbageWrites: m.garbage }),
            },
    });
  });
  const base = scenario({ jobs });
  const s: Scenario = {
    ...base,
    seed: w.seed,
    horizonS: 120,
    warmupS: w.warmupS,
    drainS: w.drainS,
    tenants: [0, 1, 2].map((t) => ({ name: `tenant${t}`, weight: t + 1 })),
    tools: [
      {
        name: "search",
        latency: { dist: "exponential", mean: w.tool.meanS },
        concurrency: w.tool.concurrency ?? Number.POSITIVE_INFINITY,
        errorRate: w.tool.errorRate,
      },
    ],
    runtime: {
      ...base.runtime,
      retry: {
        attempts: w.attempts,
        baseS: w.baseS,
        maxS: 4 * w.baseS,
        retryAfter: w.retryAfter,
        retryAfterMaxS: w.retryAfterMaxS,
      },
      circuitBreaker: { cooldownS: w.cooldownS },
      contextWindow: w.contextWindow ?? Number.POSITIVE_INFINITY,
      onContextOverflow: w.overflow,
      compactKeep: w.compactKeep,
      admission: { maxWaitingTurns: w.maxWaiting ?? Number.POSITIVE_INFINITY },
      serviceCost: { promptWeight: 1, outputWeight: w.outputWeight },
      timelineTurns: w.timelineTurns,
      workspaces: { resolver: w.resolver },
      audit: { authorizedBy: w.authority },
    },
    endpoints: w.endpoints.map((e, i) => {
      const turn: DistSpec = { dist: "exponential", mean: e.meanS };
      const jitter: DistSpec | undefined = e.jitter
        ? { dist: "uniform", min: 0.8, max: 1.3 }
        : undefined;
      return {
        name: names[i]!,
        slots: e.slots,
        latency: e.tokensLatency
          ? {
              kind: "tokens" as const,
              ttft: { dist: "lognormal", mu: Math.log(e.meanS / 4), sigma: 0.5 },
              perOutputTokenS: { dist: "constant", value: e.meanS / 200 },
              loadSlowdown: e.loadSlowdown,
              perPromptTokenS: 0.0002,
              ...(jitter === undefined ? {} : { jitter }),
            }
          : { kind: "whole" as const, turn, ...(jitter === undefined ? {} : { jitter }) },
        rateLimit:
          e.requestsPerS === undefined && e.tokensPerS === undefined
            ? undefined
            : {
                requestsPerS: e.requestsPerS,
                tokensPerS: e.tokensPerS,
                ...(e.burst ? { burstRequests: 3, burstTokens: 4000 } : {}),
                ...(e.sendsRetryAfter ? {} : { sendsRetryAfter: false }),
              },
        failures: {
          errorRate: e.errorRate,
          timeoutS: e.timeoutS ?? Number.POSITIVE_INFINITY,
          outages: outagesOf(e.outages),
        },
        models: e.sharedModel ? [names[i]!, "shared"] : [names[i]!],
        failover: existing(e.failover, names.length)
          .filter((f) => f !== i)
          .map((f) => names[f]!),
      };
    }),
  };
  const options =
    w.policy === "priority" && w.agingPerS !== undefined
      ? { agingPerS: w.agingPerS }
      : w.policy === "round-robin"
        ? { by: w.roundRobinBy }
        : {};
  return { scenario: s, replay, policy: { label: w.policy, name: w.policy, options } };
}

/** Endpoint indexes below `count`, each once, in the order given; all of them when none is. */
function existing(indexes: readonly number[], count: number): number[] {
  const kept = [...new Set(indexes.filter((i) => i < count))];
  return kept.length > 0 ? kept : Array.from({ length: count }, (_, i) => i);
}

/** Outage windows, each starting a gap after the end of the one before. */
function outagesOf(
  windows: readonly { gapS: number; forS: number }[],
): { atS: number; forS: number }[] {
  let endS = 0;
  return windows.map(({ gapS, forS }) => {
    const atS = endS + gapS;
    endS = atS + forS;
    return { atS, forS };
  });
}

/** Trace runs as `prepareScenario` hands them to a cell: arrivals in order, keys unique. */
function traceRuns(trace: typeof traceArb extends fc.Arbitrary<infer T> ? T : never): ReplayRun[] {
  let arrivalS = 0;
  return trace.map((run, k) => {
    arrivalS += run.gapS;
    return {
      arrivalS,
      // Each run's id a prefix of the next's ("job0#1", "job0#11", ...): a resolver that
      // checks a prefix without its separator lets one reach the other.
      key: "1".repeat(k + 1),
      tenantIndex: run.tenant,
      turns: run.turns.map((t) => ({ ...t, toolCalls: t.toolCalls.map((c) => ({ ...c })) })),
    };
  });
}

/** One cell of either runtime, as the comparison reads it. */
interface Compared {
  result: CellResult;
  audit: AuditTrail;
  runs: RunOutcome[];
}

/**
 * The real runtime's cell, with each run's outcome read off the view an observer keeps of it
 * (its final state at the end of the cell).
 */
function runReal(c: Case): Compared {
  const runs: RunView[] = [];
  const endS = new Map<RunView, number>();
  const { result, audit } = simulateCell(c.scenario, {
    policy: c.policy,
    audit: { mode: "memory" },
    replay: c.replay,
    observer: {
      runSubmitted: (run) => runs.push(run),
      runEnded: (run, nowS) => endS.set(run, nowS),
    },
  });
  return {
    result,
    audit,
    runs: runs.map((run) => ({
      id: run.id,
      tenant: run.tenant,
      measured: run.measured,
      status: run.status,
      endS: endS.get(run) ?? null,
      turnsDone: run.turnsDone,
      tokensUsed: run.tokensUsed,
    })),
  };
}

/** A trail's records by run, each without its place in the chain (seq and hashes). */
function actionsByRun(
  audit: AuditTrail,
): Map<string, Omit<AuditRecord, "seq" | "prevHash" | "hash">[]> {
  const byRun = new Map<string, Omit<AuditRecord, "seq" | "prevHash" | "hash">[]>();
  for (const { seq: _seq, prevHash: _prev, hash: _hash, ...record } of audit.records()) {
    const list = byRun.get(record.run) ?? [];
    list.push(record);
    byRun.set(record.run, list);
  }
  return byRun;
}

/** results.json of a one-cell experiment, as the experiment layer writes it. */
function resultsJsonOf(c: Case, cell: CellResult): string {
  return resultsJson(
    aggregate(c.scenario, [canonicalResult(cell)], {
      seed: c.scenario.seed,
      replications: 1,
      policies: [c.policy.label],
    }),
  );
}

/**
 * Fails with `what` and a diff unless `real` and `twin` are deeply and strictly equal. The
 * cheap native check comes first: vitest's diffing equality is only asked for a difference.
 */
function same(real: unknown, twin: unknown, what: string): void {
  if (isDeepStrictEqual(real, twin)) return;
  expect(real, what).toStrictEqual(twin);
  expect.fail(`${what} differs (in a way only a strict comparison sees, such as -0 and 0)`);
}

/**
 * Compares one case on both runtimes, failing at the first difference, most readable first:
 * the runs' outcomes, each run's audited actions, the trail's order, the CellResult field by
 * field, then results.json. Returns the twin's cell.
 */
function compare(c: Case): ReferenceCell {
  const real = runReal(c);
  const twin = simulateReference(c.scenario, { policy: c.policy, replay: c.replay });
  same(
    real.runs.map((r) => r.id),
    twin.runs.map((r) => r.id),
    "the runs submitted",
  );
  const realRecords = real.audit.records();
  const twinRecords = twin.audit.records();
  if (!isDeepStrictEqual(real.runs, twin.runs) || !isDeepStrictEqual(realRecords, twinRecords)) {
    // The first run whose outcome or actions differ, then the first record out of place.
    const realActions = actionsByRun(real.audit);
    const twinActions = actionsByRun(twin.audit);
    twin.runs.forEach((run, i) => {
      same(real.runs[i], run, `run ${run.id}`);
      same(realActions.get(run.id), twinActions.get(run.id), `actions of run ${run.id}`);
    });
    same(realRecords.length, twinRecords.length, "records in the trail");
    const first = realRecords.findIndex((r, i) => !isDeepStrictEqual(r, twinRecords[i]));
    same(realRecords[first], twinRecords[first], `audit record ${first}`);
  }
  // The whole CellResult, field by field, but `events`: the count of kernel events the
  // implementation used (the real runtime wakes processes without events), not a measurement.
  const { events: _realEvents, ...realResult } = real.result;
  const { events: _twinEvents, ...twinResult } = twin.result;
  same(Object.keys(realResult), Object.keys(twinResult), "the fields of the CellResult");
  for (const key of Object.keys(twinResult) as (keyof typeof twinResult)[]) {
    same(realResult[key], twinResult[key], `result.${key}`);
  }
  same(resultsJsonOf(c, real.result), resultsJsonOf(c, twin.result), "results.json");
  // The twins share the recorder: that each tenant's and job's run latencies are its own
  // measured runs' (a trace maps runs to tenants) is checked against the runs themselves.
  const completed = twin.runs.filter((r) => r.measured && r.status === "completed");
  for (const [name, tenant] of Object.entries(twin.result.tenants)) {
    const runs = completed.filter((r) => r.tenant === name).length;
    same(tenant.runLatency.count, runs, `result.tenants.${name}.runLatency.count (its runs)`);
  }
  for (const [name, job] of Object.entries(twin.result.jobs)) {
    const runs = completed.filter((r) => r.id.startsWith(`${name}#`)).length;
    same(job.runLatency.count, runs, `result.jobs.${name}.runLatency.count (its runs)`);
  }
  return twin;
}

/** What a case exercised, by name: the features the comparison must have seen to mean anything. */
function exercised(c: Case, twin: ReferenceCell): string[] {
  const r = twin.result;
  const calls = r.calls;
  const byReason = r.governance.byReason;
  const traced = [...c.replay.values()].some((runs) => runs.length > 0) && r.counts.submitted > 0;
  const seen: [string, boolean][] = [
    ["completed runs", r.counts.completed > 0],
    ["failed runs", r.counts.failed > 0],
    ["admission rejections", r.counts.rejected > 0],
    ["5xx errors", calls.errors > 0],
    ["timeouts", calls.timeouts > 0],
    ["503 outages", calls.unavailable > 0],
    ["429 rate limits", calls.rateLimited > 0],
    ["retries", calls.retries > 0],
    ["compactions", calls.compactions > 0],
    ["tool calls", calls.toolCalls > 0],
    ["tool errors", calls.toolErrors > 0],
    ["token budget denials", (byReason["token budget"] ?? 0) > 0],
    ["tools outside the grant", (byReason["tool outside grant"] ?? 0) > 0],
    ["failover", failedOver(c, twin)],
    ["runs in flight at the end", r.counts.inFlight > 0],
    ["contention (a turn waited)", r.wait.count > 0 && calls.attempts > r.counts.submitted],
    ["trace runs", traced],
    ["workspace writes", twin.audit.counts().byAction["workspace.write"] !== undefined],
    ["store reads and writes", r.store.reads > 0 && r.store.writes > 0],
    ["store denials", r.store.denials > 0],
    ["garbage read by others", r.store.readsOfGarbage > 0],
    ["escapes refused", r.isolation.refused > 0],
    ["escapes that succeeded (prefix-only)", r.isolation.succeeded > 0],
    ["authority omitted", r.audit.withoutAuthority > 0],
    ["saturated", r.saturation.saturated],
  ];
  return seen.filter(([, yes]) => yes).map(([name]) => name);
}

/** Whether a drawn run's call was dispatched to an endpoint its job does not list: a failover. */
function failedOver(c: Case, twin: ReferenceCell): boolean {
  const drawn = c.scenario.jobs.filter((j) => j.arrivals.process !== "trace");
  const allowed = new Map(drawn.map((j) => [j.name, j.endpoints]));
  return twin.audit
    .records()
    .some((r) => r.action === "turn.dispatch" && allowed.get(r.job)?.includes(r.target) === false);
}

describe("the runtime against its reference twin", () => {
  it(
    "gives every run the same outcome and actions, and the cell the same trail, CellResult and results.json",
    () => {
      const cases = new Map<string, number>();
      fc.assert(
        fc.property(workload, (w) => {
          const c = build(w);
          for (const feature of exercised(c, compare(c)))
            cases.set(feature, (cases.get(feature) ?? 0) + 1);
        }),
        // Shrinking a failure reruns whole cells: it stops at the time limit with what it has.
        { numRuns: NUM_RUNS, interruptAfterTimeLimit: SHRINK_LIMIT_MS },
      );
      // A comparison that never saw a feature says nothing about it: each must have come up.
      const missing = [...FEATURES].filter((f) => (cases.get(f) ?? 0) < MIN_CASES);
      expect(missing, JSON.stringify(Object.fromEntries(cases))).toEqual([]);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

const FEATURES = [
  "completed runs",
  "failed runs",
  "admission rejections",
  "5xx errors",
  "timeouts",
  "503 outages",
  "429 rate limits",
  "retries",
  "compactions",
  "tool calls",
  "tool errors",
  "token budget denials",
  "tools outside the grant",
  "failover",
  "runs in flight at the end",
  "contention (a turn waited)",
  "trace runs",
  "workspace writes",
  "store reads and writes",
  "store denials",
  "garbage read by others",
  "escapes refused",
  "escapes that succeeded (prefix-only)",
  "authority omitted",
  "saturated",
] as const;
