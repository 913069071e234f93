/** Initial column length (records); columns double when full. */
const CHUNK = 1 << 14;
/** Slots of the interleaved array a record takes. */
const STRIDE = 4;

/**
 * Records of a memory-mode trail, one column per field, all typed arrays: about 22 bytes a
 * record. Target and detail strings are interned (a record holds a small integer naming the
 * string): a run's records repeat a few targets (an endpoint, a tool, a job) and most details
 * are empty, and millions of string references in plain arrays made the garbage collector trace
 * them over and over during a long simulation. Who acted is an actor id; the hash chain is not
 * stored here (see `AuditTrail`).
 */
export class RecordColumns {
  /** Number of records held. */
  length = 0;
  // One interleaved array, STRIDE slots a record (time; actor, action and decision packed;
  // target id; detail id): appends write one sequential stream, which in a running simulation
  // measured several times cheaper than six separate columns competing for the cache.
  private data = new Float64Array(CHUNK * STRIDE);
  // Interned strings: id 0 is "".
  private readonly strings: string[] = [""];
  private readonly ids = new Map<string, number>([["", 0]]);

  /** Appends one record's fields. */
  push(
    timeS: number,
    actor: number,
    action: number,
    decision: number,
    target: string,
    detail: string,
  ): void {
    const i = this.length;
    const at = i * STRIDE;
    if (at === this.data.length) this.grow();
    const data = this.data;
    data[at] = timeS;
    data[at + 1] = actor * 65536 + action * 256 + decision;
    data[at + 2] = this.intern(target);
    data[at + 3] = detail === "" ? 0 : this.intern(detail);
    this.length = i + 1;
  }

  /** The time of record index `i`. */
  timeAt(i: number): number {
    return this.data[i * STRIDE]!;
  }

  /** The actor id of record index `i`. */
  actorAt(i: number): number {
    return Math.floor(this.data[i * STRIDE + 1]! / 65536);
  }

  /** The action code of record index `i`. */
  actionAt(i: number): number {
    return (this.data[i * STRIDE + 1]! / 256) & 255;
  }

  /** The decision code of record index `i`. */
  decisionAt(i: number): number {
    return this.data[i * STRIDE + 1]! & 255;
  }

  /** The target of record index `i`. */
  targetAt(i: number): string {
    return this.strings[this.data[i * STRIDE + 2]!]!;
  }

  /** The detail of record index `i` ("" when none was given). */
  detailAt(i: number): string {
    return this.strings[this.data[i * STRIDE + 3]!]!;
  }

  /** The first index whose time is at least `timeS`, assuming times never decrease. */
  lowerBound(timeS: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeAt(mid) < timeS) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private intern(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.ids.set(text, id);
    }
    return id;
  }

  private grow(): void {
    const grown = new Float64Array(this.data.length * 2);
    grown.set(this.data);
    this.data = grown;
  }
}
