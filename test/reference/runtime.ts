/**
 * The reference runtime: a plain, obviously-correct implementation of the runtime's semantics
 * (src/runtime/runtime.ts and run-state.ts), kept in the test tree as its slow twin. Each run is
 * a generator process on the kernel that yields sleeps and events, in the manner of SimPy; a run
 * is a plain object with named fields; each model call and each ready turn is an object of its
 * own; nothing is pooled, kept in rows or written as a state machine.
 *
 * It shares with the real runtime only what is not the runtime's own control flow and
 * bookkeeping: the kernel (clock, events, processes, resources, random streams, Alea), the
 * scheduling policies, the mocked endpoint's plan, rate limits and latency means, the programs
 * drawn from a job's distributions, the arrival processes and the histogram. Random numbers are
 * drawn from the same streams in the same order (the run's own stream, a member of the family
 * `run/<job>`; each attempt's keyed streams, lane 0 the endpoint's plan, lane 1 the backoff), so
 * a correct twin reproduces every run exactly.
 *
 * Left out: workspace and store activity (`io`, `behaviour.workspaceEscapes`,
 * `behaviour.garbageWrites`), trace replay (think time, recorded tool calls, model labels) and
 * the recorder's integrals (queue area, fairness, saturation, time series, timeline). A scenario
 * that uses the first two is refused.
 */

import type { AuditAction, AuditDecision } from "../../src/audit/actions.ts";
import { Histogram, type HistogramJSON } from "../../src/metrics/histogram.ts";
import { Endpoint, type TurnOutcome } from "../../src/runtime/endpoint.ts";
import type { CallCounters, Counts } from "../../src/runtime/result.ts";
import { createScheduler } from "../../src/runtime/scheduler/registry.ts";
import type { ReadyTurn, Scheduler } from "../../src/runtime/scheduler/types.ts";
import type { JobSpec, Scenario } from "../../src/scenario/types.ts";
import { aleaKey, aleaNext, aleaSeedKeyed } from "../../src/sim/alea.ts";
import { EventClass, type SimEvent } from "../../src/sim/event.ts";
import type { ProcessGenerator } from "../../src/sim/process.ts";
import { type Request, Resource } from "../../src/sim/resource.ts";
import type { Rng } from "../../src/sim/rng.ts";
import { distMean, type Sampler, sampler } from "../../src/sim/sample.ts";
import { Simulation } from "../../src/sim/simulation.ts";
import { type RunRequest, startArrivals } from "../../src/workload/arrivals.ts";
import {
  DrawnPrograms,
  type ProgramRun,
  programModel,
  type ToolCallPlan,
} from "../../src/workload/program.ts";

/** One audit action a run took, as the twin logs it (the trail's fields that say what happened). */
export interface ReferenceAction {
  timeS: number;
  action: AuditAction;
  target: string;
  decision: AuditDecision;
  detail: string;
}

/** How one run went. */
export interface ReferenceRun {
  id: string;
  status: "completed" | "failed" | "rejected" | null;
  /** When it ended; null while in flight at the end of the cell. */
  endS: number | null;
  turnsDone: number;
  tokensUsed: number;
  /** Attempts dispatched onto an endpoint, every model call of the run together. */
  attempts: number;
  actions: ReferenceAction[];
}

/** What the twin measures of a cell. */
export interface ReferenceResult {
  runs: ReferenceRun[];
  counts: Counts;
  calls: CallCounters;
  denials: Record<string, number>;
  wait: HistogramJSON;
  runLatency: HistogramJSON;
  turnLatency: HistogramJSON;
}

/** A run of the twin: plain fields, its own stream, the turn it takes. */
class Run implements ProgramRun {
  readonly record: ReferenceRun;
  /** The run's own stream: an Alea state (see `seedRunStream`). */
  private readonly state = new Float64Array(4);
  /** The stream's seed words: the key of its attempts' streams. */
  readonly key = new Float64Array(3);
  misbehaving = false;
  turnsLeft = 0;
  replay = null;
  turn: {
    promptTokens: number;
    outputTokens: number;
    cachedTokens: number;
    toolCalls: readonly ToolCallPlan[];
  } = { promptTokens: 0, outputTokens: 0, cachedTokens: 0, toolCalls: [] };
  context = 0;
  attained = 0;
  /** Model calls made so far (turns and compactions), numbered from 1. */
  calls = 0;
  onEnd: (() => void) | undefined;

  constructor(
    sim: Simulation,
    readonly id: string,
    readonly runId: number,
    readonly job: RefJob,
    readonly tenantIndex: number,
    readonly arrivalS: number,
    readonly measured: boolean,
    request: RunRequest,
  ) {
    this.record = {
      id,
      status: null,
      endS: null,
      turnsDone: 0,
      tokensUsed: 0,
      attempts: 0,
      actions: [],
    };
    seedRunStream(sim, job.spec.name, request, this.state);
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
  ): void {
    this.turn = { promptTokens, outputTokens, cachedTokens, toolCalls };
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

/**
 * Seeds a run's own stream into `state`: a drawn run's is member (index, lane) of its job's
 * family `run/<job>` (its number among its job's, or its user's, arrivals, and its user); a run
 * the arrivals do not number has the named stream `run/<id>`.
 */
function seedRunStream(
  sim: Simulation,
  job: string,
  request: RunRequest,
  state: Float64Array,
): void {
  if (request.index === undefined) sim.rng.seedInto(`run/${request.id}`, state, 0);
  else sim.rng.family(`run/${job}`).seedInto(request.index, request.lane ?? 0, state, 0);
}

interface RefJob {
  spec: JobSpec;
  index: number;
  tenantIndex: number;
  programs: DrawnPrograms;
  /** Endpoint indexes the job may use, the first preferred. */
  endpoints: number[];
  expectedOutputTokens: number;
}

interface RefEndpoint {
  model: Endpoint;
  name: string;
  down: boolean;
  /** The circuit breaker (after a 503) or the Retry-After of a 429: no dispatch before this. */
  openUntilS: number;
  failover: number[];
  /** Attempts holding a slot here. */
  running: Set<Attempt>;
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

/** One attempt of a call, from ready to outcome. */
interface Attempt {
  call: Call;
  number: number;
  turn: ReadyTurn;
  outcome: SimEvent<TurnOutcome>;
  endpoint: RefEndpoint | null;
  slot: number;
  startS: number;
  plannedOutcome: TurnOutcome;
  plannedOutputTokens: number;
  plannedDurationS: number;
  settled: boolean;
}

interface RefTool {
  spec: Scenario["tools"][number];
  latency: Sampler;
  quota: Resource | null;
}

const OUTCOME_WORDS: Record<TurnOutcome, string> = {
  ok: "ok",
  error: "5xx error",
  timeout: "timeout",
  rate_limited: "429 rate limited",
  unavailable: "503 unavailable",
};

/** True when the twin models every feature the scenario uses. */
export function referenceCovers(scenario: Scenario): boolean {
  return scenario.jobs.every(
    (j) =>
      j.arrivals.process !== "trace" &&
      j.io.workspaceWrites === 0 &&
      j.io.storeReads === 0 &&
      j.io.storeWrites === 0 &&
      j.behaviour?.workspaceEscapes === undefined &&
      j.behaviour?.garbageWrites === undefined,
  );
}

/** Runs one cell of `scenario` under `policy` with `seed` on the reference runtime. */
export function simulateReference(
  scenario: Scenario,
  options: { policy: string; policyOptions?: Record<string, unknown>; seed?: number },
): ReferenceResult {
  if (!referenceCovers(scenario)) {
    throw new Error("simulateReference: the scenario uses workspaces, the store or trace replay");
  }
  const sim = new Simulation({ seed: options.seed ?? scenario.seed });
  const rt = scenario.runtime;
  const costPrompt = rt.serviceCost.promptWeight;
  const costOutput = rt.serviceCost.outputWeight;
  const endpointIndex = new Map(scenario.endpoints.map((e, i) => [e.name, i]));
  const endpoints: RefEndpoint[] = scenario.endpoints.map((spec, i) => ({
    model: new Endpoint(spec, i),
    name: spec.name,
    down: false,
    openUntilS: 0,
    failover: spec.failover.map((name) => endpointIndex.get(name)!).sort((a, b) => a - b),
    running: new Set(),
  }));
  const multiEndpoint = endpoints.length > 1;
  const tools = new Map<string, RefTool>(
    scenario.tools.map((spec) => [
      spec.name,
      {
        spec,
        latency: sampler(spec.latency),
        quota: Number.isFinite(spec.concurrency) ? new Resource(sim, spec.concurrency) : null,
      },
    ]),
  );
  const jobs: RefJob[] = scenario.jobs.map((spec, index) => {
    const expected = distMean(spec.turns.outputTokens);
    return {
      spec,
      index,
      tenantIndex: scenario.tenants.findIndex((t) => t.name === spec.tenant),
      programs: new DrawnPrograms(programModel(spec)),
      endpoints: spec.endpoints.map((name) => endpointIndex.get(name)!),
      expectedOutputTokens: Number.isFinite(expected) ? expected : 0,
    };
  });
  const scheduler: Scheduler = createScheduler(
    options.policy,
    {
      tenants: scenario.tenants.map((t) => ({ name: t.name, weight: t.weight })),
      jobs: scenario.jobs.map((j) => ({ name: j.name, tenant: j.tenant, priority: j.priority })),
    },
    options.policyOptions ?? {},
  );

  const runs: Run[] = [];
  const live = new Set<Run>();
  const counts: Counts = { submitted: 0, completed: 0, failed: 0, rejected: 0, inFlight: 0 };
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
  const denials: Record<string, number> = {};
  const wait = new Histogram();
  const runLatency = new Histogram();
  const turnLatency = new Histogram();
  /** The attempt behind each ready turn the scheduler holds or picked. */
  const attemptOf = new Map<ReadyTurn, Attempt>();
  let nextSeq = 0;

  const log = (
    run: Run,
    action: AuditAction,
    target: string,
    decision: AuditDecision,
    detail = "",
  ) => run.record.actions.push({ timeS: sim.now, action, target, decision, detail });
  const deny = (reason: string) => {
    denials[reason] = (denials[reason] ?? 0) + 1;
  };

  function end(run: Run, status: "completed" | "failed" | "rejected", reason = ""): void {
    run.record.status = status;
    run.record.endS = sim.now;
    counts[status]++;
    if (status !== "rejected") {
      live.delete(run);
      log(run, "run.end", run.job.spec.name, status === "completed" ? "ok" : "error", reason);
    }
    if (status === "completed" && run.measured) runLatency.record(sim.now - run.arrivalS);
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
    const now = sim.now;
    const result = new Set(call.endpoints);
    for (const e of call.endpoints) {
      if (endpoints[e]!.openUntilS > now) for (const f of endpoints[e]!.failover) result.add(f);
    }
    return result;
  }

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

  function start(attempt: Attempt, endpoint: RefEndpoint): void {
    const now = sim.now;
    const call = attempt.call;
    const run = call.run;
    if (attempt.number === 1 && run.measured) wait.record(now - attempt.turn.readyS);
    calls.attempts++;
    run.record.attempts++;
    log(run, "turn.dispatch", endpoint.name, "ok");
    if (endpoint.down) {
      refuse(attempt, endpoint, "unavailable");
      return;
    }
    if (!endpoint.model.admit(call.promptTokens + call.outputTokens, now)) {
      refuse(attempt, endpoint, "rate_limited");
      return;
    }
    const plan = endpoint.model.plan(
      call.promptTokens,
      call.outputTokens,
      run.attemptStream(call.index, attempt.number, 0),
      call.cachedTokens,
    );
    attempt.endpoint = endpoint;
    attempt.slot = endpoint.model.takeSlot(attempt);
    attempt.startS = now;
    attempt.plannedOutcome = plan.outcome;
    attempt.plannedOutputTokens = plan.outputTokens;
    attempt.plannedDurationS = plan.durationS;
    endpoint.running.add(attempt);
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
    endpoint: RefEndpoint,
    outcome: "unavailable" | "rate_limited",
  ): void {
    const call = attempt.call;
    if (outcome === "unavailable") {
      calls.unavailable++;
      trip(endpoint);
    } else {
      calls.rateLimited++;
      const waitS = endpoint.model.retryAfterS(call.promptTokens + call.outputTokens, sim.now);
      if (waitS > 0 && sim.now + waitS > endpoint.openUntilS) pauseUntil(endpoint, waitS);
    }
    scheduler.complete(
      attempt.turn,
      { cost: 0, durationS: 0, promptTokens: 0, outputTokens: 0 },
      sim.now,
    );
    attemptOf.delete(attempt.turn);
    const words = outcome === "unavailable" ? "503 unavailable" : "429 rate limited";
    log(call.run, "model.result", endpoint.name, "error", words);
    failover(call, endpoint);
    attempt.outcome.succeed(outcome);
  }

  /** The circuit breaker opens after a 503, unless it already is open or has no cooldown. */
  function trip(endpoint: RefEndpoint): void {
    const cooldownS = rt.circuitBreaker?.cooldownS ?? 5;
    if (cooldownS > 0 && endpoint.openUntilS <= sim.now) pauseUntil(endpoint, cooldownS);
  }

  /** No dispatch to `endpoint` for `forS`; a round when it reopens, and failover now. */
  function pauseUntil(endpoint: RefEndpoint, forS: number): void {
    endpoint.openUntilS = sim.now + forS;
    sim.call(forS, () => dispatch(), EventClass.Dispatch);
    if (multiEndpoint && endpoint.failover.length > 0) requestDispatch();
  }

  function failover(call: Call, endpoint: RefEndpoint): void {
    if (endpoint.failover.length > 0) call.endpoints = [...endpoint.failover];
  }

  function settle(
    attempt: Attempt,
    outcome: TurnOutcome,
    outputTokens: number,
    durationS: number,
  ): void {
    attempt.settled = true;
    const call = attempt.call;
    const run = call.run;
    const endpoint = attempt.endpoint!;
    endpoint.model.releaseSlot(attempt.slot);
    endpoint.running.delete(attempt);
    const cost = call.promptTokens * costPrompt + outputTokens * costOutput;
    scheduler.complete(
      attempt.turn,
      { cost, durationS, promptTokens: call.promptTokens, outputTokens },
      sim.now,
    );
    attemptOf.delete(attempt.turn);
    run.attained += cost;
    run.record.tokensUsed += call.promptTokens + outputTokens;
    if (outcome === "ok") {
      calls.ok++;
      log(run, "model.result", endpoint.name, "ok");
    } else {
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
  function callTarget(run: Run, call: Call): string {
    const preferred = run.job.endpoints[0] ?? 0;
    if (!multiEndpoint || call.endpoints.includes(preferred)) return endpoints[preferred]!.name;
    const first = Math.min(...call.endpoints);
    return Number.isFinite(first) ? endpoints[first]!.name : endpoints[preferred]!.name;
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
  ): Generator<SimEvent<unknown> | number, TurnOutcome | "denied", TurnOutcome> {
    const job = run.job;
    const preferred = endpoints[job.endpoints[0] ?? 0]!;
    const call: Call = {
      run,
      index: ++run.calls,
      kind,
      promptTokens,
      outputTokens,
      cachedTokens,
      endpoints: [...job.endpoints],
      expectedCost: promptTokens * costPrompt + job.expectedOutputTokens * costOutput,
      expectedDurationS: preferred.model.expectedDurationS(promptTokens, job.expectedOutputTokens),
      firstReadyS: -1,
    };
    const budget = job.spec.governance.tokenBudget;
    for (let number = 1; ; number++) {
      const tokens = promptTokens + outputTokens;
      if (budget !== undefined && run.record.tokensUsed + tokens > budget) {
        const reason = `token budget exceeded: ${run.record.tokensUsed} used + ${tokens} requested > ${budget} for job ${JSON.stringify(job.spec.name)}`;
        log(run, "model.call", callTarget(run, call), "deny", reason);
        deny("token budget");
        end(run, "failed", "token budget exceeded");
        return "denied";
      }
      log(run, "model.call", callTarget(run, call), "allow");
      const now = sim.now;
      if (call.firstReadyS < 0) call.firstReadyS = now;
      const turn: ReadyTurn = {
        seq: nextSeq++,
        runId: run.runId,
        job: job.spec.name,
        jobIndex: job.index,
        tenant: scenario.tenants[run.tenantIndex]!.name,
        tenantIndex: run.tenantIndex,
        priority: job.spec.priority,
        readyS: now,
        runArrivalS: run.arrivalS,
        deadlineS:
          job.spec.slo?.runLatencyS === undefined
            ? Number.POSITIVE_INFINITY
            : run.arrivalS + job.spec.slo.runLatencyS,
        promptTokens,
        expectedCost: call.expectedCost,
        expectedDurationS: call.expectedDurationS,
        attainedService: run.attained,
      };
      const attempt: Attempt = {
        call,
        number,
        turn,
        outcome: sim.event<TurnOutcome>(),
        endpoint: null,
        slot: -1,
        startS: 0,
        plannedOutcome: "ok",
        plannedOutputTokens: 0,
        plannedDurationS: 0,
        settled: false,
      };
      attemptOf.set(turn, attempt);
      scheduler.enqueue(turn, now);
      requestDispatch();
      const outcome: TurnOutcome = yield attempt.outcome;
      const last = number >= rt.retry.attempts;
      if (outcome === "ok" || last) {
        if (run.measured) turnLatency.record(sim.now - call.firstReadyS);
        return outcome;
      }
      const backoffS =
        Math.min(rt.retry.maxS, rt.retry.baseS * 2 ** (number - 1)) *
        (0.5 + run.attemptStream(call.index, number, 1).next());
      calls.retries++;
      log(
        run,
        "retry",
        job.spec.name,
        "ok",
        `attempt ${number + 1} after ${outcome}, backoff ${backoffS.toFixed(3)}s`,
      );
      yield backoffS;
    }
  }

  /** A run's life: turn after turn, each a model call (compacting first if need be), then its tool calls. */
  function* runBody(run: Run): ProcessGenerator<void> {
    const job = run.job;
    const window = rt.contextWindow;
    while (job.programs.next(run)) {
      const turn = run.turn;
      let prompt = run.context + turn.promptTokens;
      if (prompt > window) {
        if (rt.onContextOverflow === "fail") {
          end(run, "failed", `context of ${prompt} tokens exceeds the window of ${window}`);
          return;
        }
        const keep = Math.ceil(run.context * rt.compactKeep);
        calls.compactions++;
        log(run, "context.compact", "context", "ok", `${run.context} -> ${keep} tokens`);
        const compacted = yield* modelCall(run, "compaction", run.context, keep, 0);
        if (compacted === "denied") return;
        if (compacted !== "ok") {
          end(run, "failed", "compaction failed");
          return;
        }
        run.context = keep;
        prompt = run.context + turn.promptTokens;
        if (prompt > window) {
          end(
            run,
            "failed",
            `prompt of ${prompt} tokens exceeds the window of ${window} after compaction`,
          );
          return;
        }
      }
      const outcome = yield* modelCall(run, "turn", prompt, turn.outputTokens, turn.cachedTokens);
      if (outcome === "denied") return;
      if (outcome !== "ok") {
        end(run, "failed", `model call failed after retries (last: ${OUTCOME_WORDS[outcome]})`);
        return;
      }
      run.context = prompt + turn.outputTokens;
      run.record.turnsDone++;
      // The planned tool calls, then (a misbehaving run) calls to tools outside its grant.
      const toolCalls: (ToolCallPlan | null)[] = [...turn.toolCalls];
      const outside = run.misbehaving ? job.spec.behaviour?.toolsOutsideGrant : undefined;
      if (outside !== undefined && outside.tools.length > 0) {
        for (let i = 0; i < outside.perTurn; i++) toolCalls.push(null);
      }
      for (const planned of toolCalls) {
        const name =
          planned?.tool ?? outside!.tools[Math.floor(run.next() * outside!.tools.length)]!;
        calls.toolCalls++;
        if (!job.spec.governance.tools.includes(name)) {
          const granted = job.spec.governance.tools.join(", ") || "none";
          const reason = `tool ${JSON.stringify(name)} is not granted to job ${JSON.stringify(job.spec.name)} (tools: ${granted})`;
          log(run, "tool.call", name, "deny", reason);
          deny("tool outside grant");
          continue;
        }
        log(run, "tool.call", name, "allow");
        const tool = tools.get(name);
        let request: Request | undefined;
        if (tool?.quota) {
          request = tool.quota.request();
          yield request;
        }
        const durationS = tool === undefined ? 0 : tool.latency(run);
        const failed = tool !== undefined && run.next() < tool.spec.errorRate;
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
    end(run, "completed");
  }

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
            job.tenantIndex,
            now,
            now >= scenario.warmupS && now <= scenario.horizonS,
            request,
          );
          run.onEnd = onEnd;
          runs.push(run);
          job.programs.start(run);
          counts.submitted++;
          if (scheduler.size >= rt.admission.maxWaitingTurns) {
            const detail = `admission: ${rt.admission.maxWaitingTurns} turns already waiting`;
            log(run, "run.reject", job.spec.name, "deny", detail);
            deny("admission limit");
            end(run, "rejected");
            return;
          }
          live.add(run);
          log(run, "run.start", job.spec.name, "ok");
          sim.process(runBody(run), EventClass.Arrival);
        },
      },
    );
  }

  sim.drain(scenario.horizonS + scenario.drainS);
  counts.inFlight = live.size;
  return {
    runs: runs.map((r) => r.record),
    counts,
    calls,
    denials,
    wait: wait.toJSON(),
    runLatency: runLatency.toJSON(),
    turnLatency: turnLatency.toJSON(),
  };
}
