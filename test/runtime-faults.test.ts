/**
 * Conservation, determinism and fault handling on generated scenarios: whatever the workload,
 * the policy, the error rate (up to 50%), timeouts, outages and rate limits, every run ends
 * completed or failed (none lost, none stuck), retries are counted and audited, no slot is
 * over capacity, and the same seed gives the same measurements.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulate, simulateCell } from "../src/cell/simulate.ts";
import type { RuntimeObserver } from "../src/runtime/observer.ts";
import type { JobSpec, Scenario } from "../src/scenario/types.ts";
import { job, scenario } from "./support/scenarios.ts";

const POLICIES = ["fifo", "priority", "fair-share", "round-robin", "sjf", "las", "edf"] as const;
const RUNS = process.env.AGENTSIM_LONG ? 1000 : 60;

const workload = fc.record({
  policy: fc.constantFrom(...POLICIES),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  slots: fc.integer({ min: 1, max: 6 }),
  errorRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  timeoutS: fc.option(fc.double({ min: 0.5, max: 5, noNaN: true }), { nil: undefined }),
  outage: fc.option(
    fc.record({
      atS: fc.double({ min: 0, max: 150, noNaN: true }),
      forS: fc.double({ min: 1, max: 60, noNaN: true }),
    }),
    { nil: undefined },
  ),
  requestsPerS: fc.option(fc.double({ min: 0.5, max: 10, noNaN: true }), { nil: undefined }),
  attempts: fc.integer({ min: 1, max: 4 }),
  jobs: fc.array(
    fc.record({
      rate: fc.double({ min: 0.05, max: 2, noNaN: true }),
      turns: fc.integer({ min: 1, max: 5 }),
      priority: fc.integer({ min: 0, max: 3 }),
      tenant: fc.integer({ min: 0, max: 2 }),
      tool: fc.boolean(),
      slo: fc.option(fc.double({ min: 1, max: 30, noNaN: true }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
});

type Workload = typeof workload extends fc.Arbitrary<infer T> ? T : never;

function build(w: Workload): Scenario {
  const jobs: JobSpec[] = w.jobs.map((j, i) =>
    job({
      name: `job${i}`,
      tenant: `tenant${j.tenant}`,
      priority: j.priority,
      arrivals: { process: "poisson", ratePerS: j.rate },
      turns: {
        count: { dist: "constant", value: j.turns },
        promptTokens: { dist: "uniform", min: 50, max: 500 },
        outputTokens: { dist: "exponential", mean: 100 },
        toolCalls: j.tool ? [{ tool: "search", probability: 0.5 }] : [],
      },
      governance: {
        owner: "o",
        authorizedBy: `approver${i}`,
        purpose: "p",
        riskClass: "minimal",
        tools: j.tool ? ["search"] : [],
        dataScopes: [],
      },
      slo: j.slo === undefined ? undefined : { runLatencyS: j.slo },
    }),
  );
  const base = scenario({ jobs });
  return {
    ...base,
    horizonS: 200,
    warmupS: 20,
    drainS: 100_000,
    tenants: [0, 1, 2].map((t) => ({ name: `tenant${t}`, weight: t + 1 })),
    tools: [
      {
        name: "search",
        latency: { dist: "exponential", mean: 0.3 },
        concurrency: 2,
        errorRate: 0.1,
      },
    ],
    runtime: {
      ...base.runtime,
      retry: { ...base.runtime.retry, attempts: w.attempts, baseS: 0.2, maxS: 2 },
    },
    endpoints: [
      {
        ...base.endpoints[0]!,
        slots: w.slots,
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
          outages: w.outage === undefined ? [] : [w.outage],
        },
      },
    ],
  };
}

describe("the runtime under faults", () => {
  it("loses no run, exceeds no slot, audits every retry, and repeats itself exactly", () => {
    fc.assert(
      fc.property(workload, (w) => {
        const s = build(w);
        let idleWhileWaiting = 0;
        const observer: RuntimeObserver = {
          dispatchRound: (runtime) => {
            const endpoint = runtime.endpoints[0]!;
            // "Up" as the runtime sees it: no outage and its circuit breaker closed.
            const up = !endpoint.down && endpoint.openUntilS <= runtime.nowS;
            if (up && runtime.waitingTurns > 0 && endpoint.hasFreeSlot) idleWhileWaiting++;
          },
        };
        const { result, audit } = simulateCell(s, {
          policy: w.policy,
          seed: w.seed,
          audit: { mode: "memory" },
          observer,
        });
        const c = result.counts;
        // With a long drain every run ends: completed or failed, none in flight, none lost.
        expect(c.inFlight).toBe(0);
        expect(c.submitted).toBe(c.completed + c.failed + c.rejected);
        expect(result.invariants).toEqual({
          conservation: true,
          slotsWithinCapacity: true,
          auditVerified: true,
          auditComplete: true,
        });
        // Work conservation: after every dispatch round no slot of an endpoint that is up idles
        // while a turn waits.
        expect(idleWhileWaiting).toBe(0);
        // Retries are counted and each has its audit record.
        expect(audit.counts().byAction.retry?.total ?? 0).toBe(result.calls.retries);
        const failures =
          result.calls.errors +
          result.calls.timeouts +
          result.calls.rateLimited +
          result.calls.unavailable;
        expect(result.calls.attempts).toBe(result.calls.ok + failures);
        // Every run that failed used up its attempts on some turn (or failed another declared way).
        if (
          w.errorRate === 0 &&
          w.timeoutS === undefined &&
          w.outage === undefined &&
          w.requestsPerS === undefined
        ) {
          expect(c.failed).toBe(0);
        }
        // Determinism: same scenario and seed, identical measurements.
        const again = simulate(s, { policy: w.policy, seed: w.seed });
        // The summary-mode run keeps no trail, so it has no trail head nor verification.
        expect(JSON.stringify(again)).toBe(
          JSON.stringify({
            ...result,
            audit: { ...result.audit, mode: "summary", verified: null, trail: null },
          }),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("a different seed gives different runs", () => {
    const s = build({
      policy: "fifo",
      seed: 1,
      slots: 2,
      errorRate: 0.1,
      timeoutS: undefined,
      outage: undefined,
      requestsPerS: undefined,
      attempts: 3,
      jobs: [{ rate: 1, turns: 2, priority: 0, tenant: 0, tool: true, slo: undefined }],
    });
    const a = simulate(s, { policy: "fifo", seed: 1 });
    const b = simulate(s, { policy: "fifo", seed: 2 });
    expect(a.wait).not.toEqual(b.wait);
  });
});
