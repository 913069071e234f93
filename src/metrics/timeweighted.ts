/** Options of a {@link TimeWeightedAverage}. */
export interface TimeWeightedConstraints {
  /** Start of the averaging window in seconds (default 0). */
  fromS?: number;
  /** End of the averaging window in seconds. */
  toS: number;
  /** The level before the first change (default 0). */
  initialLevel?: number;
}

/**
 * The time average of a piecewise-constant level (number waiting, busy slots) over a window
 * [fromS, toS]: the integral of the level over the window divided by its length. Changes may
 * come before, inside or after the window; only the part inside counts. O(1) time and memory
 * an update.
 *
 * Used for Little's law (the time-averaged number waiting) and utilization (the mean of busy
 * slots divided by slots).
 */
export class TimeWeightedAverage {
  /** Start of the window in seconds. */
  readonly fromS: number;
  /** End of the window in seconds. */
  readonly toS: number;
  private current: number;
  private lastS = Number.NEGATIVE_INFINITY;
  private area = 0;
  private maxInWindow = Number.NEGATIVE_INFINITY;

  /** An accumulator over [fromS (default 0), toS], starting at `initialLevel` (default 0). */
  constructor(constraints: TimeWeightedConstraints) {
    const { fromS = 0, toS, initialLevel = 0 } = constraints;
    if (!(Number.isFinite(fromS) && Number.isFinite(toS) && toS > fromS)) {
      throw new RangeError(
        `TimeWeightedAverage: expected finite fromS < toS, got fromS ${fromS}, toS ${toS}`,
      );
    }
    if (!Number.isFinite(initialLevel)) {
      throw new RangeError(
        `TimeWeightedAverage: initialLevel: expected a finite number, got ${initialLevel}`,
      );
    }
    this.fromS = fromS;
    this.toS = toS;
    this.current = initialLevel;
  }

  /** The level becomes `level` at `timeS`; time must not go backwards. */
  set(timeS: number, level: number): void {
    if (!(timeS >= this.lastS)) {
      throw new RangeError(
        `TimeWeightedAverage.set: timeS: expected >= ${this.lastS} (time only moves forward), got ${timeS}`,
      );
    }
    if (!Number.isFinite(level)) {
      throw new RangeError(
        `TimeWeightedAverage.set: level: expected a finite number, got ${level}`,
      );
    }
    const a = Math.max(this.lastS, this.fromS);
    const b = Math.min(timeS, this.toS);
    if (b > a) {
      this.area += this.current * (b - a);
      if (this.current > this.maxInWindow) this.maxInWindow = this.current;
    }
    this.lastS = timeS;
    this.current = level;
    if (timeS >= this.fromS && timeS < this.toS && level > this.maxInWindow) {
      this.maxInWindow = level;
    }
  }

  /** The level changes by `delta` at `timeS` (e.g. +1 on enqueue, -1 on dispatch). */
  add(timeS: number, delta: number): void {
    this.set(timeS, this.current + delta);
  }

  /** Integrate the current level up to `timeS` without changing it. */
  advanceTo(timeS: number): void {
    this.set(timeS, this.current);
  }

  /** The current level. */
  get level(): number {
    return this.current;
  }

  /**
   * The largest level held inside the window so far (instantaneous changes included);
   * -Infinity if the window has not been reached. Call `advanceTo(toS)` at the end so that a
   * level held until then counts.
   */
  get max(): number {
    return this.maxInWindow;
  }

  /**
   * The integral of the level over [fromS, min(atS, toS)], taking the current level to hold
   * until `atS` (default toS). `atS` must not be before the last change.
   */
  integral(atS: number = this.toS): number {
    if (!(atS >= this.lastS)) {
      throw new RangeError(
        `TimeWeightedAverage.integral: atS: expected >= the last change at ${this.lastS}, got ${atS}`,
      );
    }
    const a = Math.max(this.lastS, this.fromS);
    const b = Math.min(atS, this.toS);
    return b > a ? this.area + this.current * (b - a) : this.area;
  }

  /**
   * The time average over [fromS, min(atS, toS)] (default the whole window), taking the
   * current level to hold until `atS`; NaN if that span is empty.
   */
  mean(atS: number = this.toS): number {
    const end = Math.min(atS, this.toS);
    if (!(end > this.fromS)) return Number.NaN;
    return this.integral(atS) / (end - this.fromS);
  }
}
