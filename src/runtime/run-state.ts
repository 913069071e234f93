/**
 * The state of one run while it executes: identity, program, random streams, context, token
 * accounting, and its model call under way, which is what the scheduler sees of it (a run makes
 * one model call at a time, so the run is its own `ReadyTurn`).
 *
 * A run is one object. In a saturated cell tens of thousands of runs wait in the queue at once,
 * and each survives several young-generation collections, which copy it; so a run keeps its
 * numbers (times, token counts, its stream's state and key) in a row of a shared Float64Array
 * (`RunRows`) rather than in fields, where V8 would box every double in a heap number of its
 * own, and it is its own kernel process and program cursor. A
 * waiting run was a process, a turn, a stream, a draw buffer, a program and a plan object plus
 * a dozen boxed numbers (about 1.4 KB in 22 objects); it is now this object and its row.
 */

import type { Request, Rng, Simulation, StreamFamily } from "../sim/index.ts";
import {
  ALEA_STATE,
  aleaKey,
  aleaNext,
  aleaSeedKeyed,
  EventClass,
  Process,
  type Yieldable,
} from "../sim/index.ts";
import type { ProgramRun, ProgramSource, ToolCallPlan, TurnPlan } from "../workload/index.ts";
import type { Endpoint, TurnOutcome } from "./endpoint.ts";
import type { RunAccess } from "./governance.ts";
import { CODE, DOUBLE, FLAG, INT, layOutRow, words } from "./row-layout.ts";
import type { ToolRuntime } from "./runtime.ts";
import type { ReadyTurn } from "./scheduler/types.ts";

/** What a run needs of its job (the runtime's `JobRuntime`). */
export interface RunJob {
  readonly spec: { readonly name: string; readonly priority: number };
  readonly index: number;
  /** Priority level index (0 = lowest). */
  readonly level: number;
  readonly preferredEndpoint: number;
  readonly sloS: number | undefined;
  /** The family of its runs' streams, `run/<job>`: run k's (of user u) is member (k, u). */
  readonly runStreams: StreamFamily;
  /** Where the job's runs take their turns from. */
  readonly programs: ProgramSource;
}

/** What steps a run's process and holds what runs share: `Runtime`. */
export interface RunDriver {
  readonly sim: Simulation;
  /** The rows runs keep their numbers in. */
  readonly rows: RunRows;
  /** Tenant names by index. */
  readonly tenantNames: readonly string[];
  /** One step of the run's process (see `ProcessBody.next`). */
  advance(run: RunState, input: unknown): IteratorResult<Yieldable, void>;
  /** The attempt under way of the run reached its planned end (see `scheduleAttemptEnd`). */
  attemptEnds(run: RunState): void;
}

/** How a run ended. */
export type RunStatus = "completed" | "failed" | "rejected";

/**
 * A run's row, declared once: every number a run keeps, in order, with its kind and the doubles
 * it takes. Offsets and the row's size follow from the table (`layOutRow`), so adding a field is
 * one line here (and its name in the list of constants below it).
 */
export const RUN_ROW = layOutRow({
  /** Arrival time. */
  ARRIVAL_S: DOUBLE,
  /** Context tokens carried into the next turn. */
  CONTEXT: INT,
  /** Tokens used (prompt + output of successful and wasted attempts), against the budget. */
  TOKENS_USED: INT,
  /** Service received so far (cost of finished attempts). */
  ATTAINED: DOUBLE,
  /** Slot-seconds held by the run's attempts. */
  SLOT_SECONDS: DOUBLE,
  /** Prompt tokens of the turn being taken, its context included. */
  TURN_PROMPT: INT,
  /** Context tokens a compaction keeps. */
  KEEP: INT,
  /** Turns the program has left. */
  TURNS_LEFT: INT,
  // The turn being taken, as its program set it (`ProgramRun.setTurn`).
  PLAN_PROMPT: INT,
  PLAN_OUTPUT: INT,
  PLAN_CACHED: INT,
  PLAN_THINK_S: DOUBLE,
  // The model call under way: the scheduler's view (`ReadyTurn`) and the runtime's.
  SEQ: INT,
  READY_S: DOUBLE,
  EXPECTED_COST: DOUBLE,
  EXPECTED_DURATION_S: DOUBLE,
  ATTAINED_SERVICE: DOUBLE,
  PROMPT: INT,
  OUTPUT: INT,
  CACHED: INT,
  FIRST_READY_S: DOUBLE,
  START_S: DOUBLE,
  PLANNED_OUTPUT: INT,
  PLANNED_DURATION_S: DOUBLE,
  /** The Retry-After of the 429 that ended the last attempt, when honoured; 0 for none. */
  RETRY_AFTER_S: DOUBLE,
  /** The run's own stream: an Alea state (four doubles, see `aleaNext`). */
  STREAM: words(ALEA_STATE),
  /** The run's key: its stream's seed words (three), which key its attempts' draws. */
  KEY: words(3),
  /** The model calls the run has made (turns and compactions), the one under way included. */
  CALL: INT,
  // Small integers, flags and codes live in the row too: a field of the object would cost a
  // run 8 bytes more to copy at every collection it survives (measured on a saturated cell:
  // 144 bytes more a run, 10% more CPU).
  RUN_ID: INT,
  TENANT_INDEX: INT,
  ACTOR: INT,
  TURNS_DONE: INT,
  PHASE: INT,
  ATTEMPT: INT,
  ENDPOINT_MASK: INT,
  SLOT: INT,
  TOOL_INDEX: INT,
  TOOLS_OUTSIDE: INT,
  /** Where the run sits in `LiveRuns` while admitted and not ended; -1 otherwise. */
  LIVE_INDEX: INT,
  MEASURED: FLAG,
  MISBEHAVING: FLAG,
  PLAN_INCLUDES_CONTEXT: FLAG,
  COMPACTING: FLAG,
  TOOL_FAILED: FLAG,
  /** The run's queue entry is its attempt's end, not a wake-up (see `scheduleAttemptEnd`). */
  ATTEMPT_DUE: FLAG,
  /** Codes: indexes of STATUSES, KINDS and OUTCOMES. */
  STATUS: CODE,
  KIND: CODE,
  PLANNED_OUTCOME: CODE,
});
// Each field's offset, bound to a constant the accessors read (a property of the offsets
// object costs a lookup a read; a module constant is as cheap as a literal).
const {
  ARRIVAL_S,
  CONTEXT,
  TOKENS_USED,
  ATTAINED,
  SLOT_SECONDS,
  TURN_PROMPT,
  KEEP,
  TURNS_LEFT,
  PLAN_PROMPT,
  PLAN_OUTPUT,
  PLAN_CACHED,
  PLAN_THINK_S,
  SEQ,
  READY_S,
  EXPECTED_COST,
  EXPECTED_DURATION_S,
  ATTAINED_SERVICE,
  PROMPT,
  OUTPUT,
  CACHED,
  FIRST_READY_S,
  START_S,
  PLANNED_OUTPUT,
  PLANNED_DURATION_S,
  RETRY_AFTER_S,
  STREAM,
  KEY,
  CALL,
  RUN_ID,
  TENANT_INDEX,
  ACTOR,
  TURNS_DONE,
  PHASE,
  ATTEMPT,
  ENDPOINT_MASK,
  SLOT,
  TOOL_INDEX,
  TOOLS_OUTSIDE,
  LIVE_INDEX,
  MEASURED,
  MISBEHAVING,
  PLAN_INCLUDES_CONTEXT,
  COMPACTING,
  TOOL_FAILED,
  ATTEMPT_DUE,
  STATUS,
  KIND,
  PLANNED_OUTCOME,
} = RUN_ROW.offsets;
/** Doubles a row. */
const ROW = RUN_ROW.doubles;

/** The lanes of an attempt's draws (see `RunState.seedAttempt`): the endpoint's plan, the backoff. */
export const PLAN_LANE = 0;
export const BACKOFF_LANE = 1;

const STATUSES: readonly (RunStatus | null)[] = [null, "completed", "failed", "rejected"];
const KINDS = ["turn", "compaction"] as const;
const OUTCOMES: readonly TurnOutcome[] = ["ok", "error", "timeout", "rate_limited", "unavailable"];

/** Rows a chunk of `RunRows` holds. */
const CHUNK_ROWS = 128;

/**
 * The rows runs keep their numbers in: chunks of a Float64Array, handed out in order. A run
 * holds its chunk, so a chunk is collected once all its runs are; rows are never reused, so a
 * run object kept past its end (by a user's policy, say) still reads its own numbers.
 */
export class RunRows {
  /** The chunk the last `take` handed a row of. */
  chunk = new Float64Array(0);
  private next = CHUNK_ROWS;

  /** A new row of `chunk` (zeroed): returns its offset. */
  take(): number {
    if (this.next === CHUNK_ROWS) {
      this.chunk = new Float64Array(ROW * CHUNK_ROWS);
      this.next = 0;
    }
    return ROW * this.next++;
  }
}

/** One run: its process, its program's progress, its model call under way. */
export class RunState extends Process<void> implements ReadyTurn, ProgramRun, Rng {
  /** Identity, e.g. `ticket-triage#41`: keys its random streams and names its workspace. */
  readonly id: string;
  readonly jobRuntime: RunJob;
  /** The run's row (see `RunRows`): its chunk and the row's offset in it. */
  private readonly rows: Float64Array;
  private readonly base: number;
  /** The run's governance handle (tools, data scopes, token budget); set when admitted. */
  access: RunAccess | null = null;
  /** Succeeds when the run ends (closed-loop users wait for it). */
  endListeners: (() => void)[] | null = null;
  /** The recorded turns of a replayed run; null for a drawn one. */
  replay: readonly TurnPlan[] | null = null;

  // Where the run's process stands (the runtime's state machine, `Runtime.advance`), and what
  // it carries from one step to the next. Initialized here so every run has one shape.
  /** The turn being taken: its tool calls and model label. */
  planToolCalls: readonly ToolCallPlan[] = [];
  planModel: string | undefined = undefined;
  /** While an attempt runs: its endpoint. */
  endpoint: Endpoint | null = null;
  /** The tool call under way, its tool and its quota request. */
  toolCall: ToolCallPlan | null = null;
  tool: ToolRuntime | undefined = undefined;
  toolRequest: Request | null = null;
  private readonly driver: RunDriver;

  /**
   * A run arriving now; its program starts at once (a drawn program makes its first draws) and
   * its process when it is admitted (`start`).
   */
  constructor(
    driver: RunDriver,
    fields: {
      id: string;
      /** Its number among its job's (or its user's) runs and its user: its stream (see `RunRequest`). */
      index?: number;
      lane?: number;
      runId: number;
      job: RunJob;
      tenantIndex: number;
      measured: boolean;
      /** Recorded turns (trace replay). */
      turns?: readonly TurnPlan[];
    },
  ) {
    super(driver.sim, null, EventClass.Arrival, false);
    this.driver = driver;
    this.id = fields.id;
    this.jobRuntime = fields.job;
    const at = driver.rows.take();
    const rows = driver.rows.chunk;
    this.rows = rows;
    this.base = at;
    rows[at + ARRIVAL_S] = driver.sim.now;
    rows[at + RUN_ID] = fields.runId;
    rows[at + TENANT_INDEX] = fields.tenantIndex;
    rows[at + MEASURED] = fields.measured ? 1 : 0;
    rows[at + ACTOR] = -1;
    rows[at + SLOT] = -1;
    rows[at + LIVE_INDEX] = -1;
    rows[at + FIRST_READY_S] = -1;
    // A drawn run's stream is member (index, lane) of its job's family `run/<job>`, derived by
    // integer hashing (a string hash a run was the largest single cost of a short run); a
    // replayed run's is the named stream `run/<id>`, its trace's key being its identity.
    if (fields.index === undefined) driver.sim.rng.seedInto(this.name, rows, at + STREAM);
    else fields.job.runStreams.seedInto(fields.index, fields.lane ?? 0, rows, at + STREAM);
    aleaKey(rows, at + STREAM, rows, at + KEY);
    fields.job.programs.start(this, fields.turns);
  }

  /** Starts the run's process (it was admitted): its first step runs now, as an arrival. */
  start(): void {
    this.begin();
  }

  /**
   * Schedules the end of the attempt under way `durationS` from now as the run's own entry in
   * the queue (class Completion), where a timeout event would have been: the run waits,
   * suspended, for its outcome, and the attempt's end makes no event object. When the entry
   * comes out, `wake` hands it to the runtime (`attemptEnds`), which settles the attempt and
   * wakes the run with its outcome.
   */
  scheduleAttemptEnd(durationS: number): void {
    this.rows[this.base + ATTEMPT_DUE] = 1;
    this.sleepKey = this.sim.enqueue(this, durationS, EventClass.Completion);
  }

  /**
   * The attempt was ended before its planned end (an outage): its entry in the queue no longer
   * matches the run's key and is skipped when it comes out.
   */
  cancelAttemptEnd(): void {
    this.rows[this.base + ATTEMPT_DUE] = 0;
    this.sleepKey = -1;
  }

  /** @internal The run's entry in the queue came out: its attempt's end, or a wake-up. */
  override wake(): void {
    const rows = this.rows;
    const at = this.base + ATTEMPT_DUE;
    if (rows[at] === 1) {
      rows[at] = 0;
      this.sleepKey = -1;
      this.driver.attemptEnds(this);
      return;
    }
    super.wake();
  }

  /** One step of the run's process: the runtime's state machine. */
  protected override resumeBody(ok: boolean, value: unknown): IteratorResult<Yieldable, void> {
    // Nothing is thrown into a run (runs are not interrupted): a throw is a bug, and ends it.
    if (!ok) throw value;
    return this.driver.advance(this, value);
  }

  // The run's own stream (`run/<id>`): program and tool draws, in the run's order.

  /** The stream's name. */
  get name(): string {
    return `run/${this.id}`;
  }

  /** The next draw of the run's own stream. */
  next(): number {
    return aleaNext(this.rows, this.base + STREAM);
  }

  /**
   * Seeds `state[0..4)` with the Alea stream of the attempt under way, lane `lane` (PLAN_LANE:
   * the endpoint's plan of it; BACKOFF_LANE: the jitter of the backoff after it). The stream is
   * keyed by the run (its seed's words), its call index and the attempt, never by when or in
   * what order a policy served it: attempt k of call c of a run draws the same numbers under
   * every policy, however many it needs (common random numbers), and drawing them moves no
   * other stream.
   */
  seedAttempt(state: Float64Array, lane: number): void {
    const rows = this.rows;
    const at = this.base;
    aleaSeedKeyed(rows, at + KEY, rows[at + CALL]!, rows[at + ATTEMPT]! * 2 + lane, state, 0);
  }

  // The turn being taken (`ProgramRun`).

  setTurn(
    promptTokens: number,
    outputTokens: number,
    cachedTokens: number,
    toolCalls: readonly ToolCallPlan[],
    model: string | undefined,
    thinkS: number,
    promptIncludesContext: boolean,
  ): void {
    const rows = this.rows;
    const at = this.base;
    rows[at + PLAN_PROMPT] = promptTokens;
    rows[at + PLAN_OUTPUT] = outputTokens;
    rows[at + PLAN_CACHED] = cachedTokens;
    rows[at + PLAN_THINK_S] = thinkS;
    this.planToolCalls = toolCalls;
    this.planModel = model;
    rows[at + PLAN_INCLUDES_CONTEXT] = promptIncludesContext ? 1 : 0;
  }

  /** New prompt tokens of the turn being taken. */
  get planPromptTokens(): number {
    return this.rows[this.base + PLAN_PROMPT]!;
  }
  /** Output tokens the turn being taken generates. */
  get planOutputTokens(): number {
    return this.rows[this.base + PLAN_OUTPUT]!;
  }
  /** Prompt tokens of the turn served from a cache (trace replay). */
  get planCachedTokens(): number {
    return this.rows[this.base + PLAN_CACHED]!;
  }
  /** Think time before the turn (trace replay of user turns). */
  get planThinkS(): number {
    return this.rows[this.base + PLAN_THINK_S]!;
  }

  get turnsLeft(): number {
    return this.rows[this.base + TURNS_LEFT]!;
  }
  set turnsLeft(value: number) {
    this.rows[this.base + TURNS_LEFT] = value;
  }

  // Identity, where the process stands, flags and codes (row-backed; see the layout).

  get runId(): number {
    return this.rows[this.base + RUN_ID]!;
  }
  get tenantIndex(): number {
    return this.rows[this.base + TENANT_INDEX]!;
  }
  /** True when the run arrived in the measurement window. */
  get measured(): boolean {
    return this.rows[this.base + MEASURED] === 1;
  }
  /** The run's actor in the audit trail (-1 until admitted). */
  get actor(): number {
    return this.rows[this.base + ACTOR]!;
  }
  set actor(value: number) {
    this.rows[this.base + ACTOR] = value;
  }
  /** How the run ended; null while it runs. */
  get status(): RunStatus | null {
    return STATUSES[this.rows[this.base + STATUS]!]!;
  }
  set status(value: RunStatus | null) {
    this.rows[this.base + STATUS] = STATUSES.indexOf(value);
  }
  /** Turns whose model call succeeded. */
  get turnsDone(): number {
    return this.rows[this.base + TURNS_DONE]!;
  }
  set turnsDone(value: number) {
    this.rows[this.base + TURNS_DONE] = value;
  }
  /** The step the process takes next (a `Phase` of runtime.ts). */
  get phase(): number {
    return this.rows[this.base + PHASE]!;
  }
  set phase(value: number) {
    this.rows[this.base + PHASE] = value;
  }
  /** True when this run misbehaves (its job's behaviour applies). */
  get misbehaving(): boolean {
    return this.rows[this.base + MISBEHAVING] === 1;
  }
  set misbehaving(value: boolean) {
    this.rows[this.base + MISBEHAVING] = value ? 1 : 0;
  }
  /** True when the prompt of the turn being taken already includes the context (trace replay). */
  get planIncludesContext(): boolean {
    return this.rows[this.base + PLAN_INCLUDES_CONTEXT] === 1;
  }
  /** True while the model call under way is a compaction of the context. */
  get compacting(): boolean {
    return this.rows[this.base + COMPACTING] === 1;
  }
  set compacting(value: boolean) {
    this.rows[this.base + COMPACTING] = value ? 1 : 0;
  }
  /** The attempt under way of the current model call (1 = the first). */
  get attempt(): number {
    return this.rows[this.base + ATTEMPT]!;
  }
  set attempt(value: number) {
    this.rows[this.base + ATTEMPT] = value;
  }
  /** The index of the model call under way among the run's calls (1 = its first). */
  get call(): number {
    return this.rows[this.base + CALL]!;
  }
  /** The model call under way: a turn's or a compaction. */
  get kind(): "turn" | "compaction" {
    return KINDS[this.rows[this.base + KIND]!]!;
  }
  /** The endpoints the model call under way may go to (bit mask). */
  get endpointMask(): number {
    return this.rows[this.base + ENDPOINT_MASK]!;
  }
  set endpointMask(value: number) {
    this.rows[this.base + ENDPOINT_MASK] = value;
  }
  /** The slot the attempt under way holds; -1 when none. */
  get slot(): number {
    return this.rows[this.base + SLOT]!;
  }
  set slot(value: number) {
    this.rows[this.base + SLOT] = value;
  }
  /** The outcome the endpoint planned for the attempt under way. */
  get plannedOutcome(): TurnOutcome {
    return OUTCOMES[this.rows[this.base + PLANNED_OUTCOME]!]!;
  }
  /** Tool calls after the turn: the next one's index, and the calls outside the grant. */
  get toolIndex(): number {
    return this.rows[this.base + TOOL_INDEX]!;
  }
  set toolIndex(value: number) {
    this.rows[this.base + TOOL_INDEX] = value;
  }
  get toolsOutside(): number {
    return this.rows[this.base + TOOLS_OUTSIDE]!;
  }
  set toolsOutside(value: number) {
    this.rows[this.base + TOOLS_OUTSIDE] = value;
  }
  /** The run's place in `LiveRuns`; -1 when it is not there. */
  get liveIndex(): number {
    return this.rows[this.base + LIVE_INDEX]!;
  }
  set liveIndex(value: number) {
    this.rows[this.base + LIVE_INDEX] = value;
  }
  /** The drawn (or recorded) outcome of the tool call under way. */
  get toolFailed(): boolean {
    return this.rows[this.base + TOOL_FAILED] === 1;
  }
  set toolFailed(value: boolean) {
    this.rows[this.base + TOOL_FAILED] = value ? 1 : 0;
  }

  // The run's accounts.

  /** When the run arrived. */
  get arrivalS(): number {
    return this.rows[this.base + ARRIVAL_S]!;
  }
  /** Context tokens carried into the next turn. */
  get context(): number {
    return this.rows[this.base + CONTEXT]!;
  }
  set context(value: number) {
    this.rows[this.base + CONTEXT] = value;
  }
  /** Tokens used (prompt + output of successful and wasted attempts), against the budget. */
  get tokensUsed(): number {
    return this.rows[this.base + TOKENS_USED]!;
  }
  set tokensUsed(value: number) {
    this.rows[this.base + TOKENS_USED] = value;
  }
  /** Service received so far (cost of finished attempts). */
  get attained(): number {
    return this.rows[this.base + ATTAINED]!;
  }
  set attained(value: number) {
    this.rows[this.base + ATTAINED] = value;
  }
  /** Slot-seconds held by this run's attempts. */
  get slotSeconds(): number {
    return this.rows[this.base + SLOT_SECONDS]!;
  }
  set slotSeconds(value: number) {
    this.rows[this.base + SLOT_SECONDS] = value;
  }
  /** Prompt tokens of the turn being taken, its context included. */
  get turnPromptTokens(): number {
    return this.rows[this.base + TURN_PROMPT]!;
  }
  set turnPromptTokens(value: number) {
    this.rows[this.base + TURN_PROMPT] = value;
  }
  /** Context tokens a compaction keeps. */
  get keep(): number {
    return this.rows[this.base + KEEP]!;
  }
  set keep(value: number) {
    this.rows[this.base + KEEP] = value;
  }

  // The model call under way, as the scheduler sees it (`ReadyTurn`).

  get seq(): number {
    return this.rows[this.base + SEQ]!;
  }
  get job(): string {
    return this.jobRuntime.spec.name;
  }
  get jobIndex(): number {
    return this.jobRuntime.index;
  }
  get tenant(): string {
    return this.driver.tenantNames[this.tenantIndex]!;
  }
  get priority(): number {
    return this.jobRuntime.spec.priority;
  }
  /** Priority level index (0 = lowest), for the recorder. */
  get level(): number {
    return this.jobRuntime.level;
  }
  /** The endpoint the job's calls go to first (sjf's estimate, the recorder's offered load). */
  get preferredEndpoint(): number {
    return this.jobRuntime.preferredEndpoint;
  }
  get readyS(): number {
    return this.rows[this.base + READY_S]!;
  }
  get runArrivalS(): number {
    return this.rows[this.base + ARRIVAL_S]!;
  }
  get deadlineS(): number {
    const sloS = this.jobRuntime.sloS;
    return sloS === undefined ? Number.POSITIVE_INFINITY : this.arrivalS + sloS;
  }
  get promptTokens(): number {
    return this.rows[this.base + PROMPT]!;
  }
  get expectedCost(): number {
    return this.rows[this.base + EXPECTED_COST]!;
  }
  get expectedDurationS(): number {
    return this.rows[this.base + EXPECTED_DURATION_S]!;
  }
  get attainedService(): number {
    return this.rows[this.base + ATTAINED_SERVICE]!;
  }

  /** Output tokens the model will generate if the attempt succeeds. */
  get outputTokens(): number {
    return this.rows[this.base + OUTPUT]!;
  }
  /** Prompt tokens served from a cache (trace replay): no prefill time. */
  get cachedTokens(): number {
    return this.rows[this.base + CACHED]!;
  }
  /** When the model call first became ready (for turn latency); -1 before. */
  get firstReadyS(): number {
    return this.rows[this.base + FIRST_READY_S]!;
  }
  /** When the attempt under way started. */
  get startS(): number {
    return this.rows[this.base + START_S]!;
  }
  /** Output tokens and duration the endpoint planned for the attempt under way. */
  get plannedOutputTokens(): number {
    return this.rows[this.base + PLANNED_OUTPUT]!;
  }
  get plannedDurationS(): number {
    return this.rows[this.base + PLANNED_DURATION_S]!;
  }

  /** The Retry-After of the 429 that ended the last attempt, when honoured; 0 for none. */
  get retryAfterS(): number {
    return this.rows[this.base + RETRY_AFTER_S]!;
  }
  set retryAfterS(value: number) {
    this.rows[this.base + RETRY_AFTER_S] = value;
  }

  /** Prepares a new model call of the run: the next call index, no attempt made yet. */
  resetCall(
    expectedCost: number,
    expectedDurationS: number,
    promptTokens: number,
    outputTokens: number,
    kind: "turn" | "compaction",
    endpointMask: number,
    cachedTokens: number,
  ): void {
    const rows = this.rows;
    const at = this.base;
    rows[at + CACHED] = cachedTokens;
    rows[at + EXPECTED_COST] = expectedCost;
    rows[at + EXPECTED_DURATION_S] = expectedDurationS;
    rows[at + PROMPT] = promptTokens;
    rows[at + OUTPUT] = outputTokens;
    rows[at + FIRST_READY_S] = -1;
    rows[at + KIND] = kind === "turn" ? 0 : 1;
    rows[at + ENDPOINT_MASK] = endpointMask;
    rows[at + ATTEMPT] = 0;
    rows[at + CALL]++;
  }

  /** The call is ready now, as enqueue number `seq`: its ready time and service snapshot. */
  markReady(seq: number, nowS: number): void {
    const rows = this.rows;
    const at = this.base;
    rows[at + READY_S] = nowS;
    rows[at + SEQ] = seq;
    if (rows[at + FIRST_READY_S]! < 0) rows[at + FIRST_READY_S] = nowS;
    rows[at + ATTAINED_SERVICE] = rows[at + ATTAINED]!;
  }

  /** The attempt starts now on a slot, planned to end after `durationS` with `outcome`. */
  markStarted(nowS: number, outcome: TurnOutcome, outputTokens: number, durationS: number): void {
    const rows = this.rows;
    const at = this.base;
    rows[at + START_S] = nowS;
    rows[at + PLANNED_OUTPUT] = outputTokens;
    rows[at + PLANNED_DURATION_S] = durationS;
    rows[at + PLANNED_OUTCOME] = OUTCOMES.indexOf(outcome);
  }
}

/**
 * The runs admitted and not yet ended. An array rather than a Set: a run keeps its place in its
 * row (`liveIndex`), so adding and removing one costs no hashing (the Set's two operations a
 * run were a tenth of admitting and ending it). Removing moves the last run into the gap, so
 * the order is not the order of admission; nothing reads one.
 */
export class LiveRuns<R extends { liveIndex: number; readonly id: string } = RunState>
  implements Iterable<R>
{
  private readonly runs: R[] = [];

  /** Runs admitted and not ended. */
  get size(): number {
    return this.runs.length;
  }

  /** Adds an admitted run; adding one twice is a bug in the runtime and throws. */
  add(run: R): void {
    if (run.liveIndex >= 0) throw new Error(`LiveRuns.add: run ${run.id} is already live`);
    run.liveIndex = this.runs.length;
    this.runs.push(run);
  }

  /** Removes a run that ended; removing one that is not live is a bug and throws. */
  delete(run: R): void {
    const at = run.liveIndex;
    const runs = this.runs;
    if (at < 0 || runs[at] !== run) throw new Error(`LiveRuns.delete: run ${run.id} is not live`);
    const last = runs.pop()!;
    if (last !== run) {
      runs[at] = last;
      last.liveIndex = at;
    }
    run.liveIndex = -1;
  }

  [Symbol.iterator](): Iterator<R> {
    return this.runs[Symbol.iterator]();
  }
}

/**
 * The draws of one attempt as a stream (see `RunState.seedAttempt`): one serves every run, seeded
 * for the attempt at hand just before it is used (a plan or a backoff is drawn at once,
 * synchronously), so an attempt's draws cost no object.
 */
export class AttemptDraws implements Rng {
  private readonly state = new Float64Array(ALEA_STATE);
  /** The run whose attempt is drawn (for the name only). */
  private run: RunState | null = null;
  private lane = PLAN_LANE;

  /** Points the stream at lane `lane` of the attempt under way of `run`, from its first draw. */
  seed(run: RunState, lane: number): this {
    this.run = run;
    this.lane = lane;
    run.seedAttempt(this.state, lane);
    return this;
  }

  get name(): string {
    const run = this.run!;
    return `run/${run.id}/call/${run.call}/attempt/${run.attempt}/${this.lane === PLAN_LANE ? "plan" : "backoff"}`;
  }

  next(): number {
    return aleaNext(this.state, 0);
  }
}
