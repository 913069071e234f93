/**
 * Running count, mean and variance by Welford's algorithm: one pass, fixed memory, and no
 * catastrophic cancellation (the naive Σx² − n·mean² loses every digit when the spread is
 * small against the mean, as per-replication latencies often are).
 */
export class RunningMoments {
  private n = 0;
  private meanValue = 0;
  /** Sum of squared deviations from the current mean (Welford's M2). */
  private m2 = 0;

  /** Add one observation; it must be finite. */
  push(x: number): void {
    if (!Number.isFinite(x)) {
      throw new RangeError(`RunningMoments.push: expected a finite number, got ${x}`);
    }
    this.n++;
    const delta = x - this.meanValue;
    this.meanValue += delta / this.n;
    this.m2 += delta * (x - this.meanValue);
  }

  /** Number of observations. */
  get count(): number {
    return this.n;
  }

  /** Mean of the observations; NaN when there are none. */
  get mean(): number {
    return this.n === 0 ? Number.NaN : this.meanValue;
  }

  /** Sample variance (divisor n − 1); NaN below two observations. */
  get variance(): number {
    return this.n < 2 ? Number.NaN : this.m2 / (this.n - 1);
  }

  /** Sample standard deviation (divisor n − 1); NaN below two observations. */
  get standardDeviation(): number {
    return Math.sqrt(this.variance);
  }

  /** Moments of a list of values, pushed in order. */
  static of(values: readonly number[]): RunningMoments {
    const moments = new RunningMoments();
    for (const x of values) moments.push(x);
    return moments;
  }
}
