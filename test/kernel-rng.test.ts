/**
 * Reproducibility: the same seed gives an identical event trace and another seed a different
 * one; named streams are independent of each other (creating or drawing from one never changes
 * another's draws), which is what common random numbers rest on.
 */
import fc from "fast-check";
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { ALEA_STATE, Alea, aleaNext } from "../src/sim/alea.ts";
import {
  EventClass,
  type Interrupt,
  RandomStreams,
  Resource,
  replicationSeed,
  Simulation,
} from "../src/sim/index.ts";

const NUM_RUNS = process.env.AGENTSIM_LONG ? 10_000 : 1000;

/** A small model using several streams, a resource and interrupts; returns its event trace. */
function trace(seed: number | string, customers: number): string[] {
  const sim = new Simulation({ seed });
  const desk = new Resource(sim, 2);
  const gaps = sim.rng.stream("arrivals");
  const out: string[] = [];
  const log = (what: string) => out.push(`${what}@${sim.now}`);
  function* customer(i: number) {
    const own = sim.rng.stream(`customer/${i}`); // Keyed by identity, not by service order.
    const request = desk.request();
    try {
      yield request;
      log(`c${i} served`);
      yield -Math.log(1 - own.next());
      log(`c${i} done`);
    } catch (error) {
      log(`c${i} ${(error as Interrupt).cause}`);
    }
    desk.release(request); // Gives the slot back, or withdraws a request still waiting.
  }
  sim.process(
    (function* () {
      for (let i = 0; i < customers; i++) {
        yield -0.7 * Math.log(1 - gaps.next());
        const p = sim.process(customer(i));
        if (gaps.next() < 0.2) sim.call(0.5, () => p.isAlive && p.interrupt("impatient"));
      }
    })(),
    EventClass.Arrival,
  );
  sim.run();
  out.push(`events ${sim.eventsProcessed}`);
  return out;
}

describe("determinism", () => {
  it("the same seed gives an identical event trace", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string()), fc.integer({ min: 1, max: 30 }), (s, n) => {
        expect(trace(s, n)).toEqual(trace(s, n));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("another seed gives a different event trace", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.integer({ min: 3, max: 30 }), (a, b, n) => {
        fc.pre(a !== b);
        expect(trace(a, n)).not.toEqual(trace(b, n));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("replication seeds are deterministic and distinct", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (root) => {
        const seeds = Array.from({ length: 50 }, (_, i) => replicationSeed(root, i));
        expect(seeds).toEqual(Array.from({ length: 50 }, (_, i) => replicationSeed(root, i)));
        expect(new Set(seeds).size).toBe(seeds.length);
        for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("named streams", () => {
  const name = fc.string({ minLength: 1, maxLength: 12 });

  it("a stream's draws do not depend on other streams being made or drawn from", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.string()),
        name,
        fc.uniqueArray(name, { maxLength: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        (seed, target, others, schedule) => {
          fc.pre(!others.includes(target));
          const alone = new RandomStreams(seed).stream(target);
          const expected = schedule.map(() => alone.next());
          // Same seed, streams made in another order, draws interleaved with the others'.
          const streams = new RandomStreams(seed);
          const noise = others.map((n) => streams.stream(n));
          const mine = streams.stream(target);
          const got = schedule.map((k) => {
            for (let j = 0; j < k % 3; j++) noise[k % Math.max(1, noise.length)]?.next();
            return mine.next();
          });
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("each call to stream(name) starts the same sequence afresh", () => {
    fc.assert(
      fc.property(fc.integer(), name, (seed, n) => {
        const streams = new RandomStreams(seed);
        const first = streams.stream(n);
        const a = [first.next(), first.next(), first.next()];
        const again = streams.stream(n);
        expect([again.next(), again.next(), again.next()]).toEqual(a);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("different names and different seeds give different sequences, all in [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), name, name, (s1, s2, n1, n2) => {
        fc.pre(s1 !== s2 || n1 !== n2);
        const a = new RandomStreams(s1).stream(n1);
        const b = new RandomStreams(s2).stream(n2);
        const xs = Array.from({ length: 8 }, () => a.next());
        const ys = Array.from({ length: 8 }, () => b.next());
        expect(xs).not.toEqual(ys);
        for (const x of [...xs, ...ys]) expect(x >= 0 && x < 1).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("draws exactly what seedrandom's alea draws for the derived seed (the kernel's Alea)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string()), fc.string({ maxLength: 40 }), (seed, n) => {
        const reference = seedrandom.alea(`${String(seed)}\u0000${n}`);
        const stream = new RandomStreams(seed).stream(n);
        for (let i = 0; i < 50; i++) expect(stream.next()).toBe(reference());
        const direct = new Alea(n);
        const again = seedrandom.alea(n);
        for (let i = 0; i < 50; i++) expect(direct.next()).toBe(again());
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("rejects a seed that is not a finite number", () => {
    expect(() => new RandomStreams(Number.NaN)).toThrow(/finite seed/);
    expect(() => new Simulation({ seed: Number.POSITIVE_INFINITY })).toThrow(/finite seed/);
  });
});

describe("stream families (a run's stream: member (k, u) of run/<job>)", () => {
  it("a member's draws depend only on (seed, family, index, lane): not on other members or order", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.string()),
        fc.nat(),
        fc.nat({ max: 1000 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 })), { maxLength: 6 }),
        (seed, index, lane, others) => {
          const alone = new RandomStreams(seed).family("run/job").stream(index, lane);
          const expected = Array.from({ length: 20 }, () => alone.next());
          const family = new RandomStreams(seed).family("run/job");
          const noise = others.map(([i, l]) => family.stream(i, l));
          for (const n of noise) n.next();
          const state = new Float64Array(ALEA_STATE + 2);
          family.seedInto(index, lane, state, 2);
          expect(aleaNext(state, 2)).toBe(expected[0]);
          const mine = family.stream(index, lane);
          const got = expected.map(() => {
            for (const n of noise) n.next();
            return mine.next();
          });
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("distinct members, families and seeds draw distinct sequences in [0, 1)", () => {
    const seen = new Set<string>();
    for (const seed of [1, 2]) {
      for (const name of ["run/a", "run/b"]) {
        const family = new RandomStreams(seed).family(name);
        for (let index = 0; index < 2000; index++) {
          for (let lane = 0; lane < 3; lane++) {
            const s = family.stream(index, lane);
            const draws = [s.next(), s.next(), s.next()];
            for (const x of draws) expect(x >= 0 && x < 1).toBe(true);
            seen.add(draws.join());
          }
        }
      }
    }
    expect(seen.size).toBe(2 * 2 * 2000 * 3);
  });

  it("is pinned: integer hashing only, the same draws on every machine and worker", () => {
    const family = new RandomStreams(7).family("run/ticket-triage");
    const a = family.stream(0);
    expect(a.name).toBe("run/ticket-triage/0");
    expect([a.next(), a.next(), a.next()]).toEqual([
      0.6640002748463303, 0.6465787894558161, 0.2426969986408949,
    ]);
    const b = family.stream(41, 3);
    expect([b.next(), b.next(), b.next()]).toEqual([
      0.8451622817665339, 0.35517173050902784, 0.20003392081707716,
    ]);
  });

  it("first draws of consecutive members look uniform and uncorrelated", () => {
    const family = new RandomStreams(3).family("run/job");
    const n = 100_000;
    const first = Array.from({ length: n }, (_, i) => family.stream(i).next());
    const mean = first.reduce((a, b) => a + b, 0) / n;
    let cov = 0;
    let variance = 0;
    for (let i = 0; i < n; i++) {
      variance += (first[i]! - mean) ** 2;
      if (i > 0) cov += (first[i]! - mean) * (first[i - 1]! - mean);
    }
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance / n - 1 / 12)).toBeLessThan(0.002);
    expect(Math.abs(cov / variance)).toBeLessThan(0.01);
  });
});
