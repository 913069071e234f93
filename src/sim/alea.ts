/**
 * Baagoe's Alea generator with its Mash seeding, exactly as seedrandom's `alea` implements it,
 * written with no closures. A simulation makes a stream per run, and seedrandom's
 * closure-per-generator form made stream creation the largest cost of the runtime after garbage
 * collection. The output is bit-identical to `seedrandom.alea(seed)` for every seed (tested in
 * test/kernel-rng.test.ts), so the streams are still seedrandom's streams.
 *
 * The generator's state is four doubles (s0, s1, s2, c) at an offset of a Float64Array, so a
 * model that keeps many streams alive (a run each, waiting in a long queue) can keep their
 * states in one array of its own instead of an object and four boxed numbers a stream
 * (`aleaSeed` and `aleaNext`); the `Alea` class keeps a small array of its own.
 */

/** Doubles of one Alea state: s0, s1, s2 and the carry c. */
export const ALEA_STATE = 4;

/**
 * Mash, the string hash Alea seeds from, as a function of its running state `n` (the original
 * keeps it in a closure across calls): returns the state after hashing `data`; `mashed(n)` is
 * the hash value. Seeding then makes no object.
 */
function mash(n: number, data: string): number {
  for (let i = 0; i < data.length; i++) {
    n += data.charCodeAt(i);
    let h = 0.02519603282416938 * n;
    n = h >>> 0;
    h -= n;
    h *= n;
    n = h >>> 0;
    h -= n;
    n += h * 0x100000000;
  }
  return n;
}

/** The hash value of Mash's running state. */
function mashed(n: number): number {
  return (n >>> 0) * 2.3283064365386963e-10;
}

// Alea first hashes " " three times, whatever the seed: those hashes and Mash's state after them.
const N0 = mash(0xefc8249d, " ");
const N1 = mash(N0, " ");
const N2 = mash(N1, " ");
const BLANK0 = mashed(N0);
const BLANK1 = mashed(N1);
const BLANK2 = mashed(N2);

/** Seeds the Alea state at `state[at..at+4)` from a string. */
export function aleaSeed(seed: string, state: Float64Array, at: number): void {
  let n = N2;
  let s0 = BLANK0;
  let s1 = BLANK1;
  let s2 = BLANK2;
  n = mash(n, seed);
  s0 -= mashed(n);
  if (s0 < 0) s0 += 1;
  n = mash(n, seed);
  s1 -= mashed(n);
  if (s1 < 0) s1 += 1;
  n = mash(n, seed);
  s2 -= mashed(n);
  if (s2 < 0) s2 += 1;
  state[at] = s0;
  state[at + 1] = s1;
  state[at + 2] = s2;
  state[at + 3] = 1;
}

/** Advances the Alea state at `state[at..at+4)` and returns its next draw in [0, 1). */
export function aleaNext(state: Float64Array, at: number): number {
  const t = 2091639 * state[at]! + state[at + 3]! * 2.3283064365386963e-10;
  state[at] = state[at + 1]!;
  state[at + 1] = state[at + 2]!;
  const c = t | 0;
  const draw = t - c;
  state[at + 2] = draw;
  state[at + 3] = c;
  return draw;
}

/** An Alea generator seeded from a string; `next()` draws uniformly from [0, 1). */
export class Alea {
  private readonly state = new Float64Array(ALEA_STATE);

  constructor(seed: string) {
    aleaSeed(seed, this.state, 0);
  }

  /** The next draw in [0, 1). */
  next(): number {
    return aleaNext(this.state, 0);
  }
}

/** MurmurHash3's 32-bit finalizer: a bijection of 32-bit integers with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Seeds the Alea state at `state[at..at+4)` from a key of three 32-bit words at
 * `key[keyAt..keyAt+3)` and two small non-negative integers `a` and `b` (e.g. a run's key, its
 * call index and its attempt): a stream per (key, a, b) made with a few integer multiplications,
 * where seeding from a string would hash every character. The state has the form Mash gives
 * (three multiples of 2^-32 in [0, 1), carry 1), so the draws are Alea's. Integer arithmetic
 * only (`Math.imul`, shifts): bit-identical on every machine and worker.
 */
export function aleaSeedKeyed(
  key: Float64Array,
  keyAt: number,
  a: number,
  b: number,
  state: Float64Array,
  at: number,
): void {
  const t = fmix32((Math.imul(a, 0x9e3779b1) + Math.imul(b, 0x632be5ab) + 0x7f4a7c15) | 0);
  state[at] = fmix32(key[keyAt]! ^ t) * 2.3283064365386963e-10;
  state[at + 1] = fmix32(key[keyAt + 1]! ^ fmix32(t ^ 0x1b873593)) * 2.3283064365386963e-10;
  state[at + 2] = fmix32(key[keyAt + 2]! ^ fmix32(t ^ 0xcc9e2d51)) * 2.3283064365386963e-10;
  state[at + 3] = 1;
}

/**
 * Writes the key of the Alea state at `state[at..at+4)` (its three words as 32-bit integers) to
 * `key[keyAt..keyAt+3)`, for `aleaSeedKeyed`. Read it from a freshly seeded state, whose words
 * are the seed's Mash hashes.
 */
export function aleaKey(state: Float64Array, at: number, key: Float64Array, keyAt: number): void {
  for (let i = 0; i < 3; i++) key[keyAt + i] = Math.floor(state[at + i]! * 4294967296) >>> 0;
}

/**
 * Seeds the Alea state at `state[at..at+4)` for member (`index`, `lane`) of a family of streams
 * keyed by three 32-bit words at `key[keyAt..keyAt+3)` (see `StreamFamily` in rng.ts): e.g. run
 * `index` of a job, `lane` telling apart runs that share an index (a closed loop's users). A
 * counter-based derivation: each word is MurmurHash3's finalizer applied twice, to the key word
 * mixed with the index, the lane and the words before, so a member costs a dozen integer
 * multiplications where seeding from its name would hash every character three times (the
 * largest single cost of a single-turn run through the runtime). Distinct (index, lane) give
 * distinct states: the first word is a bijection of the index, the second, for a given first,
 * a bijection of the lane. The state has the form Mash gives (three multiples of 2^-32 in
 * [0, 1), carry 1), so the draws are Alea's. Integer arithmetic only (`Math.imul`, shifts):
 * bit-identical on every machine and worker. `index` and `lane` are integers in [0, 2^32).
 */
export function aleaSeedIndexed(
  key: Float64Array,
  keyAt: number,
  index: number,
  lane: number,
  state: Float64Array,
  at: number,
): void {
  const w0 = fmix32(key[keyAt]! ^ fmix32((index + 0x7f4a7c15) | 0));
  const w1 = fmix32(key[keyAt + 1]! ^ fmix32((Math.imul(lane, 0x9e3779b1) + w0 + 0x1b873593) | 0));
  const w2 = fmix32(key[keyAt + 2]! ^ fmix32(w0 ^ Math.imul(w1, 0x632be5ab) ^ 0xcc9e2d51));
  state[at] = w0 * 2.3283064365386963e-10;
  state[at + 1] = w1 * 2.3283064365386963e-10;
  state[at + 2] = w2 * 2.3283064365386963e-10;
  state[at + 3] = 1;
}
