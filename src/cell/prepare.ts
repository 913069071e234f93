/**
 * Preparing a scenario for its cells: the asynchronous and file-reading work done once (load
 * trace files, import user policy modules), so that each cell is then a pure, synchronous
 * function of (prepared scenario, policy, seed).
 */

import type { AuditTrailOptions } from "../audit/index.ts";
import { ScenarioError, scenarioErrors } from "../input/index.ts";
import {
  createScheduler,
  isSchedulerName,
  type SchedulerContext,
  unknownPolicy,
} from "../runtime/index.ts";
import type { PolicyRef, Scenario, TraceArrivalSpec } from "../scenario/index.ts";
import type { ReplayRun, Trace } from "../workload/index.ts";
import { readTrace } from "../workload/index.ts";
import {
  type LoadedPolicy,
  loadPolicyModule,
  type ModuleSchedulerFactory,
} from "./policy-module.ts";
import { type SimulatedCell, type SimulateOptions, simulateCell } from "./simulate.ts";

/** A scenario with its traces loaded, its module policies imported and labelled. */
export interface PreparedScenario {
  readonly scenario: Scenario;
  /** Trace runs by job name. */
  readonly replay: ReadonlyMap<string, readonly ReplayRun[]>;
  /** Factories of module policies by label. */
  readonly factories: ReadonlyMap<string, ModuleSchedulerFactory>;
  /** The traces used (for attribution in reports). */
  readonly traces: readonly { job: string; file: string; format: string; runs: number }[];
}

/**
 * Loads what the scenario's cells need from files and modules. `shownFile` names the scenario
 * in messages (default its source file). The prepared scenario's module policies carry their
 * final labels (see `preparePolicies`).
 */
export async function prepareScenario(
  scenario: Scenario,
  shownFile = scenario.sourceFile,
  options: PrepareConstraints = {},
): Promise<PreparedScenario> {
  const replay = new Map<string, readonly ReplayRun[]>();
  const traces: { job: string; file: string; format: string; runs: number }[] = [];
  scenario.jobs.forEach((job, j) => {
    if (job.arrivals.process !== "trace") return;
    const trace = readTrace(job.arrivals);
    replay.set(job.name, toReplay(trace, job.arrivals, scenario, `jobs[${j}].arrivals`));
    traces.push({ job: job.name, file: trace.file, format: trace.format, runs: trace.runs.length });
  });
  const { policies, factories } = await preparePolicies(scenario, shownFile, options);
  return { scenario: { ...scenario, policies }, replay, factories, traces };
}

/** How policy modules are loaded while a scenario is prepared. */
export interface PrepareConstraints {
  /**
   * Loads a module policy; default `loadPolicyModule`, in this thread. The command line loads
   * each module in a watched worker thread instead, so that no user code runs in its own
   * thread (see src/experiment/policy-watchdog.ts).
   */
  load?: (path: string, options: Record<string, unknown>) => Promise<LoadedPolicy>;
}

/** The scenario's policies with their final labels, and the module policies' factories. */
export interface PreparedPolicies {
  /** The scenario's policies; a module given no `label` is labelled with its `name` export. */
  readonly policies: PolicyRef[];
  /** Factories of module policies by label. */
  readonly factories: Map<string, ModuleSchedulerFactory>;
}

/**
 * Checks the scenario's policies before any cell runs, as every command does (compare, run,
 * sweep, check through `prepareScenario`; validate directly): a name must be a built-in policy,
 * built once with the scenario's tenants and jobs so that a bad option fails here; a module is
 * imported and tried (`loadPolicyModule`), and labelled with its exported `name` (else its file
 * name) unless the scenario gives a label. Labels must stay distinct. Every problem is reported
 * at once, each at `policies[i]` of `shownFile` (default the scenario's source file).
 */
export async function preparePolicies(
  scenario: Scenario,
  shownFile = scenario.sourceFile,
  options: PrepareConstraints = {},
): Promise<PreparedPolicies> {
  const load = options.load ?? loadPolicyModule;
  const factories = new Map<string, ModuleSchedulerFactory>();
  const policies: PolicyRef[] = [];
  const problems: ScenarioError[] = [];
  const context: SchedulerContext = {
    tenants: scenario.tenants.map((t) => ({ name: t.name, weight: t.weight })),
    jobs: scenario.jobs.map((j) => ({ name: j.name, tenant: j.tenant, priority: j.priority })),
  };
  for (const [i, policy] of scenario.policies.entries()) {
    const { labelFromModule, ...ref } = policy;
    policies.push(ref);
    try {
      if (policy.module !== undefined) {
        const loaded = await load(policy.module, policy.options);
        if (labelFromModule) ref.label = loaded.name;
        factories.set(ref.label, loaded.create);
      } else if (!isSchedulerName(policy.name ?? "")) {
        problems.push(unknownPolicy(policy.name ?? "", `policies[${i}]`, shownFile));
      } else {
        createScheduler(policy.name!, context, policy.options);
      }
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      for (const problem of [error, ...error.others])
        problems.push(atPolicy(problem, i, shownFile));
    }
  }
  problems.push(...labelClashes(policies, scenario.policies, shownFile));
  if (problems.length > 0) throw scenarioErrors(problems);
  return { policies, factories };
}

// A module's own name may take a label another policy has: each such policy is a problem.
function labelClashes(
  policies: readonly PolicyRef[],
  given: readonly PolicyRef[],
  shownFile: string | undefined,
): ScenarioError[] {
  const problems: ScenarioError[] = [];
  const first = new Map<string, number>();
  policies.forEach((policy, i) => {
    const earlier = first.get(policy.label);
    if (earlier === undefined) {
      first.set(policy.label, i);
    } else if (given[i]!.labelFromModule || given[earlier]!.labelFromModule) {
      problems.push(
        new ScenarioError(
          `policies[${i}]`,
          `a policy label not used by policies[${earlier}] (give one a label)`,
          policy.label,
          { file: shownFile },
        ),
      );
    }
  });
  return problems;
}

// A problem found in a policy (its module or its options), placed at `policies[i]` of the scenario.
function atPolicy(problem: ScenarioError, i: number, shownFile: string | undefined) {
  const inside = [problem.file, problem.path].filter((part) => part !== undefined && part !== "");
  const path = inside.length === 0 ? `policies[${i}]` : `policies[${i}] (${inside.join(" ")})`;
  return new ScenarioError(path, problem.expected, problem.found, {
    file: shownFile,
    foundShown: true,
  });
}

function toReplay(
  trace: Trace,
  spec: TraceArrivalSpec,
  scenario: Scenario,
  path: string,
): ReplayRun[] {
  const tenants = new Map(scenario.tenants.map((t, i) => [t.name, i]));
  const mapping = spec.tenantBy;
  return trace.runs.map((run) => {
    let tenantIndex: number | undefined;
    if (mapping !== undefined) {
      const value = run.fields[mapping.field];
      const tenant = value === undefined ? undefined : mapping.map[value];
      if (tenant !== undefined) {
        tenantIndex = tenants.get(tenant);
        if (tenantIndex === undefined) {
          throw new ScenarioError(`${path}.tenantBy.map.${value}`, "a declared tenant", tenant, {
            file: scenario.sourceFile,
          });
        }
      }
    }
    return {
      arrivalS: run.arrivalS,
      key: run.key,
      tenantIndex,
      turns: run.turns.map((turn) => ({
        promptTokens: turn.promptTokens,
        outputTokens: turn.outputTokens,
        cachedTokens: turn.cachedTokens,
        toolCalls: turn.toolCalls.map((call) => ({
          tool: call.tool,
          durationS: call.durationS,
          failed: call.failed,
        })),
        model: turn.model,
        thinkS: turn.thinkS,
        promptIncludesContext: turn.promptIncludesContext,
      })),
    };
  });
}

/** One cell of a prepared scenario. */
export interface CellSpec {
  /** Policy label, as in `scenario.policies`. */
  policy: string;
  seed: number;
  replication: number;
  point?: Record<string, string | number>;
}

/** Runs one cell of a prepared scenario. */
export function runCell(
  prepared: PreparedScenario,
  cell: CellSpec,
  options: {
    audit?: AuditTrailOptions;
    observer?: SimulateOptions["observer"];
    verifyAudit?: boolean;
    memory?: SimulateOptions["memory"];
  } = {},
): SimulatedCell {
  const ref =
    prepared.scenario.policies.find((p) => p.label === cell.policy) ?? policyByName(cell.policy);
  return simulateCell(prepared.scenario, {
    policy: ref,
    factory: prepared.factories.get(ref.label),
    seed: cell.seed,
    replication: cell.replication,
    point: cell.point,
    audit: options.audit,
    replay: prepared.replay,
    observer: options.observer,
    verifyAudit: options.verifyAudit,
    memory: options.memory,
  });
}

function policyByName(name: string): PolicyRef {
  return { label: name, name, options: {} };
}
