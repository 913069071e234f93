/**
 * Fairness between tenants, defined once: Jain's index of each tenant's service relative to
 * its weighted max-min fair share of the service delivered, given what it asked for.
 */

/** One tenant's demand and service over a measurement window. */
export interface TenantDemand {
  /** The tenant's name (carried into the evidence). */
  name: string;
  /** The tenant's fair-share weight (> 0). */
  weight: number;
  /** Service its turns asked for in the window, in cost units (0 when it asked for nothing). */
  demand: number;
  /** Service it received in the window, in cost units. */
  service: number;
}

/** A tenant's line of evidence: its demand, its max-min fair share and what it received. */
export interface TenantFairness extends TenantDemand {
  /** Its weighted max-min fair share of the service delivered (0 without demand). */
  fairShare: number;
}

/** Jain's index over the tenants with demand, or null when fewer than two had any. */
export interface DemandFairness {
  /** In [1/n, 1] over the n tenants with demand; null with fewer than two such tenants. */
  jain: number | null;
  /** Every tenant, in the order given, with its fair share. */
  tenants: TenantFairness[];
}

/** The wording every output uses when `jain` is null. */
export const JAIN_NOT_MEASURABLE = "not measurable (one tenant with demand)";

/**
 * Jain's fairness index `(Σx)² / (n·Σx²)` of non-negative values: 1 when all are equal, 1/n
 * when one value holds everything. With no values, or all of them zero, it is 1: nobody got
 * less than anybody else.
 */
export function jainIndex(values: readonly number[]): number {
  let largest = 0;
  for (const x of values) {
    if (!(x >= 0 && x < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`jainIndex: expected finite values >= 0, got ${x}`);
    }
    if (x > largest) largest = x;
  }
  if (largest === 0) return 1;
  // The index is scale-free; dividing by the largest value keeps x² from under- or overflowing.
  let sum = 0;
  let sumOfSquares = 0;
  for (const x of values) {
    const scaled = x / largest;
    sum += scaled;
    sumOfSquares += scaled * scaled;
  }
  return (sum * sum) / (values.length * sumOfSquares);
}

/**
 * Weighted max-min fair shares of `capacity` by water-filling: capacity is divided in
 * proportion to weight among the tenants still open; a tenant whose demand is at most its
 * portion gets exactly its demand and leaves, and what it leaves is divided again among the
 * rest. Tenants without demand get 0. When capacity exceeds the total demand every tenant gets
 * its demand (the rest was served to nobody's detriment).
 */
export function maxMinFairShares(
  capacity: number,
  tenants: readonly { weight: number; demand: number }[],
): number[] {
  if (!(capacity >= 0 && capacity < Number.POSITIVE_INFINITY)) {
    throw new RangeError(
      `maxMinFairShares: capacity: expected a finite number >= 0, got ${capacity}`,
    );
  }
  tenants.forEach((t, i) => {
    if (!(t.weight > 0 && t.weight < Number.POSITIVE_INFINITY)) {
      throw new RangeError(
        `maxMinFairShares: tenants[${i}].weight: expected a finite number > 0, got ${t.weight}`,
      );
    }
    if (!(t.demand >= 0 && t.demand < Number.POSITIVE_INFINITY)) {
      throw new RangeError(
        `maxMinFairShares: tenants[${i}].demand: expected a finite number >= 0, got ${t.demand}`,
      );
    }
  });
  const shares = tenants.map(() => 0);
  let open = tenants.map((_, i) => i).filter((i) => tenants[i]!.demand > 0);
  let remaining = capacity;
  while (open.length > 0) {
    const weightSum = open.reduce((sum, i) => sum + tenants[i]!.weight, 0);
    const perWeight = remaining / weightSum;
    const capped = open.filter((i) => tenants[i]!.demand <= perWeight * tenants[i]!.weight);
    if (capped.length === 0) {
      for (const i of open) shares[i] = perWeight * tenants[i]!.weight;
      break;
    }
    for (const i of capped) {
      shares[i] = tenants[i]!.demand;
      remaining -= tenants[i]!.demand;
    }
    open = open.filter((i) => !capped.includes(i));
  }
  return shares;
}

/**
 * `fairness.jain`: Jain's index, over the tenants with demand in the window, of each one's
 * service divided by its weighted max-min fair share of the service delivered (all tenants'
 * service added up). 1 when every tenant got what max-min fairness would give it; lower when
 * some got less (and others more). A tenant that received less because it asked for less is
 * not treated unfairly: its fair share is its demand. Null with fewer than two tenants with
 * demand: there is nobody to be unfair to.
 */
export function demandFairness(tenants: readonly TenantDemand[]): DemandFairness {
  let delivered = 0;
  for (const t of tenants) delivered += t.service;
  const shares = maxMinFairShares(delivered, tenants);
  const evidence = tenants.map((t, i) => ({ ...t, fairShare: shares[i]! }));
  const withDemand = evidence.filter((t) => t.demand > 0);
  if (withDemand.length < 2) return { jain: null, tenants: evidence };
  // A tenant with demand has a positive fair share unless nothing at all was delivered, in
  // which case nobody got more than anybody else.
  if (delivered <= 0) return { jain: 1, tenants: evidence };
  return { jain: jainIndex(withDemand.map((t) => t.service / t.fairShare)), tenants: evidence };
}
