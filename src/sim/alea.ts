/**
 * Baagoe's Alea generator with its Mash seeding, exactly as seedrandom's `alea` implements it,
 * written as a class with no closures. A simulation makes a stream per run, and seedrandom's
 * closure-per-generator form made stream creation the largest cost of the runtime after garbage
 * collection. The output is bit-identical to `seedrandom.alea(seed)` for every seed (tested in
 * test/kernel-rng.test.ts), so the streams are still seedrandom's streams.
 */

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

/** An Alea generator seeded from a string; `next()` draws uniformly from [0, 1). */
export class Alea {
  private s0: number;
  private s1: number;
  private s2: number;
  private c = 1;

  constructor(seed: string) {
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
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
  }

  /** The next draw in [0, 1). */
  next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10;
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    this.s2 = t - this.c;
    return this.s2;
  }
}
