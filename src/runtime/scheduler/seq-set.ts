/** The largest window in words (2^22 words: 16 MiB); it spans at most half of that. */
const MAX_WINDOW_WORDS = 1 << 22;

/**
 * A set of turn `seq`s (integers in 0..2^32-1) as a sliding window of bits.
 *
 * The runtime hands out `seq`s densely and in order, so the waiting turns' `seq`s lie in a
 * window from the oldest waiting turn to the newest, and add, has and delete are a bit
 * operation in a typed array: several times cheaper than a `Set<number>` that grows at one
 * end and shrinks at the other. The window slides up as old members leave (amortized O(1) per
 * add), and grows when an old turn keeps waiting (up to 2^26 seqs, in at most 16 MiB); members
 * older than that, a turn starved for tens of millions of turns, move to a small `Set`.
 */
export class SeqSet {
  /** Bit `seq & 31` of `words[(seq >>> 5) - baseWord]` says whether `seq` is a member. */
  private words = new Uint32Array(64);
  private baseWord = 0;
  /** Members below the window (rare: see the class comment). */
  private old: Set<number> | undefined;
  private count = 0;

  /** @param maxWindowWords the largest window in words, a power of two (tests use small ones). */
  constructor(private readonly maxWindowWords = MAX_WINDOW_WORDS) {}

  /** Members. */
  get size(): number {
    return this.count;
  }

  /** Whether `seq` is a member. */
  has(seq: number): boolean {
    if (seq >>> 0 !== seq) return false;
    const index = (seq >>> 5) - this.baseWord;
    if (index < 0) return this.old?.has(seq) ?? false;
    return index < this.words.length && (this.words[index]! & (1 << (seq & 31))) !== 0;
  }

  /** Adds `seq`; false if it was already a member. Throws unless `seq` is in 0..2^32-1. */
  add(seq: number): boolean {
    if (seq >>> 0 !== seq)
      throw new RangeError(`SeqSet.add: seq ${seq} is not an integer in 0..2^32-1`);
    let index = (seq >>> 5) - this.baseWord;
    if (index < 0) return this.addOld(seq);
    if (index >= this.words.length) {
      this.makeRoom(seq >>> 5);
      index = (seq >>> 5) - this.baseWord;
    }
    const bit = 1 << (seq & 31);
    const word = this.words[index]!;
    if ((word & bit) !== 0) return false;
    this.words[index] = word | bit;
    this.count++;
    return true;
  }

  /** Removes `seq`; false if it was not a member. */
  delete(seq: number): boolean {
    if (seq >>> 0 !== seq) return false;
    const index = (seq >>> 5) - this.baseWord;
    if (index < 0) {
      if (this.old === undefined || !this.old.delete(seq)) return false;
      this.count--;
      return true;
    }
    if (index >= this.words.length) return false;
    const bit = 1 << (seq & 31);
    const word = this.words[index]!;
    if ((word & bit) === 0) return false;
    this.words[index] = word & ~bit;
    this.count--;
    return true;
  }

  private addOld(seq: number): boolean {
    this.old ??= new Set();
    if (this.old.has(seq)) return false;
    this.old.add(seq);
    this.count++;
    return true;
  }

  /** Slides or grows the window so that absolute word `top` fits. */
  private makeRoom(top: number): void {
    const words = this.words;
    let low = 0;
    while (low < words.length && words[low] === 0) low++;
    if (low === words.length) {
      // Empty window: restart it just below `top` (slightly older seqs may still come back).
      words.fill(0);
      this.baseWord = Math.max(0, top - (words.length >> 2));
      return;
    }
    let firstWord = this.baseWord + low;
    if (top - firstWord + 1 > this.maxWindowWords / 2) {
      firstWord = top - this.maxWindowWords / 4;
      this.evictBelow(firstWord);
    }
    const span = top - firstWord + 1;
    const capacity = span * 2 <= words.length ? words.length : nextPowerOfTwo(span * 2);
    const from = firstWord - this.baseWord;
    if (from >= words.length) {
      // Everything in the window was evicted: start afresh at `firstWord`.
      this.words = capacity === words.length ? words.fill(0) : new Uint32Array(capacity);
    } else if (capacity === words.length) {
      words.copyWithin(0, from);
      words.fill(0, words.length - from);
    } else {
      const grown = new Uint32Array(capacity);
      grown.set(words.subarray(Math.max(0, from)));
      this.words = grown;
    }
    this.baseWord = firstWord;
  }

  /** Moves the members in words below absolute word `firstWord` to the overflow set. */
  private evictBelow(firstWord: number): void {
    const end = Math.min(this.words.length, firstWord - this.baseWord);
    for (let i = 0; i < end; i++) {
      let word = this.words[i]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word);
        this.old ??= new Set();
        this.old.add((this.baseWord + i) * 32 + bit);
        word &= ~(1 << bit);
      }
      this.words[i] = 0;
    }
  }
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}
