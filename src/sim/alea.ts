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
