/**
 * The chart thread: a worker that loads the chart libraries and draws the report's charts, so
 * that a command with a report to write pays for neither while its cells run in this thread.
 *
 * Loading vega and vega-lite takes about 0.2 s, and the first charts drawn on a cold JIT take
 * about twice as long as the next ones (measured on the M/M/1 bench's five charts: 0.37 s cold,
 * 0.17-0.2 s warm). A command that will write a report, with two cores to spare beside the
 * threads running its cells (src/cli/output.ts's `preloadReport` says why two), starts the thread before its cells
 * run (`startChartThread`); the thread loads the libraries and draws a few small charts to warm up
 * while the simulation runs, then `renderSvg` (render.ts) hands each chart to it. The thread
 * runs the same `renderSvgHere` this thread would, so the bytes are the same wherever a chart
 * is drawn; if the thread cannot start or dies, charts are drawn here as before.
 */
import { Worker } from "node:worker_threads";
import type { TopLevelSpec } from "vega-lite";
import type { ChartReply, ChartRequest } from "./chart-worker.ts";

// The bundled chart worker when the command runs from its bundle (bin/agentsim.js publishes
// it), else the sources through tsx (chart-worker-entry.mjs).
const BUNDLED_ENTRY = (globalThis as Record<symbol, unknown>)[Symbol.for("agentsim.chartEntry")] as
  | string
  | undefined;

/** The thread failed (could not start, or exited): the caller draws the chart itself. */
export class ChartThreadGone extends Error {}

class ChartThread {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (svg: string) => void; reject: (error: Error) => void }
  >();
  private nextId = 0;
  private gone: ChartThreadGone | undefined;
  /** Charts the thread has drawn. */
  drawn = 0;

  constructor(entry: URL, bundled: boolean) {
    // The sources' entry registers tsx itself: an inherited `--import tsx` would not help a
    // worker on Node 20 (see src/experiment/pool.ts).
    this.worker = new Worker(entry, bundled ? {} : { execArgv: [] });
    this.worker.on("message", (reply: ChartReply) => {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if ("svg" in reply) {
        this.drawn++;
        waiting.resolve(reply.svg);
      } else waiting.reject(new Error(reply.error));
    });
    this.worker.on("error", (error) => this.fail(error.message));
    this.worker.on("exit", (code) => this.fail(`it exited with code ${code}`));
    // Idle, the thread does not keep the process alive; it is held while charts are pending.
    // (After the listeners: adding a 'message' listener refs the worker's port again.)
    this.worker.unref();
  }

  /** The SVG of `spec`, drawn on the thread. Rejects with ChartThreadGone if the thread failed. */
  render(spec: TopLevelSpec, idPrefix: string): Promise<string> {
    if (this.gone !== undefined) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      const request: ChartRequest = { id, spec, idPrefix };
      this.worker.postMessage(request);
    });
  }

  get failed(): boolean {
    return this.gone !== undefined;
  }

  /** Stops the thread; charts still pending are drawn in the caller's thread. */
  async stop(): Promise<void> {
    this.fail("stopped");
    await this.worker.terminate();
  }

  private fail(why: string): void {
    this.gone ??= new ChartThreadGone(`the chart thread stopped: ${why}`);
    for (const waiting of this.pending.values()) waiting.reject(this.gone);
    this.pending.clear();
  }
}

let thread: ChartThread | undefined;

/**
 * Starts the chart thread, once per process: call it when a report will be written, before
 * the work that the thread's warm-up should overlap. Never throws (no thread: charts are drawn
 * in this thread).
 */
export function startChartThread(): void {
  if (thread !== undefined) return;
  const entry = BUNDLED_ENTRY ?? new URL("./chart-worker-entry.mjs", import.meta.url).href;
  try {
    thread = new ChartThread(new URL(entry), BUNDLED_ENTRY !== undefined);
  } catch {
    thread = undefined;
  }
}

/**
 * Stops the chart thread if one runs (the next `startChartThread` starts another). `entry`, for
 * tests, starts a thread on another worker file at once.
 */
export async function restartChartThread(entry?: URL): Promise<void> {
  const running = thread;
  thread = undefined;
  await running?.stop();
  if (entry !== undefined) thread = new ChartThread(entry, false);
}

/** The running chart thread, if one was started and has not failed. */
export function chartThread(): Pick<ChartThread, "render" | "drawn"> | undefined {
  return thread !== undefined && !thread.failed ? thread : undefined;
}
