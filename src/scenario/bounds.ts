/**
 * The upper bound of every size a scenario states: counts, durations, rates, token amounts and
 * list lengths. The schema enforces them, the JSON Schema and docs/scenario-format.md state
 * them, so a document that validates cannot ask for an array of a billion slots or a horizon
 * that never ends. Whether a valid scenario is affordable (its runs, model calls and the memory
 * its queues need) is a separate question, answered by the experiment's cost estimate
 * (`experiment/cost.ts`).
 *
 * The bounds are generous for a simulation of an agent runtime on one machine; each comment
 * says what a larger value would cost.
 */

/** Seconds in a day. */
const DAY_S = 86_400;

/** A scenario's bounds, by what they bound. */
export const BOUNDS = {
  /** Root seed: a safe integer (2^53 - 1), so it is exactly what the file says. */
  seed: Number.MAX_SAFE_INTEGER,
  /** Every duration (horizon, warmup, drain, timeouts, outages, backoff, SLOs, trace windows). */
  durationS: 365 * DAY_S,
  /** An arrival rate: runs a second (10,000 runs a second for a day is 864 million runs). */
  arrivalsPerS: 10_000,
  /** Replications per policy (each cell's result stays in memory until the report). */
  replications: 10_000,
  /** An endpoint's slots, a tool's concurrency (the runtime keeps an array entry per slot). */
  slots: 100_000,
  /** Closed-loop users of a job (a process each). */
  users: 100_000,
  /** Attempts of a turn. */
  attempts: 100,
  /** Admission control's waiting turns. */
  waitingTurns: 10_000_000,
  /** Turn records kept for the slot timeline (about 230 bytes each, in every cell's result). */
  timelineTurns: 100_000,
  /** A token amount: context window, budget, bucket. */
  tokens: 1_000_000_000,
  /** A request limit a second (60 times it a minute), a request bucket. */
  requestsPerS: 10_000_000,
  /** A token limit a second (60 times it a minute). */
  tokensPerS: 10_000_000_000,
  /** Workspace, store or misbehaving actions a turn (each an audited action). */
  actionsPerTurn: 1_000,
  /** Entity keys per store scope. */
  keysPerScope: 1_000_000,
  /** Turns of a run: a runaway's stop, and the mean of `turns.count`. */
  turnsPerRun: 1_000_000,
  /** A tenant's weight, a service cost weight, a trace's speedup. */
  factor: 1_000_000,
  /** A priority, either sign. */
  priority: 1_000_000_000,
  /** Lists. */
  policies: 64,
  /** Endpoints: a turn's endpoints are a bit mask of 30 bits. */
  endpoints: 30,
  tools: 1_000,
  tenants: 1_000,
  jobs: 1_000,
  /** Outage windows of one endpoint. */
  outages: 1_000,
  /** Model labels, grants, scopes and other lists of names. */
  names: 1_000,
  /** Tool calls after each turn. */
  toolCalls: 100,
  /** Sweep axes. */
  sweepAxes: 10,
  /** Values of one sweep axis (a list, or a range's count; `--vary` too). */
  sweepValues: 100_000,
  /** Points of a sweep's grid (the product of its axes' counts). */
  sweepPoints: 100_000,
  /** Cells of an experiment: sweep points x policies x replications. */
  cells: 1_000_000,
} as const;

/** Formats a bound for messages and the reference: 100000 -> "100,000". */
export function formatBound(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 6 });
}
