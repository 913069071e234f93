/**
 * The reference runtime: a plain, obviously-correct implementation of the runtime's semantics
 * (src/runtime/runtime.ts, run-state.ts, activity.ts, workspace.ts, store.ts and the
 * governance checks), kept in the test tree as its slow twin. Each run is a generator process
 * on the kernel that yields sleeps and events, in the manner of SimPy, and reads top to bottom
 * as a run's life: turn after turn, a model call (compacting the context first if need be)
 * attempt after attempt, then its tool calls, then its workspace and store activity. A run is a
 * plain object with named fields; each model call and each attempt is an object of its own;
 * nothing is pooled, kept in rows or written as a state machine.
 *
 * What it shares with the real runtime, and why that is sound: what is not the runtime's own
 * control flow or bookkeeping, each tested on its own elsewhere —
 * - the kernel (clock, events, processes, resources, random streams, Alea);
 * - the workload: arrival processes, the programs drawn from a job's distributions, and what a
 *   misbehaving agent tries (`misbehave`, `toolOutsideGrant`) — the agent's decisions, drawn
 *   from its run's stream, not the runtime's;
 * - the environment: the mocked endpoint (its latency and failure plan, rate limits, slots)
 *   and the scheduling policies (the runtime asks them, it does not implement them);
 * - the audit trail as a format (records, chain, genesis, seal), which the runtime writes to;
 * - the text screening of workspace paths (`normalizePath`, `screenTarget`: pure functions);
 * - the metrics recorder and the result builder: what a cell measures and how a result is
 *   assembled are not what is under test, and sharing them lets the whole CellResult (and the
 *   results.json built from it) be compared. The twin tells the recorder of every change as
 *   the docs define it (a turn ready, dispatched, holding or freeing a slot, served; a run
 *   arriving and ending), so a runtime that changes its state in another order, at another
 *   time or not at all gives other figures. (A fault of the recorder itself is the same on both
 *   sides: the differential test checks what it can of it against the runs themselves.)
 * Its own: admission, runs and their programs' use, context and compaction, model calls,
 * retries and backoff, the token budget, dispatch rounds, refusals (503, 429) and the circuit
 * breaker, failover, timeouts and outages, tool calls with grants and quotas, trace replay
 * (think time, recorded tool calls, model labels, prompts with their context, tenants by
 * session), workspaces and their resolvers, the store, data scopes, and carrying out the
 * activity of well-behaved and misbehaving runs.
 *
 * Random numbers are drawn from the same streams in the same order (a drawn run's own stream is
 * a member of the family `run/<job>`, a replayed run's the named stream `run/<id>`; each
 * attempt's keyed streams: lane 0 the endpoint's plan, lane 1 the backoff), so a correct twin
 * reproduces every run, every audit record and every figure exactly.
 */

import {
  type ActorId,
  AGENTSIM_VERSION,
  type AuditAction,
  type AuditDecision,
  AuditTrail,
  authorityOmitted,
  scenarioDigest,
} from "../../src/audit/index.ts";
import { buildResult } from "../../src/cell/cell-result.ts";
import { checkInvariants } from "../../src/cell/invariants.ts";
import { Endpoint, type TurnOutcome } from "../../src/runtime/endpoint.ts";
import { Admission, type RecordedTurn, Recorder } from "../../src/runtime/recorder.ts";
import type { CallCounters, CellResult } from "../../src/runtime/result.ts";
import { createScheduler } from "../../src/runtime/scheduler/registry.ts";
import type { ReadyTurn, Scheduler } from "../../src/runtime/scheduler/types.ts";
import type { JobSpec, PolicyRef, Scenario } from "../../src/scenario/types.ts";
import { aleaKey, aleaNext, aleaSeedKeyed } from "../../src/sim/alea.ts";
import { EventClass, type SimEvent } from "../../src/sim/event.ts";
import type { ProcessGenerator } from "../../src/sim/process.ts";
import { type Request, Resource } from "../../src/sim/resource.ts";
import type { Rng } from "../../src/sim/rng.ts";
import { distMean, type Sampler, sampler } from "../../src/sim/sample.ts";
import { Simulation } from "../../src/sim/simulation.ts";
import { type ReplayRun, type RunRequest, startArrivals } from "../../src/workload/arrivals.ts";
import { toolOutsideGrant } from "../../src/workload/misbehaviour.ts";
import {
  DrawnPrograms,
  type ProgramRun,
  programModel,
  type ToolCallPlan,
  type TurnPlan,
} from "../../src/workload/program.ts";
import { ReferenceActivity, touchesWorkspaces } from "./activity.ts";
import type { StoreCaller } from "./store.ts";

/** How one run ended, as either runtime can tell it. */
export interface RunOutcome {
  id: string;
  tenant: string;
  /** Whether it arrived in the measurement window. */
  measured: boolean;
  status: "completed" | "failed" | "rejected" | null;
  /** When it ended; null while in flight at the end of the cell. */
  endS: number | null;
  turnsDone: number;
  tokensUsed: number;
}

/** A cell run on the twin: its result (through the real result builder), its trail, its runs. */
export interface ReferenceCell {
  result: CellResult;
  audit: AuditTrail;
  runs: RunOutcome[];
}

/** Options of one cell on the twin (those of the real `simulateCell` it models). */
export interface ReferenceOptions {
  policy: PolicyRef;
  /** Root seed; default the scenario's. */
  seed?: number;
  replication?: number;
  point?: Record<string, string | number>;
  /** Trace runs by job name. */
  replay?: ReadonlyMap<string, readonly ReplayRun[]>;
}

/** A job, with what the twin computes of it once. */
interface Job {
  spec: JobSpec;
  index: number;
  tenantIndex: number;
  /** Priority level: the index of its priority among the scenario's, lowest first. */
  level: number;
  /** Programs drawn from its distributions; null for a trace job (its runs replay turns). */
  programs: DrawnPrograms | null;
  /** Endpoint indexes its calls may use, the first preferred. */
  endpoints: number[];
  /** Mean output tokens of a turn: the policies' estimates use it. */
  expectedOutputTokens: number;
  /** Whether its runs have a workspace and use the store. */
  active: boolean;
}

/** A model endpoint: the shared mock, and the runtime's own view of it. */
interface RuntimeEndpoint {
  model: Endpoint;
  name: string;
  down: boolean;
  /** The circuit breaker (after a 503) or a 429's Retry-After: no dispatch before this. */
  openUntilS: number;
  /** Endpoint indexes to fail over to, in scenario order. */
  failover: number[];
  /** Attempts holding a slot here. */
  running: Set<Attempt>;
}

interface Tool {
  spec: Scenario["tools"][number];
  index: number;
  latency: Sampler;
  latencyMeanS: number;
  quota: Resource | null;
}

/** A run: plain fields, its own stream, the turn it takes. */
class Run implements ProgramRun {
  status: RunOutcome["status"] = null;
  endS: number | null = null;
  turnsDone = 0;
  tokensUsed = 0;
  /** Its actor in the audit trail, and who it is to workspaces and the store. */
  actor: ActorId = -1;
  caller: StoreCaller | null = null;
  // The program: what `DrawnPrograms` keeps in a run, or the recorded turns of a replayed run.
  misbehaving = false;
  turnsLeft = 0;
  replay: readonly TurnPlan[] | null = null;
  turn: TurnPlan | null = null;
  /** Context tokens carried into the next turn. */
  context = 0;
  /** Service received so far (the cost of its finished attempts). */
  attained = 0;
  /** Model calls made so far (turns and compactions), numbered from 1. */
  calls = 0;
  onEnd: (() => void) | undefined;
  /** The run's own stream: an Alea state; and its seed words, the key of its attempts' streams. */
  private readonly state = new Float64Array(4);
  readonly key = new Float64Array(3);

  constructor(
    sim: Simulation,
    readonly id: string,
    readonly runId: number,
    readonly job: Job,
    readonly tenantIndex: number,
    readonly arrivalS: number,
    readonly measured: boolean,
    request: RunRequest,
  ) {
    // A replayed run (no index) has the named stream `run/<id>`; a drawn one is member
    // (index, lane) of its job's family `run/<job>`.
    if (request.index === undefined) {
      sim.rng.seedInto(`run/${id}`, this.state, 0);
    } else {
      const family = sim.rng.family(`run/${job.spec.name}`);
      family.seedInto(request.index, request.lane ?? 0, this.state, 0);
    }
    aleaKey(this.state, 0, this.key, 0);
  }

  get name(): string {
    return `run/${this.id}`;
  }

  next(): number {
    return aleaNext(this.state, 0);
  }

  setTurn(
    promptTokens: number,
    outputTokens: number,
    cachedTokens: number,
    toolCalls: readonly ToolCallPlan[],
    model: string | undefined,
    thinkS: number,
    promptIncludesContext: boolean,
  ): void {
    this.turn = {
      promptTokens,
      outputTokens,
      cachedTokens,
      toolCalls: [...toolCalls],
      model,
      thinkS,
      promptIncludesContext,
    };
  }

  /** The stream of attempt `attempt` of call `call`, lane 0 (the plan) or 1 (the backoff). */
  attemptStream(call: number, attempt: number, lane: 0 | 1): Rng {
    const state = new Float64Array(4);
    aleaSeedKeyed(this.key, 0, call, attempt * 2 + lane, state, 0);
    return {
      name: `${this.name}/call/${call}/attempt/${attempt}/${lane}`,
      next: () => aleaNext(state, 0),
    };
  }
}

/** One model call of a run: a turn's or a compaction's. */
interface Call {
  run: Run;
  index: number;
  kind: "turn" | "compaction";
  promptTokens: number;
  outputTokens: number;
  cachedTokens: number;
  /** Endpoint indexes it may go to (replaced by a failover list after a refusal there). */
  endpoints: number[];
  expectedCost: number;
  expectedDurationS: number;
  firstReadyS: number;
}

/** An attempt as the scheduler and the recorder see it while it waits. */
type QueuedTurn = ReadyTurn & RecordedTurn;

/** One attempt of a call, from ready to outcome. */
interface Attempt {
  call: Call;
  turn: QueuedTurn;
  outcome: SimEvent<TurnOutcome>;
  endpoint: RuntimeEndpoint | null;
  slot: number;
  startS: number;
  plannedOutcome: TurnOutcome;
  plannedOutputTokens: number;
  plannedDurationS: number;
  settled: boolean;
  /** A 429's Retry-After, when the endpoint sent one and the runtime honours it. */
  retryAfterS: number | null;
}

const OUTCOME_WORDS: Record<TurnOutcome, string> = {
  ok: "ok",
  error: "5xx error",
  timeout: "timeout",
  rate_limited: "429 rate limited",
  unavailable: "503 unavailable",
};

/** Runs one cell of `scenario` on the reference runtime. */
export function simulateReference(scenario: Scenario, options: ReferenceOptions): ReferenceCell {
  const seed = options.seed ?? scenario.seed;
  const sim = new Simulation({ seed });
  const rt = scenario.runtime;
  const costPrompt = rt.serviceCost.promptWeight;
  const costOutput = rt.serviceCost.outputWeight;

  // The environment: endpoints, tools, jobs, the policy.
  const endpointIndex = new Map(scenario.endpoints.map((e, i) => [e.name, i]));
  const endpoints: RuntimeEndpoint[] = scenario.endpoints.map((spec, i) => ({
    model: new Endpoint(spec, i),
    name: spec.name,
    down: false,
    openUntilS: 0,
    failover: spec.failover.map((name) => endpointIndex.get(name)!).sort((a, b) => a - b),
    running: new Set(),
  }));
  const multiEndpoint = endpoints.length > 1;
  const tools = new Map<string, Tool>(
    scenario.tools.map((spec, index) => [
      spec.name,
      {
        spec,
        index,
        latency: sampler(spec.latency),
        latencyMeanS: distMean(spec.latency),
        quota: Number.isFinite(spec.concurrency) ? new Resource(sim, spec.concurrency) : null,
      },
    ]),
  );
  const levels = [...new Set(scenario.jobs.map((j) => j.priority))].sort((a, b) => a - b);
  const jobs: Job[] = scenario.jobs.map((spec, index) => {
    const replay = options.replay?.get(spec.name);
    const expected =
      spec.arrivals.process === "trace"
        ? meanOutput(replay ?? [])
        : distMean(spec.turns.outputTokens);
    return {
      spec,
      index,
      tenantIndex: scenario.tenants.findIndex((t) => t.name === spec.tenant),
      level: levels.indexOf(spec.priority),
      programs: spec.arrivals.process === "trace" ? null : new DrawnPrograms(programModel(spec)),
      endpoints: spec.endpoints.map((name) => endpointIndex.get(name)!),
      expectedOutputTokens: Number.isFinite(expected) ? expected : 0,
      active: touchesWorkspaces(spec),
    };
  });
  const scheduler: Scheduler = createScheduler(
    options.policy.name!,
    {
      tenants: scenario.tenants.map((t) => ({ name: t.name, weight: t.weight })),
      jobs: scenario.jobs.map((j) => ({ name: j.name, tenant: j.tenant, priority: j.priority })),
    },
    options.policy.options,
  );

  // What is measured and recorded: the shared recorder, the audit trail and its genesis record.
  const recorder = new Recorder({
    fromS: scenario.warmupS,
    toS: scenario.horizonS,
    tenantWeights: scenario.tenants.map((t) => t.weight),
    jobTenants: jobs.map((j) => j.tenantIndex),
    levels: levels.length,
    totalSlots: endpoints.reduce((sum, e) => sum + e.model.slots, 0),
    timelineLimit: rt.timelineTurns,
    endpoints: endpoints.length,
    tools: scenario.tools.length,
    costPrompt,
    costOutput,
  });
  const genesis = {
    agentsim: AGENTSIM_VERSION,
    scenario: scenarioDigest(scenario),
    seed,
    policy: options.policy.label,
    replication: options.replication ?? 0,
    point: options.point ?? {},
  };
  const audit = new AuditTrail({ mode: "memory", genesis });
  const sink = rt.audit?.authorizedBy === "omitted" ? authorityOmitted(audit) : audit;
  const activity = jobs.some((j) => j.active)
    ? new ReferenceActivity(sink, rt.workspaces.resolver)
    : null;

  // The runtime's tally, as the result reports it.
  const runs: Run[] = [];
  const live = new Set<Run>();
  const calls: CallCounters = {
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
  const denials = new Map<string, number>();
  let actionsTaken = 0;
  /** The attempt behind each turn the scheduler holds or picked. */
  const attemptOf = new Map<ReadyTurn, Attempt>();
  let nextSeq = 0;

  /** Writes an audit record of an action a run took. */
  const log = (
    run: Run,
    action: AuditAction,
    target: string,
    decision: AuditDecision,
    detail = "",
  ) => {
    actionsTaken++;
    sink.append(sim.now, run.actor, action, target, decision, detail);
  };
  const deny = (reason: string) => denials.set(reason, (denials.get(reason) ?? 0) + 1);

  function admit(run: Run): void {
    const spec = run.job.spec;
    const tenant = scenario.tenants[run.tenantIndex]!.name;
    const authorizedBy = spec.governance.authorizedBy;
    run.actor = sink.actor({ run: run.id, job: spec.name, tenant, authorizedBy });
    recorder.submitted(run.tenantIndex, run.job.index, run.arrivalS);
    if (scheduler.size >= rt.admission.maxWaitingTurns) {
      const detail = `admission: ${rt.admission.maxWaitingTurns} turns already waiting`;
      log(run, "run.reject", spec.name, "deny", detail);
      deny("admission limit");
      end(run, "rejected");
      return;
    }
    live.add(run);
    log(run, "run.start", spec.name, "ok");
    if (run.job.active) {
      run.caller = {
        run: run.id,
        actor: run.actor,
        job: spec.name,
        tenant,
        authorizedBy,
        dataScopes: spec.governance.dataScopes,
      };
      activity!.start(run.id);
    }
    sim.process(runBody(run), EventClass.Arrival);
  }

  function end(run: Run, status: "completed" | "failed" | "rejected", reason = ""): void {
    const job = run.job;
    run.status = status;
    run.endS = sim.now;
    if (status !== "rejected") {
      live.delete(run);
      if (job.active) activity!.end(run.id);
      log(run, "run.end", job.spec.name, status === "completed" ? "ok" : "error", reason);
    }
    recorder.runEnded(
      run.tenantIndex,
      job.index,
      status,
      run.measured,
      sim.now - run.arrivalS,
      job.spec.slo?.runLatencyS,
      sim.now,
      status === "rejected" ? "rejected by admission control" : reason,
    );
    run.onEnd?.();
  }

  // The dispatcher: one process that makes a dispatch round whenever one is asked for.
  let dispatchPending = false;
  let wakeDispatcher: SimEvent<void> | null = null;
  function requestDispatch(): void {
    if (dispatchPending) return;
    dispatchPending = true;
    if (wakeDispatcher !== null) {
      const wake = wakeDispatcher;
      wakeDispatcher = null;
      wake.succeed();
    }
  }
  function* dispatcher(): ProcessGenerator<void> {
    for (;;) {
      if (!dispatchPending) {
        wakeDispatcher = sim.event<void>(EventClass.Dispatch);
        yield wakeDispatcher;
      }
      dispatch();
    }
  }
  sim.process(dispatcher(), EventClass.Dispatch);

  /** The endpoints a call may go to now: its own, plus the failovers of those paused. */
  function reachable(call: Call): Set<number> {
    const result = new Set(call.endpoints);
    for (const e of call.endpoints) {
      if (endpoints[e]!.openUntilS > sim.now) for (const f of endpoints[e]!.failover) result.add(f);
    }
    return result;
  }

  /** A round: each endpoint in turn takes waiting turns while it has a free slot and is not paused. */
  function dispatch(): void {
    dispatchPending = false;
    const now = sim.now;
    endpoints.forEach((endpoint, e) => {
      while (endpoint.model.hasFreeSlot && scheduler.size > 0 && endpoint.openUntilS <= now) {
        const turn = multiEndpoint
          ? scheduler.pick(now, (t) => reachable(attemptOf.get(t)!.call).has(e))
          : scheduler.pick(now);
        if (turn === undefined) break;
        start(attemptOf.get(turn)!, endpoint);
      }
    });
  }

  /** An attempt is dispatched: refused at once (503, 429), or it holds a slot until its planned end. */
  function start(attempt: Attempt, endpoint: RuntimeEndpoint): void {
    const now = sim.now;
    const call = attempt.call;
    recorder.dequeued(attempt.turn, now, true);
    calls.attempts++;
    log(call.run, "turn.dispatch", endpoint.name, "ok");
    const e = endpoint.model.index;
    if (endpoint.down) {
      recorder.attempted(attempt.turn, e, Admission.Unavailable, now);
      refuse(attempt, endpoint, "unavailable");
      return;
    }
    if (!endpoint.model.admit(call.promptTokens + call.outputTokens, now)) {
      recorder.attempted(attempt.turn, e, Admission.RateLimited, now);
      refuse(attempt, endpoint, "rate_limited");
      return;
    }
    recorder.attempted(attempt.turn, e, Admission.Admitted, now);
    const plan = endpoint.model.plan(
      call.promptTokens,
      call.outputTokens,
      call.run.attemptStream(call.index, attempt.turn.attempt, 0),
      call.cachedTokens,
    );
    attempt.endpoint = endpoint;
    attempt.slot = endpoint.model.takeSlot(attempt);
    attempt.startS = now;
    attempt.plannedOutcome = plan.outcome;
    attempt.plannedOutputTokens = plan.outputTokens;
    attempt.plannedDurationS = plan.durationS;
    endpoint.running.add(attempt);
    recorder.slot(attempt.turn, 1, now);
    sim.timeout(plan.durationS).onProcessed(() => {
      if (attempt.settled) return; // aborted by an outage
      settle(
        attempt,
        attempt.plannedOutcome,
        attempt.plannedOutputTokens,
        sim.now - attempt.startS,
      );
    });
  }

  function refuse(
    attempt: Attempt,
    endpoint: RuntimeEndpoint,
    outcome: "unavailable" | "rate_limited",
  ): void {
    const call = attempt.call;
    if (outcome === "unavailable") {
      calls.unavailable++;
      trip(endpoint);
    } else {
      calls.rateLimited++;
      if (rt.retry.retryAfter === "honour") {
        const waitS = endpoint.model.retryAfterS(call.promptTokens + call.outputTokens, sim.now);
        attempt.retryAfterS = waitS;
        if (waitS !== null && waitS > 0 && sim.now + waitS > endpoint.openUntilS) {
          pause(endpoint, waitS);
        }
      }
    }
    const nothing = { cost: 0, durationS: 0, promptTokens: 0, outputTokens: 0 };
    scheduler.complete(attempt.turn, nothing, sim.now);
    attemptOf.delete(attempt.turn);
    const words = outcome === "unavailable" ? "503 unavailable" : "429 rate limited";
    log(call.run, "model.result", endpoint.name, "error", words);
    failover(call, endpoint);
    attempt.outcome.succeed(outcome);
  }

  /** The circuit breaker opens after a 503, unless it already is open or has no cooldown. */
  function trip(endpoint: RuntimeEndpoint): void {
    const cooldownS = rt.circuitBreaker?.cooldownS ?? 5;
    if (cooldownS > 0 && endpoint.openUntilS <= sim.now) pause(endpoint, cooldownS);
  }

  /** No dispatch to `endpoint` for `forS`: a round when it reopens, and one now for failover. */
  function pause(endpoint: RuntimeEndpoint, forS: number): void {
    endpoint.openUntilS = sim.now + forS;
    sim.call(forS, () => dispatch(), EventClass.Dispatch);
    if (multiEndpoint && endpoint.failover.length > 0) requestDispatch();
  }

  /** After a failure on an endpoint with failovers, the call's next attempts go to those. */
  function failover(call: Call, endpoint: RuntimeEndpoint): void {
    if (endpoint.failover.length > 0) call.endpoints = [...endpoint.failover];
  }

  /** A running attempt ends with `outcome`: the slot is freed, service accounted, the run woken. */
  function settle(
    attempt: Attempt,
    outcome: TurnOutcome,
    outputTokens: number,
    durationS: number,
  ): void {
    attempt.settled = true;
    const now = sim.now;
    const call = attempt.call;
    const run = call.run;
    const endpoint = attempt.endpoint!;
    endpoint.model.releaseSlot(attempt.slot);
    endpoint.running.delete(attempt);
    recorder.slot(attempt.turn, -1, now);
    const cost = call.promptTokens * costPrompt + outputTokens * costOutput;
    scheduler.complete(
      attempt.turn,
      { cost, durationS, promptTokens: call.promptTokens, outputTokens },
      now,
    );
    attemptOf.delete(attempt.turn);
    recorder.service(run.tenantIndex, cost, attempt.startS, now);
    run.attained += cost;
    run.tokensUsed += call.promptTokens + outputTokens;
    if (recorder.wantsTimeline(attempt.startS)) {
      recorder.timelineEntry({
        endpoint: endpoint.name,
        slot: attempt.slot,
        startS: attempt.startS,
        endS: now,
        tenant: attempt.turn.tenant,
        job: run.job.spec.name,
        run: run.id,
        outcome,
        kind: call.kind,
      });
    }
    if (outcome === "ok") {
      calls.ok++;
      if (recorder.inWindow(now)) recorder.outputTokensInWindow += outputTokens;
      log(run, "model.result", endpoint.name, "ok");
    } else {
      if (recorder.inWindow(now)) recorder.wastedTokens += call.promptTokens + outputTokens;
      if (outcome === "error") {
        calls.errors++;
        log(run, "model.result", endpoint.name, "error", "5xx server error");
      } else {
        calls.aborts++;
        if (outcome === "timeout") {
          calls.timeouts++;
        } else {
          calls.unavailable++;
          trip(endpoint);
        }
        const why = outcome === "timeout" ? "timeout" : "outage";
        log(run, "abort", endpoint.name, "error", `${why}: partial tokens lost`);
      }
      failover(call, endpoint);
    }
    attempt.outcome.succeed(outcome);
    requestDispatch();
  }

  // Outages: the endpoint goes down, and every attempt on it is aborted, in slot order.
  for (const endpoint of endpoints) {
    for (const window of endpoint.model.outages) {
      sim.call(window.atS, () => {
        endpoint.down = true;
        const running = [...endpoint.running].sort((a, b) => a.slot - b.slot);
        for (const attempt of running) {
          const elapsed = sim.now - attempt.startS;
          const share =
            attempt.plannedDurationS > 0 ? Math.min(1, elapsed / attempt.plannedDurationS) : 0;
          settle(attempt, "unavailable", Math.floor(attempt.plannedOutputTokens * share), elapsed);
        }
      });
      sim.call(window.atS + window.forS, () => {
        endpoint.down = false;
        requestDispatch();
      });
    }
  }

  /** The endpoint a call is headed for, as its governance record names it. */
  function callTarget(call: Call): string {
    const preferred = call.run.job.endpoints[0] ?? 0;
    if (!multiEndpoint || call.endpoints.includes(preferred)) return endpoints[preferred]!.name;
    const first = Math.min(...call.endpoints);
    return Number.isFinite(first) ? endpoints[first]!.name : endpoints[preferred]!.name;
  }

  /** The endpoints serving a trace turn's model label (none: the job's own endpoints apply). */
  function serving(model: string | undefined): number[] {
    if (model === undefined) return [];
    return scenario.endpoints.flatMap((e, i) => (e.models.includes(model) ? [i] : []));
  }

  /**
   * One model call, attempt after attempt: each checked against the token budget, queued, and
   * waited for; a failed attempt backs off and retries while attempts are left. Returns how the
   * call ended ("denied": the budget ended the run).
   */
  function* modelCall(
    run: Run,
    kind: "turn" | "compaction",
    promptTokens: number,
    outputTokens: number,
    cachedTokens: number,
    model: string | undefined,
  ): Generator<SimEvent<unknown> | number, TurnOutcome | "denied", TurnOutcome> {
    const job = run.job;
    const preferred = endpoints[job.endpoints[0] ?? 0]!;
    const byModel = serving(model);
    const call: Call = {
      run,
      index: ++run.calls,
      kind,
      promptTokens,
      outputTokens,
      cachedTokens,
      endpoints: byModel.length > 0 ? byModel : [...job.endpoints],
      expectedCost: promptTokens * costPrompt + job.expectedOutputTokens * costOutput,
      expectedDurationS: preferred.model.expectedDurationS(promptTokens, job.expectedOutputTokens),
      firstReadyS: -1,
    };
    const budget = job.spec.governance.tokenBudget;
    const slo = job.spec.slo?.runLatencyS;
    for (let number = 1; ; number++) {
      const tokens = promptTokens + outputTokens;
      if (budget !== undefined && run.tokensUsed + tokens > budget) {
        const reason = `token budget exceeded: ${run.tokensUsed} used + ${tokens} requested > ${budget} for job ${JSON.stringify(job.spec.name)}`;
        log(run, "model.call", callTarget(call), "deny", reason);
        deny("token budget");
        end(run, "failed", "token budget exceeded");
        return "denied";
      }
      log(run, "model.call", callTarget(call), "allow");
      const now = sim.now;
      if (call.firstReadyS < 0) call.firstReadyS = now;
      const turn: QueuedTurn = {
        seq: nextSeq++,
        runId: run.runId,
        job: job.spec.name,
        jobIndex: job.index,
        tenant: scenario.tenants[run.tenantIndex]!.name,
        tenantIndex: run.tenantIndex,
        priority: job.spec.priority,
        level: job.level,
        readyS: now,
        runArrivalS: run.arrivalS,
        deadlineS: slo === undefined ? Number.POSITIVE_INFINITY : run.arrivalS + slo,
        promptTokens,
        outputTokens,
        expectedCost: call.expectedCost,
        expectedDurationS: call.expectedDurationS,
        attainedService: run.attained,
        measured: run.measured,
        attempt: number,
        preferredEndpoint: job.endpoints[0] ?? 0,
      };
      const attempt: Attempt = {
        call,
        turn,
        outcome: sim.event<TurnOutcome>(),
        endpoint: null,
        slot: -1,
        startS: 0,
        plannedOutcome: "ok",
        plannedOutputTokens: 0,
        plannedDurationS: 0,
        settled: false,
        retryAfterS: null,
      };
      attemptOf.set(turn, attempt);
      scheduler.enqueue(turn, now);
      // The load the window's arrivals offer: each call's first attempt, at its own size.
      const offeredSlotS =
        number === 1 && run.measured
          ? preferred.model.expectedDurationS(promptTokens, outputTokens)
          : 0;
      recorder.enqueued(turn, now, offeredSlotS);
      requestDispatch();
      const outcome: TurnOutcome = yield attempt.outcome;
      // Turn latency: from the call's first ready time to its final outcome, retries included.
      if (outcome === "ok" || number >= rt.retry.attempts) {
        if (run.measured) recorder.turnLatency.record(sim.now - call.firstReadyS);
        return outcome;
      }
      // A 429's Retry-After in (0, retryAfterMax] is the wait itself; else the backoff.
      const retryAfterS = outcome === "rate_limited" ? attempt.retryAfterS : null;
      const honoured =
        retryAfterS !== null && retryAfterS > 0 && retryAfterS <= rt.retry.retryAfterMaxS;
      const backoffS = honoured
        ? retryAfterS
        : Math.min(rt.retry.maxS, rt.retry.baseS * 2 ** (number - 1)) *
          (0.5 + run.attemptStream(call.index, number, 1).next());
      calls.retries++;
      const wait = honoured ? "Retry-After" : "backoff";
      const detail = `attempt ${number + 1} after ${outcome}, ${wait} ${backoffS.toFixed(3)}s`;
      log(run, "retry", job.spec.name, "ok", detail);
      yield backoffS;
    }
  }

  /** The tool calls after a turn: the planned ones, then (a misbehaving run) some outside its grant. */
  function* toolCalls(run: Run, planned: readonly ToolCallPlan[]): ProcessGenerator<void> {
    const spec = run.job.spec;
    const outside = run.misbehaving ? spec.behaviour?.toolsOutsideGrant : undefined;
    const extra = outside !== undefined && outside.tools.length > 0 ? outside.perTurn : 0;
    for (let k = 0; k < planned.length + extra; k++) {
      const call: ToolCallPlan =
        k < planned.length ? planned[k]! : { tool: toolOutsideGrant(outside!.tools, run) };
      const name = call.tool;
      calls.toolCalls++;
      if (!spec.governance.tools.includes(name)) {
        const granted = spec.governance.tools.join(", ") || "none";
        const reason = `tool ${JSON.stringify(name)} is not granted to job ${JSON.stringify(spec.name)} (tools: ${granted})`;
        log(run, "tool.call", name, "deny", reason);
        deny("tool outside grant");
        continue;
      }
      log(run, "tool.call", name, "allow");
      const tool = tools.get(name);
      if (tool !== undefined) recorder.toolRequested(tool.index, tool.latencyMeanS, run.measured);
      let request: Request | undefined;
      if (tool?.quota) {
        request = tool.quota.request();
        yield request;
      }
      // A recorded call (trace replay) keeps its duration and outcome; else they are drawn.
      const durationS = call.durationS ?? (tool === undefined ? 0 : tool.latency(run));
      const failed = call.failed ?? (tool !== undefined && run.next() < tool.spec.errorRate);
      if (durationS > 0) yield durationS;
      if (request !== undefined) tool!.quota!.release(request);
      if (failed) {
        calls.toolErrors++;
        log(run, "tool.result", name, "error", "tool call failed");
      } else {
        log(run, "tool.result", name, "ok");
      }
    }
  }

  /** The run's next turn, into `run.turn`; false when its program has no more. */
  function nextTurn(run: Run): boolean {
    if (run.replay === null) return run.job.programs!.next(run);
    if (run.turnsLeft <= 0) return false;
    run.turn = run.replay[run.replay.length - run.turnsLeft--]!;
    return true;
  }

  /** A run's life: turn after turn, each a model call (compacting first if need be), then its tool calls and activity. */
  function* runBody(run: Run): ProcessGenerator<void> {
    const job = run.job;
    const window = rt.contextWindow;
    while (nextTurn(run)) {
      const turn = run.turn!;
      if (turn.thinkS > 0) yield turn.thinkS;
      // A recorded prompt already holds its context; a drawn one adds the turn to the context.
      let prompt = turn.promptIncludesContext ? turn.promptTokens : run.context + turn.promptTokens;
      if (prompt > window) {
        if (rt.onContextOverflow === "fail" || turn.promptIncludesContext) {
          end(run, "failed", `context of ${prompt} tokens exceeds the window of ${window}`);
          return;
        }
        const keep = Math.ceil(run.context * rt.compactKeep);
        calls.compactions++;
        log(run, "context.compact", "context", "ok", `${run.context} -> ${keep} tokens`);
        const compacted = yield* modelCall(run, "compaction", run.context, keep, 0, undefined);
        if (compacted === "denied") return;
        if (compacted !== "ok") {
          end(run, "failed", "compaction failed");
          return;
        }
        run.context = keep;
        prompt = run.context + turn.promptTokens;
        if (prompt > window) {
          const reason = `prompt of ${prompt} tokens exceeds the window of ${window} after compaction`;
          end(run, "failed", reason);
          return;
        }
      }
      const outcome = yield* modelCall(
        run,
        "turn",
        prompt,
        turn.outputTokens,
        turn.cachedTokens,
        turn.model,
      );
      if (outcome === "denied") return;
      if (outcome !== "ok") {
        end(run, "failed", `model call failed after retries (last: ${OUTCOME_WORDS[outcome]})`);
        return;
      }
      run.context = turn.promptIncludesContext ? 0 : prompt + turn.outputTokens;
      run.turnsDone++;
      yield* toolCalls(run, turn.toolCalls);
      // Then the run's workspace and store activity (and a misbehaving run's attacks).
      if (job.active) {
        activity!.honest(sim.now, run.caller!, job.spec, run.turnsDone - 1, run);
        if (run.misbehaving) activity!.adversarial(sim.now, run.caller!, job.spec, run);
      }
    }
    end(run, "completed");
  }

  // Arrivals: each job's process submits runs, which are admitted or rejected at once.
  let runId = 0;
  for (const job of jobs) {
    startArrivals(
      sim,
      job.spec.arrivals,
      { name: job.spec.name, index: job.index },
      scenario.horizonS,
      {
        submit(jobIndex, request, onEnd) {
          const job = jobs[jobIndex]!;
          const now = sim.now;
          const run = new Run(
            sim,
            request.id,
            runId++,
            job,
            request.tenantIndex ?? job.tenantIndex,
            now,
            now >= scenario.warmupS && now <= scenario.horizonS,
            request,
          );
          run.onEnd = onEnd;
          if (request.turns !== undefined) {
            run.replay = request.turns;
            run.turnsLeft = request.turns.length;
          } else {
            job.programs!.start(run);
          }
          runs.push(run);
          admit(run);
        },
      },
      options.replay?.get(job.spec.name),
    );
  }

  // Arrivals stop at the horizon; runs in flight drain until the queue empties or the limit.
  sim.drain(scenario.horizonS + scenario.drainS);
  recorder.advance(sim.now);
  for (const run of live) {
    recorder.inFlightAtEnd(
      run.tenantIndex,
      run.job.index,
      run.measured,
      run.job.spec.slo?.runLatencyS,
    );
  }
  audit.seal(sim.now);

  const mocks = endpoints.map((e) => e.model);
  const result = buildResult({
    genesis,
    scenario,
    policy: options.policy.label,
    seed,
    options: {
      policy: options.policy,
      audit: { mode: "memory" },
      replication: options.replication,
      point: options.point,
    },
    sim,
    runtime: { calls, denials, live, actionsTaken, activity },
    recorder,
    audit,
    endpoints: mocks,
  });
  checkInvariants(result, mocks);
  return {
    result,
    audit,
    runs: runs.map((r) => ({
      id: r.id,
      tenant: scenario.tenants[r.tenantIndex]!.name,
      measured: r.measured,
      status: r.status,
      endS: r.endS,
      turnsDone: r.turnsDone,
      tokensUsed: r.tokensUsed,
    })),
  };
}

/** Mean output tokens of a trace's turns (0 for none). */
function meanOutput(replay: readonly ReplayRun[]): number {
  const turns = replay.flatMap((run) => run.turns);
  return turns.length === 0 ? 0 : turns.reduce((sum, t) => sum + t.outputTokens, 0) / turns.length;
}
