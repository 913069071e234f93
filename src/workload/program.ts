/**
 * The program of a run: the turns it takes and the tool calls after each, drawn from the run's
 * own random stream (common random numbers: the same run draws the same program whatever the
 * policy), or replayed from a trace. Turns are produced one at a time so a runaway agent's
 * program can be endless without memory growing.
 */
import type { BehaviourSpec, JobSpec } from "../scenario/types.ts";
import type { Rng } from "../sim/rng.ts";
import { type Sampler, sampler } from "../sim/sample.ts";

/** One tool call a turn makes. */
export interface ToolCallPlan {
  tool: string;
  /** Recorded duration (trace replay); undefined = drawn from the tool's latency model. */
  durationS?: number;
  /** Recorded failure (trace replay); undefined = drawn from the tool's error rate. */
  failed?: boolean;
}

/** One turn of a run's program. */
export interface TurnPlan {
  /** New prompt tokens this turn adds (the model is sent the run's context plus these). */
  promptTokens: number;
  /** Output tokens the model generates for this turn. */
  outputTokens: number;
  /** Prompt tokens served from a cache (trace replay), for latency models that use them. */
  cachedTokens: number;
  /** Tool calls after the turn. */
  toolCalls: ToolCallPlan[];
  /** Model label (trace replay), to pick an endpoint. */
  model?: string;
  /** Think time before this turn (trace replay of user turns); 0 otherwise. */
  thinkS: number;
  /** True when the prompt already includes the whole context (trace replay). */
  promptIncludesContext: boolean;
}

/** Produces the turns of one run. */
export interface Program {
  /** The next turn, or undefined when the run has no more turns. */
  next(): TurnPlan | undefined;
  /** True when this run misbehaves (its job's behaviour applies). */
  readonly misbehaving: boolean;
}

// Most turns call no tool: they share this empty list rather than allocate one each.
const NO_TOOL_CALLS: ToolCallPlan[] = [];

/** Compiled samplers of a job's program distributions, made once per cell. */
export interface ProgramModel {
  count: Sampler;
  promptTokens: Sampler;
  outputTokens: Sampler;
  toolCalls: { tool: string; probability: number }[];
  /** One shared, read-only plan per declared tool call. */
  toolCallPlans: readonly ToolCallPlan[];
  behaviour?: BehaviourSpec;
}

/** Compiles a job's program distributions. */
export function programModel(job: JobSpec): ProgramModel {
  return {
    count: sampler(job.turns.count),
    promptTokens: sampler(job.turns.promptTokens),
    outputTokens: sampler(job.turns.outputTokens),
    toolCalls: job.turns.toolCalls,
    toolCallPlans: job.turns.toolCalls.map((call) => Object.freeze({ tool: call.tool })),
    behaviour: job.behaviour,
  };
}

/** Token counts are whole and never negative, whatever the distribution draws. */
export function tokens(value: number): number {
  return value > 0 ? Math.round(value) : 0;
}

/** A program drawn from distributions, turn by turn, from the run's own stream. */
export class DrawnProgram implements Program {
  readonly misbehaving: boolean;
  private remaining: number;
  private readonly outputMultiplier: number;

  constructor(
    private readonly model: ProgramModel,
    private readonly rng: Rng,
  ) {
    const behaviour = model.behaviour;
    // The misbehaviour draw is always made, so it never shifts the draws that follow.
    const u = rng.next();
    this.misbehaving = behaviour !== undefined && u < behaviour.fraction;
    const count = Math.max(1, Math.round(model.count(rng)));
    this.remaining =
      this.misbehaving && behaviour?.runaway !== undefined ? behaviour.runaway.maxTurns : count;
    this.outputMultiplier =
      this.misbehaving && behaviour?.tokenHog !== undefined
        ? behaviour.tokenHog.outputMultiplier
        : 1;
  }

  next(): TurnPlan | undefined {
    if (this.remaining <= 0) return undefined;
    this.remaining--;
    const rng = this.rng;
    const promptTokens = tokens(this.model.promptTokens(rng));
    const outputTokens = Math.max(1, tokens(this.model.outputTokens(rng) * this.outputMultiplier));
    let toolCalls = NO_TOOL_CALLS;
    const plans = this.model.toolCallPlans;
    for (let i = 0; i < plans.length; i++) {
      if (rng.next() < this.model.toolCalls[i]!.probability) {
        if (toolCalls === NO_TOOL_CALLS) toolCalls = [];
        toolCalls.push(plans[i]!);
      }
    }
    return {
      promptTokens,
      outputTokens,
      cachedTokens: 0,
      toolCalls,
      thinkS: 0,
      promptIncludesContext: false,
    };
  }
}

/** A program replayed from recorded turns. */
export class ReplayedProgram implements Program {
  readonly misbehaving = false;
  private index = 0;
  constructor(private readonly turns: readonly TurnPlan[]) {}
  next(): TurnPlan | undefined {
    return this.index < this.turns.length ? this.turns[this.index++] : undefined;
  }
}
