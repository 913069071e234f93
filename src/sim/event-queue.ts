/**
 * The kernel's event queue: a 4-ary min-heap in struct-of-arrays layout. Entries are ordered by
 * (time, key), where the key packs the event class and the insertion sequence
 * (`class x 2^44 + seq`), so simultaneous events run by class and then first-in-first-out.
 * Times and keys live in Float64Arrays; the items in a plain array beside them. A 4-ary heap
 * halves the depth of a binary one and keeps a node's children on one cache line.
 */
export class EventQueue<T> {
  private times: Float64Array;
  private keys: Float64Array;
  private items: (T | undefined)[];
  private count = 0;
  /** The key of the entry the last `pop()` returned (its class and sequence). */
  lastKey = 0;
  /** The time of the entry the last `pop()` returned. */
  lastTime = 0;

  /** An empty queue; `capacity` (default 1024) is only the initial allocation, it grows. */
  constructor(capacity = 1024) {
    this.times = new Float64Array(capacity);
    this.keys = new Float64Array(capacity);
    this.items = new Array(capacity);
  }

  /** Entries pending. */
  get size(): number {
    return this.count;
  }

  /** Time of the earliest entry; Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  /** Adds an entry. The caller guarantees `time` is finite. */
  push(time: number, key: number, item: T): void {
    if (this.count === this.times.length) this.grow();
    const times = this.times;
    const keys = this.keys;
    const items = this.items;
    let i = this.count++;
    // Sift up: move parents down until the new entry's place is found.
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent]!;
      if (pt < time || (pt === time && keys[parent]! < key)) break;
      times[i] = pt;
      keys[i] = keys[parent]!;
      items[i] = items[parent];
      i = parent;
    }
    times[i] = time;
    keys[i] = key;
    items[i] = item;
  }

  /**
   * Removes and returns the earliest entry if its time is before `limit`, else undefined; the
   * simulation's run loop uses it to peek and pop in one call.
   */
  popBefore(limit: number): T | undefined {
    if (this.count === 0 || !(this.times[0]! < limit)) return undefined;
    return this.pop();
  }

  /** Removes and returns the earliest entry; `lastTime` and `lastKey` get its time and key. The queue must not be empty. */
  pop(): T {
    const times = this.times;
    const keys = this.keys;
    const items = this.items;
    const top = items[0] as T;
    this.lastTime = times[0]!;
    this.lastKey = keys[0]!;
    const n = --this.count;
    if (n > 0) {
      const time = times[n]!;
      const key = keys[n]!;
      const item = items[n];
      let i = 0;
      // Sift down the last entry from the root, choosing the least of up to four children.
      for (;;) {
        const first = (i << 2) + 1;
        if (first >= n) break;
        let best = first;
        let bt = times[first]!;
        let bk = keys[first]!;
        const last = first + 4 < n ? first + 4 : n;
        for (let c = first + 1; c < last; c++) {
          const ct = times[c]!;
          if (ct < bt || (ct === bt && keys[c]! < bk)) {
            best = c;
            bt = ct;
            bk = keys[c]!;
          }
        }
        if (time < bt || (time === bt && key < bk)) break;
        times[i] = bt;
        keys[i] = bk;
        items[i] = items[best];
        i = best;
      }
      times[i] = time;
      keys[i] = key;
      items[i] = item;
    }
    items[n] = undefined;
    return top;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    times.set(this.times);
    const keys = new Float64Array(capacity);
    keys.set(this.keys);
    this.times = times;
    this.keys = keys;
    this.items.length = capacity;
  }
}
