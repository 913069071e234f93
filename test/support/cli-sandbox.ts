/**
 * The command line run in a worker thread with a heap limit and a time limit, so that a test
 * can hold it to "ends within T seconds, in bounded memory" without a process per command: a
 * command that runs past its time is stopped (the worker terminated, which V8 does even inside
 * a loop), and one that outgrows the heap ends the worker (ERR_WORKER_OUT_OF_MEMORY) instead of
 * the test's process. The worker runs commands one after another (warm, so each costs what it
 * costs a user's process after start-up), and is replaced after either failure.
 */
import { Worker } from "node:worker_threads";

/** How a command in the sandbox ended. */
export type SandboxOutcome =
  | { kind: "exited"; code: number; stdout: string; stderr: string; ms: number }
  | { kind: "timeout"; ms: number }
  | { kind: "died"; error: string; ms: number };

/** Limits of the sandbox's worker. */
export interface SandboxLimits {
  /** Old-generation heap of the worker, MB. */
  heapMb: number;
  /** Milliseconds a command may run. */
  timeoutMs: number;
  /** Milliseconds the worker may take to start (load tsx and the sources). */
  startMs?: number;
}

const ENTRY = new URL("./cli-worker.mjs", import.meta.url);

interface Pending {
  resolve: (outcome: SandboxOutcome) => void;
  start: number;
}

/** A worker thread running `agentsim` commands in sequence, within limits. */
export class CliSandbox {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private pending: Pending | undefined;
  private nextId = 0;

  constructor(readonly limits: SandboxLimits) {}

  /** Runs `agentsim <args>` in the worker; a command that ends badly replaces the worker. */
  async run(args: readonly string[]): Promise<SandboxOutcome> {
    const worker = await this.started();
    const id = this.nextId++;
    const start = performance.now();
    return new Promise<SandboxOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.fail({ kind: "timeout", ms: performance.now() - start });
      }, this.limits.timeoutMs);
      this.pending = {
        start,
        resolve: (outcome) => {
          clearTimeout(timer);
          this.pending = undefined;
          resolve(outcome);
        },
      };
      worker.postMessage({ id, args: [...args] });
    });
  }

  /** Ends the worker. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    await worker?.terminate();
  }

  private started(): Promise<Worker> {
    if (this.ready === undefined) this.ready = this.start();
    return this.ready.then(() => this.worker!);
  }

  private start(): Promise<void> {
    const worker = new Worker(ENTRY, {
      // Not the test runner's loader flags: the entry registers tsx itself.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.limits.heapMb },
      // What the worker writes itself is in its replies (cli-worker.mjs); the rest is dropped.
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`the sandbox's worker did not start in ${this.limits.startMs ?? 60_000} ms`),
        );
        void worker.terminate();
      }, this.limits.startMs ?? 60_000);
      worker.on("message", (message: { ready?: true } & SandboxOutcome) => {
        if (message.ready) {
          clearTimeout(timer);
          resolve();
          return;
        }
        const { code, stdout, stderr, ms } = message as Extract<SandboxOutcome, { kind: "exited" }>;
        this.pending?.resolve({ kind: "exited", code, stdout, stderr, ms });
      });
      worker.on("error", (error: Error & { code?: string }) => {
        clearTimeout(timer);
        const text = `${error.code ?? error.name}: ${error.message}`;
        if (this.pending === undefined) reject(new Error(`the sandbox's worker failed: ${text}`));
        this.fail({ kind: "died", error: text, ms: 0 });
      });
    });
  }

  // A command that timed out or killed the worker: the worker is replaced before the next.
  private fail(outcome: SandboxOutcome): void {
    const pending = this.pending;
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    void worker?.terminate();
    if (pending === undefined) return;
    pending.resolve(
      outcome.kind === "died" ? { ...outcome, ms: performance.now() - pending.start } : outcome,
    );
  }
}
