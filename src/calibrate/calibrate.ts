/**
 * From a request log to an endpoint of the scenario format, with the quality of each fit.
 * Only answered requests (`ok`) enter the latency fits: a failed or timed-out request's time
 * says when it stopped, not how long it would have taken.
 *
 * - **Token form** (when at least half the answered requests give `ttftMs`): `ttft` is fitted as
 *   a distribution (fit.ts); the time per output token of each request is (duration - ttft) /
 *   outputTokens (requests with output tokens); `loadSlowdown` is fitted against the number of
 *   requests in flight at each request's start, k (in-flight.ts), in the simulator's form:
 *   per-token time = base x (1 + loadSlowdown x (k - 1) / (slots - 1)), with `slots` the most
 *   requests ever in flight. Robustly: the median per-token time at each k, fitted by weighted
 *   least squares (weights: the requests at that k) against (k - 1) / (slots - 1); the
 *   per-token times divided by their slowdown are then fitted as a distribution.
 * - **Whole-turn form** (no time to first token, as in the Copilot agent trace): the whole
 *   request's duration is fitted as a distribution; the scenario format has no load slowdown
 *   for this form, so none is fitted.
 * - **Failures**: `errorRate` = errors / (ok + errors + timeouts); `timeout` = the median
 *   duration of the timed-out requests (the client's limit, as the simulator models it: a turn
 *   running longer is aborted). Requests refused with 429 are counted apart (their share is
 *   reported) and enter neither rate: in a scenario a 429 comes from `rateLimit`.
 * - **Observed rates**: requests and tokens (prompt + output) per minute over the log's span,
 *   from the first start to the last end; every request counts, 429s included.
 */
import { type Fit, fitDistribution, quantileOf } from "./fit.ts";
import { inFlightAtStart } from "./in-flight.ts";
import { OUTCOME_CODE, type RequestColumns } from "./records.ts";

/** The scenario format's most slots (scenario/bounds.ts, which this layer does not import). */
const MAX_SLOTS = 100_000;

/** A proportion with its 95% Wilson interval. */
export interface Proportion {
  value: number;
  /** Requests it is a proportion of. */
  n: number;
  count: number;
  ci95: [number, number];
}

/** The load slowdown fitted, with the evidence: the median per-token time at each k. */
export interface SlowdownFit {
  value: number;
  /** Requests used. */
  n: number;
  /** The base per-token time the line starts from (k = 1), in seconds. */
  baseS: number;
  /** Each distinct number in flight: requests, observed median per-token time, fitted. */
  byInFlight: { inFlight: number; n: number; observedS: number; fittedS: number }[];
  /** Why the value was cut to the format's range [0, 10], if it was. */
  clamped?: string;
}

/** What a log says about an endpoint. */
export interface Calibration {
  endpoint: string;
  rows: { total: number; ok: number; error: number; timeout: number; rateLimited: number };
  /** The most requests in flight at once: the endpoint's `slots`. */
  slots: number;
  form: "tokens" | "whole";
  ttft?: Fit;
  perOutputToken?: Fit;
  loadSlowdown?: SlowdownFit;
  turn?: Fit;
  errorRate: Proportion;
  timeoutRate: Proportion;
  /** The timeout, in seconds; null when no request timed out (or none says how long). */
  timeoutS: number | null;
  rateLimitedShare: Proportion;
  observed: {
    spanS: number;
    requestsPerMinute: number;
    tokensPerMinute: number;
    outputTokensPerMinute: number;
  };
  /** What was estimated how, and what the scenario format could not express. */
  notes: string[];
}

/** Options of `calibrate`. */
export interface CalibrateConstraints {
  /** The endpoint's name; default "llm". */
  endpoint?: string;
}

/** Fits an endpoint to the columns read. Throws `NoData` when nothing can be fitted. */
export function calibrate(
  columns: RequestColumns,
  options: CalibrateConstraints = {},
): Calibration {
  const n = columns.size;
  if (n === 0) throw new NoData("a log with at least one request", "no request rows");
  const counts = { total: n, ok: 0, error: 0, timeout: 0, rateLimited: 0 };
  let firstS = Number.POSITIVE_INFINITY;
  let lastS = Number.NEGATIVE_INFINITY;
  let tokens = 0;
  let outputTokens = 0;
  const endS = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const code = columns.outcome[i]!;
    if (code === OUTCOME_CODE.ok) counts.ok++;
    else if (code === OUTCOME_CODE.error) counts.error++;
    else if (code === OUTCOME_CODE.timeout) counts.timeout++;
    else counts.rateLimited++;
    const start = columns.startS[i]!;
    const duration = columns.durationS[i]!;
    endS[i] = Number.isNaN(duration) ? start : start + duration;
    if (start < firstS) firstS = start;
    if (endS[i]! > lastS) lastS = endS[i]!;
    const prompt = columns.promptTokens[i]!;
    const output = columns.outputTokens[i]!;
    if (!Number.isNaN(prompt)) tokens += prompt;
    if (!Number.isNaN(output)) {
      tokens += output;
      outputTokens += output;
    }
  }
  if (counts.ok === 0) {
    throw new NoData("at least one answered request (status ok / 2xx)", "none");
  }
  const notes: string[] = [];
  const inFlight = inFlightAtStart(columns.startS, endS, n);
  let slots = 1;
  for (let i = 0; i < n; i++) if (inFlight[i]! > slots) slots = inFlight[i]!;
  if (slots > MAX_SLOTS) {
    notes.push(
      `${slots} requests were in flight at once, more than the scenario format's ${MAX_SLOTS} slots: slots is ${MAX_SLOTS} and the slowdown is fitted against that.`,
    );
    slots = MAX_SLOTS;
    for (let i = 0; i < n; i++) if (inFlight[i]! > slots) inFlight[i] = slots;
  }

  let withTtft = 0;
  for (let i = 0; i < n; i++) {
    if (columns.outcome[i] === OUTCOME_CODE.ok && !Number.isNaN(columns.ttftS[i]!)) withTtft++;
  }
  const tokenForm = withTtft * 2 >= counts.ok;
  const result: Calibration = {
    endpoint: options.endpoint ?? "llm",
    rows: counts,
    slots,
    form: tokenForm ? "tokens" : "whole",
    errorRate: proportion(counts.error, counts.ok + counts.error + counts.timeout),
    timeoutRate: proportion(counts.timeout, counts.ok + counts.error + counts.timeout),
    timeoutS: timeoutOf(columns),
    rateLimitedShare: proportion(counts.rateLimited, n),
    observed: {
      spanS: lastS - firstS,
      requestsPerMinute: perMinute(n, lastS - firstS),
      tokensPerMinute: perMinute(tokens, lastS - firstS),
      outputTokensPerMinute: perMinute(outputTokens, lastS - firstS),
    },
    notes,
  };
  if (tokenForm) {
    fitTokenForm(columns, inFlight, slots, result);
    if (withTtft < counts.ok) {
      notes.push(
        `${counts.ok - withTtft} answered requests give no ttftMs and are left out of the latency fits.`,
      );
    }
  } else {
    result.turn = fitDistribution(sortedOf(columns, (i) => columns.durationS[i]!));
    notes.push(
      withTtft === 0
        ? "The log gives no time to first token: the whole request's duration was fitted (latency as one distribution), without a load slowdown, which the scenario format has only for the {ttft, perOutputToken} form."
        : `Only ${withTtft} of ${counts.ok} answered requests give ttftMs: the whole request's duration was fitted instead (latency as one distribution), without a load slowdown.`,
    );
  }
  if (counts.timeout > 0 && result.timeoutS === null) {
    notes.push("The timed-out requests give no durationMs: no timeout was set.");
  }
  if (counts.timeout > 0) {
    notes.push(
      `The scenario format has no timeout rate: a simulated turn times out only when its drawn time passes the timeout, so the observed rate (${round3(result.timeoutRate.value)}) is reproduced only as far as the fitted latency reaches the timeout.`,
    );
  }
  if (counts.rateLimited > 0) {
    notes.push(
      `${counts.rateLimited} requests were refused with 429 (rate-limited): counted apart, in neither errorRate nor the timeout rate; a scenario models them with rateLimit.`,
    );
  }
  notes.push(
    `slots is the most requests in flight at once in the log (${slots}); the real endpoint may allow more.`,
    "perPromptToken is not fitted: prompt-length effects stay inside the ttft distribution.",
  );
  return result;
}

/** Nothing to fit: no rows, or no answered request. */
export class NoData extends Error {
  constructor(
    readonly expected: string,
    readonly found: string,
  ) {
    super(`calibrate: expected ${expected}, got ${found}`);
    this.name = "NoData";
  }
}

function fitTokenForm(
  columns: RequestColumns,
  inFlight: Int32Array,
  slots: number,
  result: Calibration,
): void {
  const n = columns.size;
  const ok = (i: number) =>
    columns.outcome[i] === OUTCOME_CODE.ok && !Number.isNaN(columns.ttftS[i]!);
  result.ttft = fitDistribution(sortedOf(columns, (i) => (ok(i) ? columns.ttftS[i]! : Number.NaN)));
  // Per-token time of each answered request with output tokens, and its k.
  const perTokenAll = new Float64Array(n);
  const ksAll = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const output = columns.outputTokens[i]!;
    if (!ok(i) || !(output > 0)) continue;
    perTokenAll[m] = (columns.durationS[i]! - columns.ttftS[i]!) / output;
    ksAll[m++] = inFlight[i]!;
  }
  const perToken = perTokenAll.subarray(0, m);
  const ks = ksAll.subarray(0, m);
  if (perToken.length === 0) {
    result.notes.push("No answered request has output tokens: perOutputToken is set to 0.");
    result.perOutputToken = fitDistribution(Float64Array.of(0));
    return;
  }
  const slowdown = fitSlowdown(perToken, ks, slots);
  result.loadSlowdown = slowdown;
  const normalized = new Float64Array(perToken.length);
  for (let j = 0; j < perToken.length; j++) {
    normalized[j] = perToken[j]! / (1 + (slowdown.value * (ks[j]! - 1)) / Math.max(1, slots - 1));
  }
  normalized.sort();
  result.perOutputToken = fitDistribution(normalized);
}

/** Fits the slowdown line through the median per-token time at each number in flight. */
export function fitSlowdown(perToken: Float64Array, ks: Int32Array, slots: number): SlowdownFit {
  // The per-token times grouped by k (a counting sort: k runs from 1 to slots), each group
  // then sorted as a typed array, without a comparator.
  const counts = new Int32Array(slots + 2);
  for (const k of ks) counts[k + 1]!++;
  for (let k = 1; k < counts.length; k++) counts[k]! += counts[k - 1]!;
  const offsets = counts.slice();
  const grouped = new Float64Array(perToken.length);
  for (let j = 0; j < perToken.length; j++) grouped[offsets[ks[j]!]!++] = perToken[j]!;
  const groups: { k: number; x: number; n: number; median: number }[] = [];
  for (let k = 0; k <= slots; k++) {
    const from = counts[k]!;
    const to = counts[k + 1]!;
    if (to === from) continue;
    const values = grouped.subarray(from, to).sort();
    groups.push({
      k,
      x: (k - 1) / Math.max(1, slots - 1),
      n: to - from,
      median: quantileOf(values, 0.5),
    });
  }
  // Weighted least squares of median = a + c x.
  let w = 0;
  let sx = 0;
  let sy = 0;
  for (const g of groups) {
    w += g.n;
    sx += g.n * g.x;
    sy += g.n * g.median;
  }
  const mx = sx / w;
  const my = sy / w;
  let sxx = 0;
  let sxy = 0;
  for (const g of groups) {
    sxx += g.n * (g.x - mx) ** 2;
    sxy += g.n * (g.x - mx) * (g.median - my);
  }
  const c = sxx > 0 ? sxy / sxx : 0;
  let a = my - c * mx;
  let value = a > 0 ? c / a : 0;
  let clamped: string | undefined;
  if (!(a > 0)) {
    a = my;
    value = 0;
    clamped = "the fitted line does not start above 0: no slowdown fitted";
  } else if (value < 0) {
    clamped = `fitted ${value.toPrecision(3)} (faster under load), cut to 0`;
    value = 0;
    a = my;
  } else if (value > 10) {
    clamped = `fitted ${value.toPrecision(3)}, cut to the format's largest, 10`;
    value = 10;
  }
  const baseS = a;
  return {
    value,
    n: perToken.length,
    baseS,
    byInFlight: groups.map((g) => ({
      inFlight: g.k,
      n: g.n,
      observedS: g.median,
      fittedS: baseS * (1 + value * g.x),
    })),
    ...(clamped === undefined ? {} : { clamped }),
  };
}

// The values `pick` gives for each row, NaN ones left out, ascending.
function sortedOf(columns: RequestColumns, pick: (i: number) => number): Float64Array {
  const values = new Float64Array(columns.size);
  let m = 0;
  for (let i = 0; i < columns.size; i++) {
    if (columns.outcome[i] !== OUTCOME_CODE.ok) continue;
    const v = pick(i);
    if (!Number.isNaN(v)) values[m++] = v;
  }
  return values.slice(0, m).sort();
}

function timeoutOf(columns: RequestColumns): number | null {
  const durations: number[] = [];
  for (let i = 0; i < columns.size; i++) {
    if (columns.outcome[i] === OUTCOME_CODE.timeout && !Number.isNaN(columns.durationS[i]!)) {
      durations.push(columns.durationS[i]!);
    }
  }
  if (durations.length === 0) return null;
  durations.sort((a, b) => a - b);
  const median = quantileOf(durations, 0.5);
  return median > 0 ? median : null;
}

function round3(x: number): string {
  return String(Number(x.toPrecision(3)));
}

function perMinute(count: number, spanS: number): number {
  return spanS > 0 ? (count / spanS) * 60 : 0;
}

/** `count` of `n` with its 95% Wilson score interval. */
export function proportion(count: number, n: number): Proportion {
  if (n === 0) return { value: 0, n, count, ci95: [0, 1] };
  const z = 1.959963984540054;
  const p = count / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { value: p, n, count, ci95: [Math.max(0, centre - half), Math.min(1, centre + half)] };
}
