/**
 * The worker thread's task handler (loaded by worker-entry.mjs, which registers tsx first).
 * Each worker keeps its own runner, so a worker prepares a sweep point once and reuses it for
 * every cell of that point it receives. A task carries the watch record its policy calls are
 * counted in (see policy-watchdog.ts), and is one of: a cell; the cell `check` audits; or
 * loading a policy module to check it (the command line loads modules here, never in its own
 * thread).
 */
import { loadPolicyModule, watchPolicyCalls } from "../cell/index.ts";
import type { CellResult } from "../runtime/index.ts";
import type { ObservedCell } from "./observed-cell.ts";
import { CellRunner, type CellTask, type ErrorData, errorData } from "./runner.ts";

/** What a worker is asked to do. */
export type WorkerTask =
  | ({ kind?: "cell" } & CellTask)
  | ({ kind: "observed"; path: string } & CellTask)
  | { kind: "load"; module: string; options: Record<string, unknown>; watch?: SharedArrayBuffer };

/** What a loaded module's check gives back: its policy's name. */
export interface LoadedModule {
  name: string;
}

/** What a worker sends back: a result, or the error as data (classes do not cross threads). */
export type WorkerReply<T = CellResult> = { ok: true; result: T } | { ok: false; error: ErrorData };

const runner = new CellRunner();

/** Runs one task. */
export default async function runTask(
  task: WorkerTask,
): Promise<WorkerReply<CellResult | ObservedCell | LoadedModule>> {
  watchPolicyCalls(task.watch);
  try {
    if (task.kind === "load") {
      const loaded = await loadPolicyModule(task.module, task.options);
      return { ok: true, result: { name: loaded.name } };
    }
    if (task.kind === "observed")
      return { ok: true, result: await runner.runObserved(task, task.path) };
    return { ok: true, result: await runner.run(task) };
  } catch (error) {
    return { ok: false, error: errorData(error) };
  }
}
