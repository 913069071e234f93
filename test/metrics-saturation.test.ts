// The saturation rule and Little's law as the cells use them, on hand-computed cases.
import { describe, expect, it } from "vitest";
import { describeBottleneck, littlesLaw, saturation } from "../src/metrics/index.ts";

describe("littlesLaw", () => {
  it("balances on a deterministic queue: one arrival a second, each waiting 0.5 s", () => {
    // Half of every second someone waits: the time-averaged number waiting is 0.5 by hand.
    const check = littlesLaw({
      arrivals: 100,
      windowS: 100,
      meanWaitS: 0.5,
      meanNumberWaiting: 0.5,
    });
    expect(check).toEqual({ lhs: 0.5, rhs: 0.5, relativeError: 0 });
  });

  it("reports the error relative to the larger side, 0 when both are 0", () => {
    expect(littlesLaw({ arrivals: 10, windowS: 10, meanWaitS: 2, meanNumberWaiting: 1 })).toEqual({
      lhs: 1,
      rhs: 2,
      relativeError: 0.5,
    });
    const idle = littlesLaw({
      arrivals: 0,
      windowS: 10,
      meanWaitS: Number.NaN,
      meanNumberWaiting: 0,
    });
    expect(idle.relativeError).toBe(0);
    expect(() =>
      littlesLaw({ arrivals: 1, windowS: 0, meanWaitS: 1, meanNumberWaiting: 1 }),
    ).toThrow(/littlesLaw: windowS: expected a finite number > 0, got 0/);
  });
});

describe("saturation", () => {
  const slots = { resource: "slots", name: "llm", offered: 4, limit: 8, unit: "slot-s/s" } as const;
  const stable = {
    resources: [slots],
    earlyQueue: 0.4,
    lateQueue: 0.5,
    totalSlots: 8,
    measuredRuns: 1000,
    lost: 3,
    lostBecause: [["model call failed after retries (last: 5xx error)", 3]] as [string, number][],
  };

  it("calls a stable queue at half load steady, with no bottleneck and no reason", () => {
    const verdict = saturation(stable);
    expect(verdict).toMatchObject({
      saturated: false,
      steady: true,
      bottleneck: null,
      failedFraction: 0.003,
      reason: "",
    });
    expect(verdict.resources).toEqual([{ ...slots, load: 0.5 }]);
  });

  it("names the binding limit, whichever resource it is, with offered vs limit", () => {
    // 212,400 tokens a minute offered against 200,000: load 1.062, above the slots' 0.5.
    const tokens = {
      resource: "tokensPerMinute",
      name: "llm",
      offered: 212_400,
      limit: 200_000,
      unit: "tokens/min",
    } as const;
    const verdict = saturation({ ...stable, resources: [slots, tokens] });
    expect(verdict.saturated).toBe(true);
    expect(verdict.steady).toBe(false);
    expect(verdict.bottleneck).toEqual({ ...tokens, load: 1.062 });
    expect(verdict.reason).toBe(
      "tokensPerMinute on llm: offered 212k tokens/min against a limit of 200k",
    );
  });

  it("counts 98% of a limit as saturated, 97% not", () => {
    const at = (offered: number) =>
      saturation({ ...stable, resources: [{ ...slots, offered, limit: 100 }] }).saturated;
    expect(at(98)).toBe(true);
    expect(at(97)).toBe(false);
  });

  it("names a tool quota", () => {
    const tool = {
      resource: "toolConcurrency",
      name: "crm-search",
      offered: 5.2,
      limit: 4,
      unit: "calls in flight",
    } as const;
    expect(describeBottleneck({ ...tool, load: 1.3 })).toBe(
      "toolConcurrency of crm-search: offered 5.2 calls in flight against a limit of 4",
    );
    expect(saturation({ ...stable, resources: [slots, tool] }).bottleneck?.name).toBe("crm-search");
  });

  it("calls a queue growing past the slot count saturated even when no limit is reached", () => {
    const verdict = saturation({ ...stable, earlyQueue: 25, lateQueue: 75 });
    expect(verdict.saturated).toBe(true);
    expect(verdict.reason).toMatch(/^queue still growing: mean 75\.0 waiting .* vs 25\.0/);
    // A burst at the end below the slot count is not growth.
    expect(saturation({ ...stable, earlyQueue: 0.2, lateQueue: 3 }).saturated).toBe(false);
  });

  it("never calls a cell that lost more than 5% of its measured runs steady, and says why", () => {
    const verdict = saturation({
      ...stable,
      measuredRuns: 200,
      lost: 108,
      lostBecause: [
        ["token budget exceeded", 8],
        ["model call failed after retries (last: 429 rate limited)", 100],
      ],
    });
    expect(verdict.saturated).toBe(false);
    expect(verdict.steady).toBe(false);
    expect(verdict.failedFraction).toBe(0.54);
    expect(verdict.reason).toBe(
      "54% of measured runs failed or were rejected (108 of 200: 100 model call failed after retries (last: 429 rate limited), 8 token budget exceeded)",
    );
    // 5% exactly is still steady; 5.5% is not.
    expect(saturation({ ...stable, lost: 50 }).steady).toBe(true);
    expect(saturation({ ...stable, lost: 55 }).steady).toBe(false);
  });
});
