/**
 * A token bucket: `ratePerS` tokens refill continuously up to `capacity`. Used for an endpoint's
 * request and token rate limits; a take that does not fit is refused (the caller answers 429).
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

  /** Takes `amount` (capped at the capacity, so an oversize request can ever pass) if available at `nowS`. */
  take(amount: number, nowS: number): boolean {
    this.refill(nowS);
    const need = amount < this.capacity ? amount : this.capacity;
    if (this.level + 1e-9 < need) return false;
    this.level -= need;
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
