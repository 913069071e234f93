/**
 * Timing by hand: the load slowdown counts the turn itself (a lone turn sees none, a full
 * endpoint 1 + loadSlowdown), and a turn's latency runs from its first attempt's ready time to
 * its outcome, so a 429 and the backoff after it are in it; only runs arriving in the
 * measurement window are measured, whether their calls succeed or fail.
 */
import { describe, expect, it } from "vitest";
import { simulateCell } from "../src/cell/simulate.ts";
import { Endpoint } from "../src/runtime/endpoint.ts";
import type { EndpointSpec, Scenario } from "../src/scenario/types.ts";
import type { Rng } from "../src/sim/rng.ts";
import { job, scenario } from "./support/scenarios.ts";

/** An endpoint of `slots` slots: ttft 0.5 s, 10 ms an output token, no prefill, no failures. */
function tokenEndpoint(slots: number, loadSlowdown: number): Endpoint {
  const spec: EndpointSpec = {
    name: "llm",
    slots,
    latency: {
      kind: "tokens",
      ttft: { dist: "constant", value: 0.5 },
      perOutputTokenS: { dist: "constant", value: 0.01 },
      loadSlowdown,
      perPromptTokenS: 0,
    },
    failures: { errorRate: 0, timeoutS: Number.POSITIVE_INFINITY, outages: [] },
    models: ["llm"],
    failover: [],
  };
  return new Endpoint(spec, 0);
}

const half: Rng = { name: "half", next: () => 0.5 };

/** The duration of a 100-output-token turn planned with `busy` other slots taken. */
function durationWithOthers(endpoint: Endpoint, busy: number): number {
  for (let i = 0; i < busy; i++) endpoint.takeSlot(i);
  const { durationS } = endpoint.plan(100, 100, half);
  return durationS;
}

describe("load slowdown", () => {
  it("leaves a lone turn at its base time and slows a full endpoint by 1 + loadSlowdown", () => {
    // Base time: 0.5 + 100 x 0.01 = 1.5 s; the per-token part (1 s) is what slows.
    // One slot, loadSlowdown 0.5: a lone turn, 1.5 s (it ran 1.0 s, 50% faster, before).
    expect(durationWithOthers(tokenEndpoint(1, 0.5), 0)).toBeCloseTo(1.5, 12);
    // Three slots, loadSlowdown 0.5: slowdown = 1 + 0.5 x (busy with this turn - 1) / 2.
    expect(durationWithOthers(tokenEndpoint(3, 0.5), 0)).toBeCloseTo(1.5, 12);
    expect(durationWithOthers(tokenEndpoint(3, 0.5), 1)).toBeCloseTo(0.5 + 1.25, 12);
    expect(durationWithOthers(tokenEndpoint(3, 0.5), 2)).toBeCloseTo(0.5 + 1.5, 12);
    // The largest loadSlowdown the format allows (10): a full endpoint of two slots, 11x per token.
    expect(durationWithOthers(tokenEndpoint(2, 10), 1)).toBeCloseTo(0.5 + 11, 12);
    expect(durationWithOthers(tokenEndpoint(1, 10), 0)).toBeCloseTo(1.5, 12);
  });

  it("gives a lone run on a one-slot endpoint its base time through the runtime", () => {
    const s = scenario({
      jobs: [
        job({
          name: "j",
          tenant: "t",
          arrivals: { process: "constant", ratePerS: 0.1 },
          turns: {
            count: { dist: "constant", value: 1 },
            promptTokens: { dist: "constant", value: 100 },
            outputTokens: { dist: "constant", value: 100 },
            toolCalls: [],
          },
        }),
      ],
    });
    const lone: Scenario = {
      ...s,
      horizonS: 10,
      endpoints: [{ ...s.endpoints[0]!, latency: tokenEndpointSpecLatency(0.9) }],
    };
    const { result } = simulateCell(lone, { policy: "fifo" });
    // The histogram keeps its count, smallest and largest value exactly.
    expect(result.turnLatency).toMatchObject({ count: 1, minS: 1.5, maxS: 1.5 });
  });
});

function tokenEndpointSpecLatency(loadSlowdown: number): EndpointSpec["latency"] {
  return {
    kind: "tokens",
    ttft: { dist: "constant", value: 0.5 },
    perOutputTokenS: { dist: "constant", value: 0.01 },
    loadSlowdown,
    perPromptTokenS: 0,
  };
}

/**
 * Two runs of one turn, at t = 1 and t = 2, on two slots taking 1 s a turn, under a limit of one
 * request every 2 s (a bucket of one): the first is served at once; the second is refused (429)
 * at t = 2 with half a request in the bucket, so its Retry-After is (1 - 0.5) / 0.5 = 1 s. Its
 * backoff, when it is not the Retry-After, is 2 s x (0.5 + u), at least the 1 s the bucket needs.
 */
function refusedOnce(
  warmupS: number,
  retry: Partial<Scenario["runtime"]["retry"]> = {},
  sendsRetryAfter = true,
): Scenario {
  const s = scenario({
    jobs: [
      job({
        name: "j",
        tenant: "t",
        arrivals: { process: "constant", ratePerS: 1 },
        turns: {
          count: { dist: "constant", value: 1 },
          promptTokens: { dist: "constant", value: 100 },
          outputTokens: { dist: "constant", value: 100 },
          toolCalls: [],
        },
      }),
    ],
  });
  return {
    ...s,
    horizonS: 2,
    warmupS,
    runtime: {
      ...s.runtime,
      retry: { ...s.runtime.retry, attempts: 3, baseS: 2, maxS: 10, ...retry },
    },
    endpoints: [
      {
        ...s.endpoints[0]!,
        slots: 2,
        latency: { kind: "whole", turn: { dist: "constant", value: 1 } },
        rateLimit: {
          requestsPerS: 0.5,
          burstRequests: 1,
          ...(sendsRetryAfter ? {} : { sendsRetryAfter: false }),
        },
      },
    ],
  };
}

/** The retry's audited wait (its kind and seconds) and the times the two runs were served. */
function retried(s: Scenario) {
  const { result, audit } = simulateCell(s, { policy: "fifo", audit: { mode: "memory" } });
  expect(result.calls).toMatchObject({ attempts: 3, ok: 2, rateLimited: 1, retries: 1 });
  const retry = audit.records().find((r) => r.action === "retry")!;
  expect(retry.time).toBe(2);
  const [, kind, waitS] = /^attempt 2 after rate_limited, (backoff|Retry-After) ([\d.]+)s$/.exec(
    retry.detail,
  )!;
  const served = audit
    .records()
    .filter((r) => r.action === "model.result" && r.decision === "ok")
    .map((r) => r.time);
  return { kind, waitS: Number(waitS), served, result };
}

describe("Retry-After", () => {
  it("is honoured by default: the refused call is retried exactly 1 s later, no jitter", () => {
    const { kind, waitS, served } = retried(refusedOnce(0));
    expect(kind).toBe("Retry-After");
    expect(waitS).toBe(1);
    expect(served).toEqual([2, 4]);
  });

  it("is not used when ignored, nor when the endpoint sends none: the jittered backoff is", () => {
    for (const s of [refusedOnce(0, { retryAfter: "ignore" }), refusedOnce(0, {}, false)]) {
      const { kind, waitS, served } = retried(s);
      expect(kind).toBe("backoff");
      expect(waitS).toBeGreaterThanOrEqual(1);
      expect(waitS).toBeLessThan(3);
      expect(waitS).not.toBe(1);
      expect(served).toEqual([2, expect.closeTo(2 + waitS + 1, 3)]);
    }
  });

  it("above retryAfterMax falls back to the backoff, and the endpoint stays paused until it", () => {
    // A base of 0.2 s: the backoff is 0.1-0.3 s, shorter than the 1 s Retry-After; the call is
    // queued then, and dispatched when the pause that Retry-After set ends, at t = 3.
    const { kind, waitS, served } = retried(
      refusedOnce(0, { retryAfterMaxS: 0.5, baseS: 0.2, maxS: 1 }),
    );
    expect(kind).toBe("backoff");
    expect(waitS).toBeLessThan(0.3);
    expect(served).toEqual([2, 4]);
  });
});

describe("turn latency", () => {
  it("runs from the first attempt's ready time to the ok outcome, 429 and backoff included", () => {
    const { waitS, served, result } = retried(refusedOnce(0, { retryAfter: "ignore" }));
    // Run 1: ready at 1, served 1 s. Run 2: ready at 2, refused at once, backs off, served 1 s.
    // (The histogram keeps its count, smallest and largest value exactly.)
    expect(result.turnLatency.count).toBe(2);
    expect(result.turnLatency.minS).toBe(1);
    expect(result.turnLatency.maxS).toBeCloseTo(waitS + 1, 3);
    expect(served).toEqual([2, expect.closeTo(2 + waitS + 1, 3)]);
  });

  it("measures only runs arriving in the window: a warm-up run's turn is not recorded, ok or failed", () => {
    // Warm-up until 1.5 s: the run at t = 1 is not measured, the one at t = 2 is.
    const measured = simulateCell(refusedOnce(1.5), { policy: "fifo" }).result.turnLatency;
    expect(measured.count).toBe(1);
    expect(measured.minS).toBeGreaterThanOrEqual(2);
    // Failed calls too: every attempt fails (a 5xx), one attempt each, only the measured run counts.
    const failing = refusedOnce(1.5);
    const failed: Scenario = {
      ...failing,
      runtime: {
        ...failing.runtime,
        retry: { ...failing.runtime.retry, attempts: 1, baseS: 2, maxS: 10 },
      },
      endpoints: [
        {
          ...failing.endpoints[0]!,
          rateLimit: undefined,
          failures: { errorRate: 1, timeoutS: Number.POSITIVE_INFINITY, outages: [] },
        },
      ],
    };
    const { result } = simulateCell(failed, { policy: "fifo" });
    expect(result.counts.failed).toBe(2);
    expect(result.turnLatency.count).toBe(1);
  });
});
