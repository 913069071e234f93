/**
 * A rough, static estimate of a cell's work: the model calls its scenario should make. It only
 * decides where and in which order cells run (the largest first, so no big cell starts last
 * and leaves the other threads idle), never what a cell computes.
 */
import type { JobSpec, Scenario } from "../scenario/index.ts";
import { distMean } from "../sim/index.ts";

/** Expected model calls of one cell of `scenario` (arrivals until the horizon x turns per run). */
export function estimatedTurns(scenario: Scenario): number {
  let turns = 0;
  for (const job of scenario.jobs)
    turns += estimatedRuns(job, scenario.horizonS) * turnsPerRun(job);
  return Number.isFinite(turns) && turns > 0 ? turns : 1;
}

function estimatedRuns(job: JobSpec, horizonS: number): number {
  const arrivals = job.arrivals;
  switch (arrivals.process) {
    case "poisson":
    case "constant":
      return arrivals.ratePerS * horizonS;
    case "closed":
      // Each user starts a run per think time (plus the run itself: at least a second).
      return (arrivals.users * horizonS) / Math.max(1, distMean(arrivals.think));
    case "trace": {
      // The trace's rate is unknown until it is read: a run a second over the replayed span.
      const spanS = arrivals.window === undefined ? horizonS : arrivals.window.forS;
      return Math.min(horizonS, spanS / arrivals.speedup);
    }
  }
}

function turnsPerRun(job: JobSpec): number {
  const mean = distMean(job.turns.count);
  return Number.isFinite(mean) ? Math.max(1, mean) : 1;
}
