/**
 * Number and text formatting shared by summary.md, the cockpit and the charts' captions. Every
 * function is pure and locale-free, so the same results always give the same bytes.
 */

/** Whether a value is a finite number (NaN, null and infinities, which JSON turns into null, are not). */
export function isNum(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/**
 * A duration in seconds with precision that suits its size: 3 decimals under 1 s, 2 under 10 s,
 * 1 under 100 s, none above. Missing values print as "–".
 */
export function seconds(x: number | null | undefined): string {
  if (!isNum(x)) return "–";
  const a = Math.abs(x);
  const digits = a < 1 ? 3 : a < 10 ? 2 : a < 100 ? 1 : 0;
  return x.toFixed(digits);
}

/** A plain number with `digits` decimals (default 2); "–" when missing. */
export function fixed(x: number | null | undefined, digits = 2): string {
  return isNum(x) ? x.toFixed(digits) : "–";
}

/** A fraction as a percentage with one decimal ("93.4%"); "–" when missing. */
export function percent(x: number | null | undefined): string {
  return isNum(x) ? `${(x * 100).toFixed(1)}%` : "–";
}

/** An integer count with thousands separators ("12,345"); "–" when missing. */
export function count(x: number | null | undefined): string {
  if (!isNum(x)) return "–";
  const rounded = Math.round(x);
  const sign = rounded < 0 ? "-" : "";
  return sign + String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The mark of an interval's end that was cut at the quantity's range (0, or 100% for fractions). */
export const CUT_MARK = "†";

/** The sentence that explains {@link CUT_MARK}, for a table's notes. */
export const CUT_NOTE =
  `${CUT_MARK} the Student t interval reached below 0 (or above 100% for a fraction), which the ` +
  "quantity cannot; it is cut there.";

/**
 * A 95% interval as "[low, high]" in the formatter given (default `seconds`); "" when there is
 * none (fewer than two replications). With `truncated`, the end cut at the range is marked
 * {@link CUT_MARK}: a low end at 0, a high end at 1.
 */
export function interval(
  ci: readonly [number, number] | null | undefined,
  format: (x: number) => string = seconds,
  truncated = false,
): string {
  if (ci === null || ci === undefined || !isNum(ci[0]) || !isNum(ci[1])) return "";
  const low = format(ci[0]) + (truncated && ci[0] === 0 ? CUT_MARK : "");
  const high = format(ci[1]) + (truncated && ci[1] === 1 ? CUT_MARK : "");
  return `[${low}, ${high}]`;
}

/** A value followed by its interval when there is one: "4.56 [3.90, 5.21]" or "4.56". */
export function withInterval(
  value: number | null | undefined,
  estimate: { ci95: readonly [number, number] | null; truncated?: boolean } | undefined,
  format: (x: number) => string = seconds,
): string {
  const text = isNum(value) ? format(value) : "–";
  const ci = interval(estimate?.ci95, format, estimate?.truncated === true);
  return ci === "" ? text : `${text} ${ci}`;
}

/** A signed difference ("+1.25", "-0.300") in the formatter given (default `seconds`). */
export function signed(
  x: number | null | undefined,
  format: (x: number) => string = seconds,
): string {
  if (!isNum(x)) return "–";
  return x > 0 ? `+${format(x)}` : format(x);
}
