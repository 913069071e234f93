/**
 * The scenario option `runtime.workspaces.resolver` reaches the runtime: under the default
 * strict resolver every escape attempt of a misbehaving job is refused; under `prefix-only` (a
 * modelled weak resolver) some succeed, and the cell's isolation figures say so.
 */
import { describe, expect, it } from "vitest";
import { simulateCell } from "../src/cell/simulate.ts";
import { parseScenario } from "../src/scenario/load.ts";
import type { Scenario } from "../src/scenario/types.ts";
import { job, scenario } from "./support/scenarios.ts";

function adversarial(resolver: "strict" | "prefix-only"): Scenario {
  const base = scenario({
    jobs: [
      job({
        name: "honest",
        tenant: "t",
        arrivals: { process: "poisson", ratePerS: 2 },
        turns: {
          count: { dist: "constant", value: 3 },
          promptTokens: { dist: "constant", value: 100 },
          outputTokens: { dist: "constant", value: 50 },
          toolCalls: [],
        },
        io: { workspaceWrites: 2, storeReads: 0, storeWrites: 0, keysPerScope: 100 },
      }),
      job({
        name: "rogue",
        tenant: "t",
        arrivals: { process: "poisson", ratePerS: 1 },
        turns: {
          count: { dist: "constant", value: 3 },
          promptTokens: { dist: "constant", value: 100 },
          outputTokens: { dist: "constant", value: 50 },
          toolCalls: [],
        },
        behaviour: { fraction: 1, workspaceEscapes: { perTurn: 4 } },
      }),
    ],
  });
  return {
    ...base,
    horizonS: 120,
    warmupS: 0,
    endpoints: [{ ...base.endpoints[0]!, slots: 8 }],
    runtime: { ...base.runtime, workspaces: { resolver } },
  };
}

describe("runtime.workspaces.resolver", () => {
  it("shows that strict refuses every escape and prefix-only lets some through", () => {
    const strict = simulateCell(adversarial("strict"), { policy: "fifo", seed: 3 }).result;
    expect(strict.isolation.attempts).toBeGreaterThan(100);
    expect(strict.isolation.refused).toBe(strict.isolation.attempts);
    expect(strict.isolation.succeeded).toBe(0);
    const weak = simulateCell(adversarial("prefix-only"), { policy: "fifo", seed: 3 }).result;
    expect(weak.isolation.attempts).toBe(strict.isolation.attempts);
    expect(weak.isolation.succeeded).toBeGreaterThan(0);
    expect(weak.isolation.refused).toBeLessThan(weak.isolation.attempts);
  });

  it("shows that the same scenario and seed give the same isolation figures", () => {
    const a = simulateCell(adversarial("prefix-only"), { policy: "fifo", seed: 5 }).result;
    const b = simulateCell(adversarial("prefix-only"), { policy: "fifo", seed: 5 }).result;
    expect(JSON.stringify(b.isolation)).toBe(JSON.stringify(a.isolation));
  });

  it("loads from a scenario (default strict) and refuses an unknown resolver", () => {
    const doc = (runtime?: unknown) => ({
      horizon: "1m",
      endpoints: [{ name: "llm", slots: 1, latency: "1s" }],
      tenants: [{ name: "t" }],
      jobs: [
        {
          name: "j",
          tenant: "t",
          governance: {
            owner: "o",
            authorizedBy: "a",
            purpose: "p",
            riskClass: "minimal",
            tools: [],
            dataScopes: [],
          },
          arrivals: { process: "poisson", rate: "1/s" },
          turns: { count: 1, promptTokens: 10, outputTokens: 10 },
        },
      ],
      ...(runtime === undefined ? {} : { runtime }),
    });
    expect(parseScenario(doc()).runtime.workspaces).toEqual({ resolver: "strict" });
    expect(
      parseScenario(doc({ workspaces: { resolver: "prefix-only" } })).runtime.workspaces,
    ).toEqual({ resolver: "prefix-only" });
    expect(() => parseScenario(doc({ workspaces: { resolver: "loose" } }), "x.yaml")).toThrow(
      'x.yaml: runtime.workspaces.resolver: expected one of "strict", "prefix-only", got "loose"',
    );
  });
});
