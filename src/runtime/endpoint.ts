/**
 * A mocked model endpoint: slots, a latency model, rate limits (token buckets), an error rate,
 * a timeout and outage windows. It decides how a dispatched turn goes (its duration and
 * outcome); the runtime does the bookkeeping around it.
 */
import type { EndpointSpec } from "../scenario/index.ts";
import type { Rng } from "../sim/index.ts";
import { distMean, type Sampler, sampler } from "../sim/index.ts";
import { TokenBucket } from "./token-bucket.ts";

/** How a model call ended. */
export type TurnOutcome = "ok" | "error" | "timeout" | "rate_limited" | "unavailable";

/** What the endpoint decided for one attempt of a turn. */
export interface AttemptPlan {
  outcome: TurnOutcome;
  /** Seconds the attempt holds its slot (0 for a refusal). */
  durationS: number;
  /** Output tokens generated before the attempt ended (all of them when ok). */
  outputTokens: number;
}

/** An endpoint of one cell. */
export class Endpoint {
  readonly name: string;
  readonly index: number;
  readonly slots: number;
  /** Bit of this endpoint in a turn's endpoint mask. */
  readonly bit: number;
  /** Slots in use now. */
  busy = 0;
  /** Most slots ever in use (checked against `slots` at the end of the cell). */
  maxBusy = 0;
  /** True during an outage window. */
  down = false;
  /** The runtime's circuit breaker: no dispatch here before this time (after a 503). */
  openUntilS = 0;
  /** Mask of the endpoints a failed attempt here fails over to (0 = none). */
  failoverMask = 0;
  /** Turns in flight by slot (for aborts at an outage and the slot timeline). */
  readonly inFlight: (unknown | null)[];
  private readonly freeSlots: number[];
  // The plan `plan` returns, reused (see there).
  private readonly lastPlan: AttemptPlan = { outcome: "ok", durationS: 0.5, outputTokens: 0 };
  private readonly requests?: TokenBucket;
  private readonly tokens?: TokenBucket;
  private readonly spec: EndpointSpec;
  private readonly whole?: Sampler;
  private readonly ttft?: Sampler;
  private readonly perToken?: Sampler;
  private readonly jitter?: Sampler;
  // Means of the latency model, computed once, for the expected-duration estimate.
  private readonly means: {
    fixedS: number;
    perPromptS: number;
    perOutputS: number;
    jitter: number;
  };

  constructor(spec: EndpointSpec, index: number) {
    this.spec = spec;
    this.name = spec.name;
    this.index = index;
    this.slots = spec.slots;
    this.bit = 2 ** index;
    this.inFlight = new Array(spec.slots).fill(null);
    // Lowest free slot first, so the timeline fills slots from the top.
    this.freeSlots = Array.from({ length: spec.slots }, (_, i) => spec.slots - 1 - i);
    const limit = spec.rateLimit;
    if (limit?.requestsPerS !== undefined) {
      this.requests = new TokenBucket(
        limit.requestsPerS,
        limit.burstRequests ?? Math.max(1, limit.requestsPerS),
      );
    }
    if (limit?.tokensPerS !== undefined) {
      this.tokens = new TokenBucket(
        limit.tokensPerS,
        limit.burstTokens ?? Math.max(1, limit.tokensPerS),
      );
    }
    const latency = spec.latency;
    if (latency.kind === "whole") {
      this.whole = sampler(latency.turn);
    } else {
      this.ttft = sampler(latency.ttft);
      this.perToken = sampler(latency.perOutputTokenS);
    }
    if (latency.jitter !== undefined) this.jitter = sampler(latency.jitter);
    this.means =
      latency.kind === "whole"
        ? { fixedS: distMean(latency.turn), perPromptS: 0, perOutputS: 0, jitter: 1 }
        : {
            fixedS: distMean(latency.ttft),
            perPromptS: latency.perPromptTokenS,
            perOutputS: distMean(latency.perOutputTokenS),
            jitter: 1,
          };
    if (latency.jitter !== undefined) this.means.jitter = distMean(latency.jitter);
  }

  /** The mean turn time for a prompt and an expected output (for sjf's estimate). */
  expectedDurationS(promptTokens: number, outputTokens: number): number {
    const m = this.means;
    return (m.fixedS + m.perPromptS * promptTokens + m.perOutputS * outputTokens) * m.jitter;
  }

  /** The error rate of a call (5xx). */
  get errorRate(): number {
    return this.spec.failures.errorRate;
  }

  /** The outage windows. */
  get outages(): readonly { atS: number; forS: number }[] {
    return this.spec.failures.outages;
  }

  /** True when a slot is free. */
  get hasFreeSlot(): boolean {
    return this.busy < this.slots;
  }

  /** Takes the lowest free slot; the caller checked `hasFreeSlot`. */
  takeSlot(turn: unknown): number {
    const slot = this.freeSlots.pop()!;
    this.inFlight[slot] = turn;
    this.busy++;
    if (this.busy > this.maxBusy) this.maxBusy = this.busy;
    return slot;
  }

  /** Gives a slot back. */
  releaseSlot(slot: number): void {
    this.inFlight[slot] = null;
    this.busy--;
    // Keep the free list sorted descending so pop() returns the lowest free slot.
    const free = this.freeSlots;
    let i = free.length;
    free.push(slot);
    while (i > 0 && free[i - 1]! < slot) {
      free[i] = free[i - 1]!;
      i--;
    }
    free[i] = slot;
  }

  /**
   * The Retry-After of a 429 answered at `nowS` to a request of `tokens` tokens: seconds until
   * it fits the rate limits. Null when the endpoint sends none (`rateLimit.sendsRetryAfter`).
   */
  retryAfterS(tokens: number, nowS: number): number | null {
    if (this.spec.rateLimit?.sendsRetryAfter === false) return null;
    const requests = this.requests?.waitFor(1, nowS) ?? 0;
    const bucket = this.tokens?.waitFor(tokens, nowS) ?? 0;
    return requests > bucket ? requests : bucket;
  }

  /** Consumes the rate limits for a request of `tokens` tokens; false means 429. */
  admit(tokens: number, nowS: number): boolean {
    const requests = this.requests;
    const bucket = this.tokens;
    if (requests !== undefined && !requests.has(1, nowS)) return false;
    if (bucket !== undefined && !bucket.has(tokens, nowS)) return false;
    requests?.take(1, nowS);
    bucket?.take(tokens, nowS);
    return true;
  }

  /**
   * Plans an attempt about to take a slot (call it before `takeSlot`): its duration and
   * outcome. Draws come from `rng` in a fixed order (latency, jitter, error, error point) so the
   * same stream gives the same plan. The plan returned is the endpoint's own, overwritten by the
   * next call: read it at once (an attempt a turn would otherwise allocate one more object).
   */
  plan(
    promptTokens: number,
    outputTokens: number,
    rng: Rng,
    cachedTokens = 0,
  ): Readonly<AttemptPlan> {
    const latency = this.spec.latency;
    let fixedS: number;
    let perTokenS: number;
    let totalS: number;
    if (latency.kind === "whole") {
      totalS = Math.max(0, this.whole!(rng));
      fixedS = 0;
      perTokenS = outputTokens > 0 ? totalS / outputTokens : 0;
    } else {
      // The slots busy with this turn included: `plan` runs before the turn takes its slot, so
      // `busy` counts the others. A lone turn sees no slowdown; with every slot busy it is
      // 1 + loadSlowdown. Never below 1, so no loadSlowdown (>= 0) makes a time negative.
      const others = this.busy;
      const slowdown = 1 + (latency.loadSlowdown * others) / Math.max(1, this.slots - 1);
      // Prefill covers the prompt tokens not served from a cache.
      const prefillTokens = promptTokens > cachedTokens ? promptTokens - cachedTokens : 0;
      fixedS = Math.max(0, this.ttft!(rng)) + latency.perPromptTokenS * prefillTokens;
      perTokenS = Math.max(0, this.perToken!(rng)) * slowdown;
      totalS = fixedS + outputTokens * perTokenS;
    }
    if (this.jitter !== undefined) {
      const factor = Math.max(0, this.jitter(rng));
      totalS *= factor;
      fixedS *= factor;
      perTokenS *= factor;
    }
    const errorDraw = rng.next();
    const errorPoint = rng.next();
    const timeoutS = this.spec.failures.timeoutS;
    if (errorDraw < this.spec.failures.errorRate) {
      // A 5xx arrives part way through; what was generated until then is wasted.
      const atS = totalS * errorPoint;
      if (atS < timeoutS) {
        return this.planned("error", atS, generatedBy(atS, fixedS, perTokenS, outputTokens));
      }
    }
    if (totalS > timeoutS) {
      return this.planned(
        "timeout",
        timeoutS,
        generatedBy(timeoutS, fixedS, perTokenS, outputTokens),
      );
    }
    return this.planned("ok", totalS, outputTokens);
  }

  private planned(outcome: TurnOutcome, durationS: number, outputTokens: number): AttemptPlan {
    const plan = this.lastPlan;
    plan.outcome = outcome;
    plan.durationS = durationS;
    plan.outputTokens = outputTokens;
    return plan;
  }
}

function generatedBy(atS: number, fixedS: number, perTokenS: number, outputTokens: number): number {
  if (atS <= fixedS || perTokenS <= 0) return 0;
  return Math.min(outputTokens, Math.floor((atS - fixedS) / perTokenS));
}
