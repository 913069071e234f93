/**
 * `simulate`: one cell — one scenario under one policy with one seed — as a pure function of
 * its inputs. It builds the runtime on a fresh kernel, runs arrivals until the horizon and
 * drains, checks the end-of-cell invariants (which throw when violated) and returns the
 * cell's measurements.
 */

import {
  AGENTSIM_VERSION,
  type AuditSink,
  AuditTrail,
  type AuditTrailOptions,
  authorityOmitted,
  scenarioDigest,
} from "../audit/index.ts";
import { ScenarioError } from "../input/index.ts";
import {
  type CellMemory,
  type CellResult,
  createScheduler,
  Endpoint,
  type JobRuntime,
  Recorder,
  RunState,
  Runtime,
  type RuntimeObserver,
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
import { buildResult } from "./cell-result.ts";
import { checkInvariants } from "./invariants.ts";
import type { ModuleSchedulerFactory, PolicyCellContext } from "./policy-module.ts";

/** Options of one cell. */
export interface SimulateOptions {
  /** The policy: a registered name or a reference from the scenario. */
  policy: string | PolicyRef;
  /**
   * A factory for module policies, resolved beforehand (loading a module is asynchronous). It
   * is told the cell (for messages) and given the cell's stream `policy` for the policy's
   * `Math.random` (see `loadPolicyModule`); a plain SchedulerFactory ignores both.
   */
  factory?: ModuleSchedulerFactory;
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
  /** The memory budget of the cell's runs in flight (runtime/memory.ts); default none. */
  memory?: CellMemory;
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
    ? options.factory(context, ref.options, policyCell(scenario, sim, ref.label, seed, options))
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
  if (options.memory !== undefined) {
    runtime.limitRunsInFlight(options.memory, `policy ${ref.label}, seed ${seed}`);
  }

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

  const result = buildResult({
    genesis,
    scenario,
    policy: ref.label,
    seed,
    options,
    sim,
    runtime,
    recorder,
    audit,
    endpoints,
  });
  if (auditOff) result.invariants.auditComplete = true;
  checkInvariants(result, endpoints);
  return { result, audit, runtime };
}

/** What a module policy is told of its cell: the cell itself, and its stream of chance. */
function policyCell(
  scenario: Scenario,
  sim: Simulation,
  policy: string,
  seed: number,
  options: SimulateOptions,
): PolicyCellContext {
  const stream = sim.rng.stream("policy");
  return {
    cell: {
      scenario: scenario.sourceFile ?? scenario.name,
      policy,
      seed,
      replication: options.replication ?? 0,
      ...(options.point === undefined ? {} : { point: options.point }),
    },
    random: () => stream.next(),
  };
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
