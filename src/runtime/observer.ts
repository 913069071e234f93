/**
 * Watching the runtime from outside while a cell runs: `agentsim check` counts dispatch rounds
 * that leave a slot idle while turns wait (work conservation), tests keep ledgers of their own
 * to hold against the runtime's counters and the audit trail, and a live view could follow the
 * runs. An observer is given to a cell (`SimulateOptions.observer`); the runtime calls it
 * synchronously, at the simulated instant each event happens, with read-only views of its own
 * state. An observer must not change what it is shown: results do not depend on whether one
 * watched. Without an observer each event costs the runtime one null check.
 */

import type { ToolCallPlan } from "../workload/index.ts";
import type { TurnOutcome } from "./endpoint.ts";
import type { RunStatus } from "./run-state.ts";

/** What the runtime tells an observer. Every method is optional. */
export interface RuntimeObserver {
  /** A run arrived and asks to be admitted (at `run.arrivalS`); admission may reject it. */
  runSubmitted?(run: RunView): void;
  /** The run's program handed it its next turn (`run.planPromptTokens` and the rest). */
  turnPlanned?(run: RunView, nowS: number): void;
  /** An attempt of a model call was taken from the scheduler and dispatched onto an endpoint. */
  dispatched?(dispatch: DispatchView): void;
  /** A dispatch round ended: every endpoint that could take a turn was offered one. */
  dispatchRound?(runtime: RuntimeView): void;
  /** The run ended: completed, failed, or rejected at admission. */
  runEnded?(run: RunView, nowS: number): void;
}

/**
 * A run as an observer sees it. The view is live: read during an event, it shows the run at
 * that instant; kept, it shows the run as it is later (at the end of the cell, its final state).
 */
export interface RunView {
  /** `<job>#<n>`, unique in the cell. */
  readonly id: string;
  readonly job: string;
  readonly tenant: string;
  /** When the run arrived, in simulated seconds. */
  readonly arrivalS: number;
  /** True when the run arrived in the measurement window. */
  readonly measured: boolean;
  /** True when the run misbehaves (its job's `behaviour` applies). */
  readonly misbehaving: boolean;
  /** How the run ended; null while it has not. */
  readonly status: RunStatus | null;
  /** Turns whose model call succeeded. */
  readonly turnsDone: number;
  /** Prompt and output tokens of every attempt dispatched and ended so far. */
  readonly tokensUsed: number;
  /** New prompt tokens of the turn being taken, as its program planned it. */
  readonly planPromptTokens: number;
  /** Output tokens of the turn being taken, as planned. */
  readonly planOutputTokens: number;
  /** Tool calls after the turn being taken, as planned. */
  readonly planToolCalls: readonly ToolCallPlan[];
}

/** An endpoint as an observer sees it (live, like `RunView`). */
export interface EndpointView {
  readonly name: string;
  readonly slots: number;
  /** Slots in use now. */
  readonly busy: number;
  /** True when a slot is free. */
  readonly hasFreeSlot: boolean;
  /** True during an outage window. */
  readonly down: boolean;
  /** No dispatch here before this time: the circuit breaker after a 503, or a 429's retry-after. */
  readonly openUntilS: number;
}

/** The runtime as an observer sees it at the end of a dispatch round (live). */
export interface RuntimeView {
  /** The simulated time, in seconds. */
  readonly nowS: number;
  /** Turns ready and waiting in the scheduler. */
  readonly waitingTurns: number;
  /** The cell's endpoints, in scenario order. */
  readonly endpoints: readonly EndpointView[];
}

/** One attempt dispatched onto an endpoint, as it was at that instant. */
export interface DispatchView {
  /** When, in simulated seconds. */
  readonly nowS: number;
  /** The run whose model call it is (live). */
  readonly run: RunView;
  /** The ready turn's sequence number: the order turns became ready, FIFO's key. */
  readonly seq: number;
  /** The endpoint it went to. */
  readonly endpoint: string;
  /** The run's model call, numbered from 1 (a compaction is a call too). */
  readonly call: number;
  /** The attempt of that call, numbered from 1. */
  readonly attempt: number;
  /**
   * What becomes of it: `unavailable` or `rate_limited` when the endpoint refused it at once
   * (down, or over a rate limit), else the outcome its attempt stream drew.
   */
  readonly outcome: TurnOutcome;
  /** Seconds it holds its slot (0 when refused). */
  readonly durationS: number;
}
