/**
 * The agent runtime under test, running on the kernel: it admits runs, holds their ready turns
 * in the scheduler, dispatches them onto endpoint slots, applies rate limits, failures,
 * timeouts and outages, retries with backoff, runs tool calls through one path, manages
 * context, checks governance and writes the audit trail, while the recorder measures.
 */

import type { AuditAction, AuditDecision, AuditSink } from "../audit/index.ts";
import type { JobSpec, RuntimeSpec, Scenario, ToolSpec } from "../scenario/index.ts";
import type { Sampler, Simulation } from "../sim/index.ts";
import {
  EventClass,
  type Process,
  type ProcessBody,
  Resource,
  SUSPEND,
  type Yieldable,
} from "../sim/index.ts";
import { type ToolCallPlan, toolOutsideGrant } from "../workload/index.ts";
import { RunActivity } from "./activity.ts";
import type { Endpoint, TurnOutcome } from "./endpoint.ts";
import { AccessManager } from "./governance.ts";
import { type CellMemory, runsInFlightError, runsInFlightMax } from "./memory.ts";
import type { RuntimeObserver, RuntimeView } from "./observer.ts";
import { Admission, type Recorder } from "./recorder.ts";
import type { CallCounters } from "./result.ts";
import {
  AttemptDraws,
  BACKOFF_LANE,
  LiveRuns,
  PLAN_LANE,
  type RunDriver,
  type RunJob,
  RunRows,
  type RunState,
  type RunStatus,
} from "./run-state.ts";
import type { Scheduler } from "./scheduler/types.ts";

/** Where a run's process stands: the phases of `Runtime.advance`. */
enum Phase {
  /** Draw the next turn (or end the run); think first if the turn says so. */
  NextTurn = 0,
  /** The prompt: context plus the turn's tokens, over the window or not. */
  Prompt = 1,
  /** Start the model call (a compaction, or the turn's), its first attempt. */
  Call = 2,
  /** An attempt's outcome arrived. */
  Outcome = 3,
  /** The backoff is over: the next attempt. */
  Retry = 4,
  /** The next tool call after the turn (or the turn is done). */
  ToolCall = 5,
  /** The tool's quota granted: draw its latency and outcome. */
  ToolGranted = 6,
  /** The tool call's time is over. */
  ToolDone = 7,
}

/** The answer of a step that ends the run's process. */
const FINISHED: IteratorResult<Yieldable, void> = Object.freeze({ done: true, value: undefined });

/** The dispatcher's answer to every step: wait for `requestDispatch`. */
const SUSPENDED: IteratorResult<Yieldable, void> = Object.freeze({ done: false, value: SUSPEND });

/** `attemptEnded`'s answers besides a backoff: the call succeeded, or failed for good. */
const OK = -1;
const FAILED = -2;
/** `toolCallStart`'s answer for a call outside the run's grant. */
const DENIED = Symbol("denied");

/** A job as the runtime uses it: its spec plus values computed once per cell. */
export interface JobRuntime extends RunJob {
  readonly spec: JobSpec;
  readonly tenantIndex: number;
  readonly endpointMask: number;
  /** Expected output tokens of a turn (the mean of the job's distribution or trace). */
  readonly expectedOutputTokens: number;
}

/** A tool as the runtime uses it. */
export interface ToolRuntime {
  readonly spec: ToolSpec;
  /** Index of the tool in the scenario (for the recorder). */
  readonly index: number;
  readonly latency: Sampler;
  /** Mean of `latency`, for the tool's offered load. */
  readonly latencyMeanS: number;
  readonly quota: Resource | null;
}

/** How an attempt's outcome reads in a run's failure reason. */
const OUTCOME_WORDS: Record<TurnOutcome, string> = {
  ok: "ok",
  error: "5xx error",
  timeout: "timeout",
  rate_limited: "429 rate limited",
  unavailable: "503 unavailable",
};

/** The runtime of one cell. */
export class Runtime implements RunDriver, RuntimeView {
  readonly calls: CallCounters = {
    attempts: 0,
    ok: 0,
    errors: 0,
    timeouts: 0,
    rateLimited: 0,
    unavailable: 0,
    retries: 0,
    aborts: 0,
    compactions: 0,
    toolCalls: 0,
    toolErrors: 0,
  };
  /** Denials by reason (governance and budget). */
  readonly denials = new Map<string, number>();
  /** Runs admitted and not yet ended. */
  readonly live = new LiveRuns();
  // The memory budget (see limitRunsInFlight).
  private memory: CellMemory | undefined;
  private runsInFlightMax = Number.POSITIVE_INFINITY;
  private cellLabel = "";
  /** The rows runs keep their numbers in. */
  readonly rows = new RunRows();
  /** Tenant names by index. */
  readonly tenantNames: readonly string[];
  /** Independent count of audited actions (checked against the trail at the end). */
  actionsTaken = 0;
  /** Governance: each job's grant, each run's access (tools, data scopes, token budget). */
  readonly access: AccessManager;
  /** Workspaces and the store, when some job uses them. */
  readonly activity: RunActivity | null;
  private readonly activeJobs: boolean[];
  /** Endpoints serving each model label (bit masks), for trace turns that name their model. */
  private readonly modelMasks = new Map<string, number>();
  /** Endpoints not taking dispatches this round (breaker open or rate-limited). */
  private pausedMask = 0;
  private dispatchPending = false;
  private nextSeq = 0;
  private readonly multiEndpoint: boolean;
  private readonly accepts: ((run: RunState) => boolean)[];
  private readonly runtime: RuntimeSpec;
  private readonly costPrompt: number;
  private readonly costOutput: number;
  private readonly dispatchRound = () => this.dispatch();
  // One long-lived process makes the dispatch rounds: a round costs a wake-up, not an event.
  private readonly dispatcher: Process<void>;
  // The result of a run's step that waits (see `advance`), shared by every run.
  private readonly step: { done: false; value: Yieldable } = { done: false, value: 0 };
  // The draws of the attempt being planned or backed off from (seeded for it just before).
  private readonly draws = new AttemptDraws();

  constructor(
    readonly sim: Simulation,
    readonly scenario: Scenario,
    readonly scheduler: Scheduler,
    readonly endpoints: readonly Endpoint[],
    readonly tools: ReadonlyMap<string, ToolRuntime>,
    readonly jobs: readonly JobRuntime[],
    readonly recorder: Recorder,
    readonly audit: AuditSink,
    /** Told of runs, turns and dispatches as they happen (see RuntimeObserver); null: none. */
    private readonly observer: RuntimeObserver | null = null,
  ) {
    this.dispatcher = sim.process(this.dispatchLoop(), EventClass.Dispatch);
    this.access = new AccessManager(audit);
    for (const job of jobs) this.access.declare(job.spec.name, job.spec.governance);
    this.activeJobs = jobs.map((job) => RunActivity.active(job.spec));
    this.activity = this.activeJobs.some(Boolean)
      ? new RunActivity(audit, scenario.runtime.workspaces.resolver)
      : null;
    this.runtime = scenario.runtime;
    this.tenantNames = scenario.tenants.map((t) => t.name);
    this.costPrompt = scenario.runtime.serviceCost.promptWeight;
    this.costOutput = scenario.runtime.serviceCost.outputWeight;
    this.multiEndpoint = endpoints.length > 1;
    this.accepts = endpoints.map((e) => (run: RunState) => (this.effectiveMask(run) & e.bit) !== 0);
    for (const endpoint of scenario.endpoints) {
      const bit = endpoints.find((e) => e.name === endpoint.name)!.bit;
      for (const model of endpoint.models)
        this.modelMasks.set(model, (this.modelMasks.get(model) ?? 0) | bit);
    }
    for (const endpoint of endpoints) {
      for (const window of endpoint.outages) {
        sim.call(window.atS, () => this.outageStart(endpoint), EventClass.Completion);
        sim.call(window.atS + window.forS, () => this.outageEnd(endpoint), EventClass.Completion);
      }
    }
  }

  /** The simulated time, in seconds (`RuntimeView`). */
  get nowS(): number {
    return this.sim.now;
  }

  /** Turns ready and waiting in the scheduler (`RuntimeView`). */
  get waitingTurns(): number {
    return this.scheduler.size;
  }

  /** Writes one audit record on behalf of a run (and counts it in the runtime's own ledger). */
  record(
    run: RunState,
    action: AuditAction,
    target: string,
    decision: AuditDecision,
    detail = "",
  ): void {
    this.actionsTaken++;
    this.audit.append(this.sim.now, run.actor, action, target, decision, detail);
  }

  /** Counts a denial by reason. */
  deny(reason: string): void {
    this.denials.set(reason, (this.denials.get(reason) ?? 0) + 1);
  }

  /**
   * The memory budget: a run admitted past `runsInFlightMax(memory)` runs in flight ends the
   * cell with a BudgetError naming `cell` (see memory.ts). Default none.
   */
  limitRunsInFlight(memory: CellMemory, cell: string): void {
    this.memory = memory;
    this.runsInFlightMax = runsInFlightMax(memory);
    this.cellLabel = cell;
  }

  /** Admits a run and starts its process. */
  admit(run: RunState): void {
    const job = this.jobs[run.jobIndex]!;
    const spec = job.spec;
    run.access = this.access.open(run.id, spec.name, this.scenario.tenants[run.tenantIndex]!.name);
    run.actor = run.access.actor;
    this.recorder.submitted(run.tenantIndex, run.jobIndex, run.arrivalS);
    this.observer?.runSubmitted?.(run);
    const maxWaiting = this.runtime.admission.maxWaitingTurns;
    if (this.scheduler.size >= maxWaiting) {
      this.record(
        run,
        "run.reject",
        spec.name,
        "deny",
        `admission: ${maxWaiting} turns already waiting`,
      );
      this.deny("admission limit");
      this.end(run, "rejected");
      return;
    }
    this.live.add(run);
    if (this.live.size > this.runsInFlightMax) {
      throw runsInFlightError(this, this.memory!, this.cellLabel);
    }
    this.record(run, "run.start", spec.name, "ok");
    if (this.activeJobs[job.index]) this.activity!.start(run.access);
    run.start();
  }

  private end(run: RunState, status: RunStatus, reason = ""): void {
    run.status = status;
    if (status !== "rejected") {
      this.live.delete(run);
      if (this.activeJobs[run.jobIndex]) this.activity!.end(run.access!);
      this.record(
        run,
        "run.end",
        this.jobs[run.jobIndex]!.spec.name,
        status === "completed" ? "ok" : "error",
        reason,
      );
    }
    const job = this.jobs[run.jobIndex]!;
    this.recorder.runEnded(
      run.tenantIndex,
      run.jobIndex,
      status,
      run.measured,
      this.sim.now - run.arrivalS,
      job.sloS,
      this.sim.now,
      status === "rejected" ? "rejected by admission control" : reason,
    );
    this.observer?.runEnded?.(run, this.sim.now);
    const listeners = run.endListeners;
    if (listeners !== null) {
      run.endListeners = null;
      for (const listener of listeners) listener();
    }
  }

  /**
   * One step of a run's process: the run's program, turn after turn, as a state machine rather
   * than a generator. A run waiting in a saturated queue then holds a few fields of its own
   * instead of a suspended generator (object, register file, context: about 0.5 KB), and a
   * step makes no garbage (one result object serves every step of every run; the process reads
   * it at once). `run.phase` says where the run stands; `input` is what the last thing it
   * waited for gave it (an attempt's outcome after `SUSPEND`). Returns what to wait for next,
   * or done. Each phase does what the run's generator did between two of its yields, in the
   * same order, so runs draw, record and wait exactly as before.
   */
  advance(run: RunState, input: unknown): IteratorResult<Yieldable, void> {
    const job = this.jobs[run.jobIndex]!;
    const runtime = this.runtime;
    const window = runtime.contextWindow;
    for (;;) {
      switch (run.phase) {
        case Phase.NextTurn: {
          if (!job.programs.next(run)) {
            this.end(run, "completed");
            return FINISHED;
          }
          this.observer?.turnPlanned?.(run, this.sim.now);
          run.phase = Phase.Prompt;
          const thinkS = run.planThinkS;
          if (thinkS > 0) return this.waitFor(thinkS);
          break;
        }
        case Phase.Prompt: {
          const prompt = run.planIncludesContext
            ? run.planPromptTokens
            : run.context + run.planPromptTokens;
          run.turnPromptTokens = prompt;
          // A turn over the window first compacts the context with a model call of its own.
          run.compacting = false;
          if (prompt > window) {
            if (runtime.onContextOverflow === "fail" || run.planIncludesContext) {
              this.end(
                run,
                "failed",
                `context of ${prompt} tokens exceeds the window of ${window}`,
              );
              return FINISHED;
            }
            run.compacting = true;
          }
          run.phase = Phase.Call;
          break;
        }
        case Phase.Call: {
          if (run.compacting) {
            run.keep = Math.ceil(run.context * runtime.compactKeep);
            this.calls.compactions++;
            this.record(
              run,
              "context.compact",
              "context",
              "ok",
              `${run.context} -> ${run.keep} tokens`,
            );
            this.modelCall(run, job, run.context, run.keep, "compaction", 0, undefined);
          } else {
            this.modelCall(
              run,
              job,
              run.turnPromptTokens,
              run.planOutputTokens,
              "turn",
              run.planCachedTokens,
              run.planModel,
            );
          }
          run.attempt = 1;
          return this.attempt(run);
        }
        case Phase.Retry:
          run.attempt++;
          return this.attempt(run);
        case Phase.Outcome: {
          // The run waited, with no event made, until its attempt's outcome woke it (`settle`).
          const backoffS = this.attemptEnded(
            run,
            input as TurnOutcome,
            run.attempt,
            runtime.retry.attempts,
          );
          if (backoffS >= 0) {
            run.phase = Phase.Retry;
            return this.waitFor(backoffS);
          }
          if (run.compacting) {
            if (backoffS === FAILED) {
              this.end(run, "failed", "compaction failed");
              return FINISHED;
            }
            run.context = run.keep;
            const prompt = run.context + run.planPromptTokens;
            run.turnPromptTokens = prompt;
            if (prompt > window) {
              this.end(
                run,
                "failed",
                `prompt of ${prompt} tokens exceeds the window of ${window} after compaction`,
              );
              return FINISHED;
            }
            run.compacting = false;
            run.phase = Phase.Call;
            break;
          }
          if (backoffS === FAILED) {
            this.end(
              run,
              "failed",
              `model call failed after retries (last: ${OUTCOME_WORDS[input as TurnOutcome]})`,
            );
            return FINISHED;
          }
          run.context = run.planIncludesContext ? 0 : run.turnPromptTokens + run.planOutputTokens;
          run.turnsDone++;
          // The planned tool calls come next, then (a misbehaving run) calls outside its grant.
          const outside = run.misbehaving ? job.spec.behaviour?.toolsOutsideGrant : undefined;
          run.toolsOutside =
            outside !== undefined && outside.tools.length > 0 ? outside.perTurn : 0;
          run.toolIndex = 0;
          run.phase = Phase.ToolCall;
          break;
        }
        case Phase.ToolCall: {
          const planned = run.planToolCalls.length;
          if (run.toolIndex >= planned + run.toolsOutside) {
            this.turnEnded(run, job);
            run.phase = Phase.NextTurn;
            break;
          }
          const k = run.toolIndex++;
          let call: ToolCallPlan;
          if (k < planned) {
            call = run.planToolCalls[k]!;
          } else {
            call = { tool: toolOutsideGrant(job.spec.behaviour!.toolsOutsideGrant!.tools, run) };
          }
          const tool = this.toolCallStart(run, call.tool);
          if (tool === DENIED) break;
          const request = tool?.quota?.request();
          run.toolCall = call;
          run.tool = tool;
          run.toolRequest = request ?? null;
          run.phase = Phase.ToolGranted;
          if (request !== undefined && !request.processed) return this.waitFor(request);
          break;
        }
        case Phase.ToolGranted: {
          const call = run.toolCall!;
          const tool = run.tool;
          const durationS = call.durationS ?? (tool === undefined ? 0 : tool.latency(run));
          run.toolFailed = call.failed ?? (tool !== undefined && run.next() < tool.spec.errorRate);
          run.phase = Phase.ToolDone;
          if (durationS > 0) return this.waitFor(durationS);
          break;
        }
        case Phase.ToolDone: {
          const request = run.toolRequest;
          if (request !== null) run.tool!.quota!.release(request);
          this.toolCallEnd(run, run.toolCall!.tool, run.toolFailed);
          run.toolCall = null;
          run.tool = undefined;
          run.toolRequest = null;
          run.phase = Phase.ToolCall;
          break;
        }
      }
    }
  }

  /** The step's answer: wait for `what` (seconds, an event, or `SUSPEND`). */
  private waitFor(what: Yieldable): IteratorResult<Yieldable, void> {
    const step = this.step;
    step.value = what;
    return step;
  }

  /**
   * Attempt `run.attempt` of the run's model call (a turn's or a compaction's, first or retry):
   * checks it against the job's governance (the token budget: tokens used so far plus all the
   * attempt may use) and audits the decision made, then queues it, and the run waits for its
   * outcome; a denied attempt fails the run. Every `model.call allow` in the trail is the
   * record of such a check: an attempt is never queued without one.
   */
  private attempt(run: RunState): IteratorResult<Yieldable, void> {
    const check = run.access!.checkModelCall(run.promptTokens + run.outputTokens);
    if (!check.allow) {
      this.record(run, "model.call", this.callTarget(run), "deny", check.reason);
      this.deny("token budget");
      this.end(run, "failed", "token budget exceeded");
      return FINISHED;
    }
    this.record(run, "model.call", this.callTarget(run), "allow");
    this.enqueue(run);
    run.phase = Phase.Outcome;
    return this.waitFor(SUSPEND);
  }

  /**
   * The endpoint a model call is headed for, naming it in the governance record: the job's
   * preferred endpoint when the call may go there, else the first it may go to. (The endpoint
   * that serves it, failover included, is named by its dispatch and result records.)
   */
  private callTarget(run: RunState): string {
    const endpoints = this.endpoints;
    const preferred = endpoints[run.preferredEndpoint]!;
    const mask = run.endpointMask;
    if (!this.multiEndpoint || (mask & preferred.bit) !== 0) return preferred.name;
    for (const endpoint of endpoints) if ((mask & endpoint.bit) !== 0) return endpoint.name;
    return preferred.name;
  }

  /** A turn and its tool calls are done: the workspace and store activity that follows it. */
  private turnEnded(run: RunState, job: JobRuntime): void {
    if (this.activeJobs[job.index]) {
      const activity = this.activity!;
      // This turn's index: it was counted in `turnsDone` when its model call succeeded.
      activity.honest(this.sim.now, run.access!, job.spec, run.turnsDone - 1, run);
      if (run.misbehaving) activity.adversarial(this.sim.now, run.access!, job.spec, run);
    }
  }

  /** Sets up the run's model call (its next call index; no attempt yet). */
  private modelCall(
    run: RunState,
    job: JobRuntime,
    promptTokens: number,
    outputTokens: number,
    kind: "turn" | "compaction",
    cachedTokens: number,
    model: string | undefined,
  ): void {
    // A recorded model label routes the call to the endpoints serving that model.
    const byModel = model === undefined ? 0 : (this.modelMasks.get(model) ?? 0);
    const endpointMask = byModel !== 0 ? byModel : job.endpointMask;
    const endpoint = this.endpoints[job.preferredEndpoint]!;
    run.resetCall(
      promptTokens * this.costPrompt + job.expectedOutputTokens * this.costOutput,
      endpoint.expectedDurationS(promptTokens, job.expectedOutputTokens),
      promptTokens,
      outputTokens,
      kind,
      endpointMask,
      cachedTokens,
    );
  }

  /**
   * An attempt of the run's model call ended with `outcome`: returns OK, FAILED (no attempts
   * left), or the backoff in seconds before the next attempt (which is counted and audited here).
   */
  private attemptEnded(
    run: RunState,
    outcome: TurnOutcome,
    attempt: number,
    attempts: number,
  ): number {
    // Turn latency runs from the first attempt's ready time to the outcome, so the waits, the
    // failed attempts and the backoffs of a retried call are in it; only runs arriving in the
    // window count, whether the call succeeded or failed for good.
    const retryAfterS = run.retryAfterS;
    run.retryAfterS = 0;
    if (outcome === "ok") {
      if (run.measured) this.recorder.turnLatency.record(this.sim.now - run.firstReadyS);
      return OK;
    }
    if (attempt >= attempts) {
      if (run.measured) this.recorder.turnLatency.record(this.sim.now - run.firstReadyS);
      return FAILED;
    }
    const retry = this.runtime.retry;
    // A 429's Retry-After, when honoured and no longer than retryAfterMaxS, is the wait itself
    // (as the OpenAI SDKs do: "if 0 < retry_after <= 60: return retry_after"); otherwise the
    // exponential backoff with jitter.
    const honoured =
      outcome === "rate_limited" && retryAfterS > 0 && retryAfterS <= retry.retryAfterMaxS;
    const backoffS = honoured
      ? retryAfterS
      : Math.min(retry.maxS, retry.baseS * 2 ** (attempt - 1)) *
        (0.5 + this.draws.seed(run, BACKOFF_LANE).next());
    this.calls.retries++;
    this.record(
      run,
      "retry",
      run.job,
      "ok",
      `attempt ${attempt + 1} after ${outcome}, ${honoured ? "Retry-After" : "backoff"} ${backoffS.toFixed(3)}s`,
    );
    return backoffS;
  }

  private enqueue(run: RunState): void {
    const now = this.sim.now;
    run.markReady(this.nextSeq++, now);
    this.scheduler.enqueue(run, now);
    // The offered load counts what the call asks for (its own output tokens, a hog's too), not
    // the job's mean that the policies' estimates use.
    const offeredSlotS =
      run.attempt === 1 && run.measured
        ? this.endpoints[run.preferredEndpoint]!.expectedDurationS(
            run.promptTokens,
            run.outputTokens,
          )
        : 0;
    this.recorder.enqueued(run, now, offeredSlotS);
    this.requestDispatch();
  }

  /**
   * Asks for a dispatch round at the current time, after completions and governance; none
   * while no turn waits (a round would find nothing to dispatch: every enqueue asks again).
   */
  requestDispatch(): void {
    if (this.dispatchPending || this.scheduler.size === 0) return;
    this.dispatchPending = true;
    if (this.dispatcher.isSuspended) this.dispatcher.wakeWith(undefined, EventClass.Dispatch);
  }

  /** The endpoints a run's call may go to now: its own, plus the failovers of the paused ones. */
  private effectiveMask(run: RunState): number {
    const mask = run.endpointMask;
    const paused = mask & this.pausedMask;
    if (paused === 0) return mask;
    let redirected = mask;
    for (const endpoint of this.endpoints) {
      if ((paused & endpoint.bit) !== 0) redirected |= endpoint.failoverMask;
    }
    return redirected;
  }

  /**
   * The dispatcher's body: a round each time it is woken (and again while a round asks for
   * another), then it waits, suspended, for `requestDispatch`. A generator did the same; as a
   * hand-written body a wake-up resumes no generator and makes no result object.
   */
  private dispatchLoop(): ProcessBody<void> {
    let started = false;
    return {
      next: () => {
        if (started) this.dispatch();
        started = true;
        while (this.dispatchPending) this.dispatch();
        return SUSPENDED;
      },
      throw: (error: unknown) => {
        throw error;
      },
    };
  }

  private dispatch(): void {
    this.dispatchPending = false;
    const scheduler = this.scheduler;
    const now = this.sim.now;
    if (this.multiEndpoint) {
      let paused = 0;
      for (const endpoint of this.endpoints) if (endpoint.openUntilS > now) paused |= endpoint.bit;
      this.pausedMask = paused;
    }
    for (let e = 0; e < this.endpoints.length; e++) {
      const endpoint = this.endpoints[e]!;
      const accept = this.multiEndpoint ? this.accepts[e] : undefined;
      // A refusal (503, 429) pauses the endpoint, which ends its round at once.
      while (endpoint.hasFreeSlot && scheduler.size > 0 && endpoint.openUntilS <= now) {
        const run = (
          accept === undefined ? scheduler.pick(now) : scheduler.pick(now, accept as never)
        ) as RunState | undefined;
        if (run === undefined) break;
        this.start(run, endpoint);
      }
    }
    this.observer?.dispatchRound?.(this);
  }

  private start(run: RunState, endpoint: Endpoint): void {
    const now = this.sim.now;
    this.recorder.dequeued(run, now, true);
    this.calls.attempts++;
    this.record(run, "turn.dispatch", endpoint.name, "ok");
    const tokens = run.promptTokens + run.outputTokens;
    if (endpoint.down) {
      this.recorder.attempted(run, endpoint.index, Admission.Unavailable, now);
      this.refuse(run, endpoint, "unavailable");
      return;
    }
    if (!endpoint.admit(tokens, now)) {
      this.recorder.attempted(run, endpoint.index, Admission.RateLimited, now);
      this.refuse(run, endpoint, "rate_limited");
      return;
    }
    this.recorder.attempted(run, endpoint.index, Admission.Admitted, now);
    // The attempt's draws come from its own stream (see `RunState.seedAttempt`), however many
    // the endpoint's latency model needs.
    const draws = this.draws.seed(run, PLAN_LANE);
    const plan = endpoint.plan(run.promptTokens, run.outputTokens, draws, run.cachedTokens);
    if (this.observer !== null) this.observeDispatch(run, endpoint, plan.outcome, plan.durationS);
    run.endpoint = endpoint;
    run.slot = endpoint.takeSlot(run);
    run.markStarted(now, plan.outcome, plan.outputTokens, plan.durationS);
    this.recorder.slot(run, 1, now);
    run.scheduleAttemptEnd(plan.durationS);
  }

  /** Fast failure without holding a slot: the endpoint is down (503) or over its limits (429). */
  private refuse(run: RunState, endpoint: Endpoint, outcome: "unavailable" | "rate_limited"): void {
    if (this.observer !== null) this.observeDispatch(run, endpoint, outcome, 0);
    if (outcome === "unavailable") {
      this.calls.unavailable++;
      this.trip(endpoint);
    } else {
      this.calls.rateLimited++;
      this.pauseForRateLimit(endpoint, run);
    }
    this.scheduler.complete(
      run,
      { cost: 0, durationS: 0, promptTokens: 0, outputTokens: 0 },
      this.sim.now,
    );
    this.record(
      run,
      "model.result",
      endpoint.name,
      "error",
      outcome === "unavailable" ? "503 unavailable" : "429 rate limited",
    );
    this.failover(run, endpoint);
    run.wakeWith(outcome);
  }

  /** Tells the observer of a dispatch (only called when there is one). */
  private observeDispatch(
    run: RunState,
    endpoint: Endpoint,
    outcome: TurnOutcome,
    durationS: number,
  ): void {
    this.observer!.dispatched?.({
      nowS: this.sim.now,
      run,
      seq: run.seq,
      endpoint: endpoint.name,
      call: run.call,
      attempt: run.attempt,
      outcome,
      durationS,
    });
  }

  /** Opens the circuit breaker of an endpoint that answered 503, and plans a dispatch when it closes. */
  private trip(endpoint: Endpoint): void {
    const cooldownS = this.runtime.circuitBreaker?.cooldownS ?? 5;
    if (cooldownS <= 0 || endpoint.openUntilS > this.sim.now) return;
    endpoint.openUntilS = this.sim.now + cooldownS;
    this.sim.call(cooldownS, this.dispatchRound, EventClass.Dispatch);
    this.paused(endpoint);
  }

  /**
   * After a 429 that carries Retry-After, a runtime that honours it (`retry.retryAfter`) sends
   * nothing more to the endpoint until the limits have room for the refused request again, so
   * one refusal does not empty the queue, and keeps the Retry-After for the call's next attempt
   * (`attemptEnded`).
   */
  private pauseForRateLimit(endpoint: Endpoint, run: RunState): void {
    if (this.runtime.retry.retryAfter === "ignore") return;
    const waitS = endpoint.retryAfterS(run.promptTokens + run.outputTokens, this.sim.now);
    if (waitS === null) return;
    run.retryAfterS = waitS;
    if (waitS <= 0) return;
    const untilS = this.sim.now + waitS;
    if (untilS <= endpoint.openUntilS) return;
    endpoint.openUntilS = untilS;
    this.sim.call(waitS, this.dispatchRound, EventClass.Dispatch);
    this.paused(endpoint);
  }

  /** An endpoint stopped taking dispatches: its turns may fail over now, in a new round. */
  private paused(endpoint: Endpoint): void {
    if (!this.multiEndpoint || endpoint.failoverMask === 0) return;
    this.pausedMask |= endpoint.bit;
    this.requestDispatch();
  }

  private failover(run: RunState, endpoint: Endpoint): void {
    if (endpoint.failoverMask !== 0) run.endpointMask = endpoint.failoverMask;
  }

  /** The attempt under way of `run` reached its planned end (`RunState.scheduleAttemptEnd`). */
  attemptEnds(run: RunState): void {
    this.settle(run, run.plannedOutcome, run.plannedOutputTokens, this.sim.now - run.startS);
  }

  /** Ends a running attempt with `outcome`: frees the slot, accounts, audits, wakes the run. */
  private settle(
    run: RunState,
    outcome: TurnOutcome,
    outputTokens: number,
    durationS: number,
  ): void {
    const now = this.sim.now;
    const endpoint = run.endpoint!;
    endpoint.releaseSlot(run.slot);
    this.recorder.slot(run, -1, now);
    const promptTokens = run.promptTokens;
    const startS = run.startS;
    const cost = promptTokens * this.costPrompt + outputTokens * this.costOutput;
    this.scheduler.complete(run, { cost, durationS, promptTokens, outputTokens }, now);
    this.recorder.service(run.tenantIndex, cost, startS, now);
    run.attained += cost;
    run.slotSeconds += durationS;
    run.tokensUsed += promptTokens + outputTokens;
    run.access!.useTokens(promptTokens + outputTokens);
    if (this.recorder.wantsTimeline(startS)) {
      this.recorder.timelineEntry({
        endpoint: endpoint.name,
        slot: run.slot,
        startS,
        endS: now,
        tenant: run.tenant,
        job: run.job,
        run: run.id,
        outcome,
        kind: run.kind,
      });
    }
    if (outcome === "ok") {
      this.calls.ok++;
      if (this.recorder.inWindow(now)) this.recorder.outputTokensInWindow += outputTokens;
      this.record(run, "model.result", endpoint.name, "ok");
    } else {
      if (this.recorder.inWindow(now)) this.recorder.wastedTokens += promptTokens + outputTokens;
      if (outcome === "error") {
        this.calls.errors++;
        this.record(run, "model.result", endpoint.name, "error", "5xx server error");
      } else {
        this.calls.aborts++;
        if (outcome === "timeout") {
          this.calls.timeouts++;
        } else {
          this.calls.unavailable++;
          this.trip(endpoint);
        }
        this.record(
          run,
          "abort",
          endpoint.name,
          "error",
          outcome === "timeout" ? "timeout: partial tokens lost" : "outage: partial tokens lost",
        );
      }
      this.failover(run, endpoint);
    }
    run.endpoint = null;
    run.slot = -1;
    run.wakeWith(outcome);
    this.requestDispatch();
  }

  private outageStart(endpoint: Endpoint): void {
    endpoint.down = true;
    const now = this.sim.now;
    for (const held of endpoint.inFlight) {
      if (held === null) continue;
      const run = held as RunState;
      run.cancelAttemptEnd();
      const elapsed = now - run.startS;
      const share = run.plannedDurationS > 0 ? Math.min(1, elapsed / run.plannedDurationS) : 0;
      this.settle(run, "unavailable", Math.floor(run.plannedOutputTokens * share), elapsed);
    }
  }

  private outageEnd(endpoint: Endpoint): void {
    endpoint.down = false;
    this.requestDispatch();
  }

  /**
   * A tool call begins: checks the grant and audits the decision. Returns DENIED, or the tool
   * (undefined for a tool the scenario does not declare: it takes no time and never fails).
   */
  private toolCallStart(run: RunState, name: string): ToolRuntime | undefined | typeof DENIED {
    this.calls.toolCalls++;
    const grant = run.access!.checkTool(name);
    if (!grant.allow) {
      this.record(run, "tool.call", name, "deny", grant.reason);
      this.deny("tool outside grant");
      return DENIED;
    }
    this.record(run, "tool.call", name, "allow");
    const tool = this.tools.get(name);
    if (tool !== undefined)
      this.recorder.toolRequested(tool.index, tool.latencyMeanS, run.measured);
    return tool;
  }

  /** A tool call ends: counts and audits its result. */
  private toolCallEnd(run: RunState, name: string, failed: boolean): void {
    if (failed) {
      this.calls.toolErrors++;
      this.record(run, "tool.result", name, "error", "tool call failed");
    } else {
      this.record(run, "tool.result", name, "ok");
    }
  }

  /** Ends the cell: runs still in flight are counted as such. */
  finishCell(): void {
    for (const run of this.live) {
      const job = this.jobs[run.jobIndex]!;
      this.recorder.inFlightAtEnd(run.tenantIndex, run.jobIndex, run.measured, job.sloS);
    }
  }

  /** Makes the quota resource of a tool (null when unlimited). */
  static toolQuota(sim: Simulation, tool: ToolSpec): Resource | null {
    return Number.isFinite(tool.concurrency) ? new Resource(sim, tool.concurrency) : null;
  }
}
