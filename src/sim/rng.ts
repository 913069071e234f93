/**
 * Named random streams. Each stream is derived from (root seed, name) with seedrandom's Alea
 * generator, so the draws of one stream never depend on whether another stream exists or how
 * often it was drawn from: that is what gives common random numbers across policies.
 */
import seedrandom from "seedrandom";
import { Alea, aleaSeed } from "./alea.ts";

/** One random stream: uniform draws in [0, 1). */
export interface Rng {
  /** The stream's name. */
  readonly name: string;
  /** The next uniform draw in [0, 1). */
  next(): number;
}

class AleaStream extends Alea implements Rng {
  readonly name: string;
  constructor(seed: string, name: string) {
    super(seed);
    this.name = name;
  }
}

/** The streams of one simulation, all derived from a root seed. */
export class RandomStreams {
  /** The root seed. */
  readonly seed: number | string;

  /** Streams derived from `seed` (a finite number or a string). */
  constructor(seed: number | string) {
    if (typeof seed === "number" && !Number.isFinite(seed)) {
      throw new RangeError(`RandomStreams: expected a finite seed, got ${seed}`);
    }
    this.seed = seed;
  }

  /**
   * A new stream for `name`, e.g. `arrivals/ticket-triage` or `run/ticket-triage/42`. Each call
   * returns a fresh stream starting at the first draw; nothing is cached, so memory does not
   * grow with the number of names used.
   */
  stream(name: string): Rng {
    return new AleaStream(this.seedOf(name), name);
  }

  /**
   * Seeds the Alea state of the stream `name` into `state[at..at+4)` (see `aleaNext`): the same
   * draws as `stream(name)` gives, kept in an array of the caller's instead of an object.
   */
  seedInto(name: string, state: Float64Array, at: number): void {
    aleaSeed(this.seedOf(name), state, at);
  }

  private seedOf(name: string): string {
    return `${String(this.seed)}\u0000${name}`;
  }
}

/** Derives the seed of replication `index` from a root seed: deterministic and spread out. */
export function replicationSeed(rootSeed: number, index: number): number {
  const prng = seedrandom.alea(`${rootSeed}\u0000replication\u0000${index}`);
  return Math.floor(prng() * 2 ** 31);
}
