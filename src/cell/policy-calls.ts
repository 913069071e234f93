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
 * Chance and time. A policy that calls `Math.random`, `crypto.getRandomValues` or reads a
 * clock would make two runs of the same seed differ. During each call into a policy (and while
 * a module loads), every source of chance and every clock a module can reach is given a
 * deterministic substitute, none refused:
 *
 * - chance draws from the cell's own named stream `policy` (so a seed replays it, whichever
 *   thread runs the cell): `Math.random`; Web Crypto's `crypto.getRandomValues` and
 *   `crypto.randomUUID` (a version 4 UUID of drawn bytes); node:crypto's `randomUUID`,
 *   `randomBytes`, `randomInt`, `randomFillSync` and `getRandomValues` (the module's exports are
 *   replaced, and `syncBuiltinESMExports` makes `import { randomUUID } from "node:crypto"` see
 *   the substitute);
 * - the clocks read the simulated time, as if the cell had started at the Unix epoch:
 *   `Date.now()` and `new Date()` are the call's `nowS` in milliseconds since 1970-01-01,
 *   `performance.now()` the same milliseconds, `process.hrtime()` and `process.hrtime.bigint()`
 *   the same in nanoseconds.
 *
 * What cannot be made deterministic is refused during a call (the policy method throws, which
 * the guard reports as that method's exception, naming the module and the cell): a callback run
 * later, by `setTimeout`, `setInterval`, `setImmediate` or the callback form of node:crypto's
 * `randomBytes`, `randomInt` and `randomFill`, would change the policy's state between calls at
 * a moment no seed decides (a cell is one synchronous loop; the callback would run after it, or
 * in the middle of the next cell on that thread). At load they are allowed: a library the module
 * imports may set a timer, and the load spans other code's turns of the event loop.
 *
 * Outside policy calls the originals run. The replaced functions are installed once per thread
 * and ask which is wanted (one comparison); the global `Date` constructor is replaced only
 * during a call, since a subclass left in place would fail `instanceof` checks on the dates
 * other code makes.
 *
 * Why this is not itself a source of nondeterminism: nothing here draws a random number or
 * reads a clock for the simulation. Inside a policy call every substitute answers from the
 * cell's named stream `policy` and the simulated clock; the originals are kept only so that code
 * outside policy calls (the CLI's progress bar and wall-clock pacing, in cli/ and experiment/)
 * behaves as before, and the simulator's own code never calls them.
 */

import type * as nodeCryptoModule from "node:crypto";
import { createRequire, syncBuiltinESMExports } from "node:module";

/** node:crypto's exports object (the one `syncBuiltinESMExports` copies to the ES module). */
const nodeCrypto = createRequire(import.meta.url)("node:crypto") as typeof nodeCryptoModule;

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
  activeMethod = method;
  return previous;
}

/** Marks the end of a call into policy code (`previous` is what `enterPolicy` returned). */
export function leavePolicy(previous: PolicyClock | null): void {
  active = previous;
  if (previous === null) {
    globalThis.Date = OriginalDate;
    watch[WATCH_METHOD] = PolicyMethod.none;
    activeMethod = PolicyMethod.none;
  }
}

const OriginalDate = Date;
const originalRandom = Math.random;
const originalDateNow = Date.now;
const originalPerformanceNow = performance.now.bind(performance);
const originalHrtime = process.hrtime;
let installed = false;

/** The method of the current call (`PolicyMethod`), for what is refused in a call but not at load. */
let activeMethod = 0;

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

/** Bytes drawn from the call's stream into `view`, four a draw. */
function fillDrawn(clock: PolicyClock, view: ArrayBufferView): void {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  for (let i = 0; i < bytes.length; i += 4) {
    let word = Math.floor(clock.random() * 2 ** 32);
    for (let j = i; j < Math.min(i + 4, bytes.length); j++) {
      bytes[j] = word & 0xff;
      word >>>= 8;
    }
  }
}

/** A version 4 UUID of bytes drawn from the call's stream. */
function drawnUuid(clock: PolicyClock): `${string}-${string}-${string}-${string}-${string}` {
  const bytes = new Uint8Array(16);
  fillDrawn(clock, bytes);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An integer in [min, max) drawn from the call's stream, as `crypto.randomInt(min?, max)` takes its arguments. */
function drawnInt(clock: PolicyClock, a: number, b?: number): number {
  const [min, max] = b === undefined ? [0, a] : [a, b];
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min) {
    throw new RangeError(`crypto.randomInt: expected safe integers min < max, got ${min}, ${max}`);
  }
  return min + Math.floor(clock.random() * (max - min));
}

/** What a policy is told when it asks for a callback run later; the guard names the call. */
class LaterCallbackRefused extends Error {
  constructor(what: string) {
    super(
      `${what} is refused inside a policy call: a callback run later would change the policy's state at a moment no seed decides (a policy's calls are synchronous; keep what it needs in its own state)`,
    );
    this.name = "LaterCallbackRefused";
  }
}

/** Whether a call into a policy (not its loading) is running: where callbacks are refused. */
function inCall(): boolean {
  return active !== null && activeMethod !== PolicyMethod.load;
}

/**
 * Replaces, once per thread, what a policy may read of chance and time with functions that
 * answer from the active call's clock, or call the originals outside policy calls.
 */
function installSubstitutes(): void {
  if (installed) return;
  installed = true;
  Math.random = () => (active === null ? originalRandom() : active.random());
  Date.now = () => (active === null ? originalDateNow() : Math.floor(simulatedMs(active)));
  performance.now = () => (active === null ? originalPerformanceNow() : simulatedMs(active));
  const simulatedNs = (clock: PolicyClock) => BigInt(Math.round(clock.nowS * 1e9));
  const hrtime = ((previous?: [number, number]) => {
    if (active === null) return originalHrtime(previous);
    const ns = simulatedNs(active);
    const now: [number, number] = [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
    if (previous === undefined) return now;
    let [s, n] = [now[0] - previous[0], now[1] - previous[1]];
    if (n < 0) [s, n] = [s - 1, n + 1e9];
    return [s, n];
  }) as NodeJS.HRTime;
  hrtime.bigint = () => (active === null ? originalHrtime.bigint() : simulatedNs(active));
  process.hrtime = hrtime;
  // Web Crypto (globalThis.crypto is node:crypto's webcrypto).
  const web = globalThis.crypto;
  const originalGetRandomValues = web.getRandomValues.bind(web);
  const originalWebUuid = web.randomUUID.bind(web);
  const getRandomValues = <T extends ArrayBufferView | null>(array: T): T => {
    if (active === null || !ArrayBuffer.isView(array) || array instanceof DataView) {
      return originalGetRandomValues(array as never) as T;
    }
    fillDrawn(active, array);
    return array;
  };
  web.getRandomValues = getRandomValues;
  web.randomUUID = () => (active === null ? originalWebUuid() : drawnUuid(active));
  // node:crypto, its ES module exports synced to the replaced functions.
  type AnyFunction = (...args: unknown[]) => unknown;
  const original = {
    randomUUID: nodeCrypto.randomUUID as AnyFunction,
    randomBytes: nodeCrypto.randomBytes as AnyFunction,
    randomInt: nodeCrypto.randomInt as AnyFunction,
    randomFillSync: nodeCrypto.randomFillSync as AnyFunction,
    randomFill: nodeCrypto.randomFill as AnyFunction,
  };
  const refuseCallback = (name: string, args: unknown[]) => {
    if (inCall() && typeof args[args.length - 1] === "function") {
      throw new LaterCallbackRefused(`crypto.${name} with a callback`);
    }
  };
  Object.assign(nodeCrypto, {
    randomUUID: (...args: unknown[]) =>
      active === null ? original.randomUUID(...args) : drawnUuid(active),
    randomBytes: (...args: unknown[]) => {
      refuseCallback("randomBytes", args);
      if (active === null || typeof args[1] === "function") {
        return original.randomBytes(...args);
      }
      const bytes = Buffer.alloc(args[0] as number);
      fillDrawn(active, bytes);
      return bytes;
    },
    randomInt: (...args: unknown[]) => {
      refuseCallback("randomInt", args);
      if (active === null || typeof args[args.length - 1] === "function") {
        return original.randomInt(...args);
      }
      return drawnInt(active, args[0] as number, args[1] as number | undefined);
    },
    randomFillSync: (...args: unknown[]) => {
      if (active === null) return original.randomFillSync(...args);
      const [buffer, offset = 0, size] = args as [ArrayBufferView, number?, number?];
      const length = size ?? buffer.byteLength - offset;
      fillDrawn(active, new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length));
      return buffer;
    },
    randomFill: (...args: unknown[]) => {
      refuseCallback("randomFill", args);
      return original.randomFill(...args);
    },
    // node:crypto's getRandomValues, a getter that cannot be replaced, calls Web Crypto's.
  });
  syncBuiltinESMExports();
  // Timers: a callback later is refused inside a call.
  for (const name of ["setTimeout", "setInterval", "setImmediate"] as const) {
    const originalTimer = globalThis[name] as (...args: unknown[]) => unknown;
    const replaced = (...args: unknown[]) => {
      if (inCall()) throw new LaterCallbackRefused(name);
      return originalTimer(...args);
    };
    // Its other properties too (util.promisify's custom form of setTimeout and setImmediate).
    for (const key of Reflect.ownKeys(originalTimer)) {
      if (key === "length" || key === "name" || key === "prototype") continue;
      Object.defineProperty(replaced, key, Object.getOwnPropertyDescriptor(originalTimer, key)!);
    }
    (globalThis as Record<string, unknown>)[name] = replaced;
  }
}
