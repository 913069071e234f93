/**
 * Rate-limit headroom, checked against sources that are not the code under test: each
 * endpoint's attempts, 429s and 503s against a count of the dispatches an observer saw; the
 * offered rates against the arrival process written by hand; the admitted rate of an overloaded
 * limit against a token bucket's long-run rate (it can pass no more than rate x time + burst,
 * and a saturated bucket passes about that); and the summary's 429 share against the cells'.
 */
import { describe, expect, it } from "vitest";
import { simulateCell } from "../src/cell/simulate.ts";
import { endpointsOf } from "../src/experiment/summary.ts";
import type { DispatchView } from "../src/runtime/observer.ts";
import type { CellResult } from "../src/runtime/result.ts";
import type { Scenario } from "../src/scenario/types.ts";
import { job, scenario } from "./support/scenarios.ts";

/** Single-turn runs of 1,000 + 200 tokens arriving at `ratePerS`, on `endpoints`. */
function limited(
  ratePerS: number,
  endpoints: Scenario["endpoints"],
  process: "poisson" | "constant" = "poisson",
): Scenario {
  const s = scenario({
    jobs: [
      job({
        name: "j",
        tenant: "t",
        arrivals: { process, ratePerS },
        turns: {
          count: { dist: "constant", value: 1 },
          promptTokens: { dist: "constant", value: 1000 },
          outputTokens: { dist: "constant", value: 200 },
          toolCalls: [],
        },
        endpoints: endpoints.map((e) => e.name),
      }),
    ],
  });
  return { ...s, horizonS: 600, warmupS: 60, endpoints };
}

function endpoint(
  name: string,
  overrides: Partial<Scenario["endpoints"][number]> = {},
): Scenario["endpoints"][number] {
  return {
    name,
    slots: 4,
    latency: { kind: "whole", turn: { dist: "exponential", mean: 0.5 } },
    failures: { errorRate: 0, timeoutS: Number.POSITIVE_INFINITY, outages: [] },
    models: [name],
    failover: [],
    ...overrides,
  };
}

/** Runs the cell, counting the dispatches in the window by endpoint and outcome as they happen. */
function observed(s: Scenario, policy = "fifo") {
  const seen = new Map<string, { attempts: number; rateLimited: number; unavailable: number }>();
  const dispatched = (d: DispatchView) => {
    if (d.nowS < s.warmupS || d.nowS > s.horizonS) return;
    let at = seen.get(d.endpoint);
    if (at === undefined) {
      at = { attempts: 0, rateLimited: 0, unavailable: 0 };
      seen.set(d.endpoint, at);
    }
    at.attempts++;
    if (d.outcome === "rate_limited") at.rateLimited++;
    if (d.outcome === "unavailable") at.unavailable++;
  };
  const { result } = simulateCell(s, { policy, observer: { dispatched } });
  return { result, seen };
}

const windowMin = (r: CellResult) => (r.window.toS - r.window.fromS) / 60;

describe("rate-limit headroom", () => {
  it("counts each endpoint's attempts, 429s and 503s as the dispatches an observer saw", () => {
    // Two limited endpoints failing over to each other, one with an outage: 429s, 503s and
    // failover all happen, and the window cuts off the warm-up's runs.
    const s = limited(3, [
      endpoint("a", {
        rateLimit: { requestsPerS: 1, tokensPerS: 2000 },
        failover: ["b"],
        failures: {
          errorRate: 0,
          timeoutS: Number.POSITIVE_INFINITY,
          outages: [{ atS: 200, forS: 60 }],
        },
      }),
      endpoint("b", { rateLimit: { requestsPerS: 1.5, burstRequests: 3 }, failover: ["a"] }),
    ]);
    for (const policy of ["fifo", "fair-share"]) {
      const { result, seen } = observed(s, policy);
      const minutes = windowMin(result);
      for (const name of ["a", "b"]) {
        const e = result.endpoints[name]!;
        const count = seen.get(name)!;
        expect(count.rateLimited, `${policy} ${name}`).toBeGreaterThan(0);
        expect({
          attempts: e.attempts,
          rateLimited: e.rateLimited,
          unavailable: e.unavailable,
        }).toEqual(count);
        expect(e.requestsPerMinute.sent).toBeCloseTo(count.attempts / minutes, 9);
        expect(e.requestsPerMinute.admitted).toBeCloseTo(
          (count.attempts - count.rateLimited - count.unavailable) / minutes,
          9,
        );
        // Every attempt asks for 1,200 tokens.
        expect(e.tokensPerMinute.sent).toBeCloseTo((1200 * count.attempts) / minutes, 6);
      }
      expect(seen.get("a")!.unavailable).toBeGreaterThan(0);
      expect(result.endpoints.a!.requestsPerMinute.limit).toBe(60);
      expect(result.endpoints.a!.tokensPerMinute.limit).toBe(120_000);
      expect(result.endpoints.b!.tokensPerMinute.limit).toBeNull();
    }
  });

  it("offers what the arrival process sends: 3 runs a second is 180 requests and 216k tokens a minute", () => {
    const { result } = observed(limited(3, [endpoint("llm")], "constant"));
    const e = result.endpoints.llm!;
    // 540 s of window at exactly 3 a second: 1,620 arrivals, give or take the one on an edge.
    expect(Math.abs(e.requestsPerMinute.offered * windowMin(result) - 1620)).toBeLessThanOrEqual(1);
    expect(e.requestsPerMinute.offered).toBeCloseTo(180, 0);
    expect(e.tokensPerMinute.offered).toBeCloseTo(216_000, -3);
    expect(e.requestsPerMinute.limit).toBeNull();
    // No limit: everything sent is admitted, nothing refused.
    expect(e.rateLimited).toBe(0);
    expect(e.requestsPerMinute.admitted).toBe(e.requestsPerMinute.sent);
  });

  it("admits no more than an overloaded limit's rate x time + burst, and all of it when Retry-After is honoured", () => {
    // 120 requests a minute offered to a 60-a-minute limit (bucket of 1). Over the window the
    // bucket can pass no more than rate x window plus the one request it holds. Honouring
    // Retry-After, the runtime sends the next request the moment the bucket has room, so the
    // bucket passes its whole rate; ignoring it, retries land at random and a full bucket waits
    // for the next one, so less passes (about 1 / (1 + the mean gap between sends)).
    for (const retryAfter of ["honour", "ignore"] as const) {
      const base = limited(2, [endpoint("llm", { rateLimit: { requestsPerS: 1 } })]);
      const s: Scenario = {
        ...base,
        runtime: { ...base.runtime, retry: { ...base.runtime.retry, retryAfter } },
      };
      const { result } = observed(s);
      const e = result.endpoints.llm!;
      expect(e.requestsPerMinute.offered, retryAfter).toBeGreaterThan(110);
      expect(e.requestsPerMinute.offered / e.requestsPerMinute.limit!).toBeGreaterThan(1.8);
      expect(e.requestsPerMinute.admitted).toBeLessThanOrEqual(60 + 1 / windowMin(result) + 1e-9);
      if (retryAfter === "honour") expect(e.requestsPerMinute.admitted).toBeGreaterThan(60 * 0.99);
      else expect(e.requestsPerMinute.admitted).toBeLessThan(60 * 0.95);
      expect(e.rateLimited / e.attempts).toBeGreaterThan(0.3);
    }
  });

  it("sends fewer doomed requests when Retry-After is honoured than when it is ignored", () => {
    // The retry storm Retry-After prevents: a client that ignores it retries into an empty
    // bucket, so more of what it sends is refused, for no more admitted.
    const run = (retryAfter: "honour" | "ignore") => {
      const base = limited(2, [endpoint("llm", { rateLimit: { requestsPerS: 1 } })]);
      const s: Scenario = {
        ...base,
        runtime: { ...base.runtime, retry: { ...base.runtime.retry, retryAfter, attempts: 5 } },
      };
      return observed(s).result.endpoints.llm!;
    };
    const honour = run("honour");
    const ignore = run("ignore");
    expect(ignore.rateLimited / ignore.attempts).toBeGreaterThan(
      honour.rateLimited / honour.attempts + 0.05,
    );
    expect(ignore.requestsPerMinute.admitted).toBeLessThanOrEqual(
      honour.requestsPerMinute.admitted * 1.02,
    );
  });

  it("sums refusals over replications and gives the 429 share as the mean of theirs, with an interval", () => {
    const base = limited(2, [endpoint("llm", { rateLimit: { requestsPerS: 1 } })]);
    // Blind retries, whose 429 share varies from seed to seed.
    const s: Scenario = {
      ...base,
      runtime: { ...base.runtime, retry: { ...base.runtime.retry, retryAfter: "ignore" } },
    };
    const cells = [1, 2, 3].map((seed) => simulateCell(s, { policy: "fifo", seed }).result);
    const summary = endpointsOf(cells).llm!;
    const shares = cells.map((c) => c.endpoints.llm!.rateLimited / c.endpoints.llm!.attempts);
    expect(summary.attempts).toBe(cells.reduce((n, c) => n + c.endpoints.llm!.attempts, 0));
    expect(summary.rateLimited).toBe(cells.reduce((n, c) => n + c.endpoints.llm!.rateLimited, 0));
    expect(summary.rateLimitedShare.mean).toBeCloseTo(
      (shares[0]! + shares[1]! + shares[2]!) / 3,
      12,
    );
    expect(summary.rateLimitedShare.n).toBe(3);
    const [low, high] = summary.rateLimitedShare.ci95!;
    expect(low).toBeLessThan(summary.rateLimitedShare.mean);
    expect(high).toBeGreaterThan(summary.rateLimitedShare.mean);
    expect(summary.requestsPerMinute.load).toBeCloseTo(summary.requestsPerMinute.offered / 60, 12);
  });
});
