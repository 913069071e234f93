/**
 * Governance on every call: each attempt of a model call (first, retry after a 5xx, a timeout or
 * a 429, a compaction's) is checked against the job's token budget, and the trail holds exactly
 * the decisions the checks made. The ledger here is kept outside the runtime, by wrapping
 * `RunAccess.checkModelCall` and `checkTool`: every `allow` in the trail must be matched by a
 * check that allowed, every `deny` by one that denied. And no run ever uses more tokens than its
 * budget, whatever the retries and compactions.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { simulateCell } from "../src/cell/simulate.ts";
import { type AccessDecision, RunAccess } from "../src/runtime/governance.ts";
import type { JobSpec, Scenario } from "../src/scenario/types.ts";
import { job, scenario } from "./support/scenarios.ts";

const RUNS = process.env.AGENTSIM_LONG ? 2000 : 80;

const workload = fc.record({
  policy: fc.constantFrom("fifo", "priority", "fair-share", "las"),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  errorRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  timeoutS: fc.option(fc.double({ min: 0.3, max: 3, noNaN: true }), { nil: undefined }),
  requestsPerS: fc.option(fc.double({ min: 0.3, max: 4, noNaN: true }), { nil: undefined }),
  attempts: fc.integer({ min: 1, max: 4 }),
  contextWindow: fc.option(fc.integer({ min: 700, max: 4000 }), { nil: undefined }),
  budgets: fc.array(fc.option(fc.integer({ min: 600, max: 6000 }), { nil: undefined }), {
    minLength: 1,
    maxLength: 3,
  }),
});

type Workload = typeof workload extends fc.Arbitrary<infer T> ? T : never;

function build(w: Workload): Scenario {
  const jobs: JobSpec[] = w.budgets.map((budget, i) =>
    job({
      name: `job${i}`,
      tenant: "t",
      priority: i,
      arrivals: { process: "poisson", ratePerS: 0.4 },
      turns: {
        count: { dist: "uniform", min: 1, max: 6 },
        promptTokens: { dist: "uniform", min: 100, max: 500 },
        outputTokens: { dist: "exponential", mean: 100 },
        toolCalls: [{ tool: "search", probability: 0.5 }],
      },
      governance: {
        owner: "o",
        authorizedBy: `approver${i}`,
        purpose: "p",
        riskClass: "minimal",
        // Job 1 is not granted the tool its turns call: its tool calls are denied.
        tools: i === 1 ? [] : ["search"],
        dataScopes: [],
        tokenBudget: budget,
      },
    }),
  );
  const base = scenario({ jobs });
  return {
    ...base,
    horizonS: 120,
    tools: [
      { name: "search", latency: { dist: "constant", value: 0.2 }, concurrency: 2, errorRate: 0 },
    ],
    runtime: {
      ...base.runtime,
      retry: { ...base.runtime.retry, attempts: w.attempts, baseS: 0.2, maxS: 2 },
      contextWindow: w.contextWindow ?? Number.POSITIVE_INFINITY,
      onContextOverflow: "compact",
      compactKeep: 0.3,
    },
    endpoints: [
      {
        ...base.endpoints[0]!,
        slots: 2,
        latency: {
          kind: "tokens",
          ttft: { dist: "lognormal", mu: Math.log(0.3), sigma: 0.5 },
          perOutputTokenS: { dist: "constant", value: 0.005 },
          loadSlowdown: 0.3,
          perPromptTokenS: 0.0001,
        },
        rateLimit: w.requestsPerS === undefined ? undefined : { requestsPerS: w.requestsPerS },
        failures: {
          errorRate: w.errorRate,
          timeoutS: w.timeoutS ?? Number.POSITIVE_INFINITY,
          outages: [],
        },
      },
    ],
  };
}

/** The test's own ledger of the checks the runtime made and what they answered. */
interface Ledger {
  modelAllow: number;
  modelDeny: number;
  toolAllow: number;
  toolDeny: number;
  /** Tokens a run used beyond its budget, at worst (0 when none ever did). */
  overrun: number;
}

/** Wraps the checks of every `RunAccess` so each decision is counted here, outside the runtime. */
function watchChecks(): Ledger {
  const ledger: Ledger = { modelAllow: 0, modelDeny: 0, toolAllow: 0, toolDeny: 0, overrun: 0 };
  const checkModelCall = RunAccess.prototype.checkModelCall;
  const checkTool = RunAccess.prototype.checkTool;
  const useTokens = RunAccess.prototype.useTokens;
  vi.spyOn(RunAccess.prototype, "checkModelCall").mockImplementation(function (
    this: RunAccess,
    tokens?: number,
  ): AccessDecision {
    const decision = checkModelCall.call(this, tokens);
    if (decision.allow) ledger.modelAllow++;
    else ledger.modelDeny++;
    return decision;
  });
  vi.spyOn(RunAccess.prototype, "checkTool").mockImplementation(function (
    this: RunAccess,
    tool: string,
  ): AccessDecision {
    const decision = checkTool.call(this, tool);
    if (decision.allow) ledger.toolAllow++;
    else ledger.toolDeny++;
    return decision;
  });
  vi.spyOn(RunAccess.prototype, "useTokens").mockImplementation(function (
    this: RunAccess,
    tokens: number,
  ): void {
    useTokens.call(this, tokens);
    const budget = this.grant.governance.tokenBudget;
    if (budget !== undefined && this.tokensUsed > budget) {
      ledger.overrun = Math.max(ledger.overrun, this.tokensUsed - budget);
    }
  });
  return ledger;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("governance on every model call", () => {
  it("writes an allow only for a check that allowed and a deny for each that denied; no run passes its budget", () => {
    let retried = 0;
    let compacted = 0;
    let denied = 0;
    fc.assert(
      fc.property(workload, (w) => {
        const ledger = watchChecks();
        try {
          const { result, audit } = simulateCell(build(w), {
            policy: w.policy,
            seed: w.seed,
            audit: { mode: "memory" },
          });
          const records = audit.records();
          const count = (action: string, decision: string) =>
            records.filter((r) => r.action === action && r.decision === decision).length;
          expect(count("model.call", "allow")).toBe(ledger.modelAllow);
          expect(count("model.call", "deny")).toBe(ledger.modelDeny);
          expect(count("tool.call", "allow")).toBe(ledger.toolAllow);
          expect(count("tool.call", "deny")).toBe(ledger.toolDeny);
          // Each allowed attempt was queued and dispatched (the drain is long): one dispatch each.
          expect(count("turn.dispatch", "ok")).toBe(ledger.modelAllow);
          expect(result.calls.attempts).toBe(ledger.modelAllow);
          // A denial fails its run, with the reason in the trail.
          const budgetEnds = records.filter(
            (r) => r.action === "run.end" && r.detail === "token budget exceeded",
          ).length;
          expect(budgetEnds).toBe(ledger.modelDeny);
          for (const r of records) {
            if (r.action === "model.call" && r.decision === "deny")
              expect(r.detail).toMatch(/^token budget exceeded: \d+ used \+ \d+ requested > \d+/);
          }
          expect(ledger.overrun).toBe(0);
          retried += result.calls.retries;
          compacted += result.calls.compactions;
          denied += ledger.modelDeny;
        } finally {
          vi.restoreAllMocks();
        }
      }),
      { numRuns: RUNS },
    );
    // The generated scenarios exercised what the checks are about.
    expect(retried).toBeGreaterThan(0);
    expect(compacted).toBeGreaterThan(0);
    expect(denied).toBeGreaterThan(0);
  }, 120_000);

  it("refuses the retry that would pass the budget: one turn, a 5xx on every attempt, a budget of two attempts", () => {
    // One run of one turn of 300 + 200 tokens; every attempt fails with a 5xx part way, having
    // used its 300 prompt tokens and fewer than 200 output tokens; 3 attempts, budget 1000.
    // Attempt 1: 0 used + 500 <= 1000, allowed. Attempt 2: under 500 used + 500 <= 1000,
    // allowed. Attempt 3: at least 600 used + 500 > 1000, denied, and the run fails.
    const s = build({
      policy: "fifo",
      seed: 3,
      errorRate: 0,
      timeoutS: undefined,
      requestsPerS: undefined,
      attempts: 3,
      contextWindow: undefined,
      budgets: [1000],
    });
    const single: Scenario = {
      ...s,
      horizonS: 1,
      jobs: [
        {
          ...s.jobs[0]!,
          arrivals: { process: "constant", ratePerS: 1 },
          turns: {
            count: { dist: "constant", value: 1 },
            promptTokens: { dist: "constant", value: 300 },
            outputTokens: { dist: "constant", value: 200 },
            toolCalls: [],
          },
        },
      ],
      endpoints: [
        {
          ...s.endpoints[0]!,
          latency: { kind: "whole", turn: { dist: "constant", value: 1 } },
          failures: { errorRate: 1, timeoutS: Number.POSITIVE_INFINITY, outages: [] },
        },
      ],
    };
    const ledger = watchChecks();
    const { result, audit } = simulateCell(single, { policy: "fifo", audit: { mode: "memory" } });
    const calls = audit
      .records()
      .filter((r) => r.action === "model.call")
      .map((r) => r.decision);
    expect(result.counts.submitted).toBe(1);
    expect(result.counts.failed).toBe(1);
    expect(calls).toEqual(["allow", "allow", "deny"]);
    expect(ledger).toMatchObject({ modelAllow: 2, modelDeny: 1 });
    expect(result.calls.retries).toBe(2);
    expect(ledger.overrun).toBe(0);
    const end = audit.records().find((r) => r.action === "run.end")!;
    expect(end.detail).toBe("token budget exceeded");
  });
});
