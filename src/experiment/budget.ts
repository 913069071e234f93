/**
 * The budget an experiment must fit before any cell runs: the memory of the runs in flight at
 * the peak of the cells running at once plus every cell's result (`--max-memory`, by default
 * three quarters of this thread's heap limit), and the work of all its cells counted in model
 * calls (`workOf`: `--max-calls`, by default `DEFAULT_MAX_CALLS`). Over it, a BudgetError names the file, the
 * field that drives the cost, the estimate and how to proceed; `--force` runs anyway (the
 * memory guard in each cell still stops a queue that outgrows the budget: see
 * runtime/memory.ts).
 */
import { getHeapStatistics } from "node:v8";
import { BudgetError, formatBytes, formatDuration, sizeFlag } from "../input/index.ts";
import { BYTES_PER_RUN_IN_FLIGHT, type CellMemory } from "../runtime/index.ts";
import type { Scenario } from "../scenario/index.ts";
import type { Cell } from "./cells.ts";
import { CELL_OVERHEAD_CALLS, type CellCost, estimateCell } from "./cost.ts";
import type { ExperimentPlan } from "./plan.ts";

/**
 * Model calls an experiment may make without `--force` or a larger `--max-calls`: a billion,
 * about 40 minutes of one core at the simulator's pace (2.5 µs a call,
 * bench/runtime.bench.ts); more is more likely a mistake in a rate, a horizon or a replication
 * count than an intent.
 */
export const DEFAULT_MAX_CALLS = 1e9;

/**
 * The work of an experiment, in model calls, which `--max-calls` bounds: its model calls, one
 * for each run that arrives (a run turned away by admission control, or that waits past the
 * drain, costs its arrival and no call), and `CELL_OVERHEAD_CALLS` for each cell's set-up (so
 * that many small cells, 10,000 replications of a one-minute scenario, are counted: 30 ms of
 * work each, not the 2 ms of their calls).
 */
export function workOf(cost: ExperimentCost): number {
  return cost.calls + cost.runs + cost.cells * CELL_OVERHEAD_CALLS;
}

/** The default `--max-memory`: three quarters of this thread's heap limit (V8's, from the machine's memory). */
export function defaultMaxMemory(): number {
  return Math.floor(0.75 * getHeapStatistics().heap_size_limit);
}

/** What an experiment may spend. */
export interface Budget {
  /** Bytes for the runs in flight of the cells running at once and the results kept. */
  maxMemoryBytes: number;
  /** Model calls of all the cells run. */
  maxCalls: number;
}

/** The estimate of an experiment (or one shard of it). */
export interface ExperimentCost {
  cells: number;
  runs: number;
  calls: number;
  /** Cells running at once (`--jobs`, at most the cells). */
  parallel: number;
  /** The sweep point whose cells hold the most runs in flight, and one cell's estimate there. */
  peak: { point: number; scenario: Scenario; cell: CellCost };
  /** Results kept until the report: every cell's. */
  resultsBytes: number;
  /** Memory at the peak: `parallel` cells at the peak point's runs in flight, plus the results. */
  peakBytes: number;
}

/**
 * Estimates an experiment from the scenario at each sweep point and the number of its cells
 * there (points with no cell, as in a shard, count nothing), `parallel` of them at once.
 */
export function estimateExperiment(
  points: readonly { scenario: Scenario; cells: number }[],
  parallel: number,
): ExperimentCost {
  let cells = 0;
  let runs = 0;
  let calls = 0;
  let resultsBytes = 0;
  let peak: ExperimentCost["peak"] | undefined;
  points.forEach(({ scenario, cells: count }, point) => {
    if (count === 0) return;
    const cell = estimateCell(scenario);
    cells += count;
    runs += count * cell.runs;
    calls += count * cell.calls;
    resultsBytes += count * cell.resultBytes;
    if (peak === undefined || cell.peakRunsInFlight > peak.cell.peakRunsInFlight) {
      peak = { point, scenario, cell };
    }
  });
  if (peak === undefined) throw new Error("estimateExperiment: expected at least one cell");
  const atOnce = Math.max(1, Math.min(parallel, cells));
  return {
    cells,
    runs,
    calls,
    parallel: atOnce,
    peak,
    resultsBytes,
    peakBytes: atOnce * peak.cell.peakRunsInFlight * BYTES_PER_RUN_IN_FLIGHT + resultsBytes,
  };
}

/** The memory budget of each cell's guard: `--max-memory` shared by the cells run at once. */
export function cellMemory(budget: Budget, cost: ExperimentCost): CellMemory {
  return { totalBytes: budget.maxMemoryBytes, parallel: cost.parallel };
}

/** One line of the estimate: "15 cells, 130 million runs, 10 million model calls, 8.3 GiB at the peak". */
export function costSummary(cost: ExperimentCost): string {
  return `${count(cost.cells)} cell${cost.cells === 1 ? "" : "s"}, ${count(cost.runs)} runs, ${count(cost.calls)} model calls, about ${formatBytes(cost.peakBytes)} at the peak (${count(cost.peak.cell.peakRunsInFlight)} runs in flight a cell, ${cost.parallel} cell${cost.parallel === 1 ? "" : "s"} at a time, ${formatBytes(cost.resultsBytes)} of results)`;
}

/**
 * Throws a BudgetError when the estimate is over the budget: memory first, then calls. `file`
 * is the scenario as the user named it.
 */
export function checkBudget(cost: ExperimentCost, budget: Budget, file: string): void {
  if (cost.peakBytes > budget.maxMemoryBytes) throw memoryError(cost, budget, file);
  if (workOf(cost) > budget.maxCalls) throw callsError(cost, budget, file);
}

function memoryError(cost: ExperimentCost, budget: Budget, file: string): BudgetError {
  const { scenario, cell } = cost.peak;
  const runsBytes = cost.peakBytes - cost.resultsBytes;
  const expected = `an experiment within the memory budget of ${formatBytes(budget.maxMemoryBytes)} (--max-memory)`;
  const found = `an estimated ${formatBytes(cost.peakBytes)} at the peak`;
  const accept = `or accept the risk with --max-memory ${sizeFlag(cost.peakBytes * 1.1)} (--force skips this estimate; a cell whose queue outgrows the budget still stops)`;
  const estimate = `Estimate: ${costSummary(cost)}.`;
  if (runsBytes < cost.resultsBytes || cell.saturated === undefined) {
    const perCell = cost.resultsBytes / cost.cells;
    const path = runsBytes < cost.resultsBytes ? "replications" : busiestField(scenario, cell);
    return new BudgetError(
      path,
      expected,
      found,
      [
        estimate,
        runsBytes < cost.resultsBytes
          ? `Each cell's result is kept until the report is written: about ${formatBytes(perCell)} a cell (its slot timeline, runtime.timelineTurns: ${scenario.runtime.timelineTurns}, about 230 bytes a turn).`
          : `The runs in flight are those of a load the slots serve: ${count(cell.peakRunsInFlight)} a cell, ${formatBytes(BYTES_PER_RUN_IN_FLIGHT)} each.`,
        `To proceed: run fewer cells (replications, policies or sweep points), set runtime.timelineTurns lower (0 keeps no timeline), ${accept}.`,
      ],
      { file },
    );
  }
  const s = cell.saturated;
  const job = scenario.jobs[s.job]!;
  const endpoints = s.endpoints.map((e) => scenario.endpoints[e]!.name).join(", ");
  // What fits: the runs in flight a cell may hold, less those that are not waiting.
  const fitRuns =
    (budget.maxMemoryBytes - cost.resultsBytes) / cost.parallel / BYTES_PER_RUN_IN_FLIGHT;
  const waiting = Math.min(
    s.growthPerS * scenario.horizonS,
    scenario.runtime.admission.maxWaitingTurns,
  );
  const room = fitRuns - (cell.peakRunsInFlight - waiting);
  const ways = ["shorten the horizon"];
  if (room > 1) {
    ways[0] = `shorten the horizon (about ${formatDuration(roundDuration(room / s.growthPerS))} fits)`;
    ways.push(
      `cap the queue with runtime.admission.maxWaitingTurns (e.g. ${roundDown(room * 0.9)})`,
    );
  } else {
    ways.push("cap the queue with runtime.admission.maxWaitingTurns");
  }
  ways.push(`add slots to ${endpoints}`);
  return new BudgetError(
    arrivalField(job, s.job),
    expected,
    found,
    [
      estimate,
      `In a cell, runs of job "${job.name}"${scenario.jobs.length > 1 ? " and the jobs sharing its endpoints" : ""} arrive at ${rate(s.arrivalsPerS)} at ${endpoints} (${count(s.slots)} slots${s.slotsLeft < s.slots ? `, ${count(s.slotsLeft)} left by closed loops` : ""}) and complete at about ${rate(s.completionsPerS)}: the runs in flight grow by ${rate(s.growthPerS)} for the ${formatDuration(scenario.horizonS)} horizon, to about ${count(cell.peakRunsInFlight)} at the peak, ${formatBytes(BYTES_PER_RUN_IN_FLIGHT)} each.`,
      `To proceed: ${ways.join(", ")}, ${accept}.`,
    ],
    { file },
  );
}

function callsError(cost: ExperimentCost, budget: Budget, file: string): BudgetError {
  const { scenario, cell } = cost.peak;
  return new BudgetError(
    busiestField(scenario, cell),
    `an experiment of at most ${count(budget.maxCalls)} model calls (--max-calls)`,
    `an estimated ${count(workOf(cost))}`,
    [
      `Estimate: ${costSummary(cost)}; job "${scenario.jobs[cell.busiestJob]!.name}" offers the most calls, over the ${formatDuration(scenario.horizonS)} horizon. The budget counts a run's arrival as one call more, and a cell's set-up as ${count(CELL_OVERHEAD_CALLS)}.`,
      "To proceed: shorten the horizon, lower the arrival rate, run fewer replications or sweep points, split the cells across machines with --shard i/n, or accept the time it takes with --max-calls or --force.",
    ],
    { file },
  );
}

/** The field that sets a job's arrivals: its rate, its users or its trace. */
function arrivalField(job: Scenario["jobs"][number], index: number): string {
  const field = { poisson: "rate", constant: "rate", closed: "users", trace: "file" }[
    job.arrivals.process
  ];
  return `jobs[${index}].arrivals.${field}`;
}

function busiestField(scenario: Scenario, cell: CellCost): string {
  const job = scenario.jobs[cell.busiestJob];
  return job === undefined ? "horizon" : arrivalField(job, cell.busiestJob);
}

/** A count for people: 1,234 below a million, then "8.5 million", "1.2 x 10^10". */
function count(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 1e6) return Math.round(n).toLocaleString("en-US");
  if (n < 1e9) return `${Number((n / 1e6).toPrecision(2))} million`;
  if (n < 1e12) return `${Number((n / 1e9).toPrecision(2))} billion`;
  return n.toExponential(1).replace("e+", " x 10^");
}

/** A rate a second to three significant digits: "1.33/s". */
function rate(perS: number): string {
  return `${Number(perS.toPrecision(3))}/s`;
}

/** A duration rounded down to two significant digits in its unit: 16,000 s is 4.4 h. */
function roundDuration(seconds: number): number {
  const unit = seconds >= 3600 ? 3600 : seconds >= 60 ? 60 : 1;
  return roundDown(seconds / unit) * unit;
}

/** Rounds down to two significant digits, so a suggestion is a round number that fits. */
function roundDown(n: number): number {
  if (n < 10) return Math.max(0, Math.floor(n * 10) / 10);
  const scale = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.floor(n / scale) * scale;
}

/** The estimate of a planned experiment's `cells` (all of them, or a shard's), `parallel` at once. */
export function planCost(
  plan: Pick<ExperimentPlan, "points">,
  cells: readonly Cell[],
  parallel: number,
): ExperimentCost {
  const counts = plan.points.map(() => 0);
  for (const cell of cells) counts[cell.pointIndex]!++;
  return estimateExperiment(
    plan.points.map((scenario, i) => ({ scenario, cells: counts[i]! })),
    parallel,
  );
}
