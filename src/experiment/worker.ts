/**
 * The worker thread's task handler (loaded by worker-entry.mjs, which registers tsx first).
 * Each worker keeps its own runner, so a worker prepares a sweep point once and reuses it for
 * every cell of that point it receives.
 */
import type { CellResult } from "../runtime/index.ts";
import { CellRunner, type CellTask, type ErrorData, errorData } from "./runner.ts";

/** What a worker sends back: a result, or the error as data (classes do not cross threads). */
export type WorkerReply = { ok: true; result: CellResult } | { ok: false; error: ErrorData };

const runner = new CellRunner();

/** Runs one cell task. */
export default async function runTask(task: CellTask): Promise<WorkerReply> {
  try {
    return { ok: true, result: await runner.run(task) };
  } catch (error) {
    return { ok: false, error: errorData(error) };
  }
}
