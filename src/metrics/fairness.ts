/** One tenant's share of the service in the measurement window. */
export interface TenantService {
  /** Service delivered in the window, in cost units (e.g. promptTokens + 2 x outputTokens). */
  service: number;
  /** The tenant's fair-share weight (> 0). */
  weight: number;
  /** Whether the tenant had work waiting at some time in the window. */
  backlogged: boolean;
}

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
 * Jain's index over weight-normalized service (`service / weight`) among the backlogged
 * tenants only: a tenant that asked for nothing is not treated unfairly by receiving nothing.
 */
export function jainOverBacklogged(tenants: readonly TenantService[]): number {
  return jainIndex(normalizedBacklogged(tenants, "jainOverBacklogged"));
}

/**
 * The largest difference of weight-normalized service between two backlogged tenants over the
 * whole window (max − min of `service / weight`); 0 with fewer than two. For the gap over any
 * interval in which both were backlogged, as the Virtual Token Counter paper bounds it, use
 * {@link ServiceGapTracker}.
 */
export function serviceGap(tenants: readonly TenantService[]): number {
  const normalized = normalizedBacklogged(tenants, "serviceGap");
  if (normalized.length < 2) return 0;
  return Math.max(...normalized) - Math.min(...normalized);
}

function normalizedBacklogged(tenants: readonly TenantService[], name: string): number[] {
  const normalized: number[] = [];
  tenants.forEach((tenant, i) => {
    if (!(tenant.weight > 0 && tenant.weight < Number.POSITIVE_INFINITY)) {
      throw new RangeError(
        `${name}: tenants[${i}].weight: expected a number > 0, got ${tenant.weight}`,
      );
    }
    if (tenant.backlogged) normalized.push(tenant.service / tenant.weight);
  });
  return normalized;
}
