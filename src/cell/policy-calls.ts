/**
 * What a thread knows of the calls it makes into users' policy modules, and what those calls
 * see of chance and time.
 *
 * Where. A thread records, in a small Int32Array that the main thread can share with a worker,
 * how many calls it has made into policy code and which kind of call it is inside now (none,
 * loading a module, its factory, enqueue, pick, complete). The main thread's watchdog
 * (src/experiment/policy-watchdog.ts) reads it: the same call, still inside, after the timeout,
 * is a module that loops, and its worker is stopped. A thread given no shared record writes
 * to a private one.
 *
 * Chance and time. A policy that calls `Math.random`, `Date.now`, `new Date()` or
 * `performance.now` would make two runs of the same seed differ. During each call into a
 * policy (and while a module loads), those are given deterministic substitutes: `Math.random`
 * draws from the cell's own named stream `policy` (so a seed replays it, whichever thread runs
 * the cell), and the clocks read the simulated time, as if the cell had started at the Unix
 * epoch: `Date.now()` and `new Date()` are the call's `nowS` in milliseconds since 1970-01-01,
 * `performance.now()` the same milliseconds. Outside policy calls the originals run. Math.random,
 * Date.now and performance.now are replaced once by functions that ask which is wanted (one
 * comparison); the global `Date` constructor only during a call, since a subclass left in
 * place would fail `instanceof` checks on the dates other code makes.
 *
 * Why this is not itself a source of nondeterminism: nothing here draws a random number or
 * reads a clock for the simulation. Inside a policy call every substitute answers from the
 * cell's named stream `policy` and the simulated clock; the originals are kept only so that code
 * outside policy calls (the CLI's progress bar and wall-clock pacing, in cli/ and experiment/)
 * behaves as before, and the simulator's own code never calls them.
 */

/** The kinds of call a watch record names; the index is the code stored in the record. */
export const POLICY_METHODS = [
  "",
  "loading the module",
  "the factory",
  "enqueue()",
  "pick()",
  "complete()",
] as const;

/** The code of each kind of call in a watch record. */
export const PolicyMethod = {
  none: 0,
  load: 1,
  factory: 2,
  enqueue: 3,
  pick: 4,
  complete: 5,
} as const;

/** A watch record's words: calls made into policy code (wrapping), and the current method. */
export const WATCH_WORDS = 2;
/** Index of the call counter in a watch record. */
export const WATCH_CALLS = 0;
/** Index of the current method's code (`PolicyMethod`) in a watch record. */
export const WATCH_METHOD = 1;

/** This thread's watch record: private until a worker is handed a shared one. */
let watch: Int32Array<ArrayBufferLike> = new Int32Array(WATCH_WORDS);

/**
 * Records this thread's policy calls in `buffer` (a SharedArrayBuffer the main thread reads),
 * or in a private record when `buffer` is undefined.
 */
export function watchPolicyCalls(buffer: SharedArrayBuffer | undefined): void {
  watch = buffer === undefined ? new Int32Array(WATCH_WORDS) : new Int32Array(buffer);
}

/**
 * What a policy sees of chance and time in one cell: draws from `random`, and the simulated
 * time of the call it is in.
 */
export class PolicyClock {
  /** The simulated time of the current call, in seconds. */
  nowS = 0;

  /** A clock whose `Math.random` is `random` (a stream of the cell's seed). */
  constructor(readonly random: () => number) {
    installSubstitutes();
  }
}

/** The clock of the policy call this thread is in, or null outside policy code. */
let active: PolicyClock | null = null;

/**
 * Marks the start of a call into policy code at simulated time `nowS`; returns what `leavePolicy`
 * restores. Cheap: a few stores, no allocation.
 */
export function enterPolicy(clock: PolicyClock, method: number, nowS: number): PolicyClock | null {
  const previous = active;
  clock.nowS = nowS;
  active = clock;
  if (previous === null) globalThis.Date = SimulatedDate;
  watch[WATCH_CALLS]!++;
  watch[WATCH_METHOD] = method;
  return previous;
}

/** Marks the end of a call into policy code (`previous` is what `enterPolicy` returned). */
export function leavePolicy(previous: PolicyClock | null): void {
  active = previous;
  if (previous === null) {
    globalThis.Date = OriginalDate;
    watch[WATCH_METHOD] = PolicyMethod.none;
  }
}

const OriginalDate = Date;
const originalRandom = Math.random;
const originalDateNow = Date.now;
const originalPerformanceNow = performance.now.bind(performance);
let installed = false;

/** The simulated time of the current policy call in milliseconds since the epoch. */
function simulatedMs(clock: PolicyClock): number {
  return clock.nowS * 1000;
}

/**
 * `Date` as a policy sees it during a call: with no arguments, the simulated now. A function
 * rather than a subclass, sharing Date's prototype and statics, so its dates are plain Dates
 * (`instanceof Date` holds either way) and `Date()` called without `new` works too.
 */
const SimulatedDate = function (...args: unknown[]) {
  if (new.target === undefined) {
    return active === null ? OriginalDate() : new OriginalDate(simulatedMs(active)).toString();
  }
  const given = args.length === 0 && active !== null ? [simulatedMs(active)] : args;
  return Reflect.construct(OriginalDate, given, new.target);
} as unknown as DateConstructor;
Object.defineProperty(SimulatedDate, "prototype", { value: OriginalDate.prototype });
Object.defineProperty(SimulatedDate, "name", { value: "Date" });
Object.setPrototypeOf(SimulatedDate, OriginalDate);

/** Replaces Math.random, Date.now and performance.now, once per thread. */
function installSubstitutes(): void {
  if (installed) return;
  installed = true;
  Math.random = () => (active === null ? originalRandom() : active.random());
  Date.now = () => (active === null ? originalDateNow() : Math.floor(simulatedMs(active)));
  performance.now = () => (active === null ? originalPerformanceNow() : simulatedMs(active));
}
