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
  /** A sweep point the caller has prepared already, reused in this thread. */
  prepared?: { point: SweepPoint; scenario: PreparedScenario };
}

const WORKER_ENTRY = new URL("./worker-entry.mjs", import.meta.url).href;

/** Tasks a worker holds at once: one running, one waiting. */
const PREFETCH = 2;

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
// (it loads tsx and compiles our modules), and the main thread would otherwise idle through
// it. Each worker holds up to PREFETCH tasks, so it never waits for the main thread, busy with
// a cell of its own, to hand it the next one.
async function runOnPool(
  source: ExperimentSource,
  cells: readonly Cell[],
  jobs: number,
  options: RunCellsOptions,
): Promise<CellResult[]> {
  const workers = jobs - 1;
  const pool = new Tinypool({
    filename: WORKER_ENTRY,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: PREFETCH,
    execArgv: [],
  });
  const runner = new CellRunner();
  if (options.prepared !== undefined) {
    runner.remember(source, options.prepared.point, options.prepared.scenario);
  }
  const results = new Array<CellResult>(cells.length);
  let next = 0;
  let done = 0;
  let failure: unknown;
  const finished = (i: number, result: CellResult) => {
    results[i] = result;
    options.onProgress?.(++done, cells.length);
  };
  const inFlight = new Set<Promise<void>>();
  const feed = () => {
    while (failure === undefined && inFlight.size < workers * PREFETCH && next < cells.length) {
      const i = next++;
      const cell = cells[i]!;
      const task = pool
        .run({ source, cell, audit: options.auditFor?.(cell) })
        .then((reply: WorkerReply) => {
          if (reply.ok) finished(i, reply.result);
          else failure ??= errorFromData(reply.error);
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => {
          inFlight.delete(task);
          feed();
        });
      inFlight.add(task);
    }
  };
  try {
    feed();
    while (failure === undefined && next < cells.length) {
      const i = next++;
      const cell = cells[i]!;
      finished(i, await runner.run({ source, cell, audit: options.auditFor?.(cell) }));
      // Let the workers' replies in (and refill them) before the next cell here.
      await new Promise((resolve) => setImmediate(resolve));
      feed();
    }
    while (inFlight.size > 0) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
    return results;
  } catch (error) {
    pool.cancelPendingTasks();
    throw error;
  } finally {
    await pool.destroy();
  }
}
