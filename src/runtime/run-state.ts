/**
 * The state of one run while it executes: identity, program, random streams, context and
 * token accounting.
 */

import type { Process, ProcessBody, Yieldable } from "../sim/process.ts";
import type { Request } from "../sim/resource.ts";
import type { RandomStreams, Rng } from "../sim/rng.ts";
import type { Program, ToolCallPlan, TurnPlan } from "../workload/program.ts";
import type { RunAccess } from "./governance.ts";
import type { ToolRuntime } from "./runtime.ts";
import { BufferedRng, type Turn, type TurnOwner } from "./turn.ts";

/** What steps a run's process: `Runtime.advance`. */
export interface RunDriver {
  advance(run: RunState, input: unknown): IteratorResult<Yieldable, void>;
}

/** How a run ended. */
export type RunStatus = "completed" | "failed" | "rejected";

/** One run. */
export class RunState implements TurnOwner, ProcessBody<void> {
  /** Identity, e.g. `ticket-triage#41`: keys its random streams and names its workspace. */
  readonly id: string;
  readonly runId: number;
  readonly jobIndex: number;
  readonly tenantIndex: number;
  readonly arrivalS: number;
  readonly measured: boolean;
  readonly program: Program;
  /** The run's own stream: program, first-attempt and tool draws, in the run's order. */
  readonly rng: Rng;
  /** First-attempt draws of the current turn. */
  readonly draws: BufferedRng;
  actor = -1;
  /** The run's governance handle (tools, data scopes, token budget); set when admitted. */
  access: RunAccess | null = null;
  /** Context tokens carried into the next turn. */
  context = 0;
  /** Tokens used (prompt + output of successful and wasted attempts), against the budget. */
  tokensUsed = 0;
  /** Service received so far (cost of finished attempts). */
  attained = 0;
  /** Slot-seconds held by this run's attempts. */
  slotSeconds = 0;
  turnsDone = 0;
  status: RunStatus | null = null;
  process: Process<void> | null = null;
  /** The run's turn object, reused for each of its model calls (one at a time). */
  turn: Turn | null = null;
  /** Succeeds when the run ends (closed-loop users wait for it). */
  endListeners: (() => void)[] | null = null;

  // Where the run's process stands (the runtime's state machine, `Runtime.advance`), and what
  // it carries from one step to the next. Initialized here so every run has one shape.
  /** The runtime that steps this run's process. */
  driver: RunDriver | null = null;
  /** The step the process takes next (a `Phase` of runtime.ts). */
  phase = 0;
  /** The turn being taken. */
  plan: TurnPlan | null = null;
  /** Prompt tokens of the turn's model call (context included). */
  promptTokens = 0;
  /** True while the model call under way is a compaction of the context. */
  compacting = false;
  /** Context tokens a compaction keeps. */
  keep = 0;
  /** The attempt under way of the current model call. */
  attempt = 0;
  /** Tool calls after the turn: the next one's index, and the calls outside the grant. */
  toolIndex = 0;
  toolsOutside = 0;
  /** The tool call under way, its tool, its quota request and its drawn outcome. */
  toolCall: ToolCallPlan | null = null;
  tool: ToolRuntime | undefined = undefined;
  toolRequest: Request | null = null;
  toolFailed = false;
  private retryStream: Rng | null = null;
  private readonly streams: RandomStreams;

  constructor(fields: {
    id: string;
    runId: number;
    jobIndex: number;
    tenantIndex: number;
    arrivalS: number;
    measured: boolean;
    program: (rng: Rng) => Program;
    streams: RandomStreams;
  }) {
    this.id = fields.id;
    this.runId = fields.runId;
    this.jobIndex = fields.jobIndex;
    this.tenantIndex = fields.tenantIndex;
    this.arrivalS = fields.arrivalS;
    this.measured = fields.measured;
    this.streams = fields.streams;
    this.rng = fields.streams.stream(`run/${fields.id}`);
    this.program = fields.program(this.rng);
    this.draws = new BufferedRng(this);
  }

  /** One step of the run's process (see `ProcessBody`): the runtime's state machine. */
  next(input?: unknown): IteratorResult<Yieldable, void> {
    return this.driver!.advance(this, input);
  }

  /** Nothing is thrown into a run (runs are not interrupted): a throw is a bug, and ends it. */
  throw(error: unknown): IteratorResult<Yieldable, void> {
    throw error;
  }

  /** The stream for retries and backoff jitter, made on first use (most runs never retry). */
  retries(): Rng {
    if (this.retryStream === null) this.retryStream = this.streams.stream(`run/${this.id}/retries`);
    return this.retryStream;
  }
}
