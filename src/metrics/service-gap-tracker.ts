/** Options of a {@link ServiceGapTracker}. */
export interface ServiceGapTrackerConstraints {
  /** Fair-share weight of each tenant, by tenant index (each > 0). */
  weights: readonly number[];
  /** Start of the measurement window in seconds (default 0). */
  fromS?: number;
  /** End of the measurement window in seconds, exclusive (default Infinity). */
  toS?: number;
}

/** The worst pair found so far: tenants `a` < `b` (-1 when no pair was ever jointly served). */
export interface WorstServiceGap {
  gap: number;
  a: number;
  b: number;
}

/**
 * Streams the largest service gap between two tenants while both are backlogged, the measure
 * of fairness of Sheng et al. (VTC, OSDI 2024): over every interval [t1, t2] in which tenants i
 * and j are both continuously backlogged, |W_i(t1, t2) / w_i − W_j(t1, t2) / w_j|, where W is
 * the service received in the interval.
 *
 * Why a running range suffices: let D(t) = W_i(0, t) / w_i − W_j(0, t) / w_j. The gap over
 * [t1, t2] is |D(t2) − D(t1)|, so the largest gap over the intervals inside one joint backlog
 * period is max D − min D over that period. The tracker keeps, per pair, D relative to the
 * start of the current joint period and its running min and max; the answer is the largest
 * max − min seen. Each service event costs O(tenants) and memory is O(tenants²), fixed.
 *
 * Events are taken in call order, which the simulator makes deterministic: service credited
 * at an instant counts for the pairs backlogged at that point in the sequence. Service outside
 * [fromS, toS) is ignored, so only intervals within the window contribute. Backlog changes are
 * idempotent (a start while backlogged keeps the period running), so the runtime may report
 * every enqueue. Time must not go backwards.
 */
export class ServiceGapTracker {
  /** Number of tenants. */
  readonly tenants: number;
  /** Start of the measurement window in seconds. */
  readonly fromS: number;
  /** End of the measurement window in seconds, exclusive. */
  readonly toS: number;
  private readonly weights: Float64Array;
  private readonly backlogged: Uint8Array;
  private readonly backlogStartS: Float64Array;
  private readonly backloggedInWindow: Uint8Array;
  private readonly serviceInWindow: Float64Array;
  /** Per pair (a < b, index a * tenants + b): D relative to the joint period's start. */
  private readonly drift: Float64Array;
  private readonly driftMin: Float64Array;
  private readonly driftMax: Float64Array;
  private readonly pairGaps: Float64Array;
  private worstGap = 0;
  private worstA = -1;
  private worstB = -1;
  private lastTimeS = Number.NEGATIVE_INFINITY;

  /** A tracker with every tenant idle. */
  constructor(constraints: ServiceGapTrackerConstraints) {
    const { weights, fromS = 0, toS = Number.POSITIVE_INFINITY } = constraints;
    weights.forEach((w, i) => {
      if (!(w > 0 && w < Number.POSITIVE_INFINITY)) {
        throw new RangeError(`ServiceGapTracker: weights[${i}]: expected a number > 0, got ${w}`);
      }
    });
    if (!(fromS < toS)) {
      throw new RangeError(
        `ServiceGapTracker: toS: expected more than fromS (${fromS}), got ${toS}`,
      );
    }
    const n = weights.length;
    this.tenants = n;
    this.fromS = fromS;
    this.toS = toS;
    this.weights = Float64Array.from(weights);
    this.backlogged = new Uint8Array(n);
    this.backlogStartS = new Float64Array(n);
    this.backloggedInWindow = new Uint8Array(n);
    this.serviceInWindow = new Float64Array(n);
    this.drift = new Float64Array(n * n);
    this.driftMin = new Float64Array(n * n);
    this.driftMax = new Float64Array(n * n);
    this.pairGaps = new Float64Array(n * n);
  }

  /** The tenant has work waiting from `timeS` on; no effect if it already had. */
  backlogStart(tenant: number, timeS: number): void {
    this.advance("backlogStart", tenant, timeS);
    if (this.backlogged[tenant] === 1) return;
    this.backlogged[tenant] = 1;
    this.backlogStartS[tenant] = timeS;
    const n = this.tenants;
    for (let other = 0; other < n; other++) {
      if (other === tenant || this.backlogged[other] === 0) continue;
      const k = tenant < other ? tenant * n + other : other * n + tenant;
      this.drift[k] = 0;
      this.driftMin[k] = 0;
      this.driftMax[k] = 0;
    }
  }

  /** The tenant has no more work waiting from `timeS` on; no effect if it had none. */
  backlogStop(tenant: number, timeS: number): void {
    this.advance("backlogStop", tenant, timeS);
    if (this.backlogged[tenant] === 0) return;
    this.backlogged[tenant] = 0;
    if (this.backlogStartS[tenant] < this.toS && timeS >= this.fromS) {
      this.backloggedInWindow[tenant] = 1;
    }
  }

  /** The tenant received `cost` units of service (>= 0) at `timeS`. */
  service(tenant: number, cost: number, timeS: number): void {
    this.advance("service", tenant, timeS);
    if (!(cost >= 0 && cost < Number.POSITIVE_INFINITY)) {
      throw new RangeError(
        `ServiceGapTracker.service: cost: expected a finite number >= 0, got ${cost}`,
      );
    }
    if (timeS < this.fromS || timeS >= this.toS) return;
    this.serviceInWindow[tenant] += cost;
    if (this.backlogged[tenant] === 0) return;
    const normalized = cost / this.weights[tenant];
    const n = this.tenants;
    for (let other = 0; other < n; other++) {
      if (other === tenant || this.backlogged[other] === 0) continue;
      let k: number;
      if (tenant < other) {
        k = tenant * n + other;
        this.drift[k] += normalized;
      } else {
        k = other * n + tenant;
        this.drift[k] -= normalized;
      }
      this.widen(k);
    }
  }

  private widen(k: number): void {
    const d = this.drift[k];
    if (d > this.driftMax[k]) this.driftMax[k] = d;
    if (d < this.driftMin[k]) this.driftMin[k] = d;
    const gap = this.driftMax[k] - this.driftMin[k];
    if (gap > this.pairGaps[k]) {
      this.pairGaps[k] = gap;
      if (gap > this.worstGap) {
        this.worstGap = gap;
        this.worstA = Math.floor(k / this.tenants);
        this.worstB = k % this.tenants;
      }
    }
  }

  private advance(name: string, tenant: number, timeS: number): void {
    if (!(tenant >= 0 && tenant < this.tenants && Number.isInteger(tenant))) {
      throw new RangeError(
        `ServiceGapTracker.${name}: tenant: expected an index 0 to ${this.tenants - 1}, got ${tenant}`,
      );
    }
    if (!(timeS >= this.lastTimeS)) {
      throw new RangeError(
        `ServiceGapTracker.${name}: timeS: expected >= ${this.lastTimeS} (time only moves forward), got ${timeS}`,
      );
    }
    this.lastTimeS = timeS;
  }

  /** The largest gap of weight-normalized service between two jointly backlogged tenants. */
  get maxGap(): number {
    return this.worstGap;
  }

  /** The largest gap and the pair of tenants it was between. */
  worst(): WorstServiceGap {
    return { gap: this.worstGap, a: this.worstA, b: this.worstB };
  }

  /** The largest gap between tenants a and b (in either order). */
  pairGap(a: number, b: number): number {
    if (a === b) return 0;
    return a < b ? this.pairGaps[a * this.tenants + b] : this.pairGaps[b * this.tenants + a];
  }

  /** Service the tenant received inside the window, in cost units. */
  serviceOf(tenant: number): number {
    return this.serviceInWindow[tenant];
  }

  /**
   * Whether the tenant was backlogged at some instant of the window: a backlog period
   * [start, stop] counts when start < toS and stop >= fromS; a period still running counts
   * when it started before toS.
   */
  wasBacklogged(tenant: number): boolean {
    if (this.backloggedInWindow[tenant] === 1) return true;
    return this.backlogged[tenant] === 1 && this.backlogStartS[tenant] < this.toS;
  }
}
