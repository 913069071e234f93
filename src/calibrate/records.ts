/**
 * The request log as columns: one row a request, its numbers in growable typed arrays (about
 * 41 bytes a row), so a million rows cost some 40 MB and no object each.
 */

/** What a request's `status` says happened to it (docs: README "Calibrating from your logs"). */
export const OUTCOMES = ["ok", "error", "timeout", "rateLimited"] as const;
/** One of `OUTCOMES`. */
export type Outcome = (typeof OUTCOMES)[number];
/** An outcome's code in the `outcome` column. */
export const OUTCOME_CODE: Readonly<Record<Outcome, number>> = {
  ok: 0,
  error: 1,
  timeout: 2,
  rateLimited: 3,
};

/** One request as a reader hands it over: seconds and tokens; NaN where the log has nothing. */
export interface RequestRow {
  /** When the request was sent, in seconds (Unix time or any fixed origin). */
  startS: number;
  /** Time to first token in seconds; NaN when the log does not say. */
  ttftS: number;
  /** Whole request time in seconds; NaN when the log does not say. */
  durationS: number;
  /** Prompt tokens; NaN when the log does not say. */
  promptTokens: number;
  /** Output tokens; NaN when the log does not say. */
  outputTokens: number;
  outcome: Outcome;
}

/** The rows read, as columns; `size` of them are filled. */
export class RequestColumns {
  size = 0;
  startS = new Float64Array(1024);
  ttftS = new Float64Array(1024);
  durationS = new Float64Array(1024);
  promptTokens = new Float64Array(1024);
  outputTokens = new Float64Array(1024);
  outcome = new Uint8Array(1024);

  /** Appends a row. */
  push(row: RequestRow): void {
    if (this.size === this.startS.length) this.grow();
    const i = this.size++;
    this.startS[i] = row.startS;
    this.ttftS[i] = row.ttftS;
    this.durationS[i] = row.durationS;
    this.promptTokens[i] = row.promptTokens;
    this.outputTokens[i] = row.outputTokens;
    this.outcome[i] = OUTCOME_CODE[row.outcome];
  }

  private grow(): void {
    const n = this.startS.length * 2;
    const f64 = (old: Float64Array) => {
      const next = new Float64Array(n);
      next.set(old);
      return next;
    };
    this.startS = f64(this.startS);
    this.ttftS = f64(this.ttftS);
    this.durationS = f64(this.durationS);
    this.promptTokens = f64(this.promptTokens);
    this.outputTokens = f64(this.outputTokens);
    const outcome = new Uint8Array(n);
    outcome.set(this.outcome);
    this.outcome = outcome;
  }
}
