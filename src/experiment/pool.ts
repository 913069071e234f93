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
 * once the remaining work, at the pace measured here once the JIT is warm, is worth them
 * (`LocalPace`).
 */
import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";
import Tinypool from "tinypool";
import type { AuditTrailOptions } from "../audit/index.ts";
import type { PreparedScenario } from "../cell/index.ts";
import { BudgetError, formatBytes } from "../input/index.ts";
import { type CellMemory, type CellResult, cellBytes } from "../runtime/index.ts";
import { pointLabel, type SweepPoint } from "../scenario/index.ts";
import { type Cell, pointRecord } from "./cells.ts";
import { CELL_OVERHEAD_CALLS, estimatedTurns } from "./cost.ts";
import type { ExperimentSource } from "./plan.ts";
import { POLICY_TIMEOUT_S, PolicyWatchdog, stalledCall } from "./policy-watchdog.ts";
import { CellRunner, type CellTask, errorFromData, scenarioAt } from "./runner.ts";
import type { WorkerReply, WorkerTask } from "./worker.ts";

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
   * A clock in seconds (wall time). With one, this thread runs the smallest cells until the
   * rest, at the pace measured here, is worth starting the workers for (`LocalPace`), and
   * only then starts them; without one the workers start at once and run every cell. Timing
   * decides only where cells run, never what they compute.
   */
  clock?: () => number;
  /** A sweep point the caller has prepared already, reused in this thread. */
  prepared?: { point: SweepPoint; scenario: PreparedScenario };
  /**
   * Seconds one call into a policy module may run before its worker is stopped and the cell
   * fails (see policy-watchdog.ts); default `POLICY_TIMEOUT_S`, 30.
   */
  policyTimeoutS?: number;
  /**
   * The memory budget of each cell's runs in flight (runtime/memory.ts); default none. A
   * budget larger than this thread's heap allows runs every cell on workers, whose heaps are
   * sized to it.
   */
  memory?: CellMemory;
  /** The old-generation heap of each worker, MB; default V8's, raised to fit `memory`. */
  workerHeapMb?: number;
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
 * Seconds of cells (two at least) this thread runs before it judges the pace: enough for the
 * JIT to have compiled the simulator's hot code, so the projection is not made from a cold
 * first cell. After `JUDGE_AFTER_S` it judges whatever it has.
 */
const WARM_AFTER_S = 0.3;
const JUDGE_AFTER_S = 1;

/**
 * What starting the workers costs, in seconds of the time they could save: each loads our
 * modules (about 0.2 s of CPU from the bundle) and warms its own JIT, whose compiler threads
 * then compete with the cells for the cores. Measured on the 2-core machine, 60 cells of
 * noisy-neighbor (about 3 s of work): one warm thread 3.0 s, two cold workers 3.7 s. At 1.5 s,
 * two workers start for 3 s of work or more, four for 2 s.
 */
const WORKER_START_S = 1.5;

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
  const memory = options.memory;
  const taskOf = (i: number): CellTask => ({
    source,
    cell: cells[i]!,
    audit: options.auditFor?.(cells[i]!),
    ...(memory === undefined ? {} : { memory }),
  });
  const runHere = async (i: number) => finished(i, await runner.run(taskOf(i)));
  const fitsHere = fitsThisThread(memory);
  const heapMb = options.workerHeapMb ?? workerHeapFor(memory);
  const onWorkers = (indexes: readonly number[], workers: number) =>
    runOnWorkers(indexes, workers, taskOf, finished, watchdogOf(source, options), heapMb);
  // No policy module's code runs in this thread, where a loop could not be stopped: with a
  // module among the policies, every cell runs on the workers (the results are the same).
  const modules = options.prepared?.scenario.factories;
  if (modules !== undefined && cells.some((cell) => modules.has(cell.policy))) {
    await onWorkers(
      largestFirst(source, cells).map((c) => c.index),
      jobs,
    );
    return results as CellResult[];
  }
  if (jobs === 1 && options.clock === undefined && fitsHere) {
    for (let i = 0; i < cells.length; i++) await runHere(i);
    return results as CellResult[];
  }
  // Largest first for the workers; this thread takes the smallest from the other end.
  const order = largestFirst(source, cells);
  const clock = options.clock;
  let left = order.reduce((sum, c) => sum + c.cost, 0);
  // No need to time cells here when even at the fastest pace the work would repay the workers.
  if (clock !== undefined && fitsHere && left * FASTEST_S_PER_TURN <= PARALLEL_AFTER_S) {
    const pace = new LocalPace();
    while (order.length > 0) {
      if (order.length > 1 && pace.worthWorkers(left, jobs)) break;
      const { index, cost } = order.pop()!;
      const startS = clock();
      await runHere(index);
      pace.ran(cost, clock() - startS);
      left -= cost;
    }
  }
  if (order.length > 0) {
    await onWorkers(
      order.map((c) => c.index),
      Math.min(jobs, order.length),
    );
  }
  return results as CellResult[];
}

/**
 * The pace of the cells this thread runs, and whether the rest is worth starting workers for.
 * The first cell here runs on a cold JIT (measured: 10 to 30 times slower than the next ones),
 * so its pace would overstate the rest many times over: the pace is that of the cells after
 * it, and nothing is judged before two cells and `WARM_AFTER_S` of work (or, with one long
 * cell, `JUDGE_AFTER_S`).
 */
export class LocalPace {
  private count = 0;
  private totalS = 0;
  private firstCost = 0;
  private warmCost = 0;
  private warmS = 0;

  /** A cell of estimated work `cost` ran here in `tookS` seconds. */
  ran(cost: number, tookS: number): void {
    if (this.count++ === 0) {
      this.firstCost = cost;
    } else {
      this.warmCost += cost;
      this.warmS += tookS;
    }
    this.totalS += tookS;
  }

  /**
   * Whether `leftCost` more work, at the pace measured here, is worth starting `jobs` workers
   * for: with several, when the time they save (the work shared among them) repays their start
   * (`WORKER_START_S`); with one, which saves nothing but the heap configuration, when the
   * work is longer than `PARALLEL_AFTER_S`. False while the pace is not known yet.
   */
  worthWorkers(leftCost: number, jobs: number): boolean {
    const warm = this.count >= 2 && this.totalS >= WARM_AFTER_S;
    if (!warm && this.totalS < JUDGE_AFTER_S) return false;
    const perCostS = this.warmCost > 0 ? this.warmS / this.warmCost : this.totalS / this.firstCost;
    const leftS = leftCost * perCostS;
    return jobs > 1 ? leftS * (1 - 1 / jobs) > WORKER_START_S : leftS > PARALLEL_AFTER_S;
  }
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
      // A cell's own set-up counts too: without it a sweep of many small cells, timed here,
      // would look several times longer than it is.
      cost = estimatedTurns(scenarioAt(source, cell.point)) + CELL_OVERHEAD_CALLS;
      byPoint.set(cell.pointIndex, cost);
    }
    return cost;
  };
  return cells
    .map((cell, index) => ({ index, cost: costOf(cell) }))
    .sort((a, b) => b.cost - a.cost || a.index - b.index);
}

/** A pool of `workers` worker threads running worker.ts, each with an old generation of `heapMb`. */
export function createPool(workers: number, heapMb?: number): Tinypool {
  return new Tinypool({
    filename: WORKER_ENTRY,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    execArgv: [],
    resourceLimits: {
      maxYoungGenerationSizeMb: youngGenerationMb(workers),
      ...(heapMb === undefined ? {} : { maxOldGenerationSizeMb: heapMb }),
    },
  });
}

/** A cell's watchdog, and what it says when a call into the cell's policy module loops. */
interface CellWatch {
  watchdog: PolicyWatchdog;
  stalled: (cell: Cell, method: string) => Error;
}

/** Runs the cells `indexes`, in that order, on `workers` worker threads, watched. */
async function runOnWorkers(
  indexes: readonly number[],
  workers: number,
  task: (i: number) => CellTask,
  finished: (i: number, result: CellResult) => void,
  watch: CellWatch,
  heapMb?: number,
): Promise<void> {
  const pool = createPool(workers, heapMb);
  // A worker's error reaches the task it runs; one that comes when it runs none (it was being
  // stopped) has nothing left to report, and an 'error' event nobody listens to would throw.
  pool.on("error", () => {});
  // The first failure stops the rest: queued cells are dropped, running ones ended (their
  // workers terminated), and the pool is destroyed only once every task has settled. (A worker
  // dying of memory while `destroy` waits for it to exit crashed tinypool 2: its
  // `once(worker, "exit")` handles the 'error' with a method tinypool's worker wrapper lacks.)
  const stop = new AbortController();
  let failure: { error: unknown } | undefined;
  try {
    // tinypool queues what no worker is free for and hands it out in the order submitted.
    await Promise.all(
      indexes.map(async (i) => {
        const cellTask = task(i);
        try {
          const reply = await watch.watchdog.run<WorkerReply>(
            pool,
            (buffer): WorkerTask => ({ ...cellTask, watch: buffer }),
            (method) => watch.stalled(cellTask.cell, method),
            stop.signal,
          );
          if (!reply.ok) throw errorFromData(reply.error);
          finished(i, reply.result);
        } catch (error) {
          if (failure !== undefined) return;
          failure = { error: isOutOfMemory(error) ? workerMemoryError(cellTask, heapMb) : error };
          stop.abort();
        }
      }),
    );
  } finally {
    await pool.destroy();
  }
  if (failure !== undefined) throw failure.error;
}

/** The watchdog of the cells' policy modules, naming the module whose call loops. */
function watchdogOf(source: ExperimentSource, options: RunCellsOptions): CellWatch {
  const timeoutS = options.policyTimeoutS ?? POLICY_TIMEOUT_S;
  const modules = new Map<string, string>();
  for (const policy of options.prepared?.scenario.scenario.policies ?? []) {
    if (policy.module !== undefined) modules.set(policy.label, policy.module);
  }
  return {
    watchdog: new PolicyWatchdog(timeoutS),
    stalled: (cell, method) =>
      stalledCall(modules.get(cell.policy) ?? cell.policy, method, timeoutS, {
        scenario: source.file,
        policy: cell.policy,
        seed: cell.seed,
        replication: cell.replication,
        point: pointRecord(cell.point),
      }),
  };
}

/**
 * Memory a cell needs besides its runs in flight, for sizing a worker's heap to a budget: its
 * scenario, traces, histograms and recorder, and the worker's own modules.
 */
const HEADROOM_BYTES = 512 * 2 ** 20;

/** MB of heap a cell under `memory` may need: its share of the budget and the headroom. */
function heapNeedMb(memory: CellMemory | undefined): number {
  return memory === undefined ? 0 : (cellBytes(memory) + HEADROOM_BYTES) / 2 ** 20;
}

/**
 * Whether a cell under the memory budget `memory` may run in this thread: a cell may take its
 * budget and its own needs besides, and past this thread's heap only a worker sized for it may
 * run it (the guard stops the cell, V8 would abort the process).
 */
export function fitsThisThread(memory: CellMemory | undefined): boolean {
  return heapNeedMb(memory) <= getHeapStatistics().heap_size_limit / 2 ** 20;
}

/**
 * The old-generation heap (MB) of a worker running cells under `memory`: undefined (V8's
 * default) when they fit this thread's.
 */
export function workerHeapFor(memory: CellMemory | undefined): number | undefined {
  return fitsThisThread(memory) ? undefined : Math.ceil(heapNeedMb(memory));
}

/** Whether a worker's error is its death by running out of memory. */
export function isOutOfMemory(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ERR_WORKER_OUT_OF_MEMORY";
}

/** A worker that ran out of memory, reported as bad input is: the cell and how to proceed. */
export function workerMemoryError(task: CellTask, heapMb: number | undefined): BudgetError {
  const { cell, source } = task;
  const point = cell.point.length === 0 ? "" : `, ${pointLabel(cell.point)}`;
  const heap =
    heapMb === undefined
      ? `V8's default heap (${formatBytes(getHeapStatistics().heap_size_limit)})`
      : `a heap of ${formatBytes(heapMb * 2 ** 20)}`;
  return new BudgetError(
    "",
    `cells that fit the memory of their worker thread (${heap})`,
    `a worker that ran out of memory running the cell with policy ${cell.policy}, seed ${cell.seed}${point}`,
    [
      "The worker was stopped by its heap limit; the other cells were not run to the end.",
      "To proceed: cap the queue with runtime.admission.maxWaitingTurns, shorten the horizon, run fewer cells at once (--jobs), or give each cell more memory with --max-memory.",
    ],
    { file: source.file },
  );
}
