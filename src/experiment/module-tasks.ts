/**
 * What the command line asks of worker threads besides cells, so that no policy module's code
 * runs in its own thread: loading a module to check it (and learn its name), and the cell that
 * `check` audits when its policy is a module (or its memory budget needs a larger heap). Each runs on a worker of its own under the
 * watchdog (see policy-watchdog.ts), and what stalls is named.
 */
import type { LoadedPolicy } from "../cell/index.ts";
import { ScenarioError } from "../input/index.ts";
import type { CellMemory } from "../runtime/index.ts";
import { type Cell, pointRecord } from "./cells.ts";
import type { ObservedCell } from "./observed-cell.ts";
import type { ExperimentSource } from "./plan.ts";
import { POLICY_TIMEOUT_S, PolicyWatchdog, stalledCall, timeoutText } from "./policy-watchdog.ts";
import { createPool, isOutOfMemory, workerHeapFor, workerMemoryError } from "./pool.ts";
import { errorFromData } from "./runner.ts";
import type { LoadedModule, WorkerReply, WorkerTask } from "./worker.ts";

/**
 * Loads the policy module `module` on a worker thread, tried with `options` as
 * `loadPolicyModule` tries it, and returns its name and file. The `create` of what it returns
 * is not to be called: the module never runs in this thread, and its cells run on workers
 * (`runCells` sends them there). A module whose loading (its top-level code or its factory)
 * runs longer than `timeoutS` is stopped: a ScenarioError naming the file.
 */
export async function loadOnWorker(
  module: string,
  options: Record<string, unknown>,
  timeoutS = POLICY_TIMEOUT_S,
): Promise<LoadedPolicy> {
  const { name } = await runOnWorker<LoadedModule>(
    (watch) => ({ kind: "load", module, options, watch }),
    timeoutS,
    (method) => {
      const timeout = timeoutText(timeoutS);
      return new ScenarioError(
        "",
        `a policy module whose ${method === "the factory" ? "factory" : "loading"} ends within ${timeout} (--policy-timeout)`,
        `no end after ${timeout}: the worker thread running it was stopped`,
        { file: module, foundShown: true },
      );
    },
  );
  return {
    name,
    file: module,
    create: () => {
      throw new Error(`loadOnWorker: the policy module ${module} runs on worker threads only`);
    },
  };
}

/**
 * Runs on a worker thread the cell `check` audits (see observed-cell.ts), for a module policy
 * or a memory budget this thread's heap cannot hold: its trail is written to the file `path`,
 * its runs in flight are held to `memory` (the worker's heap sized to it, see
 * `workerHeapFor`), and a worker that dies of memory all the same is a BudgetError naming the
 * cell. `module` names the policy's module when its call stalls.
 */
export async function observeOnWorker(
  source: ExperimentSource,
  cell: Cell,
  path: string,
  module: string,
  timeoutS = POLICY_TIMEOUT_S,
  memory?: CellMemory,
): Promise<ObservedCell> {
  const heapMb = workerHeapFor(memory);
  const task = { source, cell, ...(memory === undefined ? {} : { memory }) };
  try {
    return await runOnWorker<ObservedCell>(
      (watch) => ({ kind: "observed", ...task, path, watch }),
      timeoutS,
      (method) =>
        stalledCall(module, method, timeoutS, {
          scenario: source.file,
          policy: cell.policy,
          seed: cell.seed,
          replication: cell.replication,
          point: pointRecord(cell.point),
        }),
      heapMb,
    );
  } catch (error) {
    throw isOutOfMemory(error) ? workerMemoryError(task, heapMb) : error;
  }
}

/** Runs one task on a worker thread of its own, watched. */
async function runOnWorker<T>(
  make: (watch: SharedArrayBuffer) => WorkerTask,
  timeoutS: number,
  stalled: (method: string) => Error,
  heapMb?: number,
): Promise<T> {
  const pool = createPool(1, heapMb);
  try {
    const reply = await new PolicyWatchdog(timeoutS).run<WorkerReply<T>>(pool, make, stalled);
    if (!reply.ok) throw errorFromData(reply.error);
    return reply.result;
  } finally {
    await pool.destroy();
  }
}
