/**
 * Running many cells: in this thread (`jobs` 1) or on a tinypool pool of worker threads.
 *
 * tinypool hands its `execArgv` and `env` options to `new Worker` unchanged (left undefined, a
 * worker inherits the process's). Our sources are TypeScript run through tsx, but tsx's loader
 * registers its hooks only on the main thread, so a worker started with `--import tsx` (or with
 * the execArgv that `tsx main.ts` gives the process) cannot load a `.ts` file on Node 20. The
 * pool therefore starts workers with an empty execArgv on a small JavaScript entry
 * (worker-entry.mjs) that registers tsx in the worker and imports the TypeScript handler. That
 * works the same under `tsx src/cli/main.ts`, `node bin/agentsim.js` and vitest.
 *
 * Results come back in the cells' order whatever the order of completion, in the JSON form
 * that `canonicalResult` defines, so the number of workers cannot change a byte of the output.
 */
import Tinypool from "tinypool";
import type { AuditTrailOptions } from "../runtime/audit/index.ts";
import type { PreparedScenario } from "../runtime/prepare.ts";
import type { CellResult } from "../runtime/result.ts";
import type { SweepPoint } from "../scenario/vary.ts";
import type { Cell } from "./cells.ts";
import type { ExperimentSource } from "./plan.ts";
import { CellRunner, errorFromData } from "./runner.ts";
import type { WorkerReply } from "./worker.ts";

/** Options of `runCells`. */
export interface RunCellsOptions {
  /** Cells run at once: 1 runs them in this thread, more on worker threads (default 1). */
  jobs?: number;
  /** Called after each cell with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** The audit trail wanted for a cell (e.g. a JSONL file for replication 0); default none. */
  auditFor?: (cell: Cell) => AuditTrailOptions | undefined;
  /**
   * A clock in seconds (wall time). With one, worker threads start only once the first cells
   * show that the rest would take longer than `PARALLEL_AFTER_S` in this thread alone, so a
   * small experiment does not pay for starting them; without one they start at once. Timing
   * decides only where cells run, never what they compute.
   */
  clock?: () => number;
  /**
   * Whether this thread runs cells beside the workers (default true). With false, `jobs`
   * workers run every cell and this thread only hands them out (tests use it to be sure the
   * workers' results are the ones aggregated).
   */
  mainThreadRuns?: boolean;
  /** A sweep point the caller has prepared already, reused in this thread. */
  prepared?: { point: SweepPoint; scenario: PreparedScenario };
}

const WORKER_ENTRY = new URL("./worker-entry.mjs", import.meta.url).href;

/** Tasks a worker holds at once: one running, one waiting. */
const PREFETCH = 2;

/**
 * Work (seconds in this thread) below which worker threads are not worth starting: a worker
 * spends about a second of CPU loading tsx and our modules, and its first cells run on a cold
 * JIT.
 */
const PARALLEL_AFTER_S = 3;

/** Runs the cells and returns their results in the cells' order. */
export async function runCells(
  source: ExperimentSource,
  cells: readonly Cell[],
  options: RunCellsOptions = {},
): Promise<CellResult[]> {
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, cells.length));
  return jobs === 1 ? runHere(source, cells, options) : runOnPool(source, cells, jobs, options);
}

async function runHere(
  source: ExperimentSource,
  cells: readonly Cell[],
  options: RunCellsOptions,
): Promise<CellResult[]> {
  const runner = new CellRunner();
  if (options.prepared !== undefined) {
    runner.remember(source, options.prepared.point, options.prepared.scenario);
  }
  const results: CellResult[] = [];
  for (const cell of cells) {
    results.push(await runner.run({ source, cell, audit: options.auditFor?.(cell) }));
    options.onProgress?.(results.length, cells.length);
  }
  return results;
}

// The main thread runs cells too, beside jobs − 1 workers: a worker needs a moment to start
// (it loads tsx, compiles our modules, and its JIT starts cold), and the main thread would
// otherwise idle through it. Each worker holds up to PREFETCH tasks, so it never waits for
// the main thread, busy with a cell of its own, to hand it the next one. When nothing is left
// to hand out, the main thread runs a cell still queued behind a worker's current one, and
// the first result of a cell wins: cells are pure, so both give the same bytes, and a cold
// worker cannot hold up the end. Cells that write an audit file are never run twice.
async function runOnPool(
  source: ExperimentSource,
  cells: readonly Cell[],
  jobs: number,
  options: RunCellsOptions,
): Promise<CellResult[]> {
  const here = options.mainThreadRuns ?? true;
  const workers = here ? jobs - 1 : jobs;
  let pool: Tinypool | undefined;
  const startPool = () => {
    pool = new Tinypool({
      filename: WORKER_ENTRY,
      minThreads: workers,
      maxThreads: workers,
      concurrentTasksPerWorker: PREFETCH,
      execArgv: [],
    });
    feed();
  };
  const clock = options.clock;
  let ranHere = 0;
  // Start the workers at once without a clock; with one, when the rest of the work, at the
  // pace of the last cell here, exceeds PARALLEL_AFTER_S.
  const worthStarting = (lastCellS: number) =>
    ranHere >= 2 && (cells.length - done) * lastCellS > PARALLEL_AFTER_S;
  const runner = new CellRunner();
  if (options.prepared !== undefined) {
    runner.remember(source, options.prepared.point, options.prepared.scenario);
  }
  const tasks = cells.map((cell) => ({ source, cell, audit: options.auditFor?.(cell) }));
  const results = new Array<CellResult | undefined>(cells.length);
  let done = 0;
  let failure: unknown;
  let next = 0;
  // Cells sent to a worker and not finished, in the order sent.
  const onWorkers = new Set<number>();
  const runHere = new Set<number>();
  let wake: (() => void) | undefined;
  const finished = (i: number, result: CellResult) => {
    if (results[i] !== undefined) return;
    results[i] = result;
    done++;
    options.onProgress?.(done, cells.length);
  };
  const feed = () => {
    while (
      pool !== undefined &&
      failure === undefined &&
      onWorkers.size < workers * PREFETCH &&
      next < cells.length
    ) {
      const i = next++;
      onWorkers.add(i);
      pool.run(tasks[i]).then(
        (reply: WorkerReply) => {
          onWorkers.delete(i);
          if (reply.ok) finished(i, reply.result);
          else failure ??= errorFromData(reply.error);
          feed();
          wake?.();
        },
        (error: unknown) => {
          onWorkers.delete(i);
          if (results[i] === undefined) failure ??= error;
          wake?.();
        },
      );
    }
  };
  // A cell to run here: the next one not handed out, else one waiting in a worker's queue.
  // Each worker runs one cell at a time, so with more cells in flight than workers the most
  // recently sent are still queued; a cell a worker has started is not run twice, as this
  // thread, once it starts a cell, cannot drop it when the worker's result arrives.
  const nextHere = (): number | undefined => {
    if (!here) return undefined;
    if (next < cells.length) return next++;
    const queued = [...onWorkers].reverse().slice(0, Math.max(0, onWorkers.size - workers));
    return queued.find((i) => !runHere.has(i) && tasks[i]!.audit === undefined);
  };
  try {
    if (clock === undefined || !here) startPool();
    while (failure === undefined && done < cells.length) {
      const i = nextHere();
      if (i === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      runHere.add(i);
      const startS = clock?.() ?? 0;
      finished(i, await runner.run(tasks[i]!));
      ranHere++;
      if (pool === undefined && clock !== undefined && worthStarting(clock() - startS)) {
        startPool();
      }
      // Let the workers' replies in (and refill them) before the next cell here.
      await new Promise((resolve) => setImmediate(resolve));
      feed();
    }
    if (failure !== undefined) throw failure;
    return results as CellResult[];
  } finally {
    // Workers still busy with a cell finished here are stopped.
    await pool?.destroy();
  }
}
