/** What the saturation rule looks at, all measured over the measurement window. */
export interface SaturationInput {
  /** Turns offered per second (arrivals into the queue in the window / window length). */
  offeredPerS: number;
  /** Turns served per second (completions in the window / window length). */
  servedPerS: number;
  /** Mean slot time a turn holds, in seconds (its service demand). */
  meanServiceS: number;
  /** Concurrent slots of the endpoint(s) serving these turns. */
  capacitySlots: number;
  /** Time-averaged number waiting over the first half of the window. */
  earlyQueue: number;
  /** Time-averaged number waiting over the second half of the window. */
  lateQueue: number;
  /** Turns waiting or in service at the end of the window. */
  backlogAtEnd: number;
  /** Turns offered in the window. */
  arrivals: number;
}

/** Thresholds of the rule (defaults in brackets). */
export interface SaturationConstraints {
  /** Offered load at or above this fraction of capacity is saturated [1]. */
  rhoLimit?: number;
  /** The late queue must exceed the early one by this factor to count as growing [2]. */
  growthFactor?: number;
  /** The backlog at the end must exceed this fraction of the arrivals [0.05]. */
  backlogFraction?: number;
}

/** The verdict, with the rates it rests on. */
export interface Saturation {
  saturated: boolean;
  /** Which part of the rule fired. */
  reason: "offered-load" | "growing-backlog" | "none";
  offeredPerS: number;
  servedPerS: number;
  /** Offered load over capacity: offeredPerS × meanServiceS / capacitySlots. */
  rho: number;
}

/**
 * Whether the system was saturated, so that its steady-state statistics mean nothing.
 *
 * Saturated when either:
 * 1. **offered load**: ρ = λ·S / c ≥ `rhoLimit` (1): the work offered per second needs at
 *    least every slot busy all the time, and a queue facing ρ ≥ 1 grows without bound (or,
 *    at ρ = 1, has no stationary distribution) whatever the policy; or
 * 2. **growing backlog**: the capacity really available was below the offered load for a
 *    reason ρ does not see (rate limits, outages, retries): the time-averaged queue in the
 *    second half of the window is more than `growthFactor` (2) times the first half's and at
 *    least 1, and the backlog left at the end exceeds `backlogFraction` (5%) of the window's
 *    arrivals. A queue growing linearly from empty averages three times as much in its second
 *    half as in its first, and leaves a backlog of (1 − 1/ρ) of its arrivals; a stable queue
 *    averages about the same in both halves and leaves a backlog of a few turns, a vanishing
 *    fraction of a long window's arrivals. Requiring both keeps a noisy stable queue, or a
 *    burst at the end, from being called saturated.
 */
export function saturation(
  input: SaturationInput,
  constraints: SaturationConstraints = {},
): Saturation {
  const { rhoLimit = 1, growthFactor = 2, backlogFraction = 0.05 } = constraints;
  const { offeredPerS, servedPerS, meanServiceS, capacitySlots } = input;
  if (!(capacitySlots > 0)) {
    throw new RangeError(`saturation: capacitySlots: expected a number > 0, got ${capacitySlots}`);
  }
  const rho = (offeredPerS * meanServiceS) / capacitySlots;
  const base = { offeredPerS, servedPerS, rho };
  if (rho >= rhoLimit) return { saturated: true, reason: "offered-load", ...base };
  const growing = input.lateQueue >= 1 && input.lateQueue > growthFactor * input.earlyQueue;
  const leftBehind = input.backlogAtEnd > backlogFraction * input.arrivals;
  if (growing && leftBehind) return { saturated: true, reason: "growing-backlog", ...base };
  return { saturated: false, reason: "none", ...base };
}
