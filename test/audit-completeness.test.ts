/**
 * Audit completeness, authority and blast radius through the whole runtime, with adversarial
 * agents: every action the runtime takes has exactly one audit record and every record
 * corresponds to an action — checked against a ledger the test builds from independent
 * observations (the dispatches an observer is told of, the runs' ends, the tool and store counters), not
 * by counting the trail against itself. Every record carries its job's authorizedBy, every
 * denial its reason, no escape succeeds, and a garbage writer's blast radius is exact.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../src/audit/index.ts";
import { simulateCell } from "../src/cell/simulate.ts";
import type { Scenario } from "../src/scenario/types.ts";
import { job, scenario } from "./support/scenarios.ts";

const RUNS = process.env.AGENTSIM_LONG ? 100_000 : 1_000;

const adversary = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  policy: fc.constantFrom("fifo", "priority", "fair-share", "las"),
  escapes: fc.integer({ min: 0, max: 3 }),
  garbage: fc.integer({ min: 0, max: 2 }),
  outside: fc.integer({ min: 0, max: 2 }),
  fraction: fc.double({ min: 0.1, max: 1, noNaN: true }),
  budget: fc.option(fc.integer({ min: 500, max: 5000 }), { nil: undefined }),
  errorRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  writes: fc.integer({ min: 0, max: 2 }),
  reads: fc.integer({ min: 0, max: 3 }),
});

type Adversary = typeof adversary extends fc.Arbitrary<infer T> ? T : never;

function build(a: Adversary): Scenario {
  const honest = job({
    name: "honest",
    tenant: "t",
    arrivals: { process: "poisson", ratePerS: 0.5 },
    turns: {
      count: { dist: "uniform", min: 1, max: 3 },
      promptTokens: { dist: "constant", value: 100 },
      outputTokens: { dist: "constant", value: 50 },
      toolCalls: [{ tool: "search", probability: 0.5 }],
    },
    governance: {
      owner: "ops",
      authorizedBy: "head-of-ops",
      purpose: "serve",
      riskClass: "limited",
      tools: ["search"],
      dataScopes: ["tickets"],
    },
    io: { workspaceWrites: a.writes, storeReads: a.reads, storeWrites: 1, keysPerScope: 5 },
  });
  const rogue = job({
    name: "rogue",
    tenant: "u",
    arrivals: { process: "poisson", ratePerS: 0.3 },
    turns: {
      count: { dist: "uniform", min: 1, max: 4 },
      promptTokens: { dist: "constant", value: 200 },
      outputTokens: { dist: "constant", value: 100 },
      toolCalls: [],
    },
    governance: {
      owner: "lab",
      authorizedBy: "cto",
      purpose: "experiment",
      riskClass: "high",
      tools: [],
      dataScopes: ["scratch", "tickets"],
      tokenBudget: a.budget,
    },
    behaviour: {
      fraction: a.fraction,
      workspaceEscapes: { perTurn: a.escapes },
      garbageWrites: { perTurn: a.garbage, scopes: ["tickets", "accounts"] },
      toolsOutsideGrant: { perTurn: a.outside, tools: ["search", "payments"] },
      runaway: a.budget === undefined ? undefined : { maxTurns: 50 },
    },
    io: { workspaceWrites: 1, storeReads: 1, storeWrites: 0, keysPerScope: 5 },
  });
  const base = scenario({ jobs: [honest, rogue] });
  return {
    ...base,
    horizonS: 30,
    tenants: [
      { name: "t", weight: 1 },
      { name: "u", weight: 1 },
    ],
    tools: [
      { name: "search", latency: { dist: "constant", value: 0.1 }, concurrency: 2, errorRate: 0.1 },
      { name: "payments", latency: { dist: "constant", value: 0.1 }, concurrency: 1, errorRate: 0 },
    ],
    endpoints: [
      {
        ...base.endpoints[0]!,
        slots: 2,
        failures: { errorRate: a.errorRate, timeoutS: Number.POSITIVE_INFINITY, outages: [] },
      },
    ],
  };
}

function tally(records: AuditRecord[]) {
  const byAction = new Map<string, number>();
  for (const r of records) byAction.set(r.action, (byAction.get(r.action) ?? 0) + 1);
  return byAction;
}

describe("the audit trail of an adversarial fleet", () => {
  it("has exactly one record per action, each with its authority; denials carry reasons; no escape succeeds", () => {
    fc.assert(
      fc.property(adversary, (a) => {
        const s = build(a);
        // The test's own ledger, observed outside the trail.
        let dispatches = 0;
        const { result, audit, runtime } = simulateCell(s, {
          policy: a.policy,
          seed: a.seed,
          audit: { mode: "memory" },
          observer: {
            dispatched: () => {
              dispatches++;
            },
          },
        });
        const records = audit.records();
        expect(audit.verify().ok).toBe(true);
        const counts = tally(records);
        const c = result.counts;
        const calls = result.calls;
        const activity = runtime.activity!.counters;
        expect(counts.get("run.start") ?? 0).toBe(c.submitted - c.rejected);
        expect(counts.get("run.end") ?? 0).toBe(c.completed + c.failed);
        expect(counts.get("turn.dispatch") ?? 0).toBe(dispatches);
        expect(counts.get("retry") ?? 0).toBe(calls.retries);
        expect(counts.get("abort") ?? 0).toBe(calls.aborts);
        expect(counts.get("tool.call") ?? 0).toBe(calls.toolCalls);
        const toolDenials = records.filter(
          (r) => r.action === "tool.call" && r.decision === "deny",
        ).length;
        expect(counts.get("tool.result") ?? 0).toBe(calls.toolCalls - toolDenials);
        const budgetDenials = records.filter(
          (r) => r.action === "model.call" && r.decision === "deny",
        ).length;
        expect(counts.get("model.call") ?? 0).toBe(dispatches + budgetDenials);
        expect((counts.get("model.result") ?? 0) + (counts.get("abort") ?? 0)).toBe(dispatches);
        const workspaceOps = [
          "workspace.read",
          "workspace.write",
          "workspace.list",
          "workspace.delete",
        ].reduce((sum, action) => sum + (counts.get(action) ?? 0), 0);
        const storeOps = (counts.get("store.read") ?? 0) + (counts.get("store.write") ?? 0);
        expect(workspaceOps + storeOps).toBe(activity.operations);
        expect(counts.get("audit.seal")).toBe(1);
        expect(counts.get("audit.genesis")).toBe(1);
        expect(records[0]!.action).toBe("audit.genesis");
        expect(records.length).toBe(runtime.actionsTaken + activity.operations + 2);
        // Authority: every record of a run carries its job's authorizedBy; denials carry a reason.
        const authority: Record<string, string> = { honest: "head-of-ops", rogue: "cto" };
        for (const r of records) {
          if (r.action === "audit.seal" || r.action === "audit.genesis") continue;
          expect(r.authorizedBy).toBe(authority[r.job]);
          if (r.decision === "deny" || r.decision === "error")
            expect(r.detail.length).toBeGreaterThan(0);
        }
        // Isolation: no escape succeeded, every attempt was refused.
        expect(result.isolation.succeeded).toBe(0);
        expect(activity.breaches).toBe(0);
        expect(result.isolation.refused).toBe(result.isolation.attempts);
      }),
      { numRuns: RUNS },
    );
  });

  it("names the garbage writer, its authorizer and exactly the runs that read the bad versions", () => {
    const s = build({
      seed: 5,
      policy: "fifo",
      escapes: 0,
      garbage: 2,
      outside: 0,
      fraction: 1,
      budget: undefined,
      errorRate: 0,
      writes: 0,
      reads: 3,
    });
    const { result, audit, runtime } = simulateCell(s, {
      policy: "fifo",
      seed: 5,
      audit: { mode: "memory" },
    });
    const records = audit.records();
    // Independent model: replay the store records in order, tracking which version is garbage.
    const garbageVersions = new Set<string>();
    const readers = new Set<string>();
    const writers = new Set<string>();
    for (const r of records) {
      if (r.action === "store.write" && r.decision === "ok" && r.job === "rogue") {
        garbageVersions.add(r.target);
        writers.add(r.run);
      }
      if (r.action === "store.read" && r.decision === "ok" && garbageVersions.has(r.target))
        readers.add(r.run);
    }
    const radius = runtime.activity!.store.blastRadius(
      (w) =>
        typeof w.value === "object" &&
        w.value !== null &&
        (w.value as { garbage?: boolean }).garbage === true,
    );
    expect(garbageVersions.size).toBeGreaterThan(0);
    expect(new Set(radius.writers)).toEqual(writers);
    expect(radius.authorizers).toEqual(["cto"]);
    expect(new Set(radius.readers)).toEqual(readers);
    expect(result.store.blastRadius?.authorizers).toEqual(["cto"]);
    expect(result.store.readsOfGarbage).toBeGreaterThan(0);
  });
});
