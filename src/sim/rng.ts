/**
 * Named random streams. Each stream is derived from (root seed, name) with seedrandom's Alea
 * generator, so the draws of one stream never depend on whether another stream exists or how
 * often it was drawn from: that is what gives common random numbers across policies. Where
 * streams are many and told apart by integers (a stream per run), a `StreamFamily` derives each
 * member from the family's key and its integers by integer hashing instead of from a name.
 */
import seedrandom from "seedrandom";
import { ALEA_STATE, Alea, aleaKey, aleaNext, aleaSeed, aleaSeedIndexed } from "./alea.ts";

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

  /**
   * The family of streams `name/<index>` (e.g. `run/ticket-triage`: a stream per run of the
   * job), for many streams told apart by integers: its key is hashed from (root seed, name) once,
   * and each member is derived from the key and its (index, lane) by integer hashing
   * (`aleaSeedIndexed`), not from a name of its own. Make it once and keep it.
   */
  family(name: string): StreamFamily {
    return new StreamFamily(this.seedOf(name), name);
  }

  private seedOf(name: string): string {
    return `${String(this.seed)}\u0000${name}`;
  }
}

/**
 * A family of streams `<name>/<index>` (lane 0) or `<name>/<index>/<lane>`, derived from the
 * family's key (the seed words of (root seed, name, "family")) and the member's integers. Like
 * named streams, a member's draws depend only on the root seed, the family's name and its
 * integers: not on which other members exist, in what order they were made, or how often they
 * were drawn from.
 */
export class StreamFamily {
  /** The family's name. */
  readonly name: string;
  private readonly key = new Float64Array(3);

  /** The family seeded from `seed` (see `RandomStreams.family`). */
  constructor(seed: string, name: string) {
    this.name = name;
    const state = new Float64Array(ALEA_STATE);
    aleaSeed(`${seed}\u0000family`, state, 0);
    aleaKey(state, 0, this.key, 0);
  }

  /** Seeds the Alea state of member (`index`, `lane`) into `state[at..at+4)` (see `aleaNext`). */
  seedInto(index: number, lane: number, state: Float64Array, at: number): void {
    aleaSeedIndexed(this.key, 0, index, lane, state, at);
  }

  /** Member (`index`, `lane`) as a stream, from its first draw: the draws `seedInto` gives. */
  stream(index: number, lane = 0): Rng {
    const state = new Float64Array(ALEA_STATE);
    this.seedInto(index, lane, state, 0);
    const name = lane === 0 ? `${this.name}/${index}` : `${this.name}/${index}/${lane}`;
    return { name, next: () => aleaNext(state, 0) };
  }
}

/** Derives the seed of replication `index` from a root seed: deterministic and spread out. */
export function replicationSeed(rootSeed: number, index: number): number {
  const prng = seedrandom.alea(`${rootSeed}\u0000replication\u0000${index}`);
  return Math.floor(prng() * 2 ** 31);
}
