/**
 * Time series in fixed buckets: bucket k of a series covers [k·bucketS, (k+1)·bucketS), and the
 * last bucket also takes whatever lies beyond it.
 */

/**
 * Adds `ratePerS` × (the time [startS, endS) spends in each bucket) to `series[k·stride +
 * offset]` for every bucket k it covers. The bucket index is found once and then stepped, not
 * recomputed from a time: a boundary computed as (k+1)·bucketS can floor back into bucket k,
 * which would stop the walk early (as it once did, losing most of a long turn's service).
 */
export function addOverBuckets(
  series: Float64Array,
  stride: number,
  offset: number,
  bucketS: number,
  startS: number,
  endS: number,
  ratePerS: number,
): void {
  const last = series.length / stride - 1;
  let bucket = Math.min(last, Math.floor(startS / bucketS));
  let t = startS;
  while (t < endS) {
    const bucketEnd = bucket >= last ? endS : Math.min(endS, (bucket + 1) * bucketS);
    if (bucketEnd > t) series[bucket * stride + offset]! += ratePerS * (bucketEnd - t);
    t = bucketEnd;
    bucket++;
  }
}

/** The bucket that time `timeS` falls in (the last one for any time beyond it). */
export function bucketOf(timeS: number, bucketS: number, buckets: number): number {
  return Math.min(buckets - 1, Math.floor(timeS / bucketS));
}
