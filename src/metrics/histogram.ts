import {
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  Float64Histogram,
} from "hdr-histogram-js";

/**
 * Options of a {@link Histogram}. Two histograms merge only when their constraints are equal.
 */
export interface HistogramConstraints {
  /** Largest value kept at full precision, in seconds; larger values are clamped to it and
   * counted in `overflowCount` (default 1e6 s, about 11.6 days). */
  highestS?: number;
  /** Significant decimal digits kept by the buckets, 1 to 5 (default 3: 0.1% relative error). */
  significantDigits?: number;
}

/** One point of a cumulative distribution: the fraction of recorded values at or below `valueS`. */
export interface CdfPoint {
  valueS: number;
  fraction: number;
}

/** The serializable form of a {@link Histogram}: plain JSON, safe to post between threads. */
export interface HistogramJSON {
  format: "agentsim-histogram/1";
  highestS: number;
  significantDigits: number;
  count: number;
  /** Exact sum of the values in whole microseconds, as a decimal integer string. */
  sumUs: string;
  /** Exact smallest and largest recorded values (null when empty). */
  minS: number | null;
  maxS: number | null;
  overflowCount: number;
  /** Bucket counts in HdrHistogram's V2 compressed base64 encoding, unit 1 µs. */
  counts: string;
}

const US_PER_S = 1e6;
/** The low word of the microsecond sum carries into the high word at 2^52. */
const SUM_CARRY = 2 ** 52;
const DEFAULT_HIGHEST_S = 1e6;
const DEFAULT_SIGNIFICANT_DIGITS = 3;
const FORMAT = "agentsim-histogram/1";
/** Multiplying by 2^-b is exact, so `floor(v * INV_POW2[b])` is an exact shift of v by b bits. */
const INV_POW2 = Float64Array.from({ length: 64 }, (_, b) => 2 ** -b);

/**
 * The rank `max(1, ceil(q × count))` of the nearest-rank quantile, with the product first
 * lowered by one unit in the last place so that floating-point noise does not skip a value
 * (0.07 × 100 is 7.000000000000001, and its rank is 7, not 8), as HdrHistogram does.
 */
export function nearestRank(q: number, count: number): number {
  const scaled = q * count;
  return Math.max(1, Math.ceil(scaled - scaled * 2 ** -52));
}

/**
 * A fixed-memory latency histogram over seconds, backed by HdrHistogram (hdr-histogram-js).
 *
 * Values are recorded in whole microseconds (rounded to nearest) into HdrHistogram's
 * log-linear buckets with unit 1 µs: below 2.048 ms every microsecond has its own bucket, above
 * it a bucket spans at most 1/1024 of its value (3 significant digits). So `quantile(q)` is
 * within `0.5 µs + value / 1024` of the exact nearest-rank sample quantile, never below it by
 * more than 0.5 µs, and never outside [min, max]. The range is 0 to `highestS` (default 1e6 s);
 * larger values are clamped into the top bucket and counted in `overflowCount`, never thrown.
 * Memory is fixed by the range: 31,744 float64 counts (254 KB) for the defaults.
 *
 * `count`, `mean`, `min` and `max` are exact, kept beside the buckets (the mean at microsecond
 * resolution): the sum is an integer number of microseconds held in two words, exact for any
 * number of values each below 4.5e9 s, so merging in any order gives the same bits.
 *
 * Why the hot path computes the bucket index itself: hdr-histogram-js's `recordValue` derives
 * it with `Math.log2` and `Math.pow` and records 6 to 8 million values/s here; the same index
 * from `Math.clz32` and a table of powers of two records 50 to 80 million/s (see
 * bench/metrics.bench.ts). The index equals HdrHistogram's `countsArrayIndex` (tested), so
 * the library still owns the layout, quantile bounds, merging and the encoding. Float64 counts
 * were chosen over Uint32 (faster still) because they cannot wrap, and over the packed layout
 * because it records tens of times slower.
 */
export class Histogram {
  /** The largest value kept at full precision, in seconds. */
  readonly highestS: number;
  /** Significant decimal digits of the buckets. */
  readonly significantDigits: number;
  private readonly store: Float64Histogram;
  private readonly highestUs: number;
  private readonly topIndex: number;
  /** log2 of half the sub-bucket count: HdrHistogram's `subBucketHalfCountMagnitude`. */
  private readonly halfMagnitude: number;
  /** Half the sub-bucket count: the number of counts each bucket after the first adds. */
  private readonly halfCount: number;
  private countValue = 0;
  private overflowValue = 0;
  private minValueS = Number.POSITIVE_INFINITY;
  private maxValueS = Number.NEGATIVE_INFINITY;
  private sumUsLow = 0;
  private sumUsHigh = 0;

  /**
   * An empty histogram over [0, highestS] (default 1e6 s) with 3 significant digits; `store`
   * (internal: `fromJSON`'s decoded counts, of this layout) to adopt instead of a new one.
   */
  constructor(constraints: HistogramConstraints = {}, store?: Float64Histogram) {
    const highestS = constraints.highestS ?? DEFAULT_HIGHEST_S;
    const digits = constraints.significantDigits ?? DEFAULT_SIGNIFICANT_DIGITS;
    if (!(highestS >= 0.001 && highestS <= 1e9)) {
      throw new RangeError(`Histogram: highestS: expected 0.001 to 1e9 seconds, got ${highestS}`);
    }
    if (!Number.isInteger(digits) || digits < 1 || digits > 5) {
      throw new RangeError(
        `Histogram: significantDigits: expected an integer 1 to 5, got ${digits}`,
      );
    }
    this.highestS = highestS;
    this.significantDigits = digits;
    this.highestUs = Math.round(highestS * US_PER_S);
    this.store = store ?? new Float64Histogram(1, this.highestUs, digits);
    this.halfMagnitude = this.store.subBucketHalfCountMagnitude;
    this.halfCount = this.store.subBucketHalfCount;
    this.topIndex = this.indexOf(this.highestUs);
    if (this.topIndex >= this.store.countsArrayLength) {
      throw new Error("Histogram: bucket layout does not cover highestS (internal error)");
    }
  }

  /** Record one value in seconds; it must be finite and >= 0, values above range are clamped. */
  record(valueS: number): void {
    if (!(valueS >= 0 && valueS < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`Histogram.record: expected a finite value >= 0 s, got ${valueS}`);
    }
    const us = Math.round(valueS * US_PER_S);
    this.countValue++;
    if (valueS < this.minValueS) this.minValueS = valueS;
    if (valueS > this.maxValueS) this.maxValueS = valueS;
    // `addToSumUs`, written out: calling it here measured 15.5 against 12.4 ns a record.
    let low = this.sumUsLow + us;
    if (low >= SUM_CARRY) {
      const carry = Math.floor(low / SUM_CARRY);
      this.sumUsHigh += carry;
      low -= carry * SUM_CARRY;
    }
    this.sumUsLow = low;
    if (us > this.highestUs) {
      this.overflowValue++;
      this.store.incrementCountAtIndex(this.topIndex);
    } else {
      this.store.incrementCountAtIndex(this.indexOf(us));
    }
  }

  /** HdrHistogram's counts index of a whole number of microseconds (unit magnitude 0). */
  private indexOf(us: number): number {
    const log2 =
      us < 4294967296 ? 31 - Math.clz32(us) : 63 - Math.clz32(Math.floor(us / 4294967296));
    const bucket = log2 > this.halfMagnitude ? log2 - this.halfMagnitude : 0;
    return bucket * this.halfCount + Math.floor(us * INV_POW2[bucket]);
  }

  /** The number of recorded values. */
  get count(): number {
    return this.countValue;
  }

  /** How many recorded values were above `highestS` and clamped to it. */
  get overflowCount(): number {
    return this.overflowValue;
  }

  /** Sum of the recorded values in seconds (exact at microsecond resolution). */
  get sumS(): number {
    return (this.sumUsHigh * SUM_CARRY + this.sumUsLow) / US_PER_S;
  }

  /** Mean of the recorded values in seconds, exact at microsecond resolution; NaN when empty. */
  get mean(): number {
    return this.countValue === 0 ? Number.NaN : this.sumS / this.countValue;
  }

  /** Smallest recorded value in seconds, exact; NaN when empty. */
  get min(): number {
    return this.countValue === 0 ? Number.NaN : this.minValueS;
  }

  /** Largest recorded value in seconds, exact (not clamped); NaN when empty. */
  get max(): number {
    return this.countValue === 0 ? Number.NaN : this.maxValueS;
  }

  /**
   * The nearest-rank quantile for q in [0, 1]: the smallest recorded value with at least
   * `nearestRank(q, count)` values at or below it, reported as its bucket's upper end
   * (HdrHistogram's convention) and clamped to [min, max]; the top rank gives the exact max.
   * Ranks that fall among values clamped above `highestS` report about `highestS`. NaN when
   * empty.
   */
  quantile(q: number): number {
    return this.quantiles([q])[0]!;
  }

  /**
   * `quantile` at each of `qs`, which must be in ascending order, in one pass over the buckets
   * (a summary's p50, p95 and p99 cost one scan, not three).
   */
  quantiles(qs: readonly number[]): number[] {
    const out = new Array<number>(qs.length);
    for (let k = 0; k < qs.length; k++) {
      const q = qs[k]!;
      if (!(q >= 0 && q <= 1)) {
        throw new RangeError(`Histogram.quantile: expected q in [0, 1], got ${q}`);
      }
      if (k > 0 && q < qs[k - 1]!) {
        throw new RangeError(`Histogram.quantiles: expected ascending qs, got ${qs.join(", ")}`);
      }
    }
    if (this.countValue === 0) return out.fill(Number.NaN);
    const length = this.store.countsArrayLength;
    let seen = 0;
    let i = -1;
    for (let k = 0; k < qs.length; k++) {
      const rank = nearestRank(qs[k]!, this.countValue);
      // The top rank is the maximum, which is known exactly even when it was clamped.
      if (rank >= this.countValue) {
        out[k] = this.maxValueS;
        continue;
      }
      while (seen < rank && i < length - 1) seen += this.store.getCountAtIndex(++i);
      if (seen < rank) {
        out[k] = this.maxValueS;
        continue;
      }
      const upperS = this.store.highestEquivalentValue(this.store.valueFromIndex(i)) / US_PER_S;
      out[k] = Math.min(Math.max(upperS, this.minValueS), this.maxValueS);
    }
    return out;
  }

  /**
   * The cumulative distribution at the given values (seconds), in the order given: for each,
   * the fraction of recorded values whose bucket lies at or below it. Exact below `min` (0) and
   * at or above `max` (1); in between, values sharing its bucket count as at or below it. Empty
   * histogram: fraction NaN.
   */
  cdf(pointsS: readonly number[]): CdfPoint[] {
    const cumulative = this.cumulativeCounts();
    return pointsS.map((valueS) => {
      if (Number.isNaN(valueS)) {
        throw new RangeError(`Histogram.cdf: expected numeric points, got ${valueS}`);
      }
      if (this.countValue === 0) return { valueS, fraction: Number.NaN };
      if (valueS < this.minValueS) return { valueS, fraction: 0 };
      if (valueS >= this.maxValueS) return { valueS, fraction: 1 };
      const us = Math.round(valueS * US_PER_S);
      const index = us > this.highestUs ? this.topIndex : this.indexOf(us);
      return { valueS, fraction: cumulative[index] / this.countValue };
    });
  }

  private cumulativeCounts(): Float64Array {
    const length = this.store.countsArrayLength;
    const cumulative = new Float64Array(length);
    let seen = 0;
    for (let i = 0; i < length; i++) {
      seen += this.store.getCountAtIndex(i);
      cumulative[i] = seen;
    }
    return cumulative;
  }

  /**
   * Add another histogram's values to this one (as if they had been recorded here) and return
   * this. Every field merges exactly, so any merge order gives byte-identical results.
   */
  merge(other: Histogram): this {
    if (other.highestS !== this.highestS || other.significantDigits !== this.significantDigits) {
      throw new RangeError(
        `Histogram.merge: expected equal constraints, got highestS ${this.highestS} vs ` +
          `${other.highestS}, significantDigits ${this.significantDigits} vs ${other.significantDigits}`,
      );
    }
    if (other.countValue === 0) return this;
    this.store.add(other.store);
    this.countValue += other.countValue;
    this.overflowValue += other.overflowValue;
    this.minValueS = Math.min(this.minValueS, other.minValueS);
    this.maxValueS = Math.max(this.maxValueS, other.maxValueS);
    this.sumUsHigh += other.sumUsHigh;
    this.addToSumUs(other.sumUsLow);
    return this;
  }

  private addToSumUs(us: number): void {
    let low = this.sumUsLow + us;
    if (low >= SUM_CARRY) {
      const carry = Math.floor(low / SUM_CARRY);
      this.sumUsHigh += carry;
      low -= carry * SUM_CARRY;
    }
    this.sumUsLow = low;
  }

  /** A copy that shares nothing with this histogram. */
  clone(): Histogram {
    return new Histogram({
      highestS: this.highestS,
      significantDigits: this.significantDigits,
    }).merge(this);
  }

  /** The serializable form; equal contents give byte-identical JSON. */
  toJSON(): HistogramJSON {
    // HdrHistogram's encoder reads its own max/total bookkeeping, which the fast record path
    // leaves alone; rebuild it from the counts first.
    this.store.establishInternalTackingValues();
    const sumUs = (BigInt(this.sumUsHigh) << 52n) + BigInt(this.sumUsLow);
    const empty = this.countValue === 0;
    return {
      format: FORMAT,
      highestS: this.highestS,
      significantDigits: this.significantDigits,
      count: this.countValue,
      sumUs: sumUs.toString(),
      minS: empty ? null : this.minValueS,
      maxS: empty ? null : this.maxValueS,
      overflowCount: this.overflowValue,
      counts: encodeIntoCompressedBase64(this.store),
    };
  }

  /** Rebuild a histogram from {@link Histogram.toJSON}'s form, checking that it is consistent. */
  static fromJSON(json: HistogramJSON): Histogram {
    if (json.format !== FORMAT) {
      throw new RangeError(
        `Histogram.fromJSON: format: expected "${FORMAT}", got "${json.format}"`,
      );
    }
    const decoded = decodeFromCompressedBase64(json.counts, 64);
    if (
      decoded.totalCount !== json.count ||
      decoded.numberOfSignificantValueDigits !== json.significantDigits ||
      !(decoded instanceof Float64Histogram)
    ) {
      throw new RangeError(
        `Histogram.fromJSON: counts: expected ${json.count} values at ${json.significantDigits} ` +
          `digits, got ${decoded.totalCount} at ${decoded.numberOfSignificantValueDigits}`,
      );
    }
    // The decoded counts serve as the store when their layout is this range's (they always are
    // for a histogram this class wrote); otherwise they are added into a store of that layout.
    const sameLayout =
      decoded.lowestDiscernibleValue === 1 &&
      decoded.highestTrackableValue === Math.round(json.highestS * US_PER_S);
    const histogram = new Histogram(
      { highestS: json.highestS, significantDigits: json.significantDigits },
      sameLayout ? decoded : undefined,
    );
    if (!sameLayout) histogram.store.add(decoded);
    histogram.countValue = json.count;
    histogram.overflowValue = json.overflowCount;
    histogram.minValueS = json.minS ?? Number.POSITIVE_INFINITY;
    histogram.maxValueS = json.maxS ?? Number.NEGATIVE_INFINITY;
    const sumUs = BigInt(json.sumUs);
    histogram.sumUsHigh = Number(sumUs >> 52n);
    histogram.sumUsLow = Number(sumUs & (2n ** 52n - 1n));
    return histogram;
  }
}
