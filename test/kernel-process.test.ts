/**
 * Processes, interrupts, conditions and the run loop: what a process sees when interrupted
 * (sleeping or waiting), that stale wake-ups are ignored, allOf/anyOf with successes and
 * failures, run(until) with a time, an event or nothing, and misuse that must throw at once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EventClass,
  Interrupt,
  Process,
  type SimEvent,
  Simulation,
  SimulationError,
  SUSPEND,
  type Yieldable,
} from "../src/sim/index.ts";

const NUM_RUNS = process.env.AGENTSIM_LONG ? 10_000 : 1000;

describe("interrupts", () => {
  it("wakes a sleeping process at once with Interrupt(cause) and ignores its stale wake-up", () => {
    const sim = new Simulation();
    const seen: string[] = [];
    const sleeper = sim.process(
      (function* () {
        try {
          yield 10;
          seen.push("woke normally");
        } catch (error) {
          expect(error).toBeInstanceOf(Interrupt);
          seen.push(`interrupted(${(error as Interrupt).cause})@${sim.now}`);
        }
        yield 1;
        seen.push(`slept again@${sim.now}`);
        return "done";
      })(),
    );
    sim.call(3, () => sleeper.interrupt("abort"));
    expect(sim.run(sleeper)).toBe("done");
    sim.run();
    // The cancelled sleep at t=10 is skipped: not a step of the process, not an event processed,
    // and the clock does not move to it.
    expect(seen).toEqual(["interrupted(abort)@3", "slept again@4"]);
    expect(sim.now).toBe(4);
    expect(sim.eventsProcessed).toBe(4); // start, call, interrupt delivery, second sleep
    expect(sim.pending).toBe(0);
  });

  it("interrupts a process waiting for an event; the event's later firing does not resume it", () => {
    const sim = new Simulation();
    const seen: string[] = [];
    const timer = sim.timeout(10, "late");
    const waiter = sim.process(
      (function* () {
        try {
          yield timer;
        } catch (error) {
          seen.push(`interrupted(${(error as Interrupt).cause})@${sim.now}`);
        }
        yield 20;
        seen.push(`after@${sim.now}`);
      })(),
    );
    sim.call(2, () => waiter.interrupt("timeout"));
    sim.run();
    expect(seen).toEqual(["interrupted(timeout)@2", "after@22"]);
  });

  it("can wait again for the event it was interrupted from and get its value", () => {
    const sim = new Simulation();
    const timer = sim.timeout(10, "value");
    const waiter = sim.process(
      (function* () {
        try {
          yield timer;
        } catch {
          // Interrupted at t=1: wait for the same timer again.
        }
        const value: string = yield timer;
        return `${value}@${sim.now}`;
      })(),
    );
    sim.call(1, () => waiter.interrupt());
    expect(sim.run(waiter)).toBe("value@10");
  });

  it("delivers interrupts in the order they were made, each with its cause", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 1, 2), fc.string({ maxLength: 3 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.constantFrom(0.25, 0.5, 5),
        (interrupts, napS) => {
          const sim = new Simulation();
          const causes: unknown[] = [];
          const target = sim.process(
            (function* () {
              for (;;) {
                try {
                  yield napS; // Keeps being interrupted while it naps between interrupts.
                  if (causes.length === interrupts.length) return;
                } catch (error) {
                  causes.push((error as Interrupt).cause);
                  if (causes.length === interrupts.length) return;
                }
              }
            })(),
          );
          // Interrupts scheduled at times 0, 1, 2 (several at once): order = (time, made first).
          for (const [at, cause] of interrupts) sim.call(at, () => target.interrupt(cause));
          sim.run();
          const expected = interrupts
            .map(([at, cause], i) => ({ at, cause, i }))
            .sort((a, b) => a.at - b.at || a.i - b.i)
            .map((x) => x.cause);
          expect(causes).toEqual(expected);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("drops an interrupt whose target finished before delivery, and rejects one made after", () => {
    const sim = new Simulation();
    const quick = sim.process(
      (function* () {
        try {
          yield 1;
        } catch {
          return "interrupted";
        }
        return "slept";
      })(),
    );
    sim.call(1, () => {
      quick.interrupt("first");
      quick.interrupt("second"); // Delivered after the first ended the process: dropped.
    });
    // The wake-up at t=1 was queued before the interrupts were made, so it runs first.
    expect(sim.run(quick)).toBe("slept");
    sim.run();
    expect(() => quick.interrupt("late")).toThrow(/Process.interrupt/);
  });

  it("fails a process that does not catch its Interrupt, and the failure reaches its waiter", () => {
    const sim = new Simulation();
    const victim = sim.process(
      (function* () {
        yield 5;
      })(),
    );
    const parent = sim.process(
      (function* () {
        try {
          yield victim;
        } catch (error) {
          return `parent saw ${(error as Interrupt).cause}`;
        }
      })(),
    );
    sim.call(1, () => victim.interrupt("kill"));
    expect(sim.run(parent)).toBe("parent saw kill");
    expect(victim.ok).toBe(false);
  });
});

describe("conditions", () => {
  it("allOf succeeds with every value in the order given, when the last one succeeds", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 10 }), (delays) => {
        const sim = new Simulation();
        const all = sim.allOf(delays.map((d, i) => sim.timeout(d, i)));
        let doneAt = -1;
        all.onProcessed(() => {
          doneAt = sim.now;
        });
        sim.run();
        expect(all.ok).toBe(true);
        expect(all.value).toEqual(delays.map((_, i) => i));
        expect(doneAt).toBe(delays.length === 0 ? 0 : Math.max(...delays));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("anyOf succeeds with the first event to succeed (earliest, then first scheduled)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 10 }),
        (delays) => {
          const sim = new Simulation();
          const any = sim.anyOf(delays.map((d, i) => sim.timeout(d, `v${i}`)));
          sim.run();
          const first = delays.indexOf(Math.min(...delays));
          expect(any.value).toEqual({ index: first, value: `v${first}` });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("allOf and anyOf fail with the first failure; later failures are defused", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 4 }), fails: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        (specs, useAll) => {
          const sim = new Simulation();
          const events: SimEvent<number>[] = specs.map((s, i) => {
            const e = sim.event<number>();
            sim.call(s.at, () => (s.fails ? e.fail(new Error(`e${i}`)) : e.succeed(i)));
            return e;
          });
          const condition: SimEvent<unknown> = useAll ? sim.allOf(events) : sim.anyOf(events);
          let outcome = "";
          sim.process(
            (function* () {
              try {
                const value: unknown = yield condition;
                outcome = `ok:${JSON.stringify(value)}`;
              } catch (error) {
                outcome = `failed:${(error as Error).message}`;
              }
            })(),
          );
          sim.run(); // No failure escapes: the condition handled them all.
          const order = specs.map((s, i) => ({ ...s, i })).sort((a, b) => a.at - b.at || a.i - b.i);
          const firstFailure = order.find((s) => s.fails);
          if (useAll) {
            expect(outcome).toBe(
              firstFailure === undefined
                ? `ok:${JSON.stringify(specs.map((_, i) => i))}`
                : `failed:e${firstFailure.i}`,
            );
          } else {
            const first = order[0]!;
            expect(outcome).toBe(
              first.fails
                ? `failed:e${first.i}`
                : `ok:${JSON.stringify({ index: first.i, value: first.i })}`,
            );
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("a failed condition nobody waits for escapes from run()", () => {
    const sim = new Simulation();
    const bad = sim.event();
    sim.allOf([sim.timeout(1), bad]);
    sim.call(0.5, () => bad.fail(new Error("boom")));
    expect(() => sim.run()).toThrow("boom");
  });

  it("allOf of nothing succeeds at once; anyOf of nothing is a misuse", () => {
    const sim = new Simulation();
    const all = sim.allOf([]);
    sim.run();
    expect(all.value).toEqual([]);
    expect(() => sim.anyOf([])).toThrow(/Simulation.anyOf/);
  });

  it("counts events already processed at once", () => {
    const sim = new Simulation();
    const early = sim.timeout(1, "early");
    sim.run();
    const late = sim.timeout(2, "late");
    const all = sim.allOf([early, late]);
    const any = sim.anyOf([late, early]);
    sim.run();
    expect(all.value).toEqual(["early", "late"]);
    expect(any.value).toEqual({ index: 1, value: "early" });
  });
});

describe("failures", () => {
  it("a failing process nobody waits for throws out of run() at the time it fails", () => {
    const sim = new Simulation();
    sim.process(
      (function* () {
        yield 2;
        throw new Error("model bug");
      })(),
    );
    expect(() => sim.run()).toThrow("model bug");
    expect(sim.now).toBe(2);
  });

  it("a failed event nobody waits for throws out of run(); a defused one does not", () => {
    const sim = new Simulation();
    sim.event().fail(new Error("unhandled"));
    expect(() => sim.run()).toThrow("unhandled");
    const other = new Simulation();
    other.event().fail(new Error("handled")).defuse();
    expect(() => other.run()).not.toThrow();
  });

  it("a process can catch the failure of a process it waits for", () => {
    const sim = new Simulation();
    const child = sim.process(
      (function* () {
        yield 1;
        throw new Error("child failed");
      })(),
    );
    const parent = sim.process(
      (function* () {
        try {
          yield child;
        } catch (error) {
          return (error as Error).message;
        }
      })(),
    );
    expect(sim.run(parent)).toBe("child failed");
  });

  it("a process continues at once past an event already processed, with its value or error", () => {
    const sim = new Simulation();
    const done = sim.timeout(0, 7);
    const failed = sim.event();
    failed.fail(new Error("old")).defuse();
    sim.run();
    const p = sim.process(
      (function* () {
        const t = sim.now;
        const v: number = yield done;
        try {
          yield failed;
        } catch (error) {
          return `${v} ${(error as Error).message} ${sim.now - t}`;
        }
      })(),
    );
    expect(sim.run(p)).toBe("7 old 0");
  });
});

describe("run", () => {
  it("run(t) processes events strictly before t and leaves the clock at t", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 12 }),
        (delays, until) => {
          const sim = new Simulation();
          const fired: number[] = [];
          for (const d of delays) sim.call(d, () => fired.push(d));
          sim.run(until);
          expect(sim.now).toBe(until);
          expect(fired).toEqual(delays.filter((d) => d < until).sort((a, b) => a - b));
          sim.run();
          expect(fired.length).toBe(delays.length);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("run(event) stops once the event is processed and returns its value", () => {
    const sim = new Simulation();
    const later = sim.timeout(5);
    const target = sim.timeout(3, "here");
    expect(sim.run(target)).toBe("here");
    expect(sim.now).toBe(3);
    expect(later.processed).toBe(false);
  });

  it("run(event) throws when the events run out first, and rethrows the event's failure", () => {
    const sim = new Simulation();
    const never = sim.event();
    sim.timeout(1);
    expect(() => sim.run(never)).toThrow(SimulationError);
    const failing = sim.process(
      (function* () {
        yield 1;
        throw new Error("awaited failure");
      })(),
    );
    expect(() => sim.run(failing)).toThrow("awaited failure");
  });

  it("run() with no argument runs until no events are left; run(Infinity) does the same", () => {
    const sim = new Simulation();
    sim.call(4, () => {});
    sim.run();
    expect(sim.now).toBe(4);
    expect(sim.pending).toBe(0);
    sim.call(1, () => {});
    sim.run(Number.POSITIVE_INFINITY);
    expect(sim.now).toBe(5);
  });

  it("run(t) with t in the past or NaN throws at once", () => {
    const sim = new Simulation();
    sim.run(5);
    expect(() => sim.run(4)).toThrow(SimulationError);
    expect(() => sim.run(Number.NaN)).toThrow(SimulationError);
  });

  it("step() processes one event at a time and says when none is left", () => {
    const sim = new Simulation();
    sim.call(1, () => {});
    sim.call(2, () => {});
    expect(sim.step()).toBe(true);
    expect(sim.now).toBe(1);
    expect(sim.step()).toBe(true);
    expect(sim.step()).toBe(false);
    expect(sim.eventsProcessed).toBe(2);
  });
});

describe("misuse throws at once", () => {
  const bad = [-1, -1e-9, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

  it.each(bad)("timeout and call with delay %s throw SimulationError when made", (d) => {
    const sim = new Simulation();
    expect(() => sim.timeout(d)).toThrow(SimulationError);
    expect(() => sim.call(d, () => {})).toThrow(/expected a finite delay >= 0/);
    expect(sim.pending).toBe(0);
  });

  it.each(bad)("a process yielding %s seconds throws out of run() at that instant", (d) => {
    const sim = new Simulation();
    sim.process(
      (function* () {
        yield 1;
        yield d;
      })(),
    );
    expect(() => sim.run()).toThrow(SimulationError);
    expect(sim.now).toBe(1);
  });

  it("triggering an event twice throws", () => {
    const sim = new Simulation();
    const e = sim.event().succeed(1);
    expect(() => e.succeed(2)).toThrow(/already triggered/);
    expect(() => e.fail(new Error())).toThrow(/already triggered/);
  });

  it("processes started at once run by class, then in the order they were made", () => {
    const sim = new Simulation();
    const started: string[] = [];
    const starter = (name: string) =>
      (function* () {
        started.push(name);
        yield 0;
      })();
    const made: Process[] = [
      sim.process(starter("arrival"), EventClass.Arrival),
      sim.process(starter("completion-1")),
      sim.process(starter("dispatch"), EventClass.Dispatch),
      sim.process(starter("completion-2"), EventClass.Completion),
    ];
    sim.run();
    expect(started).toEqual(["completion-1", "completion-2", "dispatch", "arrival"]);
    expect(made.every((p) => !p.isAlive)).toBe(true);
  });
});

describe("a process that is its own body", () => {
  // A state machine as a Process subclass (the runtime's runs are one): it sleeps, suspends
  // until woken with a value, waits for an event, and ends, with no generator.
  class Machine extends Process<string> {
    stage = 0;
    readonly seen: string[] = [];
    constructor(
      sim: Simulation,
      readonly gate: SimEvent<string>,
    ) {
      super(sim, null, EventClass.Arrival, false);
    }
    start(): void {
      this.begin();
    }
    protected override resumeBody(ok: boolean, value: unknown): IteratorResult<Yieldable, string> {
      if (!ok) throw value;
      this.seen.push(`${this.stage}:${String(value)}@${this.sim.now}`);
      switch (this.stage++) {
        case 0:
          return { done: false, value: 2 };
        case 1:
          return { done: false, value: SUSPEND };
        case 2:
          return { done: false, value: this.gate };
        default:
          return { done: true, value: "finished" };
      }
    }
  }

  it("starts only at begin(), then sleeps, suspends, waits and finishes like a generator would", () => {
    const sim = new Simulation();
    const gate = sim.event<string>();
    const machine = new Machine(sim, gate);
    sim.run(5);
    expect(machine.seen).toEqual([]);
    machine.start();
    sim.call(3, () => machine.wakeWith("woken"));
    sim.call(4, () => gate.succeed("opened"));
    expect(sim.run(machine)).toBe("finished");
    expect(machine.seen).toEqual(["0:undefined@5", "1:undefined@7", "2:woken@8", "3:opened@9"]);
  });

  it("refuses to begin twice", () => {
    const sim = new Simulation();
    const machine = new Machine(sim, sim.event<string>());
    machine.start();
    expect(() => machine.start()).toThrow(/Process.begin: the process has started/);
  });
});
