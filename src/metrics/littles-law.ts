/** The quantities Little's law relates, all measured over one window. */
export interface LittlesLawInput {
  /** Items that entered the queue in the window (for `wait`: turns that became ready). */
  arrivals: number;
  /** Length of the window in seconds (> 0). */
  windowS: number;
  /** Mean time those items waited, in seconds. */
  meanWaitS: number;
  /** Time-averaged number of items waiting over the window. */
  meanNumberWaiting: number;
}

/** Both sides of L = λW and how far apart they are. */
export interface LittlesLawCheck {
  /** L: the time-averaged number waiting. */
  lhs: number;
  /** λW: arrival rate in the window times mean wait. */
  rhs: number;
  /** |lhs − rhs| / max(|lhs|, |rhs|), in [0, 1]; 0 when both are 0. */
  relativeError: number;
}

/**
 * Little's law as a self-check of the metrics: the time-averaged number waiting should equal
 * the arrival rate times the mean wait. Over a finite window the two differ by edge effects
 * (items waiting across the window's ends), which shrink as the window grows, so a large
 * relative error on a long window means a recording bug, not noise. The error is relative to
 * the larger side so that it stays finite and symmetric when one side is 0.
 */
export function littlesLaw(input: LittlesLawInput): LittlesLawCheck {
  const { arrivals, windowS, meanWaitS, meanNumberWaiting } = input;
  if (!(windowS > 0 && windowS < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`littlesLaw: windowS: expected a finite number > 0, got ${windowS}`);
  }
  if (!(arrivals >= 0)) {
    throw new RangeError(`littlesLaw: arrivals: expected a count >= 0, got ${arrivals}`);
  }
  const lhs = meanNumberWaiting;
  // No arrivals means no waits to average: λW is 0 whatever meanWaitS (often NaN) says.
  const rhs = arrivals === 0 ? 0 : (arrivals / windowS) * meanWaitS;
  const scale = Math.max(Math.abs(lhs), Math.abs(rhs));
  const relativeError = scale === 0 ? 0 : Math.abs(lhs - rhs) / scale;
  return { lhs, rhs, relativeError };
}
