/**
 * Saturation, defined once: whether a cell's figures are steady-state values. Every bottleneck
 * the runtime has — endpoint slots, request and token rate limits, tool concurrency quotas — is
 * compared with the load that all arrivals in the measurement window offered it; a queue still
 * growing at the end catches overload none of them shows (retries, failover, outages); and a
 * cell that lost more than a few of its measured runs is not a steady state either, whatever
 * its queues did.
 */

/** A bottleneck of the runtime and the load offered to it, in one unit. */
export interface Bottleneck {
  resource: "slots" | "requestsPerMinute" | "tokensPerMinute" | "toolConcurrency";
  /** The endpoint or tool it belongs to. */
  name: string;
  /** Offered load, in `unit`. */
  offered: number;
  /** What the resource can take, in `unit`. */
  limit: number;
  unit: string;
  /** offered / limit (Infinity when the limit is 0 and something was offered). */
  load: number;
}

/** What the rule looks at, all measured over the measurement window. */
export interface SaturationInput {
  /** Every bottleneck with its offered load and limit (load is computed here). */
  resources: readonly Omit<Bottleneck, "load">[];
  /** Time-averaged number waiting in the window's second quarter and in its last quarter. */
  earlyQueue: number;
  lateQueue: number;
  /** Slots of all endpoints (a growing queue must outgrow them to count). */
  totalSlots: number;
  /** Runs arriving in the window, and those of them that failed or were rejected, by reason. */
  measuredRuns: number;
  lost: number;
  lostBecause: readonly (readonly [string, number])[];
}

/** Thresholds of the rule (defaults in brackets). */
export interface SaturationConstraints {
  /** A resource offered at least this fraction of its limit is saturated [0.98]. */
  loadLimit?: number;
  /** The late queue must exceed the early one by this factor to count as growing [2]. */
  growthFactor?: number;
  /** More than this fraction of measured runs lost is not a steady state [0.05]. */
  lostLimit?: number;
}

/** The verdict, with what it rests on. */
export interface Saturation {
  /** Offered load reached a limit, or the queue was still growing at the end. */
  saturated: boolean;
  /** Neither saturated nor losing more than `lostLimit` of its measured runs. */
  steady: boolean;
  /** The most loaded resource when saturated; null otherwise. */
  bottleneck: Bottleneck | null;
  /** Every resource with its load, most loaded first. */
  resources: Bottleneck[];
  /** Failed and rejected runs over the runs arriving in the window. */
  failedFraction: number;
  /** Why the figures are not steady-state values, in words; "" when steady. */
  reason: string;
}

/**
 * The rule. Saturated when a resource's offered load is at least `loadLimit` of its limit (a
 * queue facing ρ ≥ 1 grows without bound, whatever the policy), or when the queue's mean in
 * the window's last quarter is more than `growthFactor` times its second quarter's, above the
 * slot count and at least 1 (overload that offered load does not show: retries, failover,
 * outages). Not steady when saturated or when more than `lostLimit` of the measured runs failed
 * or were rejected; the reason names the bottleneck with its offered load and limit, and the
 * commonest reasons runs were lost.
 */
export function saturation(
  input: SaturationInput,
  constraints: SaturationConstraints = {},
): Saturation {
  const { loadLimit = 0.98, growthFactor = 2, lostLimit = 0.05 } = constraints;
  const resources: Bottleneck[] = input.resources
    .map((r) => ({
      ...r,
      load: r.limit > 0 ? r.offered / r.limit : r.offered > 0 ? Number.POSITIVE_INFINITY : 0,
    }))
    .sort((a, b) => b.load - a.load);
  const top = resources[0];
  const overloaded = top !== undefined && top.load >= loadLimit;
  const { earlyQueue: early, lateQueue: late } = input;
  const growing = late > Math.max(growthFactor * early, input.totalSlots) && late > 1;
  const saturated = overloaded || growing;
  const failedFraction = input.measuredRuns > 0 ? input.lost / input.measuredRuns : 0;
  const losing = failedFraction > lostLimit;
  const reasons: string[] = [];
  if (overloaded) reasons.push(describeBottleneck(top));
  else if (growing) {
    reasons.push(
      `queue still growing: mean ${late.toFixed(1)} waiting in the window's last quarter vs ${early.toFixed(1)} in its second` +
        (top === undefined ? "" : ` (most loaded: ${describeBottleneck(top)})`),
    );
  }
  if (losing) reasons.push(describeLosses(input, failedFraction));
  return {
    saturated,
    steady: !saturated && !losing,
    bottleneck: saturated && top !== undefined ? top : null,
    resources,
    failedFraction,
    reason: reasons.join("; "),
  };
}

/** "tokensPerMinute on llm: offered 212k/min against a limit of 200k/min". */
export function describeBottleneck(b: Bottleneck): string {
  const where = b.resource === "toolConcurrency" ? `of ${b.name}` : `on ${b.name}`;
  return `${b.resource} ${where}: offered ${compact(b.offered)} ${b.unit} against a limit of ${compact(b.limit)}`;
}

function describeLosses(input: SaturationInput, fraction: number): string {
  const why = [...input.lostBecause]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(", ");
  return `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}% of measured runs failed or were rejected (${input.lost} of ${input.measuredRuns}${why === "" ? "" : `: ${why}`})`;
}

/** Three significant digits, thousands as k and millions as M: 212400 -> "212k", 15.78 -> "15.8". */
export function compact(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e6) return `${trim(x / 1e6)}M`;
  if (abs >= 1e4) return `${trim(x / 1e3)}k`;
  return trim(x);
}

function trim(x: number): string {
  return Number(x.toPrecision(3)).toString();
}
