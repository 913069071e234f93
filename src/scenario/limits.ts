/**
 * Checks between a job's token sizes and the limits its calls meet, which no field can make on
 * its own: a token rate limit below the largest first turn of a job that may use the endpoint
 * (a provider answers such a request "too large" however long it waits), a token bucket
 * (`burstTokens`) that cannot hold that turn, and a token budget below a job's smallest first
 * turn (every run would be denied its first call). Only what the distributions bound is
 * checked: a turn drawn from an unbounded distribution (lognormal, exponential, pareto) or
 * replayed from a trace has no computable largest size, and later turns carry context, so they
 * can be larger than the first; a request larger than its bucket waits for a full bucket and
 * empties it (see `TokenBucket`).
 */
import { ScenarioError } from "../input/index.ts";
import { distRange } from "../sim/index.ts";
import { tokens } from "../workload/index.ts";
import type { ParsedDocument } from "./schema.ts";
import type { JobSpec, Scenario } from "./types.ts";

/** The fewest and most tokens (prompt plus output) a run's first turn can take. */
export interface FirstTurnTokens {
  min: { prompt: number; output: number };
  max: { prompt: number; output: number };
}

/**
 * The bounds of a job's first turn (no context yet), as `DrawnPrograms` makes it: whole token
 * counts, at least one output token, a token hog's multiplier on the misbehaving runs' output.
 * Undefined for a trace job, whose turns come from its file.
 */
export function firstTurnTokens(job: JobSpec): FirstTurnTokens | undefined {
  if (job.arrivals.process === "trace") return undefined;
  const prompt = distRange(job.turns.promptTokens);
  const output = distRange(job.turns.outputTokens);
  const behaviour = job.behaviour;
  const hog = behaviour?.tokenHog?.outputMultiplier;
  const multipliers =
    hog === undefined || behaviour!.fraction <= 0
      ? [1]
      : behaviour!.fraction >= 1
        ? [hog]
        : [1, hog];
  const outputOf = (value: number, multiplier: number) =>
    Math.max(1, value === Number.POSITIVE_INFINITY ? value : tokens(value * multiplier));
  return {
    min: {
      prompt: tokens(prompt.min),
      output: Math.min(...multipliers.map((m) => outputOf(output.min, m))),
    },
    max: {
      prompt: prompt.max === Number.POSITIVE_INFINITY ? prompt.max : tokens(prompt.max),
      output: Math.max(...multipliers.map((m) => outputOf(output.max, m))),
    },
  };
}

/** Every limit problem of a normalized scenario; `doc` says which fields the file wrote. */
export function limitErrors(scenario: Scenario, doc: ParsedDocument): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const turns = scenario.jobs.map(firstTurnTokens);
  scenario.jobs.forEach((job, i) => {
    const budget = job.governance.tokenBudget;
    const first = turns[i];
    if (budget === undefined || first === undefined) return;
    const smallest = first.min.prompt + first.min.output;
    if (budget < smallest) {
      errors.push(
        new ScenarioError(
          `jobs[${i}].governance.tokenBudget`,
          `a budget of at least ${smallest} tokens: the smallest first turn of job ${JSON.stringify(job.name)} takes ${first.min.prompt} prompt + ${first.min.output} output tokens, so every run would be denied its first call`,
          budget,
        ),
      );
    }
  });
  scenario.endpoints.forEach((endpoint, e) => {
    const limit = endpoint.rateLimit;
    if (limit?.tokensPerS === undefined && limit?.burstTokens === undefined) return;
    // The largest first turn among the jobs whose calls may reach this endpoint.
    let largest = 0;
    let by = -1;
    scenario.jobs.forEach((job, j) => {
      const first = turns[j];
      if (first === undefined || !reaches(scenario, job.endpoints, endpoint.name)) return;
      const size = first.max.prompt + first.max.output;
      if (size > largest) {
        largest = size;
        by = j;
      }
    });
    if (by < 0 || !Number.isFinite(largest)) return;
    const first = turns[by]!;
    const why = `the largest first turn of job ${JSON.stringify(scenario.jobs[by]!.name)} takes ${first.max.prompt} prompt + ${first.max.output} output tokens, which a smaller limit never admits`;
    const written = doc.endpoints[e]!.rateLimit;
    const at = `endpoints[${e}].rateLimit`;
    if (limit!.tokensPerS !== undefined && limit!.tokensPerS * 60 < largest) {
      errors.push(
        written?.tokensPerSecond !== undefined
          ? new ScenarioError(
              `${at}.tokensPerSecond`,
              `a limit of at least ${round(largest / 60)} tokens a second (${largest} a minute): ${why}`,
              written.tokensPerSecond,
            )
          : new ScenarioError(
              `${at}.tokensPerMinute`,
              `a limit of at least ${largest} tokens a minute: ${why}`,
              written?.tokensPerMinute,
            ),
      );
    }
    if (limit!.burstTokens !== undefined && limit!.burstTokens < largest) {
      errors.push(
        new ScenarioError(
          `${at}.burstTokens`,
          `a bucket of at least ${largest} tokens: ${why}`,
          limit!.burstTokens,
        ),
      );
    }
  });
  return errors;
}

/** True when a call of a job using `endpoints` may reach `target`, through failover too. */
function reaches(scenario: Scenario, endpoints: readonly string[], target: string): boolean {
  const seen = new Set<string>();
  const queue = [...endpoints];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (name === target) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    const spec = scenario.endpoints.find((e) => e.name === name);
    if (spec !== undefined) queue.push(...spec.failover);
  }
  return false;
}

function round(value: number): number {
  return Math.ceil(value * 1000) / 1000;
}
