/**
 * `simulate`: one cell — one scenario under one policy with one seed — as a pure function of
 * its inputs. It builds the runtime on a fresh kernel, runs arrivals until the horizon and
 * drains, checks the end-of-cell invariants (which throw when violated) and returns the
 * cell's measurements.
 */

import { basename } from "node:path";
import {
  AGENTSIM_VERSION,
  type AuditSink,
  AuditTrail,
  type AuditTrailOptions,
  authorityOmitted,
  scenarioDigest,
} from "../audit/index.ts";
import { ScenarioError } from "../input/index.ts";
import { type Bottleneck, littlesLaw, saturation } from "../metrics/index.ts";
import {
  BUCKETS,
  type CellResult,
  type Counts,
  createScheduler,
  Endpoint,
  type GroupRecorder,
  type JobCell,
  type JobRuntime,
  Recorder,
  RunState,
  Runtime,
  type RuntimeObserver,
  type SchedulerFactory,
  type TenantCell,
  type ToolRuntime,
} from "../runtime/index.ts";
import type { PolicyRef, Scenario } from "../scenario/index.ts";
import { distMean, Simulation, sampler } from "../sim/index.ts";
import {
  type ArrivalTarget,
  DrawnPrograms,
  programModel,
  type ReplayRun,
  replayedPrograms,
  startArrivals,
} from "../workload/index.ts";

/** Options of one cell. */
export interface SimulateOptions {
  /** The policy: a registered name or a reference from the scenario. */
  policy: string | PolicyRef;
  /** A factory for module policies, resolved beforehand (loading a module is asynchronous). */
  factory?: SchedulerFactory;
  /** Root seed of the cell's streams; default the scenario's seed. */
  seed?: number;
  /** Replication index (a label in the result); default 0. */
  replication?: number;
  /** Sweep point labels; default {}. */
  point?: Record<string, string | number>;
  /**
   * The audit trail's retention: summary (default), memory, or a JSONL file. "off" records
   * nothing and skips the audit invariants: only for benchmarks that measure the trail's cost.
   */
  audit?: AuditTrailOptions | "off";
  /** Trace runs by job name, loaded beforehand (see `loadReplay`). */
  replay?: ReadonlyMap<string, readonly ReplayRun[]>;
  /** Verify the audit chain at the end of the cell (memory and file modes); default true. */
  verifyAudit?: boolean;
  /**
   * Told of runs, turns and dispatches as the cell runs (see RuntimeObserver): `check` counts
   * idle slots with it; default none, which costs the runtime nothing but a null check.
   */
  observer?: RuntimeObserver;
}

/** A cell's result together with the live objects (for `check`, reports and tests). */
export interface SimulatedCell {
  result: CellResult;
  audit: AuditTrail;
  runtime: Runtime;
}

/** Runs one cell and returns its measurements. Throws if an end-of-cell invariant fails. */
export function simulate(scenario: Scenario, options: SimulateOptions): CellResult {
  return simulateCell(scenario, options).result;
}

/** Like `simulate`, also returning the audit trail and runtime. */
export function simulateCell(scenario: Scenario, options: SimulateOptions): SimulatedCell {
  const ref: PolicyRef =
    typeof options.policy === "string"
      ? { label: options.policy, name: options.policy, options: {} }
      : options.policy;
  const seed = options.seed ?? scenario.seed;
  const sim = new Simulation({ seed });
  const tenantIndex = new Map(scenario.tenants.map((t, i) => [t.name, i]));
  const endpointIndex = new Map(scenario.endpoints.map((e, i) => [e.name, i]));
  if (scenario.endpoints.length > 30) {
    throw new ScenarioError("endpoints", "at most 30 endpoints", scenario.endpoints.length);
  }
  const endpoints = scenario.endpoints.map((spec, i) => new Endpoint(spec, i));
  scenario.endpoints.forEach((spec, i) => {
    for (const name of spec.failover) endpoints[i]!.failoverMask |= 2 ** endpointIndex.get(name)!;
  });
  const tools = new Map<string, ToolRuntime>(
    scenario.tools.map((spec, index) => [
      spec.name,
      {
        spec,
        index,
        latency: sampler(spec.latency),
        latencyMeanS: distMean(spec.latency),
        quota: Runtime.toolQuota(sim, spec),
      },
    ]),
  );
  const levels = [...new Set(scenario.jobs.map((j) => j.priority))].sort((a, b) => a - b);
  const jobs: JobRuntime[] = scenario.jobs.map((spec, index) => {
    const allowed = spec.endpoints.map((name) => endpointIndex.get(name)!);
    const replay = options.replay?.get(spec.name);
    const expectedOutputTokens =
      spec.arrivals.process === "trace" ? meanOutput(replay) : distMean(spec.turns.outputTokens);
    return {
      spec,
      index,
      tenantIndex: tenantIndex.get(spec.tenant)!,
      level: levels.indexOf(spec.priority),
      endpointMask: allowed.reduce((mask, i) => mask | (2 ** i), 0),
      preferredEndpoint: allowed[0] ?? 0,
      sloS: spec.slo?.runLatencyS,
      runStreams: sim.rng.family(`run/${spec.name}`),
      expectedOutputTokens: Number.isFinite(expectedOutputTokens) ? expectedOutputTokens : 0,
      programs:
        spec.arrivals.process === "trace"
          ? replayedPrograms
          : new DrawnPrograms(programModel(spec)),
    };
  });
  const context = {
    tenants: scenario.tenants.map((t) => ({ name: t.name, weight: t.weight })),
    jobs: scenario.jobs.map((j) => ({ name: j.name, tenant: j.tenant, priority: j.priority })),
  };
  const scheduler = options.factory
    ? options.factory(context, ref.options)
    : createScheduler(ref.name ?? "", context, ref.options);
  const totalSlots = endpoints.reduce((sum, e) => sum + e.slots, 0);
  const recorder = new Recorder({
    fromS: scenario.warmupS,
    toS: scenario.horizonS,
    tenantWeights: scenario.tenants.map((t) => t.weight),
    jobTenants: jobs.map((job) => job.tenantIndex),
    levels: levels.length,
    totalSlots,
    timelineLimit: scenario.runtime.timelineTurns,
    endpoints: endpoints.length,
    tools: scenario.tools.length,
    costPrompt: scenario.runtime.serviceCost.promptWeight,
    costOutput: scenario.runtime.serviceCost.outputWeight,
  });
  const auditOff = options.audit === "off";
  // The trail opens with its genesis record: what ran (version, scenario, seed, policy, cell).
  const genesis = {
    agentsim: AGENTSIM_VERSION,
    scenario: scenarioDigest(scenario),
    seed,
    policy: ref.label,
    replication: options.replication ?? 0,
    point: options.point ?? {},
  };
  const audit = new AuditTrail({
    ...(options.audit === "off" || options.audit === undefined
      ? { mode: "summary" }
      : options.audit),
    genesis,
  });
  const runtime = new Runtime(
    sim,
    scenario,
    scheduler,
    endpoints,
    tools,
    jobs,
    recorder,
    auditOff
      ? NULL_AUDIT
      : scenario.runtime.audit?.authorizedBy === "omitted"
        ? authorityOmitted(audit)
        : audit,
    options.observer ?? null,
  );

  let runId = 0;
  const target: ArrivalTarget = {
    submit(jobIndex, request, onEnd) {
      const job = jobs[jobIndex]!;
      const now = sim.now;
      const run = new RunState(runtime, {
        id: request.id,
        index: request.index,
        lane: request.lane,
        runId: runId++,
        job,
        tenantIndex: request.tenantIndex ?? job.tenantIndex,
        measured: now >= scenario.warmupS && now <= scenario.horizonS,
        turns: request.turns,
      });
      if (onEnd !== undefined) run.endListeners = [onEnd];
      runtime.admit(run);
    },
  };
  for (const job of jobs) {
    startArrivals(
      sim,
      job.spec.arrivals,
      { name: job.spec.name, index: job.index },
      scenario.horizonS,
      target,
      options.replay?.get(job.spec.name),
    );
  }

  // Arrivals stop at the horizon; runs in flight drain until the queue empties or the drain
  // limit is reached, and the clock stays at the last event.
  sim.drain(scenario.horizonS + scenario.drainS);
  recorder.advance(sim.now);
  runtime.finishCell();
  audit.seal(sim.now);

  const result = buildResult(
    genesis,
    scenario,
    ref.label,
    seed,
    options,
    sim,
    runtime,
    recorder,
    audit,
    endpoints,
  );
  if (auditOff) result.invariants.auditComplete = true;
  checkInvariants(result, endpoints);
  return { result, audit, runtime };
}

/** A sink that records nothing (benchmarks of the trail's cost only). */
const NULL_AUDIT: AuditSink = { actor: () => 0, append: () => 0 };

function meanOutput(replay: readonly ReplayRun[] | undefined): number {
  if (replay === undefined) return 0;
  let sum = 0;
  let count = 0;
  for (const run of replay) {
    for (const turn of run.turns) {
      sum += turn.outputTokens;
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}

function buildResult(
  genesis: { scenario: string },
  scenario: Scenario,
  policy: string,
  seed: number,
  options: SimulateOptions,
  sim: Simulation,
  runtime: Runtime,
  recorder: Recorder,
  audit: AuditTrail,
  endpoints: readonly Endpoint[],
): CellResult {
  const windowS = recorder.toS - recorder.fromS;
  const fairness = recorder.fairness(scenario.tenants);
  const totalService = recorder.serviceInWindow.reduce((a, b) => a + b, 0);
  const tenants: Record<string, TenantCell> = {};
  scenario.tenants.forEach((tenant, i) => {
    const group = recorder.tenants[i]!;
    tenants[tenant.name] = {
      weight: tenant.weight,
      demand: recorder.demandInWindow[i]!,
      fairShare: fairness.tenants[i]!.fairShare,
      service: recorder.serviceInWindow[i]!,
      serviceShare: totalService > 0 ? recorder.serviceInWindow[i]! / totalService : 0,
      wait: group.wait.toJSON(),
      runLatency: group.runLatency.toJSON(),
      counts: { ...group.counts },
      headOfLineBlockedS: recorder.holS[i]!,
      backloggedFraction: recorder.backlogS[i]! / windowS,
    };
  });
  const jobs: Record<string, JobCell> = {};
  scenario.jobs.forEach((job, i) => {
    const group = recorder.jobs[i]!;
    jobs[job.name] = {
      tenant: job.tenant,
      priority: job.priority,
      wait: group.wait.toJSON(),
      runLatency: group.runLatency.toJSON(),
      counts: { ...group.counts },
      sloAttainment: sloOf(group),
      sloRunLatencyS: job.slo?.runLatencyS ?? null,
    };
  });
  const totalSlots = endpoints.reduce((sum, e) => sum + e.slots, 0);
  const auditCounts = audit.counts();
  const activity = runtime.activity?.counters;
  // The runtime's own ledger of actions taken, independent of the trail's count.
  const ledger = runtime.actionsTaken + (activity?.operations ?? 0);
  const byAction: Record<string, number> = {};
  for (const [action, decisions] of Object.entries(auditCounts.byAction)) {
    byAction[action] = decisions?.total ?? 0;
  }
  // Memory-mode hashes are computed here, lazily (see AuditTrail); a benchmark of the trail's
  // cost on turns/s may defer this to time it on its own (`verifyAudit: false`).
  const verified =
    audit.mode === "summary" || options.verifyAudit === false ? null : audit.verify().ok;
  const little = littlesLaw({
    arrivals: recorder.enqueuedInWindow,
    windowS,
    meanWaitS:
      recorder.enqueuedInWindow === 0
        ? 0
        : recorder.waitOfEnqueuedInWindow / recorder.enqueuedInWindow,
    meanNumberWaiting: recorder.queueArea / windowS,
  });
  const bucketS = recorder.bucketS;
  const serviceByTenant: Record<string, number[]> = {};
  scenario.tenants.forEach((tenant, t) => {
    serviceByTenant[tenant.name] = Array.from(
      { length: BUCKETS },
      (_, b) => recorder.serviceBucket[b * scenario.tenants.length + t]!,
    );
  });
  const counts: Counts = { ...recorder.all.counts };
  return {
    scenario: scenario.name,
    policy,
    seed,
    replication: options.replication ?? 0,
    point: options.point ?? {},
    window: { fromS: recorder.fromS, toS: recorder.toS },
    endS: sim.now,
    counts,
    wait: recorder.all.wait.toJSON(),
    turnLatency: recorder.turnLatency.toJSON(),
    runLatency: recorder.all.runLatency.toJSON(),
    throughput: {
      runsPerSecond: recorder.completionsInWindow / windowS,
      tokensPerSecond: recorder.outputTokensInWindow / windowS,
    },
    utilization: recorder.busyArea / (totalSlots * windowS),
    fairness: {
      jain: fairness.jain,
      maxServiceGap: recorder.gap.maxGap,
      tenants: fairness.tenants,
    },
    wastedTokens: recorder.wastedTokens,
    sloAttainment: sloOf(recorder.all),
    tenants,
    jobs,
    calls: { ...runtime.calls },
    priority: { inversions: recorder.inversions, blockedByLowerS: recorder.blockedByLowerS },
    saturation: saturationOfCell(scenario, recorder, endpoints, totalSlots),
    littlesLaw: {
      meanWaiting: little.lhs,
      lambdaW: little.rhs,
      relativeError: little.relativeError,
    },
    governance: {
      denials: [...runtime.denials.values()].reduce((a, b) => a + b, 0),
      byReason: Object.fromEntries(
        [...runtime.denials.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    },
    isolation: {
      attempts: activity?.escapeAttempts ?? 0,
      refused: activity?.escapesRefused ?? 0,
      succeeded: activity?.breaches ?? 0,
    },
    audit: {
      mode: audit.mode,
      records: auditCounts.records,
      verified,
      // The runtime's own ledger against the trail's count (genesis and seal are its own records).
      unaudited: ledger - audit.actionRecords,
      withoutAuthority: auditCounts.withoutAuthority,
      byAction,
      // A file's head costs nothing (hashed as written); a memory trail's only once verified.
      trail:
        audit.mode === "summary" || (audit.mode === "memory" && verified === null)
          ? null
          : {
              scenario: genesis.scenario,
              head: audit.headHash(),
              ...(options.audit !== "off" && options.audit?.mode === "file"
                ? { file: basename(options.audit.path) }
                : {}),
            },
    },
    store: {
      writes: activity?.storeWrites ?? 0,
      reads: activity?.storeReads ?? 0,
      denials: activity?.storeDenials ?? 0,
      garbageWrites: activity?.garbageWrites ?? 0,
      readsOfGarbage: activity?.readsOfGarbage ?? 0,
      blastRadius: blastRadiusOf(runtime),
    },
    invariants: {
      conservation:
        counts.submitted === counts.completed + counts.failed + counts.rejected + counts.inFlight &&
        counts.inFlight === runtime.live.size,
      slotsWithinCapacity: endpoints.every((e) => e.maxBusy <= e.slots),
      auditVerified: verified !== false,
      auditComplete: ledger === audit.actionRecords,
    },
    timeseries: {
      bucketS,
      queueLength: Array.from(recorder.queueBucketArea, (a) => a / bucketS),
      queueMax: Array.from(recorder.queueBucketMax),
      serviceByTenant,
      busySlots: Array.from(recorder.busyBucketArea, (a) => a / bucketS),
    },
    timeline: recorder.timeline,
    outages: scenario.endpoints.flatMap((e) =>
      e.failures.outages.map((o) => ({ endpoint: e.name, atS: o.atS, forS: o.forS })),
    ),
    events: sim.eventsProcessed,
  };
}

/**
 * The saturation verdict of a cell: each endpoint's slots and rate limits, and each tool's
 * quota, against the load the window's arrivals offered them. A call is offered to its
 * preferred endpoint (the first it may use); failover moves load only after a refusal.
 */
function saturationOfCell(
  scenario: Scenario,
  recorder: Recorder,
  endpoints: readonly Endpoint[],
  totalSlots: number,
): CellResult["saturation"] {
  const windowS = recorder.toS - recorder.fromS;
  const windowMin = windowS / 60;
  const resources: Omit<Bottleneck, "load">[] = [];
  let outageSlotS = 0;
  endpoints.forEach((endpoint, e) => {
    const spec = scenario.endpoints[e]!;
    const offered = recorder.offered[e]!;
    const downS = spec.failures.outages.reduce(
      (s, o) => s + overlap(o.atS, o.atS + o.forS, recorder.fromS, recorder.toS),
      0,
    );
    outageSlotS += endpoint.slots * downS;
    resources.push({
      resource: "slots",
      name: endpoint.name,
      offered: offered.slotS / windowS,
      limit: endpoint.slots * (1 - downS / windowS),
      unit: "slot-s/s",
    });
    const rateLimits = [
      ["requestsPerMinute", spec.rateLimit?.requestsPerS, offered.requests, "requests/min"],
      ["tokensPerMinute", spec.rateLimit?.tokensPerS, offered.tokens, "tokens/min"],
    ] as const;
    for (const [resource, perS, amount, unit] of rateLimits) {
      if (perS === undefined) continue;
      const offeredPerMin = amount / windowMin;
      resources.push({
        resource,
        name: endpoint.name,
        offered: offeredPerMin,
        limit: perS * 60,
        unit,
      });
    }
  });
  scenario.tools.forEach((tool, t) => {
    if (!Number.isFinite(tool.concurrency)) return;
    resources.push({
      resource: "toolConcurrency",
      name: tool.name,
      offered: recorder.toolOfferedS[t]! / windowS,
      limit: tool.concurrency,
      unit: "calls in flight",
    });
  });
  const first = Math.ceil(recorder.fromS / recorder.bucketS);
  const quarter = Math.max(1, Math.floor((BUCKETS - first) / 4));
  const meanQueue = (from: number, to: number) => {
    let sum = 0;
    for (let b = from; b < to; b++) sum += recorder.queueBucketArea[b]! / recorder.bucketS;
    return sum / Math.max(1, to - from);
  };
  const verdict = saturation({
    resources,
    earlyQueue: meanQueue(first + quarter, first + 2 * quarter),
    lateQueue: meanQueue(BUCKETS - quarter, BUCKETS),
    totalSlots,
    measuredRuns: recorder.measuredRuns,
    lost: recorder.measuredLost,
    lostBecause: [...recorder.lostBecause],
  });
  const slots = verdict.resources.filter((r) => r.resource === "slots");
  return {
    ...verdict,
    offeredPerS: slots.reduce((s, r) => s + r.offered, 0),
    capacityPerS: Math.max(0, totalSlots - outageSlotS / windowS),
    arrivalsPerS: recorder.arrivalsInWindow / windowS,
    completionsPerS: recorder.completionsInWindow / windowS,
  };
}

/** Who wrote garbage to the store, under whose authority, and how many runs read it. */
function blastRadiusOf(runtime: Runtime): CellResult["store"]["blastRadius"] {
  const activity = runtime.activity;
  if (activity === null || activity.counters.garbageWrites === 0) return null;
  const radius = activity.store.blastRadius(
    (write) =>
      typeof write.value === "object" &&
      write.value !== null &&
      (write.value as { garbage?: boolean }).garbage === true,
  );
  return {
    versions: radius.writes.length,
    writers: radius.writers.slice(0, 20),
    authorizers: radius.authorizers.slice(0, 20),
    readers: radius.readers.length,
    readerSample: radius.readers.slice(0, 20),
  };
}

function sloOf(group: GroupRecorder): number | null {
  return group.sloRuns === 0 ? null : group.sloMet / group.sloRuns;
}

function overlap(a: number, b: number, from: number, to: number): number {
  return Math.max(0, Math.min(b, to) - Math.max(a, from));
}

/** A broken invariant: the simulation lost a run, overfilled a slot or lost an audit record. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantError";
  }
}

function checkInvariants(result: CellResult, endpoints: readonly Endpoint[]): void {
  const failed: string[] = [];
  const { invariants, counts } = result;
  if (!invariants.conservation) {
    failed.push(
      `conservation: submitted ${counts.submitted} != completed ${counts.completed} + failed ${counts.failed} + rejected ${counts.rejected} + in flight ${counts.inFlight}`,
    );
  }
  if (!invariants.slotsWithinCapacity) {
    failed.push(
      `slots: ${endpoints.map((e) => `${e.name} used ${e.maxBusy} of ${e.slots}`).join(", ")}`,
    );
  }
  if (!invariants.auditVerified) failed.push("audit: the chain does not verify");
  if (!invariants.auditComplete)
    failed.push(`audit: ${result.audit.unaudited} actions without a record`);
  if (failed.length > 0) {
    throw new InvariantError(
      `${result.scenario} / ${result.policy} / seed ${result.seed}: invariant violated: ${failed.join("; ")}`,
    );
  }
}
