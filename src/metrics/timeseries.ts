/** Options of a time series: `buckets` equal buckets across [0, endS]. */
export interface TimeSeriesConstraints {
  /** End of the series in seconds (> 0), usually the horizon. */
  endS: number;
  /** Number of buckets (default 240). */
  buckets?: number;
}

/** Serializable {@link LevelSeries}; bucket k covers [k·endS/buckets, (k+1)·endS/buckets). */
export interface LevelSeriesJSON {
  kind: "level";
  endS: number;
  buckets: number;
  /** Time-weighted mean level in each bucket; null where the series never reached the bucket. */
  mean: (number | null)[];
  /** Largest level seen in each bucket (instantaneous changes included); null likewise. */
  max: (number | null)[];
}

/** Serializable {@link SumSeries}; bucket k covers [k·endS/buckets, (k+1)·endS/buckets). */
export interface SumSeriesJSON {
  kind: "sum";
  endS: number;
  buckets: number;
  /** Amount added in each bucket. */
  sum: number[];
  /** Amount added at or after endS. */
  overflow: number;
}

const DEFAULT_BUCKETS = 240;

/** Fixed buckets across [0, endS] shared by both series. */
class Buckets {
  readonly endS: number;
  readonly count: number;

  constructor(name: string, constraints: TimeSeriesConstraints) {
    const { endS, buckets = DEFAULT_BUCKETS } = constraints;
    if (!(endS > 0 && endS < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`${name}: endS: expected a finite number > 0, got ${endS}`);
    }
    if (!(Number.isInteger(buckets) && buckets >= 1 && buckets <= 1_000_000)) {
      throw new RangeError(`${name}: buckets: expected an integer 1 to 1000000, got ${buckets}`);
    }
    this.endS = endS;
    this.count = buckets;
  }

  /** The bucket holding time t in [0, endS). */
  indexOf(timeS: number): number {
    const k = Math.floor((timeS * this.count) / this.endS);
    if (k >= this.count) return this.count - 1;
    // Rounding can put t just below its bucket's computed start; step back if so.
    return k > 0 && timeS < this.startOf(k) ? k - 1 : k;
  }

  /** Start of bucket k; startOf(count) is exactly endS. */
  startOf(k: number): number {
    return (k * this.endS) / this.count;
  }
}

function checkTime(name: string, timeS: number, lastS: number): void {
  if (!(timeS >= lastS)) {
    throw new RangeError(
      `${name}: timeS: expected >= ${lastS} (time only moves forward), got ${timeS}`,
    );
  }
}

function checkShape(name: string, parts: readonly { endS: number; buckets: number }[]): void {
  if (parts.length === 0) throw new RangeError(`${name}: expected at least one series, got none`);
  const { endS, buckets } = parts[0];
  parts.forEach((p, i) => {
    if (p.endS !== endS || p.buckets !== buckets) {
      throw new RangeError(
        `${name}: parts[${i}]: expected endS ${endS} and ${buckets} buckets, got ${p.endS} and ${p.buckets}`,
      );
    }
  });
}

/** Average of the non-null values at index k, in the order given; null if there are none. */
function averageAt(columns: readonly (number | null)[][], k: number): number | null {
  let sum = 0;
  let n = 0;
  for (const column of columns) {
    const x = column[k];
    if (x !== null) {
      sum += x;
      n++;
    }
  }
  return n === 0 ? null : sum / n;
}

/**
 * A piecewise-constant level over time (queue length, runs in flight) in fixed buckets: per
 * bucket, the time-weighted mean and the largest level. The level is 0 from time 0 until the
 * first change. Time past endS is outside the series and is not recorded (the window ends at
 * endS; choose endS past the drain to see it). Memory: three float64 arrays of `buckets`.
 */
export class LevelSeries {
  private readonly grid: Buckets;
  private readonly area: Float64Array;
  private readonly covered: Float64Array;
  private readonly maxLevel: Float64Array;
  private current = 0;
  private lastS = 0;

  /** An empty series of `buckets` (default 240) across [0, endS]. */
  constructor(constraints: TimeSeriesConstraints) {
    this.grid = new Buckets("LevelSeries", constraints);
    const n = this.grid.count;
    this.area = new Float64Array(n);
    this.covered = new Float64Array(n);
    this.maxLevel = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  }

  /** The level becomes `level` at `timeS` (>= 0); time must not go backwards. */
  set(timeS: number, level: number): void {
    checkTime("LevelSeries.set", timeS, this.lastS);
    if (!Number.isFinite(level)) {
      throw new RangeError(`LevelSeries.set: level: expected a finite number, got ${level}`);
    }
    this.integrate(timeS);
    this.current = level;
    if (timeS < this.grid.endS) {
      const k = this.grid.indexOf(timeS);
      if (level > this.maxLevel[k]) this.maxLevel[k] = level;
    }
  }

  /** The level changes by `delta` at `timeS`. */
  add(timeS: number, delta: number): void {
    this.set(timeS, this.current + delta);
  }

  /** Hold the current level up to `timeS`; call with endS when the run ends. */
  advanceTo(timeS: number): void {
    checkTime("LevelSeries.advanceTo", timeS, this.lastS);
    this.integrate(timeS);
  }

  private integrate(timeS: number): void {
    const grid = this.grid;
    let a = this.lastS;
    const b = Math.min(timeS, grid.endS);
    this.lastS = timeS;
    if (!(b > a)) return;
    const level = this.current;
    for (let k = grid.indexOf(a); k < grid.count && a < b; k++) {
      const next = grid.startOf(k + 1);
      const end = Math.min(next, b);
      if (end > a) {
        this.area[k] += level * (end - a);
        this.covered[k] += end - a;
        if (level > this.maxLevel[k]) this.maxLevel[k] = level;
        a = end;
      }
    }
  }

  /** The serializable form. */
  toJSON(): LevelSeriesJSON {
    const n = this.grid.count;
    const mean: (number | null)[] = new Array(n);
    const max: (number | null)[] = new Array(n);
    for (let k = 0; k < n; k++) {
      mean[k] = this.covered[k] > 0 ? this.area[k] / this.covered[k] : null;
      max[k] = this.maxLevel[k] === Number.NEGATIVE_INFINITY ? null : this.maxLevel[k];
    }
    return { kind: "level", endS: this.grid.endS, buckets: n, mean, max };
  }

  /**
   * The bucket-by-bucket average of several series (replications), over the ones that reached
   * each bucket, summed in the order given so that the same parts give the same bits.
   */
  static average(parts: readonly LevelSeriesJSON[]): LevelSeriesJSON {
    checkShape("LevelSeries.average", parts);
    const { endS, buckets } = parts[0];
    const means = parts.map((p) => p.mean);
    const maxes = parts.map((p) => p.max);
    const mean = Array.from({ length: buckets }, (_, k) => averageAt(means, k));
    const max = Array.from({ length: buckets }, (_, k) => averageAt(maxes, k));
    return { kind: "level", endS, buckets, mean, max };
  }
}

/**
 * Amounts added at instants (service delivered to a tenant, completions) summed in fixed
 * buckets. Amounts at or after endS go to `overflow` rather than the last bucket, so the last
 * bucket stays a true rate and the drain after the horizon is still counted: the buckets plus
 * the overflow always add up to everything added. Memory: one float64 array of `buckets`.
 */
export class SumSeries {
  private readonly grid: Buckets;
  private readonly sums: Float64Array;
  private overflowAmount = 0;

  /** An empty series of `buckets` (default 240) across [0, endS]. */
  constructor(constraints: TimeSeriesConstraints) {
    this.grid = new Buckets("SumSeries", constraints);
    this.sums = new Float64Array(this.grid.count);
  }

  /** Add `amount` (finite) at `timeS` (>= 0); times may come in any order. */
  add(timeS: number, amount: number): void {
    if (!(timeS >= 0)) {
      throw new RangeError(`SumSeries.add: timeS: expected a time >= 0, got ${timeS}`);
    }
    if (!Number.isFinite(amount)) {
      throw new RangeError(`SumSeries.add: amount: expected a finite number, got ${amount}`);
    }
    if (timeS >= this.grid.endS) this.overflowAmount += amount;
    else this.sums[this.grid.indexOf(timeS)] += amount;
  }

  /** Amount added at or after endS. */
  get overflow(): number {
    return this.overflowAmount;
  }

  /** Everything added: the buckets plus the overflow. */
  get total(): number {
    let total = this.overflowAmount;
    for (const x of this.sums) total += x;
    return total;
  }

  /** The serializable form. */
  toJSON(): SumSeriesJSON {
    return {
      kind: "sum",
      endS: this.grid.endS,
      buckets: this.grid.count,
      sum: Array.from(this.sums),
      overflow: this.overflowAmount,
    };
  }

  /** The bucket-by-bucket average of several series (replications), summed in the order given. */
  static average(parts: readonly SumSeriesJSON[]): SumSeriesJSON {
    checkShape("SumSeries.average", parts);
    const { endS, buckets } = parts[0];
    const sums = parts.map((p) => p.sum);
    const sum = Array.from({ length: buckets }, (_, k) => averageAt(sums, k) as number);
    const overflow = parts.reduce((total, p) => total + p.overflow, 0) / parts.length;
    return { kind: "sum", endS, buckets, sum, overflow };
  }
}
