/** Records a string chunk holds; a power of two, so a record's chunk is a shift away. */
const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * Records of a memory-mode trail, one column per field: about 14 bytes a record in typed arrays,
 * plus a reference to the target string (which the caller made anyway) and one to the detail
 * only when it is not empty. Strings live in fixed-size chunks rather than one growing array:
 * a push onto a huge array costs several times a store into a chunk. Who acted is an actor id;
 * the hash chain is not stored here (see `AuditTrail`).
 */
export class RecordColumns {
  /** Number of records held. */
  length = 0;
  time = new Float64Array(CHUNK);
  actor = new Int32Array(CHUNK);
  action = new Uint8Array(CHUNK);
  decision = new Uint8Array(CHUNK);
  private readonly targets: string[][] = [];
  private readonly details: string[][] = [];

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
    const j = i & CHUNK_MASK;
    if (j === 0) this.nextChunk(i);
    this.time[i] = timeS;
    this.actor[i] = actor;
    this.action[i] = action;
    this.decision[i] = decision;
    this.targets[i >>> CHUNK_BITS]![j] = target;
    if (detail !== "") this.details[i >>> CHUNK_BITS]![j] = detail;
    this.length = i + 1;
  }

  /** The target of record index `i`. */
  targetAt(i: number): string {
    return this.targets[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }

  /** The detail of record index `i` ("" when none was given). */
  detailAt(i: number): string {
    return this.details[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }

  /** The first index whose time is at least `timeS`, assuming times never decrease. */
  lowerBound(timeS: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.time[mid]! < timeS) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private nextChunk(i: number): void {
    this.targets.push(new Array<string>(CHUNK));
    this.details.push(new Array<string>(CHUNK).fill(""));
    if (i < this.time.length) return;
    const size = this.time.length * 2;
    this.time = copyInto(new Float64Array(size), this.time);
    this.actor = copyInto(new Int32Array(size), this.actor);
    this.action = copyInto(new Uint8Array(size), this.action);
    this.decision = copyInto(new Uint8Array(size), this.decision);
  }
}

function copyInto<T extends Float64Array | Int32Array | Uint8Array>(to: T, from: T): T {
  to.set(from as never);
  return to;
}
