/**
 * The program of a run: the turns it takes and the tool calls after each, drawn from the run's
 * own random stream (common random numbers: the same run draws the same program whatever the
 * policy), or replayed from a trace. Turns are produced one at a time so a runaway agent's
 * program can be endless without memory growing.
 *
 * A program source serves every run of a job; what a run has left of its program lives in the
 * run (`ProgramRun`), and each turn is written into the run rather than returned as an object:
 * a run waiting in a long queue then holds no program object and no plan object of its own.
 */
import type { BehaviourSpec, JobSpec } from "../scenario/index.ts";
import type { Rng } from "../sim/index.ts";
import { type Sampler, sampler } from "../sim/index.ts";

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

/** A run as its program sees it: its own stream, and where its program stands. */
export interface ProgramRun extends Rng {
  /** True when this run misbehaves (its job's behaviour applies). */
  misbehaving: boolean;
  /** Turns the program has left to give. */
  turnsLeft: number;
  /** The recorded turns of a replayed run; null for a drawn one. */
  replay: readonly TurnPlan[] | null;
  /** Sets the turn the run takes next (the fields of a `TurnPlan`). */
  setTurn(
    promptTokens: number,
    outputTokens: number,
    cachedTokens: number,
    toolCalls: readonly ToolCallPlan[],
    model: string | undefined,
    thinkS: number,
    promptIncludesContext: boolean,
  ): void;
}

/** Where the runs of a job take their turns from: one per job, shared by its runs. */
export interface ProgramSource {
  /** Begins a run's program (a drawn one makes the run's first draws); `recorded`: replay. */
  start(run: ProgramRun, recorded?: readonly TurnPlan[]): void;
  /** Sets the run's next turn and returns true, or returns false when it has no more. */
  next(run: ProgramRun): boolean;
}

// Most turns call no tool: they share this empty list rather than allocate one each.
const NO_TOOL_CALLS: readonly ToolCallPlan[] = Object.freeze([]);
/** Declared tool calls up to which turns share their tool-call lists (a list per subset). */
const MAX_SHARED_TOOL_CALLS = 16;

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

/** Programs drawn from a job's distributions, turn by turn, from each run's own stream. */
export class DrawnPrograms implements ProgramSource {
  private readonly outputMultiplier: number;
  // The tool-call lists turns take, by the mask of the declared calls they make: a list is
  // read-only once made, so turns share it instead of allocating one each.
  private readonly sharedToolCalls = new Map<number, readonly ToolCallPlan[]>();

  constructor(private readonly model: ProgramModel) {
    this.outputMultiplier = model.behaviour?.tokenHog?.outputMultiplier ?? 1;
  }

  start(run: ProgramRun): void {
    const behaviour = this.model.behaviour;
    // The misbehaviour draw is always made, so it never shifts the draws that follow.
    const u = run.next();
    run.misbehaving = behaviour !== undefined && u < behaviour.fraction;
    const count = Math.max(1, Math.round(this.model.count(run)));
    run.turnsLeft =
      run.misbehaving && behaviour?.runaway !== undefined ? behaviour.runaway.maxTurns : count;
  }

  next(run: ProgramRun): boolean {
    if (run.turnsLeft <= 0) return false;
    run.turnsLeft--;
    const model = this.model;
    const promptTokens = tokens(model.promptTokens(run));
    const multiplier = run.misbehaving ? this.outputMultiplier : 1;
    const outputTokens = Math.max(1, tokens(model.outputTokens(run) * multiplier));
    const plans = model.toolCallPlans;
    let toolCalls: readonly ToolCallPlan[] = NO_TOOL_CALLS;
    if (plans.length <= MAX_SHARED_TOOL_CALLS) {
      let mask = 0;
      for (let i = 0; i < plans.length; i++) {
        if (run.next() < model.toolCalls[i]!.probability) mask |= 1 << i;
      }
      if (mask !== 0) toolCalls = this.toolCallsOf(mask);
    } else {
      const calls: ToolCallPlan[] = [];
      for (let i = 0; i < plans.length; i++) {
        if (run.next() < model.toolCalls[i]!.probability) calls.push(plans[i]!);
      }
      if (calls.length > 0) toolCalls = calls;
    }
    run.setTurn(promptTokens, outputTokens, 0, toolCalls, undefined, 0, false);
    return true;
  }

  /** The declared tool calls whose bits are set in `mask`, in order: one shared list a mask. */
  private toolCallsOf(mask: number): readonly ToolCallPlan[] {
    let calls = this.sharedToolCalls.get(mask);
    if (calls === undefined) {
      calls = Object.freeze(this.model.toolCallPlans.filter((_, i) => (mask & (1 << i)) !== 0));
      this.sharedToolCalls.set(mask, calls);
    }
    return calls;
  }
}

/** Programs replayed from recorded turns (trace replay): no draws, the turns as recorded. */
export const replayedPrograms: ProgramSource = {
  start(run, recorded) {
    if (recorded === undefined) throw new Error("replayedPrograms.start: no recorded turns");
    run.misbehaving = false;
    run.replay = recorded;
    run.turnsLeft = recorded.length;
  },
  next(run) {
    const turns = run.replay!;
    if (run.turnsLeft <= 0) return false;
    const plan = turns[turns.length - run.turnsLeft--]!;
    run.setTurn(
      plan.promptTokens,
      plan.outputTokens,
      plan.cachedTokens,
      plan.toolCalls,
      plan.model,
      plan.thinkS,
      plan.promptIncludesContext,
    );
    return true;
  },
};
