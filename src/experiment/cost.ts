/**
 * A static estimate of what a cell costs, from its scenario alone, before anything runs: the
 * runs that arrive, the model calls they make, and the runs in flight at the peak, whose memory
 * is what a saturated cell runs out of. The pool orders cells by the calls (largest first); the
 * budget (budget.ts) refuses an experiment whose estimate is over it.
 *
 * The estimate is first-order, from means: no retries, no context growth, no outages, rate
 * limits not counted as capacity (over a limit a call gets a 429 and the run fails after its
 * attempts rather than waiting), and a trace counted as a run a second over its span (its file
 * is read later). For each job j arriving openly (poisson, constant) at λ_j runs a second:
 *
 * - T_j, turns a run: the mean of `turns.count` (at least 1); a runaway's fraction f runs
 *   `maxTurns`: (1 - f) x mean + f x maxTurns;
 * - s_j, seconds a turn holds a slot of the job's first endpoint with all slots busy: for a
 *   whole-turn latency mean(turn) x mean(jitter); for a token latency (mean(ttft) +
 *   perPromptToken x P_j + O_j x mean(perOutputToken) x (1 + loadSlowdown)) x mean(jitter), with
 *   P_j and O_j the mean prompt and output tokens (a token hog's fraction f multiplies O_j by
 *   1 - f + f x outputMultiplier);
 * - w_j = T_j x s_j, the slot-seconds a run needs, and R_j = T_j x (s_j + the mean tool time
 *   of a turn), how long a run lasts when it never waits.
 *
 * Jobs whose endpoints overlap share a pool of slots C (every slot of those endpoints). A
 * closed loop of U users takes its share first (U / max(1 s, think + R) runs a second, never
 * more than U in flight). When the open jobs' work W = Σ λ_j w_j exceeds the slots left, C', the
 * queue grows: runs arrive at Λ = Σ λ_j and complete at C' / w̄ (w̄ = W / Λ), so the runs in
 * flight grow at g = Λ - C' Λ / W a second until the horizon H, where arrivals stop:
 *
 *   runs in flight at the peak = Σ λ_j min(R_j, H) + Σ U + min(g H, maxWaitingTurns)
 *   model calls = min(A H, C A / W' (H + drain))   (A = Σ λ_j T_j turns a second, W' all work)
 */
import type { JobSpec, LatencySpec, Scenario } from "../scenario/index.ts";
import { distMean } from "../sim/index.ts";

/** What one cell of a scenario is estimated to cost. */
export interface CellCost {
  /** Runs that arrive. */
  runs: number;
  /** Model calls (first attempts) its runs make, at most what the slots serve before the drain ends. */
  calls: number;
  /** Runs in flight at the horizon, the peak. */
  peakRunsInFlight: number;
  /** Bytes its result holds until the report is written (see `resultBytes`). */
  resultBytes: number;
  /** The job whose runs offer the most calls (arrivals x turns). */
  busiestJob: number;
  /** The pool of slots whose queue grows the most, when one does. */
  saturated?: Saturation;
}

/** A pool of slots that its jobs' arrivals outpace. */
export interface Saturation {
  /** The open job with the most work in the pool: its arrivals drive the growth. */
  job: number;
  /** The pool's endpoints (indexes). */
  endpoints: number[];
  /** Their slots, and what the closed loops leave of them. */
  slots: number;
  slotsLeft: number;
  /** Open arrivals and completions, runs a second; growth is their difference. */
  arrivalsPerS: number;
  completionsPerS: number;
  growthPerS: number;
}

/** Mean figures of one job, as the estimate uses them. */
interface JobLoad {
  index: number;
  /** Runs a second (closed: users / cycle). */
  ratePerS: number;
  /** Turns a run. */
  turns: number;
  /** Slot-seconds a run needs (NaN when a mean is infinite: the job is left out of pools). */
  work: number;
  /** Seconds a run lasts when it never waits. */
  lastsS: number;
  /** Mask of the endpoints its calls may use. */
  mask: number;
  /** Closed loop: its users; else 0. */
  users: number;
}

/**
 * A cell's work besides its model calls (setting up the runtime and recorder, encoding the
 * histograms, the result's round trip through JSON), in model calls: measured at about 10 ms a
 * cell, some 3,000 warm model calls. The pool orders cells by their calls plus this, and the
 * budget counts it for every cell (budget.ts `workOf`).
 */
export const CELL_OVERHEAD_CALLS = 3000;

/** Expected model calls of one cell of `scenario` (at least 1): what the pool orders cells by. */
export function estimatedTurns(scenario: Scenario): number {
  return Math.max(1, estimateCell(scenario).calls);
}

/** The estimate of one cell of `scenario`; see the file's comment for the formulas. */
export function estimateCell(scenario: Scenario): CellCost {
  const horizonS = scenario.horizonS;
  const loads = scenario.jobs.map((job, j) => jobLoad(scenario, job, j));
  let runs = 0;
  let calls = 0;
  let peak = 0;
  let saturated: Saturation | undefined;
  scenario.jobs.forEach((job, j) => {
    if (job.arrivals.process !== "trace") return;
    // A run a second over the replayed span, one turn each (the file is read later).
    const spanS = job.arrivals.window?.forS ?? horizonS;
    const traceRuns = Math.min(horizonS, spanS / job.arrivals.speedup);
    runs += traceRuns;
    calls += traceRuns * loads[j]!.turns;
  });
  for (const pool of pools(scenario, loads)) {
    const open = pool.filter((l) => l.users === 0);
    const closed = pool.filter((l) => l.users > 0);
    const slots = slotsOf(
      scenario,
      pool.reduce((mask, l) => mask | l.mask, 0),
    );
    // A job whose mean turn time is infinite has no work to count: it is left out of growth.
    const known = (l: JobLoad) => Number.isFinite(l.work);
    const openKnown = open.filter(known);
    const closedWork = sum(closed.filter(known), (l) => l.ratePerS * l.work);
    const openWork = sum(openKnown, (l) => l.ratePerS * l.work);
    const arrivalsPerS = sum(openKnown, (l) => l.ratePerS);
    const turnsPerS = sum(pool, (l) => l.ratePerS * l.turns);
    runs += horizonS * sum(pool, (l) => l.ratePerS);
    peak +=
      sum(open, (l) => l.ratePerS * Math.min(l.lastsS, horizonS)) + sum(closed, (l) => l.users);
    const work = closedWork + openWork;
    const servedTurns =
      work > slots ? (slots * turnsPerS * (horizonS + scenario.drainS)) / work : Infinity;
    calls += Math.min(turnsPerS * horizonS, servedTurns);
    const slotsLeft = Math.max(0, slots - closedWork);
    if (openWork <= slotsLeft || arrivalsPerS === 0) continue;
    const completionsPerS = (slotsLeft * arrivalsPerS) / openWork;
    const growthPerS = arrivalsPerS - completionsPerS;
    const waiting = Math.min(growthPerS * horizonS, scenario.runtime.admission.maxWaitingTurns);
    peak += waiting;
    if (saturated === undefined || growthPerS > saturated.growthPerS) {
      const driver = openKnown.reduce((a, b) =>
        b.ratePerS * b.work > a.ratePerS * a.work ? b : a,
      );
      saturated = {
        job: driver.index,
        endpoints: endpointsOf(
          scenario,
          pool.reduce((mask, l) => mask | l.mask, 0),
        ),
        slots,
        slotsLeft,
        arrivalsPerS,
        completionsPerS,
        growthPerS,
      };
    }
  }
  const offered = loads.map((l) => l.ratePerS * l.turns);
  const cost: CellCost = {
    runs,
    calls,
    peakRunsInFlight: peak,
    resultBytes: resultBytes(scenario, calls),
    busiestJob: offered.indexOf(Math.max(...offered)),
  };
  if (saturated !== undefined) cost.saturated = saturated;
  return cost;
}

/**
 * Bytes a cell's result holds in memory until the experiment's report is written: 32 KiB, plus
 * 2.5 KiB a tenant and a job (their histograms and series), plus 230 bytes a turn of the slot
 * timeline (`runtime.timelineTurns`, at most one a call). Measured on noisy-neighbor (2 tenants,
 * 2 jobs): 27 KiB parsed from JSON with no timeline, 248 KiB with 1,000 turns.
 */
export function resultBytes(scenario: Scenario, calls: number): number {
  const groups = scenario.tenants.length + scenario.jobs.length;
  const timeline = Math.min(scenario.runtime.timelineTurns, calls);
  return 32 * 1024 + 2560 * groups + 230 * timeline;
}

function jobLoad(scenario: Scenario, job: JobSpec, index: number): JobLoad {
  const mask = maskOf(scenario, job.endpoints);
  const turns = turnsPerRun(job);
  const slotS = turnSlotS(scenario, job);
  const toolS = sum(job.turns.toolCalls, (call) => {
    const tool = scenario.tools.find((t) => t.name === call.tool);
    return tool === undefined ? 0 : call.probability * distMean(tool.latency);
  });
  const work = Number.isFinite(slotS) ? turns * slotS : Number.NaN;
  const lastsS = turns * ((Number.isFinite(slotS) ? slotS : 0) + toolS);
  const arrivals = job.arrivals;
  switch (arrivals.process) {
    case "poisson":
    case "constant":
      return { index, ratePerS: arrivals.ratePerS, turns, work, lastsS, mask, users: 0 };
    case "closed": {
      // Each user starts a run per cycle: think time plus the run (at least a second).
      const cycleS = Math.max(1, distMean(arrivals.think) + lastsS);
      const users = arrivals.users;
      return { index, ratePerS: users / cycleS, turns, work, lastsS, mask, users };
    }
    case "trace":
      return { index, ratePerS: 0, turns: 1, work: Number.NaN, lastsS: 0, mask, users: 0 };
  }
}

function turnsPerRun(job: JobSpec): number {
  const mean = distMean(job.turns.count);
  const turns = Number.isFinite(mean) ? Math.max(1, mean) : 1;
  const behaviour = job.behaviour;
  if (behaviour?.runaway === undefined) return turns;
  return (1 - behaviour.fraction) * turns + behaviour.fraction * behaviour.runaway.maxTurns;
}

/** Mean seconds a turn of `job` holds a slot of its first endpoint, with all slots busy. */
function turnSlotS(scenario: Scenario, job: JobSpec): number {
  const endpoint = scenario.endpoints.find((e) => e.name === job.endpoints[0]);
  if (endpoint === undefined) return Number.NaN;
  const latency: LatencySpec = endpoint.latency;
  const jitter = latency.jitter === undefined ? 1 : distMean(latency.jitter);
  if (latency.kind === "whole") return distMean(latency.turn) * jitter;
  const prompt = distMean(job.turns.promptTokens);
  const hog = job.behaviour?.tokenHog?.outputMultiplier ?? 1;
  const fraction = job.behaviour?.fraction ?? 0;
  const output = distMean(job.turns.outputTokens) * (1 - fraction + fraction * hog);
  const perToken = distMean(latency.perOutputTokenS) * (1 + latency.loadSlowdown);
  return (distMean(latency.ttft) + latency.perPromptTokenS * prompt + output * perToken) * jitter;
}

/** The jobs in pools of shared slots: jobs whose endpoints overlap, directly or through others. */
function pools(scenario: Scenario, loads: readonly JobLoad[]): JobLoad[][] {
  const groups: { mask: number; loads: JobLoad[] }[] = [];
  for (const load of loads) {
    if (scenario.jobs[load.index]!.arrivals.process === "trace") continue;
    const merged = { mask: load.mask, loads: [load] };
    for (let g = groups.length - 1; g >= 0; g--) {
      if ((groups[g]!.mask & merged.mask) === 0) continue;
      merged.mask |= groups[g]!.mask;
      merged.loads.unshift(...groups[g]!.loads);
      groups.splice(g, 1);
    }
    groups.push(merged);
  }
  return groups.map((group) => group.loads.sort((a, b) => a.index - b.index));
}

function maskOf(scenario: Scenario, names: readonly string[]): number {
  let mask = 0;
  scenario.endpoints.forEach((endpoint, e) => {
    if (names.includes(endpoint.name)) mask |= 2 ** e;
  });
  return mask;
}

function endpointsOf(scenario: Scenario, mask: number): number[] {
  return scenario.endpoints.map((_, e) => e).filter((e) => (mask & (2 ** e)) !== 0);
}

function slotsOf(scenario: Scenario, mask: number): number {
  return sum(endpointsOf(scenario, mask), (e) => scenario.endpoints[e]!.slots);
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}
