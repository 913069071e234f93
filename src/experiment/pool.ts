/**
 * Running many cells: in this thread (`jobs` 1) or on a tinypool pool of worker threads.
 *
 * Under `node bin/agentsim.js` the workers run the command's bundle (bin/bundle.mjs publishes
 * its worker entry). Otherwise (vitest, `tsx src/cli/main.ts`) they run the TypeScript sources:
 * tinypool hands its `execArgv` and `env` options to `new Worker` unchanged (left undefined, a
 * worker inherits the process's), but tsx's loader registers its hooks only on the main thread,
 * so a worker started with `--import tsx` cannot load a `.ts` file on Node 20. Those workers
 * start with an empty execArgv on a small JavaScript entry (worker-entry.mjs) that registers
 * tsx in the worker and imports the TypeScript handler.
 *
 * Results come back in the cells' order whatever the order of completion, in the JSON form
 * that `canonicalResult` defines, so the number of workers cannot change a byte of the output.
 *
 * Where cells run. N workers run the cells (`jobs` N; with N = 1 and no clock, as the API's
 * callers use it, this thread runs them all) and this thread only hands them out and collects
 * the results. Even with N = 1 a worker is worth it for a long experiment: its young
 * generation can be made larger than this thread's (see `youngGenerationMb`), and this thread
 * must stay free: a worker is handed its next cell
 * only when this thread's event loop turns, so a cell run here (synchronous, seconds long)
 * would leave finished workers idle until it ends. Cells go out largest first by their
 * estimated work (`estimatedTurns`), so the last cells to start are small ones and the threads
 * finish together. A small experiment does not pay for starting workers (0.2-0.5 s of CPU each
 * to load our modules, and a cold JIT): given a clock, and unless the estimate alone shows the
 * work is long, this thread first runs the smallest cells itself, and starts the workers only
 * once the remaining work, at the measured pace, would take longer than `PARALLEL_AFTER_S`.
 */
import { totalmem } from "node:os";
import Tinypool from "tinypool";
import type { AuditTrailOptions } from "../runtime/audit/index.ts";
import type { PreparedScenario } from "../runtime/prepare.ts";
import type { CellResult } from "../runtime/result.ts";
import type { SweepPoint } from "../scenario/vary.ts";
import type { Cell } from "./cells.ts";
import { estimatedTurns } from "./cost.ts";
import type { ExperimentSource } from "./plan.ts";
import { CellRunner, type CellTask, errorFromData, scenarioAt } from "./runner.ts";
import type { WorkerReply } from "./worker.ts";

/** Options of `runCells`. */
export interface RunCellsOptions {
  /**
   * Cells run at once, each on a worker thread (default 1). Without a clock, 1 runs them all in
   * this thread.
   */
  jobs?: number;
  /** Called after each cell with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** The audit trail wanted for a cell (e.g. a JSONL file for replication 0); default none. */
  auditFor?: (cell: Cell) => AuditTrailOptions | undefined;
  /**
   * A clock in seconds (wall time). With one, this thread runs the smallest
   * cells until the rest would take longer than `PARALLEL_AFTER_S` here, and only then starts
   * the workers; without one the workers start at once and run every cell. Timing decides only
   * where cells run, never what they compute.
   */
  clock?: () => number;
  /** A sweep point the caller has prepared already, reused in this thread. */
  prepared?: { point: SweepPoint; scenario: PreparedScenario };
}

// The bundled worker handler when the command runs from its bundle (bin/bundle.mjs publishes
// it), else the sources through tsx (worker-entry.mjs).
const WORKER_ENTRY =
  ((globalThis as Record<symbol, unknown>)[Symbol.for("agentsim.workerEntry")] as
    | string
    | undefined) ?? new URL("./worker-entry.mjs", import.meta.url).href;

/**
 * Work (seconds in this thread) below which worker threads are not worth starting: a worker
 * spends about a second of CPU loading tsx and our modules, and its first cells run on a cold
 * JIT.
 */
const PARALLEL_AFTER_S = 3;

/**
 * The young generation of a worker's heap, in MB: 128, or less when the machine's memory is
 * small for that many workers (at most an eighth of the memory per worker, 16 at the least).
 * A cell allocates short-lived objects at every event, and a queue that grows keeps many
 * objects alive for a while: the larger the young generation, the fewer objects are copied
 * before they die. Measured on 20-cell sweeps of capacity-planning with `--jobs 2`, against
 * 48 MB: 7% faster on a stable sweep (8.2-8.8 s against 8.9-10.0 s), 10-15% on one past
 * saturation. A worker left to V8's default gets a young generation far smaller than the main
 * thread's: the same cell took 1.2-1.6 s there against 0.85-0.9 s with 48 MB.
 */
function youngGenerationMb(workers: number): number {
  const perWorkerMb = totalmem() / 2 ** 20 / 8 / workers;
  return Math.max(16, Math.min(128, Math.floor(perWorkerMb)));
}

/**
 * Seconds a simulated model call takes at the very least: 1 µs, about 2.5 times the runtime
 * bench's pace (bench/runtime.bench.ts). An experiment whose estimated calls take longer than
 * `PARALLEL_AFTER_S` even at this pace starts its workers at once, without timing cells here.
 */
const FASTEST_S_PER_TURN = 1e-6;

/** Runs the cells and returns their results in the cells' order. */
export async function runCells(
  source: ExperimentSource,
  cells: readonly Cell[],
  options: RunCellsOptions = {},
): Promise<CellResult[]> {
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, cells.length));
  const runner = new CellRunner();
  if (options.prepared !== undefined) {
    runner.remember(source, options.prepared.point, options.prepared.scenario);
  }
  const results = new Array<CellResult | undefined>(cells.length);
  let done = 0;
  const finished = (i: number, result: CellResult) => {
    results[i] = result;
    done++;
    options.onProgress?.(done, cells.length);
  };
  const taskOf = (i: number): CellTask => ({
    source,
    cell: cells[i]!,
    audit: options.auditFor?.(cells[i]!),
  });
  const runHere = async (i: number) => finished(i, await runner.run(taskOf(i)));
  if (jobs === 1 && options.clock === undefined) {
    for (let i = 0; i < cells.length; i++) await runHere(i);
    return results as CellResult[];
  }
  // Largest first for the workers; this thread takes the smallest from the other end.
  const order = largestFirst(source, cells);
  const clock = options.clock;
  let left = order.reduce((sum, c) => sum + c.cost, 0);
  // No need to time cells here when even at the fastest pace the work would repay the workers.
  if (clock !== undefined && left * FASTEST_S_PER_TURN <= PARALLEL_AFTER_S) {
    let ranCost = 0;
    let ranS = 0;
    while (order.length > 0) {
      // Seconds per unit of estimated work, as measured here so far.
      const pace = ranCost > 0 ? ranS / ranCost : 0;
      if (ranCost > 0 && left * pace > PARALLEL_AFTER_S && order.length > 1) break;
      const { index, cost } = order.pop()!;
      const startS = clock();
      await runHere(index);
      ranS += clock() - startS;
      ranCost += cost;
      left -= cost;
    }
  }
  if (order.length > 0) {
    await runOnWorkers(
      order.map((c) => c.index),
      Math.min(jobs, order.length),
      taskOf,
      finished,
    );
  }
  return results as CellResult[];
}

/** The cells' indexes with their estimated work, largest first (ties in the cells' order). */
function largestFirst(
  source: ExperimentSource,
  cells: readonly Cell[],
): { index: number; cost: number }[] {
  const byPoint = new Map<number, number>();
  const costOf = (cell: Cell) => {
    let cost = byPoint.get(cell.pointIndex);
    if (cost === undefined) {
      cost = estimatedTurns(scenarioAt(source, cell.point));
      byPoint.set(cell.pointIndex, cost);
    }
    return cost;
  };
  return cells
    .map((cell, index) => ({ index, cost: costOf(cell) }))
    .sort((a, b) => b.cost - a.cost || a.index - b.index);
}

/** Runs the cells `indexes`, in that order, on `workers` worker threads. */
async function runOnWorkers(
  indexes: readonly number[],
  workers: number,
  task: (i: number) => CellTask,
  finished: (i: number, result: CellResult) => void,
): Promise<void> {
  const pool = new Tinypool({
    filename: WORKER_ENTRY,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    execArgv: [],
    resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb(workers) },
  });
  try {
    // tinypool queues what no worker is free for and hands it out in the order submitted.
    await Promise.all(
      indexes.map(async (i) => {
        const reply: WorkerReply = await pool.run(task(i));
        if (!reply.ok) throw errorFromData(reply.error);
        finished(i, reply.result);
      }),
    );
  } finally {
    await pool.destroy();
  }
}
