/**
 * Common random numbers per attempt: each attempt of a run's model call draws from its own
 * stream, keyed by the run, the call and the attempt, so it gets the same numbers under every
 * policy however many the latency model needs (a normal truncated far out in its tail takes
 * several rejection rounds) and however the policy ordered, refused or retried the calls before.
 */
import { describe, expect, it } from "vitest";
import { simulateCell } from "../src/cell/simulate.ts";
import { Endpoint } from "../src/runtime/endpoint.ts";
import type { JobSpec, Scenario } from "../src/scenario/types.ts";
import { aleaKey, aleaNext, aleaSeed, aleaSeedKeyed } from "../src/sim/alea.ts";
import type { Rng } from "../src/sim/rng.ts";
import { job, scenario } from "./support/scenarios.ts";

describe("keyed attempt streams", () => {
  it("give one stream per (key, call, attempt): the same for the same key, others for the rest", () => {
    const seeded = new Float64Array(4);
    aleaSeed("7\u0000run/triage#3", seeded, 0);
    const key = new Float64Array(3);
    aleaKey(seeded, 0, key, 0);
    for (const word of key)
      expect(Number.isInteger(word) && word >= 0 && word < 2 ** 32).toBe(true);
    const draws = (call: number, attempt: number, n = 4) => {
      const state = new Float64Array(4);
      aleaSeedKeyed(key, 0, call, attempt, state, 0);
      return Array.from({ length: n }, () => aleaNext(state, 0));
    };
    expect(draws(1, 2)).toEqual(draws(1, 2));
    const firsts = new Set<number>();
    for (let call = 1; call <= 50; call++) {
      for (let attempt = 2; attempt <= 9; attempt++) firsts.add(draws(call, attempt, 1)[0]!);
    }
    expect(firsts.size).toBe(400);
    // Pinned values: the derivation is integer arithmetic, the same on every machine and worker;
    // a change here changes every result and must be deliberate.
    expect(Array.from(key)).toEqual([1628967113, 2527231395, 1613236489]);
    expect(draws(1, 2, 2)).toEqual([0.36075554392300546, 0.927717471960932]);
  });
});

/** Jobs of two tenants and three priorities contending for two slots, with 429s and 5xx errors. */
function contended(): Scenario {
  const jobs: JobSpec[] = [0, 1, 2].map((i) =>
    job({
      name: `job${i}`,
      tenant: `t${i % 2}`,
      priority: i,
      arrivals: { process: "poisson", ratePerS: 0.5 },
      turns: {
        count: { dist: "uniform", min: 1, max: 4 },
        promptTokens: { dist: "uniform", min: 100, max: 400 },
        outputTokens: { dist: "uniform", min: 50, max: 200 },
        toolCalls: [],
      },
    }),
  );
  const base = scenario({ jobs });
  return {
    ...base,
    horizonS: 200,
    tenants: [
      { name: "t0", weight: 1 },
      { name: "t1", weight: 3 },
    ],
    runtime: {
      ...base.runtime,
      retry: { ...base.runtime.retry, attempts: 3, baseS: 0.3, maxS: 3 },
    },
    endpoints: [
      {
        ...base.endpoints[0]!,
        slots: 2,
        // A normal truncated 3 to 3.6 sd above its mean: each draw takes rejection rounds of
        // two uniforms, often more than the eight numbers a first attempt used to get.
        latency: {
          kind: "whole",
          turn: { dist: "normal", mean: 0, sd: 0.5, min: 1.5, max: 1.8 },
        },
        rateLimit: { requestsPerS: 1.2, burstRequests: 2 },
        failures: { errorRate: 0.15, timeoutS: Number.POSITIVE_INFINITY, outages: [] },
      },
    ],
  };
}

interface Planned {
  durationS: number;
  outcome: string;
}

/**
 * Runs a policy and records, by (run, call, attempt), the duration and outcome drawn for every
 * attempt an endpoint took (not those it refused at once with a 429, which draw nothing).
 */
function plans(policy: string): Map<string, Planned> {
  const out = new Map<string, Planned>();
  simulateCell(contended(), {
    policy,
    seed: 11,
    observer: {
      dispatched: (d) => {
        if (d.outcome === "rate_limited") return;
        const key = `${d.run.id}/call/${d.call}/attempt/${d.attempt}`;
        expect(out.has(key)).toBe(false);
        out.set(key, { durationS: d.durationS, outcome: d.outcome });
      },
    },
  });
  return out;
}

/** The most numbers one plan of the contended endpoint drew, over `n` attempt streams. */
function mostDrawsOfAPlan(n: number): number {
  const endpoint = new Endpoint(contended().endpoints[0]!, 0);
  let most = 0;
  for (let i = 0; i < n; i++) {
    const state = new Float64Array(4);
    aleaSeed(`attempt ${i}`, state, 0);
    let drawn = 0;
    const counted: Rng = {
      name: `attempt ${i}`,
      next: () => {
        drawn++;
        return aleaNext(state, 0);
      },
    };
    endpoint.plan(200, 100, counted, 0);
    most = Math.max(most, drawn);
  }
  return most;
}

describe("common random numbers across policies", () => {
  it("needs more than eight numbers for some plans of the contended endpoint", () => {
    // So the comparison below covers attempts that drew more than a fixed budget of numbers.
    expect(mostDrawsOfAPlan(5_000)).toBeGreaterThan(8);
  });

  it("gives each run's attempts the same duration and outcome under fifo, priority and fair-share", () => {
    const fifo = plans("fifo");
    for (const policy of ["priority", "fair-share"]) {
      const other = plans(policy);
      let common = 0;
      let retriesCompared = 0;
      for (const [name, planned] of other) {
        const same = fifo.get(name);
        if (same === undefined) continue;
        common++;
        if (!name.endsWith("/attempt/1")) retriesCompared++;
        expect({ name, ...planned }).toEqual({ name, ...same });
      }
      // Most first attempts are planned under both policies (a 429 refuses some before they
      // are planned); retries that both policies made are compared too.
      const firsts = [...fifo.keys()].filter((name) => name.endsWith("/attempt/1")).length;
      expect(common).toBeGreaterThan(firsts * 0.6);
      expect(retriesCompared).toBeGreaterThan(10);
      // The policies did serve differently: some attempts were planned under one only.
      expect(other.size === common && fifo.size === common).toBe(false);
    }
  });
});
