/**
 * The memory a cell's runs in flight take, and the guard that stops a cell before they take
 * more than its budget: a saturated queue grows for as long as arrivals last (a day at 100 runs
 * a second against too few slots holds 8.5 million runs), and without the guard the thread
 * would end in a V8 out-of-memory abort. The guard counts runs, not bytes, so where a cell
 * stops is as deterministic as the cell: the same scenario, seed and budget stop at the same
 * arrival.
 */
import { BudgetError, formatBytes, formatDuration, sizeFlag } from "../input/index.ts";
import type { Runtime } from "./runtime.ts";

/**
 * Bytes a run in flight is counted for: 1 KiB. Measured on saturated cells (a queue of 200,000
 * and of 1,000,000 runs, FIFO, priority and fair-share): 390 to 460 bytes of heap a run, and
 * 820 bytes of resident memory a run at a million (the heap grows ahead of its use); issue 13
 * measured 8.2 GB for a day of 8.6 million runs, 950 bytes a run.
 */
export const BYTES_PER_RUN_IN_FLIGHT = 1024;

/** The memory budget of an experiment's cells (`--max-memory`), shared by those run at once. */
export interface CellMemory {
  /** Bytes of the whole budget. */
  totalBytes: number;
  /** Cells that run at once and share it. */
  parallel: number;
}

/** Bytes one cell's runs in flight may take: its share of the budget. */
export function cellBytes(memory: CellMemory): number {
  return memory.totalBytes / Math.max(1, memory.parallel);
}

/** Runs in flight one cell may hold. */
export function runsInFlightMax(memory: CellMemory): number {
  return Math.max(1, Math.floor(cellBytes(memory) / BYTES_PER_RUN_IN_FLIGHT));
}

/**
 * The error that ends a cell whose runs in flight passed its budget: the job most of them
 * belong to (its arrivals drive the queue), when in simulated time, and how to proceed.
 */
export function runsInFlightError(runtime: Runtime, memory: CellMemory, cell: string): BudgetError {
  const scenario = runtime.scenario;
  const byJob = new Array<number>(scenario.jobs.length).fill(0);
  let total = 0;
  for (const run of runtime.live) {
    byJob[run.jobIndex]!++;
    total++;
  }
  const top = byJob.indexOf(Math.max(...byJob));
  const job = scenario.jobs[top]!;
  const field = { closed: "users", trace: "file", poisson: "rate", constant: "rate" }[
    job.arrivals.process
  ];
  const share = Math.round((100 * byJob[top]!) / Math.max(1, total));
  const allowed = runsInFlightMax(memory);
  return new BudgetError(
    `jobs[${top}].arrivals.${field}`,
    `runs in flight within the cell's memory budget of ${formatBytes(cellBytes(memory))} (${budgetText(memory)}: ${allowed.toLocaleString("en-US")} runs of ${formatBytes(BYTES_PER_RUN_IN_FLIGHT)})`,
    `${total.toLocaleString("en-US")} runs in flight at ${formatDuration(runtime.sim.now)} of simulated time`,
    [
      `The cell (${cell}) was stopped before it ran out of memory: ${share}% of its runs in flight are of job "${job.name}", whose arrivals outpace the slots that serve them, so its queue grows until the horizon.`,
      `To proceed: cap the queue with runtime.admission.maxWaitingTurns (e.g. ${roundDown(allowed * 0.9)}), shorten the horizon, add slots, or give the cells more memory with --max-memory ${sizeFlag(2 * memory.totalBytes)} or more.`,
    ],
    scenario.sourceFile === undefined ? {} : { file: scenario.sourceFile },
  );
}

/** "--max-memory 3 GiB, shared by 2 cells at a time". */
export function budgetText(memory: CellMemory): string {
  const shared = memory.parallel > 1 ? `, shared by ${memory.parallel} cells at a time` : "";
  return `--max-memory ${formatBytes(memory.totalBytes)}${shared}`;
}

/** Rounds down to two significant digits: a suggestion that fits, as a round number. */
function roundDown(n: number): number {
  if (n < 100) return Math.max(1, Math.floor(n));
  const scale = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.floor(n / scale) * scale;
}
