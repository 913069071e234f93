/**
 * A token bucket: `ratePerS` tokens refill continuously up to `capacity`. Used for an endpoint's
 * request and token rate limits; a take that does not fit is refused (the caller answers 429).
 * A request larger than the whole bucket passes once the bucket is full and leaves it in debt
 * (below zero) for the rest: charging it only the capacity would let a stream of large requests
 * through faster than `ratePerS`, so a limit would not hold over time.
 */
export class TokenBucket {
  private level: number;
  private lastS = 0;

  /** A full bucket of `capacity` refilling at `ratePerS`. */
  constructor(
    readonly ratePerS: number,
    readonly capacity: number,
  ) {
    if (!(ratePerS > 0) || !(capacity > 0)) {
      throw new RangeError(
        `TokenBucket: expected positive rate and capacity, got ${ratePerS}, ${capacity}`,
      );
    }
    this.level = capacity;
  }

  /**
   * Takes `amount` if available at `nowS`. An oversize request needs a full bucket and takes
   * all of its amount, leaving the bucket in debt.
   */
  take(amount: number, nowS: number): boolean {
    this.refill(nowS);
    const need = amount < this.capacity ? amount : this.capacity;
    if (this.level + 1e-9 < need) return false;
    this.level -= amount;
    return true;
  }

  /** True if `amount` is available at `nowS`, without taking it. */
  has(amount: number, nowS: number): boolean {
    this.refill(nowS);
    const need = amount < this.capacity ? amount : this.capacity;
    return this.level + 1e-9 >= need;
  }

  /** Seconds from `nowS` until `amount` will be available (0 when it is). */
  waitFor(amount: number, nowS: number): number {
    this.refill(nowS);
    const need = amount < this.capacity ? amount : this.capacity;
    return this.level >= need ? 0 : (need - this.level) / this.ratePerS;
  }

  private refill(nowS: number): void {
    if (nowS > this.lastS) {
      this.level = Math.min(this.capacity, this.level + (nowS - this.lastS) * this.ratePerS);
      this.lastS = nowS;
    }
  }
}
