/**
 * Arrival processes: how runs of a job arrive. Each is a kernel process drawing from its own
 * named stream (`arrivals/<job>`, or one stream a closed-loop user), so arrivals are the same
 * whatever the policy (closed loops excepted: a user's next run waits for the last to end, which
 * is the point of a closed loop).
 */

import type { ArrivalSpec } from "../scenario/index.ts";
import type { ProcessBody, ProcessGenerator, Simulation, Yieldable } from "../sim/index.ts";
import { EventClass, sampler } from "../sim/index.ts";
import type { TurnPlan } from "./program.ts";

/** A run to start: who it is, and its recorded turns when it is replayed from a trace. */
export interface RunRequest {
  /** Identity, unique in the cell, e.g. `ticket-triage#41`. */
  id: string;
  /**
   * The run's number among its job's runs (a closed loop's: among its user's), and the user
   * (`lane`, 0 for an open loop): they pick its stream in the family `run/<job>`. Undefined for a
   * replayed run, whose stream is the named stream `run/<id>` (its trace's key names it).
   */
  index?: number;
  lane?: number;
  /** Tenant index override (trace tenant mapping); undefined = the job's tenant. */
  tenantIndex?: number;
  /** The recorded turns (trace replay); undefined = the program is drawn from the job's model. */
  turns?: readonly TurnPlan[];
}

/** What an arrival process needs from the runtime. */
export interface ArrivalTarget {
  /** Starts a run now; `onEnd` is called when it ends (closed-loop users wait for it). */
  submit(jobIndex: number, request: RunRequest, onEnd?: () => void): void;
}

/** A recorded run for trace replay: arrival time (already windowed and sped up) and turns. */
export interface ReplayRun {
  arrivalS: number;
  /** Session id or row number, to name the run. */
  key: string;
  tenantIndex?: number;
  turns: TurnPlan[];
}

/** Starts the arrival process of one job. */
export function startArrivals(
  sim: Simulation,
  spec: ArrivalSpec,
  job: { name: string; index: number },
  horizonS: number,
  target: ArrivalTarget,
  replay?: readonly ReplayRun[],
): void {
  const name = job.name;
  switch (spec.process) {
    case "poisson":
    case "constant": {
      const rng = sim.rng.stream(`arrivals/${name}`);
      const meanGapS = 1 / spec.ratePerS;
      const poisson = spec.process === "poisson";
      sim.process(
        new OpenLoop(
          sim,
          horizonS,
          () => (poisson ? -meanGapS * Math.log(1 - rng.next()) : meanGapS),
          (k) => target.submit(job.index, { id: `${name}#${k}`, index: k, lane: 0 }),
        ),
        EventClass.Arrival,
        EventClass.Arrival,
      );
      return;
    }
    case "closed": {
      const think = sampler(spec.think);
      for (let u = 0; u < spec.users; u++) {
        const rng = sim.rng.stream(`arrivals/${name}/user/${u}`);
        sim.process(
          closedUser(
            sim,
            horizonS,
            () => Math.max(0, think(rng)),
            (k, onEnd) =>
              target.submit(job.index, { id: `${name}#u${u}.${k}`, index: k, lane: u }, onEnd),
          ),
          EventClass.Arrival,
        );
      }
      return;
    }
    case "trace": {
      if (replay === undefined)
        throw new Error(`startArrivals: job ${name}: trace runs not loaded`);
      sim.process(
        traceReplay(sim, horizonS, replay, (run) =>
          target.submit(job.index, {
            id: `${name}#${run.key}`,
            tenantIndex: run.tenantIndex,
            turns: run.turns,
          }),
        ),
        EventClass.Arrival,
      );
      return;
    }
  }
}

/**
 * An open loop: a run after each gap `gapS` draws, until the next would come after the horizon.
 * A hand-written process body rather than a generator: each arrival is a sleep of class Arrival
 * (ending exactly when, and in the order, a timeout of that class would), so an arrival makes no
 * event object and no step result.
 */
class OpenLoop implements ProcessBody<void> {
  private k = 0;
  private started = false;
  private readonly sleep: IteratorResult<Yieldable, void> = { done: false, value: 0 };

  constructor(
    private readonly sim: Simulation,
    private readonly horizonS: number,
    private readonly gapS: () => number,
    private readonly submit: (k: number) => void,
  ) {}

  next(): IteratorResult<Yieldable, void> {
    // Every step but the first ends a gap: its run arrives now.
    if (this.started) this.submit(this.k++);
    this.started = true;
    const gap = this.gapS();
    if (this.sim.now + gap > this.horizonS) return DONE;
    this.sleep.value = gap;
    return this.sleep;
  }

  throw(error: unknown): IteratorResult<Yieldable, void> {
    throw error;
  }
}

const DONE: IteratorResult<Yieldable, void> = Object.freeze({ done: true, value: undefined });

function* closedUser(
  sim: Simulation,
  horizonS: number,
  thinkS: () => number,
  submit: (k: number, onEnd: () => void) => void,
): ProcessGenerator<void> {
  for (let k = 0; ; k++) {
    // Each user thinks before every run, the first included, so users do not all start at 0.
    const think = thinkS();
    if (sim.now + think > horizonS) return;
    yield sim.timeout(think, undefined, EventClass.Arrival);
    const ended = sim.event<void>(EventClass.Arrival);
    submit(k, () => ended.succeed());
    yield ended;
  }
}

function* traceReplay(
  sim: Simulation,
  horizonS: number,
  runs: readonly ReplayRun[],
  submit: (run: ReplayRun) => void,
): ProcessGenerator<void> {
  for (const run of runs) {
    if (run.arrivalS > horizonS) return;
    if (run.arrivalS > sim.now)
      yield sim.timeout(run.arrivalS - sim.now, undefined, EventClass.Arrival);
    submit(run);
  }
}
