/**
 * A tiny deterministic driver for scheduler tests: c slots, turns with given ready times,
 * durations and costs, a plain loop over instants (not the real runtime). At each instant it
 * ends the turns due (calling `complete`), enqueues the turns that become ready, then fills free slots with `pick` (work-conserving).
 */
import type { ReadyTurn, Scheduler, SchedulerContext } from "../../src/runtime/scheduler/index.ts";

/** A turn as a test describes it; unset fields take neutral defaults. */
export interface TurnSpec {
  readyS: number;
  durationS: number;
  tenantIndex?: number;
  jobIndex?: number;
  priority?: number;
  expectedCost?: number;
  /** Actual cost reported to `complete`; default `expectedCost`. */
  cost?: number;
  promptTokens?: number;
  expectedDurationS?: number;
  deadlineS?: number;
  attainedService?: number;
  runId?: number;
}

/** One dispatch: which turn, on which slot, when, and what the queue held just before. */
export interface Dispatch {
  turn: ReadyTurn;
  spec: TurnSpec;
  slot: number;
  startS: number;
  endS: number;
  /** Turns waiting just before this pick (the picked one included). */
  waiting: ReadyTurn[];
  /** Turns in flight just before this pick. */
  inFlight: number;
}

/** What a drive produced. */
export interface DriveResult {
  dispatches: Dispatch[];
  /** Dispatch time by seq. */
  startS: Map<number, number>;
  turns: ReadyTurn[];
}

/** A context with `tenants` tenants (weights as given, default 1) and one job per tenant. */
export function contextFor(weights: readonly number[]): SchedulerContext {
  const tenants = weights.map((weight, i) => ({ name: `t${i}`, weight }));
  const jobs = tenants.map((t, i) => ({ name: `j${i}`, tenant: t.name, priority: 0 }));
  return { tenants, jobs };
}

/**
 * Builds the ReadyTurns of `specs`: seq is the order of (readyS, index in specs), which is the
 * order the driver enqueues them in.
 */
export function readyTurns(specs: readonly TurnSpec[], ctx?: SchedulerContext): ReadyTurn[] {
  const order = specs.map((_, i) => i).sort((a, b) => specs[a]!.readyS - specs[b]!.readyS || a - b);
  const turns: ReadyTurn[] = new Array(specs.length);
  order.forEach((specIndex, seq) => {
    const spec = specs[specIndex]!;
    const tenantIndex = spec.tenantIndex ?? 0;
    const jobIndex = spec.jobIndex ?? tenantIndex;
    const expectedCost = spec.expectedCost ?? 1;
    turns[specIndex] = {
      seq,
      runId: spec.runId ?? specIndex,
      job: ctx?.jobs[jobIndex]?.name ?? `j${jobIndex}`,
      jobIndex,
      tenant: ctx?.tenants[tenantIndex]?.name ?? `t${tenantIndex}`,
      tenantIndex,
      priority: spec.priority ?? 0,
      readyS: spec.readyS,
      runArrivalS: spec.readyS,
      deadlineS: spec.deadlineS ?? Number.POSITIVE_INFINITY,
      promptTokens: spec.promptTokens ?? expectedCost,
      expectedCost,
      expectedDurationS: spec.expectedDurationS ?? spec.durationS,
      attainedService: spec.attainedService ?? 0,
    };
  });
  return turns;
}

/** Runs `specs` through `scheduler` on `slots` slots until every turn is done. */
export function drive(
  scheduler: Scheduler,
  specs: readonly TurnSpec[],
  slots: number,
  ctx?: SchedulerContext,
): DriveResult {
  const turns = readyTurns(specs, ctx);
  const bySeq = [...turns].sort((a, b) => a.seq - b.seq);
  const specOf = new Map(turns.map((turn, i) => [turn, specs[i]!]));
  const waiting = new Set<ReadyTurn>();
  const running: { turn: ReadyTurn; endS: number; slot: number }[] = [];
  const freeSlots = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  const result: DriveResult = { dispatches: [], startS: new Map(), turns };
  let next = 0;
  for (;;) {
    const times = [bySeq[next]?.readyS, ...running.map((r) => r.endS)].filter(
      (t): t is number => t !== undefined,
    );
    if (times.length === 0) break;
    const nowS = Math.min(...times);
    running.sort((a, b) => a.endS - b.endS || a.turn.seq - b.turn.seq);
    while (running.length > 0 && running[0]!.endS <= nowS) {
      const done = running.shift()!;
      const spec = specOf.get(done.turn)!;
      const cost = spec.cost ?? done.turn.expectedCost;
      scheduler.complete(
        done.turn,
        { cost, durationS: spec.durationS, promptTokens: done.turn.promptTokens, outputTokens: 0 },
        nowS,
      );
      freeSlots.push(done.slot);
    }
    while (next < bySeq.length && bySeq[next]!.readyS <= nowS) {
      const turn = bySeq[next++]!;
      scheduler.enqueue(turn, nowS);
      waiting.add(turn);
    }
    while (freeSlots.length > 0 && waiting.size > 0) {
      const before = [...waiting];
      const turn = scheduler.pick(nowS);
      if (turn === undefined || !waiting.delete(turn)) {
        throw new Error(`drive: pick returned ${turn?.seq}, at ${nowS}`);
      }
      const spec = specOf.get(turn)!;
      const slot = freeSlots.pop()!;
      const endS = nowS + spec.durationS;
      result.dispatches.push({
        turn,
        spec,
        slot,
        startS: nowS,
        endS,
        waiting: before,
        inFlight: running.length,
      });
      result.startS.set(turn.seq, nowS);
      running.push({ turn, endS, slot });
    }
    if (scheduler.size !== waiting.size) {
      throw new Error(`drive: scheduler.size ${scheduler.size}, driver ${waiting.size} at ${nowS}`);
    }
  }
  return result;
}
