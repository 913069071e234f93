/**
 * The number of requests in flight when each request started, itself included, from start
 * times and end times: with the starts and the ends sorted once, it is the number of starts at
 * or before the start less the number of ends at or before it (two binary searches), so
 * O(n log n) in all. A request ending exactly when another starts is not counted as in flight.
 */

/** In flight at each start; `endS[i]` is at least `startS[i]` (NaN ends count as the start). */
export function inFlightAtStart(startS: Float64Array, endS: Float64Array, n: number): Int32Array {
  const ends = new Float64Array(n);
  for (let i = 0; i < n; i++) ends[i] = Number.isNaN(endS[i]!) ? startS[i]! : endS[i]!;
  ends.sort();
  const counts = new Int32Array(n);
  let inOrder = true;
  for (let i = 1; i < n && inOrder; i++) inOrder = startS[i - 1]! <= startS[i]!;
  if (inOrder) {
    // A log in time order (the usual case): both counts only grow, so two pointers walk the
    // starts and the sorted ends once, with the same counts as the binary searches below.
    let started = 0;
    let ended = 0;
    for (let i = 0; i < n; i++) {
      const s = startS[i]!;
      while (started < n && startS[started]! <= s) started++;
      while (ended < n && ends[ended]! <= s) ended++;
      counts[i] = started - ended;
    }
    return counts;
  }
  const starts = startS.slice(0, n).sort();
  for (let i = 0; i < n; i++) {
    const s = startS[i]!;
    counts[i] = upperBound(starts, s) - upperBound(ends, s);
  }
  return counts;
}

/** The number of values in ascending `sorted` at most `x`. */
function upperBound(sorted: Float64Array, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}
