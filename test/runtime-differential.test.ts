/**
 * The runtime against its slow twin (test/reference/runtime.ts): random small scenarios —
 * policies, one or two endpoints with failover, errors, timeouts, outages and the circuit
 * breaker, request and token rate limits, retries with backoff, tools with quotas and failures,
 * context growth with compaction or failure, token budgets, admission limits, misbehaving runs —
 * run through both must give every run the same status, end time, turns done, tokens used,
 * attempts and audited actions, and the cell the same counts, call counters, denials and
 * wait, run-latency and turn-latency histograms. fast-check prints the seed and path of any
 * failure; AGENTSIM_LONG runs many more cases.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../src/audit/record.ts";
import { simulateCell } from "../src/cell/simulate.ts";
import type { RunView } from "../src/runtime/observer.ts";
import type { JobSpec, Scenario } from "../src/scenario/types.ts";
import type { DistSpec } from "../src/sim/dist.ts";
import { type ReferenceResult, type ReferenceRun, simulateReference } from "./reference/runtime.ts";
import { LONG, PROPERTY_TIMEOUT_MS } from "./support/property-runs.ts";
import { job, scenario } from "./support/scenarios.ts";

const POLICIES = ["fifo", "priority", "fair-share", "round-robin", "sjf", "las", "edf"] as const;
const NUM_RUNS = LONG ? 5_000 : 120;
/** Cases in which each feature must have come up. */
const MIN_CASES = 3;

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
  outage: maybe(fc.record({ atS: seconds(0, 80), forS: seconds(1, 40) })),
  requestsPerS: maybe(seconds(0.2, 4)),
  tokensPerS: maybe(seconds(100, 3000)),
});

const workload = fc.record({
  policy: fc.constantFrom(...POLICIES),
  agingPerS: maybe(seconds(0.01, 1)),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  endpoints: fc.array(endpointArb, { minLength: 1, maxLength: 2 }),
  failover: fc.boolean(),
  attempts: fc.integer({ min: 1, max: 4 }),
  baseS: seconds(0.05, 1),
  cooldownS: fc.constantFrom(0, 1, 5),
  contextWindow: maybe(fc.integer({ min: 300, max: 4000 })),
  overflow: fc.constantFrom("compact" as const, "fail" as const),
  compactKeep: seconds(0, 0.9),
  maxWaiting: maybe(fc.integer({ min: 1, max: 8 })),
  tool: fc.record({
    concurrency: maybe(fc.integer({ min: 1, max: 3 })),
    errorRate: fc.constantFrom(0, 0.2),
    meanS: seconds(0.05, 2),
  }),
  jobs: fc.array(
    fc.record({
      arrivals: fc.constantFrom("poisson", "constant", "closed"),
      rate: seconds(0.05, 1.5),
      turns: fc.integer({ min: 1, max: 5 }),
      priority: fc.integer({ min: 0, max: 3 }),
      tenant: fc.integer({ min: 0, max: 2 }),
      toolProbability: fc.constantFrom(0, 0.5, 1),
      granted: fc.boolean(),
      budget: maybe(fc.integer({ min: 200, max: 4000 })),
      slo: maybe(seconds(1, 30)),
      onlySecond: fc.boolean(),
      misbehaving: maybe(
        fc.record({
          fraction: seconds(0, 1),
          hog: fc.boolean(),
          outside: fc.boolean(),
          runaway: fc.boolean(),
        }),
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

type Workload = typeof workload extends fc.Arbitrary<infer T> ? T : never;

function build(w: Workload): Scenario {
  const names = w.endpoints.map((_, i) => `llm${i}`);
  const jobs: JobSpec[] = w.jobs.map((j, i) => {
    const m = j.misbehaving;
    return job({
      name: `job${i}`,
      tenant: `tenant${j.tenant}`,
      priority: j.priority,
      arrivals:
        j.arrivals === "closed"
          ? { process: "closed", users: 2, think: { dist: "exponential", mean: 1 / j.rate } }
          : { process: j.arrivals as "poisson" | "constant", ratePerS: j.rate },
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
        dataScopes: [],
        ...(j.budget === undefined ? {} : { tokenBudget: j.budget }),
      },
      endpoints: j.onlySecond && names.length > 1 ? [names[1]!] : names,
      slo: j.slo === undefined ? undefined : { runLatencyS: j.slo },
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
            },
    });
  });
  const base = scenario({ jobs });
  return {
    ...base,
    seed: w.seed,
    horizonS: 120,
    warmupS: 10,
    drainS: 10_000,
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
      retry: { attempts: w.attempts, baseS: w.baseS, maxS: 4 * w.baseS },
      circuitBreaker: { cooldownS: w.cooldownS },
      contextWindow: w.contextWindow ?? Number.POSITIVE_INFINITY,
      onContextOverflow: w.overflow,
      compactKeep: w.compactKeep,
      admission: { maxWaitingTurns: w.maxWaiting ?? Number.POSITIVE_INFINITY },
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
            : { requestsPerS: e.requestsPerS, tokensPerS: e.tokensPerS },
        failures: {
          errorRate: e.errorRate,
          timeoutS: e.timeoutS ?? Number.POSITIVE_INFINITY,
          outages: e.outage === undefined ? [] : [e.outage],
        },
        models: [names[i]!],
        failover: w.failover && i === 0 && names.length > 1 ? [names[1]!] : [],
      };
    }),
  };
}

/**
 * The real runtime's cell, with each run's outcome read off the view an observer keeps of it
 * (its final state at the end of the cell) and off its audit records.
 */
function runReal(s: Scenario, w: Workload) {
  const runs: RunView[] = [];
  const endS = new Map<RunView, number>();
  const { result, audit } = simulateCell(s, {
    policy: { label: w.policy, name: w.policy, options: policyOptions(w) },
    audit: { mode: "memory" },
    observer: {
      runSubmitted: (run) => runs.push(run),
      runEnded: (run, nowS) => endS.set(run, nowS),
    },
  });
  const byRun = new Map<string, AuditRecord[]>();
  for (const record of audit.records()) {
    if (record.run === "") continue;
    const list = byRun.get(record.run);
    if (list === undefined) byRun.set(record.run, [record]);
    else list.push(record);
  }
  const outcomes: ReferenceRun[] = runs.map((run) => {
    const records = byRun.get(run.id) ?? [];
    return {
      id: run.id,
      status: run.status,
      endS: endS.get(run) ?? null,
      turnsDone: run.turnsDone,
      tokensUsed: run.tokensUsed,
      attempts: records.filter((r) => r.action === "turn.dispatch").length,
      actions: records.map((r) => ({
        timeS: r.time,
        action: r.action,
        target: r.target,
        decision: r.decision,
        detail: r.detail,
      })),
    };
  });
  return { result, outcomes };
}

function policyOptions(w: Workload): Record<string, unknown> {
  return w.policy === "priority" && w.agingPerS !== undefined ? { agingPerS: w.agingPerS } : {};
}

/** Compares one scenario on both runtimes, throwing at the first difference; returns the twin's result. */
function compare(w: Workload): ReferenceResult {
  const s = build(w);
  const real = runReal(s, w);
  const twin = simulateReference(s, { policy: w.policy, policyOptions: policyOptions(w) });
  expect(real.outcomes.length).toBe(twin.runs.length);
  for (let i = 0; i < twin.runs.length; i++) {
    const a = real.outcomes[i]!;
    const b = twin.runs[i]!;
    // Outcomes first (the clearer message), then the actions that led to them.
    const { actions: actionsA, ...outcomeA } = a;
    const { actions: actionsB, ...outcomeB } = b;
    expect(outcomeA, `run ${b.id}`).toEqual(outcomeB);
    expect(actionsA, `actions of run ${b.id}`).toEqual(actionsB);
  }
  expect(real.result.counts).toEqual(twin.counts);
  expect(real.result.calls).toEqual(twin.calls);
  expect(real.result.governance.byReason).toEqual(
    Object.fromEntries(Object.entries(twin.denials).sort(([x], [y]) => (x < y ? -1 : 1))),
  );
  expect(real.result.wait).toEqual(twin.wait);
  expect(real.result.runLatency).toEqual(twin.runLatency);
  expect(real.result.turnLatency).toEqual(twin.turnLatency);
  return twin;
}

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
  "contention (a turn waited)",
];

/** What a case exercised, by name: the features the comparison must have seen to mean anything. */
function exercised(w: Workload, twin: ReferenceResult): string[] {
  const c = twin.calls;
  const seen: [string, boolean][] = [
    ["completed runs", twin.counts.completed > 0],
    ["failed runs", twin.counts.failed > 0],
    ["admission rejections", twin.counts.rejected > 0],
    ["5xx errors", c.errors > 0],
    ["timeouts", c.timeouts > 0],
    ["503 outages", c.unavailable > 0],
    ["429 rate limits", c.rateLimited > 0],
    ["retries", c.retries > 0],
    ["compactions", c.compactions > 0],
    ["tool calls", c.toolCalls > 0],
    ["tool errors", c.toolErrors > 0],
    ["token budget denials", (twin.denials["token budget"] ?? 0) > 0],
    ["tools outside the grant", (twin.denials["tool outside grant"] ?? 0) > 0],
    ["failover", w.failover && w.endpoints.length > 1 && c.unavailable + c.rateLimited > 0],
    ["contention (a turn waited)", twin.wait.count > 0 && c.attempts > twin.counts.submitted],
  ];
  return seen.filter(([, yes]) => yes).map(([name]) => name);
}

describe("the runtime against its reference twin", () => {
  it(
    "gives every run the same outcome and the cell the same counts and histograms",
    () => {
      const cases = new Map<string, number>();
      fc.assert(
        fc.property(workload, (w) => {
          for (const feature of exercised(w, compare(w)))
            cases.set(feature, (cases.get(feature) ?? 0) + 1);
        }),
        { numRuns: NUM_RUNS },
      );
      // A comparison that never saw a feature says nothing about it: each must have come up.
      const missing = FEATURES.filter((f) => (cases.get(f) ?? 0) < MIN_CASES);
      expect(missing, JSON.stringify(Object.fromEntries(cases))).toEqual([]);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
