/**
 * The watchdog over users' policy modules. A loop inside synchronous JavaScript cannot be
 * interrupted from its own thread, so the command line runs no policy module code in the main
 * thread: modules load, and cells of module policies run, on worker threads, and this thread
 * watches them. Each task is given a watch record (a SharedArrayBuffer, see
 * src/cell/policy-calls.ts) where its worker counts the calls it makes into policy code and
 * notes which one it is inside. A call still running after `timeoutS` (no call returned or
 * began meanwhile) is a module that loops: the task is aborted, which makes tinypool terminate
 * its worker, and the task fails with the error the caller describes, naming the method.
 *
 * Time is counted in ticks of a timer, not read from a clock: a tick that comes late (this
 * thread was busy) only makes the watchdog later, never early.
 */
import type Tinypool from "tinypool";
import {
  POLICY_METHODS,
  type PolicyCell,
  PolicyError,
  WATCH_CALLS,
  WATCH_METHOD,
  WATCH_WORDS,
} from "../cell/index.ts";

/** The default `timeoutS`: 30 s of one call into a policy module without returning. */
export const POLICY_TIMEOUT_S = 30;

/** One task under watch. */
interface Watched {
  readonly record: Int32Array<SharedArrayBuffer>;
  readonly abort: AbortController;
  readonly stalled: (method: string) => Error;
  /** The call count at the last tick, and for how many ticks it has stayed the same. */
  calls: number;
  ticks: number;
  error?: Error;
}

/** Watches the tasks run through it; one timer for all of them. */
export class PolicyWatchdog {
  private readonly watched = new Set<Watched>();
  private readonly tickMs: number;
  private readonly stallTicks: number;
  private timer: NodeJS.Timeout | undefined;

  /** A watchdog that stops a call into policy code after `timeoutS` seconds. */
  constructor(timeoutS: number = POLICY_TIMEOUT_S) {
    if (!(timeoutS > 0) || !Number.isFinite(timeoutS)) {
      throw new RangeError(`PolicyWatchdog: expected a positive timeout, got ${timeoutS}`);
    }
    // Ten ticks a timeout, between 10 ms and 1 s apart.
    this.tickMs = Math.min(1000, Math.max(10, (timeoutS * 1000) / 10));
    this.stallTicks = Math.ceil((timeoutS * 1000) / this.tickMs);
  }

  /**
   * Runs on `pool` the task `make(watch)` builds around its watch record. If one call into
   * policy code runs for the timeout, its worker is terminated and the promise rejects with
   * `stalled(<the method, as POLICY_METHODS names it>)`. `stop`, when it aborts, ends the task
   * too (queued, it is dropped; running, its worker is terminated).
   */
  async run<R>(
    pool: Tinypool,
    make: (watch: SharedArrayBuffer) => unknown,
    stalled: (method: string) => Error,
    stop?: AbortSignal,
  ): Promise<R> {
    const buffer = new SharedArrayBuffer(WATCH_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const entry: Watched = {
      record: new Int32Array(buffer),
      abort: new AbortController(),
      stalled,
      calls: 0,
      ticks: 0,
    };
    this.watched.add(entry);
    this.timer ??= setInterval(() => this.tick(), this.tickMs).unref();
    try {
      const signal =
        stop === undefined ? entry.abort.signal : AbortSignal.any([entry.abort.signal, stop]);
      return (await pool.run(make(buffer), { signal })) as R;
    } catch (error) {
      throw entry.error ?? error;
    } finally {
      this.watched.delete(entry);
      if (this.watched.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }
  }

  private tick(): void {
    for (const entry of this.watched) {
      const calls = Atomics.load(entry.record, WATCH_CALLS);
      const method = Atomics.load(entry.record, WATCH_METHOD);
      if (method === 0 || calls !== entry.calls) {
        entry.calls = calls;
        entry.ticks = 0;
      } else if (++entry.ticks >= this.stallTicks && entry.error === undefined) {
        entry.error = entry.stalled(POLICY_METHODS[method] ?? `method ${method}`);
        entry.abort.abort();
      }
    }
  }
}

/** The timeout as messages show it: `30s`, `1.5s`, `250ms`. */
export function timeoutText(timeoutS: number): string {
  return timeoutS >= 1 ? `${timeoutS}s` : `${Math.round(timeoutS * 1000)}ms`;
}

/** The error of a call into a policy module, in a cell, still running after `timeoutS`. */
export function stalledCall(
  module: string,
  method: string,
  timeoutS: number,
  cell: PolicyCell,
): PolicyError {
  const timeout = timeoutText(timeoutS);
  return new PolicyError(
    module,
    method,
    cell,
    `${method} to end within ${timeout} (--policy-timeout)`,
    `no end after ${timeout}: the worker thread running it was stopped`,
  );
}
