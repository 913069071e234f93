/**
 * An array-backed binary heap ordered by a comparator: the building block of every policy.
 *
 * `push` and `pop` are O(log n) and allocate nothing once the backing array has grown to the
 * largest size seen (slots are reused, and a popped slot is cleared so the heap does not keep a
 * turn alive). An optional `moved` callback tells each item where it now sits, which makes
 * `update` and `removeAt` possible for items whose key changes in place (fair-share's tenants).
 */
export class Heap<T> {
  /** The backing array; `items[0..count)` is the heap, the rest are cleared spare slots. */
  private readonly items: (T | undefined)[] = [];
  private count = 0;

  /**
   * @param before strict order: `before(a, b)` is true when `a` must come out before `b`.
   * @param moved told the new index of an item whenever it moves, and -1 when it leaves.
   */
  constructor(
    private readonly before: (a: T, b: T) => boolean,
    private readonly moved?: (item: T, index: number) => void,
  ) {}

  /** Items in the heap. */
  get size(): number {
    return this.count;
  }

  /** The first item, or undefined when empty. O(1). */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[0];
  }

  /** The item at a heap index (for callers that track indexes with `moved`). */
  at(index: number): T {
    if (index < 0 || index >= this.count) {
      throw new RangeError(`Heap.at: index ${index} outside 0..${this.count - 1}`);
    }
    return this.items[index]!;
  }

  /** Adds an item. O(log n). */
  push(item: T): void {
    const index = this.count++;
    if (index === this.items.length) this.items.push(item);
    this.siftUp(index, item);
  }

  /** Removes and returns the first item, or undefined when empty. O(log n). */
  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const first = this.items[0]!;
    const last = this.items[--this.count]!;
    this.items[this.count] = undefined;
    if (this.count > 0) this.siftDown(0, last);
    this.moved?.(first, -1);
    return first;
  }

  /** Restores the order after the key of the item at `index` changed. O(log n). */
  update(index: number): void {
    const item = this.at(index);
    if (index > 0 && this.before(item, this.items[(index - 1) >> 1]!)) this.siftUp(index, item);
    else this.siftDown(index, item);
  }

  /** Removes and returns the item at `index`. O(log n). */
  removeAt(index: number): T {
    const item = this.at(index);
    const last = this.items[--this.count]!;
    this.items[this.count] = undefined;
    if (index < this.count) {
      this.items[index] = last;
      this.update(index);
    }
    this.moved?.(item, -1);
    return item;
  }

  /**
   * The index of the first item, in heap order, among those `ok` accepts; -1 if none.
   * O(n): one pass over the array, no allocation (for filtered picks whose first item is refused).
   */
  findFirst(ok: (item: T) => boolean): number {
    const { items, before, count } = this;
    let best = -1;
    for (let i = 0; i < count; i++) {
      const item = items[i]!;
      if (ok(item) && (best < 0 || before(item, items[best]!))) best = i;
    }
    return best;
  }

  /** Keeps only the items for which `keep` is true and rebuilds the order. O(n). */
  filter(keep: (item: T) => boolean): void {
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const item = this.items[i]!;
      if (keep(item)) this.items[kept++] = item;
      else this.moved?.(item, -1);
    }
    for (let i = kept; i < this.count; i++) this.items[i] = undefined;
    this.count = kept;
    for (let i = 0; i < kept; i++) this.moved?.(this.items[i]!, i);
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i, this.items[i]!);
  }

  /** Removes every item. O(n) to clear the slots. */
  clear(): void {
    for (let i = 0; i < this.count; i++) {
      this.moved?.(this.items[i]!, -1);
      this.items[i] = undefined;
    }
    this.count = 0;
  }

  /** Moves `item` up from the hole at `index` to its place. */
  private siftUp(index: number, item: T): void {
    const { items, before, moved } = this;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (!before(item, parent)) break;
      items[index] = parent;
      if (moved !== undefined) moved(parent, index);
      index = parentIndex;
    }
    items[index] = item;
    if (moved !== undefined) moved(item, index);
  }

  /** Moves `item` down from the hole at `index` to its place. */
  private siftDown(index: number, item: T): void {
    const { items, before, moved, count } = this;
    const half = count >> 1;
    while (index < half) {
      let childIndex = 2 * index + 1;
      let child = items[childIndex]!;
      const rightIndex = childIndex + 1;
      if (rightIndex < count) {
        const right = items[rightIndex]!;
        if (before(right, child)) {
          childIndex = rightIndex;
          child = right;
        }
      }
      if (!before(child, item)) break;
      items[index] = child;
      if (moved !== undefined) moved(child, index);
      index = childIndex;
    }
    items[index] = item;
    if (moved !== undefined) moved(item, index);
  }
}
