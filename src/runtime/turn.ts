/**
 * A turn as the runtime tracks it: the scheduler's view (`ReadyTurn`) plus what the runtime
 * needs to run it. One object serves every attempt of one model call; each enqueue gives it a
 * fresh `seq` and `readyS`.
 */
import type { SimEvent } from "../sim/event.ts";
import type { Rng } from "../sim/rng.ts";
import type { Endpoint, TurnOutcome } from "./endpoint.ts";
import type { ReadyTurn } from "./scheduler/types.ts";

/** Where a run's draws come from: a fixed buffer for the first attempt, then a fallback stream. */
export class BufferedRng implements Rng {
  // Starts as doubles, so filling it never converts (and reallocates) the array.
  private readonly buffer: number[] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  private index = 8;

  /** `owner.retries()` is the fallback stream, asked for only once the buffer is spent. */
  constructor(private readonly owner: { readonly id: string; retries(): Rng }) {}

  /** The stream's name (made when asked: a waiting run keeps no string for it). */
  get name(): string {
    return `run/${this.owner.id}/draws`;
  }

  /** Refills the buffer from `source` (eight draws, always, so the source's sequence is fixed). */
  fill(source: Rng): void {
    const buffer = this.buffer;
    for (let i = 0; i < 8; i++) buffer[i] = source.next();
    this.index = 0;
  }

  next(): number {
    return this.index < 8 ? this.buffer[this.index++]! : this.owner.retries().next();
  }
}

/** The state of a run that the turn needs. */
export interface TurnOwner {
  readonly id: string;
  readonly runId: number;
  readonly measured: boolean;
  readonly actor: number;
  attained: number;
  slotSeconds: number;
}

/**
 * One model call of a run, across its attempts. A run makes one model call at a time, so the
 * runtime keeps one Turn a run and `reset`s it for each call (a turn object less to allocate
 * and collect per model call).
 */
export class Turn implements ReadyTurn {
  seq = 0;
  readonly runId: number;
  readonly job: string;
  readonly jobIndex: number;
  readonly tenant: string;
  readonly tenantIndex: number;
  readonly priority: number;
  readyS = 0;
  readonly runArrivalS: number;
  readonly deadlineS: number;
  // Set by `reset` for each model call; initialized here so every Turn has one shape.
  expectedCost = 0.5;
  expectedDurationS = 0.5;
  attainedService: number;
  promptTokens = 0;

  /** Output tokens the model will generate if the attempt succeeds. */
  outputTokens = 0;
  /** Prompt tokens served from a cache (trace replay): no prefill time. */
  cachedTokens = 0;
  /** Priority level index (0 = lowest) for the recorder. */
  readonly level: number;
  readonly measured: boolean;
  readonly run: TurnOwner;
  kind: "turn" | "compaction" = "turn";
  /** Endpoints this attempt may go to (bit mask). */
  endpointMask = 0;
  /** The endpoint whose latency model the buffered draws are meant for. */
  readonly preferredEndpoint: number;
  attempt = 0;
  /** When the turn first became ready (for turn latency). */
  firstReadyS = -1;
  /** While running: its endpoint, slot, start, planned output and end event. */
  endpoint: Endpoint | null = null;
  slot = -1;
  startS = 0;
  plannedOutputTokens = 0;
  plannedDurationS = 0;
  plannedOutcome: TurnOutcome = "ok";
  endEvent: SimEvent<Turn> | null = null;

  constructor(fields: {
    run: TurnOwner;
    job: string;
    jobIndex: number;
    tenant: string;
    tenantIndex: number;
    priority: number;
    level: number;
    runArrivalS: number;
    deadlineS: number;
    preferredEndpoint: number;
  }) {
    this.run = fields.run;
    this.runId = fields.run.runId;
    this.measured = fields.run.measured;
    this.attainedService = fields.run.attained;
    this.job = fields.job;
    this.jobIndex = fields.jobIndex;
    this.tenant = fields.tenant;
    this.tenantIndex = fields.tenantIndex;
    this.priority = fields.priority;
    this.level = fields.level;
    this.runArrivalS = fields.runArrivalS;
    this.deadlineS = fields.deadlineS;
    this.preferredEndpoint = fields.preferredEndpoint;
  }

  /** Prepares the turn for a new model call of its run (arguments, not an object: no allocation). */
  reset(
    expectedCost: number,
    expectedDurationS: number,
    promptTokens: number,
    outputTokens: number,
    kind: "turn" | "compaction",
    endpointMask: number,
    cachedTokens: number,
  ): void {
    this.cachedTokens = cachedTokens;
    this.expectedCost = expectedCost;
    this.expectedDurationS = expectedDurationS;
    this.promptTokens = promptTokens;
    this.outputTokens = outputTokens;
    this.kind = kind;
    this.endpointMask = endpointMask;
    this.attempt = 0;
    this.firstReadyS = -1;
  }
}
