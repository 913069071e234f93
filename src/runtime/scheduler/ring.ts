/**
 * A growable ring buffer used as a double-ended queue: O(1) at both ends, no allocation once
 * it has grown to the largest size seen. FIFO queues and round-robin rings are built on it.
 */
export class Ring<T> {
  private items: (T | undefined)[] = new Array(16);
  /** Capacity minus one; the capacity is a power of two so indexes wrap with a mask. */
  private mask = 15;
  private head = 0;
  private count = 0;

  /** Items held. */
  get size(): number {
    return this.count;
  }

  /** The front item, or undefined when empty. */
  peekFront(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The item at `index` from the front. */
  at(index: number): T {
    if (index < 0 || index >= this.count) {
      throw new RangeError(`Ring.at: index ${index} outside 0..${this.count - 1}`);
    }
    return this.items[(this.head + index) & this.mask]!;
  }

  /** The back item, or undefined when empty. */
  peekBack(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.head + this.count - 1) & this.mask];
  }

  /** Adds an item at the back. */
  pushBack(item: T): void {
    if (this.count > this.mask) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** Adds an item at the front. */
  pushFront(item: T): void {
    if (this.count > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.count++;
  }

  /** Removes and returns the front item, or undefined when empty. */
  popFront(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  /** The index (from the front) of the first item `ok` accepts; -1 if none. O(n). */
  findFirst(ok: (item: T) => boolean): number {
    for (let i = 0; i < this.count; i++) if (ok(this.items[(this.head + i) & this.mask]!)) return i;
    return -1;
  }

  /** Removes and returns the item at `index` from the front, keeping the others' order. O(n). */
  removeAt(index: number): T {
    if (index < 0 || index >= this.count) {
      throw new RangeError(`Ring.removeAt: index ${index} outside 0..${this.count - 1}`);
    }
    const { items, mask, head } = this;
    const item = items[(head + index) & mask]!;
    for (let i = index; i < this.count - 1; i++)
      items[(head + i) & mask] = items[(head + i + 1) & mask];
    items[(head + this.count - 1) & mask] = undefined;
    this.count--;
    return item;
  }

  /** Keeps only the items for which `keep` is true, in order. O(n). */
  filter(keep: (item: T) => boolean): void {
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const item = this.items[(this.head + i) & this.mask]!;
      if (keep(item)) this.items[(this.head + kept++) & this.mask] = item;
    }
    for (let i = kept; i < this.count; i++) this.items[(this.head + i) & this.mask] = undefined;
    this.count = kept;
  }

  /** Removes every item. */
  clear(): void {
    while (this.count > 0) this.popFront();
    this.head = 0;
  }

  /** Doubles the capacity, unwrapping the items to start at index 0. */
  private grow(): void {
    const capacity = this.items.length;
    const items: (T | undefined)[] = new Array(capacity * 2);
    for (let i = 0; i < this.count; i++) items[i] = this.items[(this.head + i) & this.mask];
    this.items = items;
    this.mask = capacity * 2 - 1;
    this.head = 0;
  }
}
