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

/** Mash: the string hash Alea seeds from (one running state across calls, as in the original). */
class Mash {
  private n = 0xefc8249d;

  hash(data: string): number {
    let n = this.n;
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
    this.n = n;
    return (n >>> 0) * 2.3283064365386963e-10;
  }
}

/** Seeds the Alea state at `state[at..at+4)` from a string. */
export function aleaSeed(seed: string, state: Float64Array, at: number): void {
  const mash = new Mash();
  let s0 = mash.hash(" ");
  let s1 = mash.hash(" ");
  let s2 = mash.hash(" ");
  s0 -= mash.hash(seed);
  if (s0 < 0) s0 += 1;
  s1 -= mash.hash(seed);
  if (s1 < 0) s1 += 1;
  s2 -= mash.hash(seed);
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
