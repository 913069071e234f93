/**
 * From the validated document to the `Scenario` the runtime reads: defaults filled in (as
 * types.ts documents them), rates per second, trace files resolved against the scenario file's
 * folder, and the checks that need several fields at once (warmup before horizon, one of
 * requestsPerMinute/requestsPerSecond, token limits and budgets against the turns they meet in
 * `limits.ts`, ...). All problems found here are thrown together.
 */
import { basename, dirname, resolve } from "node:path";
import { problemsOf, ScenarioError, scenarioErrors } from "../input/index.ts";
import { type DistSpec, distMean } from "../sim/index.ts";
import { BOUNDS, formatBound } from "./bounds.ts";
import { limitErrors } from "./limits.ts";
import { isModulePath, policyLabel, traceFormatOf } from "./references.ts";
import { type ParsedDocument, type ParsedJob, type RawPolicy, SLO_PERCENTILES } from "./schema.ts";
import type {
  ArrivalSpec,
  EndpointSpec,
  JobSpec,
  PercentileSlo,
  PolicyRef,
  RuntimeSpec,
  Scenario,
  TurnsSpec,
} from "./types.ts";
import { parseValues } from "./vary.ts";

/** Policies compared when a scenario names none. */
export const DEFAULT_POLICIES = ["fifo", "priority", "fair-share"] as const;

const constant = (value: number): DistSpec => ({ dist: "constant", value });

/** Builds the Scenario from a validated document; `file` is the scenario file, if any. */
export function normalizeScenario(doc: ParsedDocument, file?: string): Scenario {
  const errors: ScenarioError[] = [];
  const sourceFile = file === undefined ? undefined : resolve(file);
  const baseDir = sourceFile === undefined ? process.cwd() : dirname(sourceFile);
  const horizonS = doc.horizon;
  const warmupS = doc.warmup ?? 0;
  if (warmupS >= horizonS) {
    errors.push(
      new ScenarioError("warmup", `a duration shorter than the horizon (${horizonS}s)`, warmupS),
    );
  }
  const endpointNames = doc.endpoints.map((endpoint) => endpoint.name);
  const scenario: Scenario = {
    name: doc.name ?? fileStem(file) ?? "scenario",
    description: (doc.description ?? "").trim(),
    seed: doc.seed ?? 1,
    horizonS,
    warmupS,
    drainS: doc.drain ?? Math.max(horizonS, 3600),
    replications: doc.replications ?? 5,
    policies: (doc.policies ?? [...DEFAULT_POLICIES]).map((policy, i) =>
      policyRef(policy, i, baseDir, errors),
    ),
    endpoints: doc.endpoints.map((endpoint, i) => endpointSpec(endpoint, i, errors)),
    tools: (doc.tools ?? []).map((tool) => ({
      name: tool.name,
      latency: tool.latency,
      concurrency: tool.concurrency ?? Number.POSITIVE_INFINITY,
      errorRate: tool.errorRate ?? 0,
    })),
    runtime: runtimeSpec(doc.runtime, errors),
    tenants: doc.tenants.map((tenant) => ({ name: tenant.name, weight: tenant.weight ?? 1 })),
    jobs: doc.jobs.map((job, i) => jobSpec(job, i, endpointNames, baseDir, errors)),
    sweep: (doc.sweep ?? []).map((axis, i) => ({
      path: axis.path,
      values:
        typeof axis.values === "string"
          ? attempt(() => parseValues(axis.values as string, `sweep[${i}].values`), errors, [])
          : axis.values,
    })),
    checks: { minJain: doc.checks?.minJain ?? 0.9 },
  };
  if (sourceFile !== undefined) scenario.sourceFile = sourceFile;
  errors.push(...limitErrors(scenario, doc));
  if (errors.length > 0) throw scenarioErrors(errors);
  return scenario;
}

function policyRef(
  policy: RawPolicy,
  i: number,
  baseDir: string,
  errors: ScenarioError[],
): PolicyRef {
  const label = policyLabel(policy) ?? `policy-${i}`;
  if (typeof policy === "string") {
    const text = policy.trim();
    return isModulePath(text)
      ? { label, labelFromModule: true, module: resolve(baseDir, text), options: {} }
      : { label, name: text, options: {} };
  }
  if ((policy.name === undefined) === (policy.module === undefined)) {
    errors.push(new ScenarioError(`policies[${i}]`, "exactly one of name and module", policy));
  }
  const ref: PolicyRef = { label, options: policy.options ?? {} };
  if (policy.name !== undefined) ref.name = policy.name;
  if (policy.module !== undefined) ref.module = resolve(baseDir, policy.module);
  if (policy.module !== undefined && policy.name === undefined && policy.label === undefined) {
    ref.labelFromModule = true;
  }
  return ref;
}

function endpointSpec(
  endpoint: ParsedDocument["endpoints"][number],
  i: number,
  errors: ScenarioError[],
): EndpointSpec {
  const at = `endpoints[${i}]`;
  const spec: EndpointSpec = {
    name: endpoint.name,
    slots: endpoint.slots,
    latency: endpoint.latency,
    failures: {
      errorRate: endpoint.failures?.errorRate ?? 0,
      timeoutS: endpoint.failures?.timeout ?? Number.POSITIVE_INFINITY,
      outages: (endpoint.failures?.outages ?? []).map((outage) => ({
        atS: outage.at,
        forS: outage.for,
      })),
    },
    models: endpoint.models ?? [endpoint.name],
    failover: endpoint.failover ?? [],
  };
  const limit = endpoint.rateLimit;
  if (limit !== undefined) {
    const rateLimit: NonNullable<EndpointSpec["rateLimit"]> = {};
    const requestsPerS = perSecond(
      limit.requestsPerMinute,
      limit.requestsPerSecond,
      `${at}.rateLimit`,
      "requests",
      errors,
    );
    const tokensPerS = perSecond(
      limit.tokensPerMinute,
      limit.tokensPerSecond,
      `${at}.rateLimit`,
      "tokens",
      errors,
    );
    if (requestsPerS !== undefined) rateLimit.requestsPerS = requestsPerS;
    if (tokensPerS !== undefined) rateLimit.tokensPerS = tokensPerS;
    if (limit.burstRequests !== undefined) rateLimit.burstRequests = limit.burstRequests;
    if (limit.burstTokens !== undefined) rateLimit.burstTokens = limit.burstTokens;
    if (Object.keys(rateLimit).length > 0) {
      if (limit.sendsRetryAfter === false) rateLimit.sendsRetryAfter = false;
      spec.rateLimit = rateLimit;
    }
  }
  return spec;
}

// A limit given per minute or per second (not both), per second.
function perSecond(
  perMinute: number | undefined,
  perSecondValue: number | undefined,
  at: string,
  what: string,
  errors: ScenarioError[],
): number | undefined {
  if (perMinute !== undefined && perSecondValue !== undefined) {
    errors.push(
      new ScenarioError(
        `${at}.${what}PerSecond`,
        `either ${what}PerMinute or ${what}PerSecond, not both`,
        perSecondValue,
      ),
    );
  }
  return perMinute !== undefined ? perMinute / 60 : perSecondValue;
}

function runtimeSpec(runtime: ParsedDocument["runtime"], errors: ScenarioError[]): RuntimeSpec {
  const baseS = runtime?.retry?.backoff?.base ?? 0.5;
  const maxS = runtime?.retry?.backoff?.max ?? 10;
  if (maxS < baseS) {
    errors.push(
      new ScenarioError(
        "runtime.retry.backoff.max",
        `a duration not shorter than base (${baseS}s)`,
        maxS,
      ),
    );
  }
  return {
    retry: {
      attempts: runtime?.retry?.attempts ?? 3,
      baseS,
      maxS,
      retryAfter: runtime?.retry?.retryAfter ?? "honour",
      retryAfterMaxS: runtime?.retry?.retryAfterMax ?? 60,
    },
    contextWindow: runtime?.contextWindow ?? Number.POSITIVE_INFINITY,
    onContextOverflow: runtime?.onContextOverflow ?? "compact",
    compactKeep: runtime?.compactKeep ?? 0.2,
    serviceCost: {
      promptWeight: runtime?.serviceCost?.promptWeight ?? 1,
      outputWeight: runtime?.serviceCost?.outputWeight ?? 2,
    },
    circuitBreaker: { cooldownS: runtime?.circuitBreaker?.cooldown ?? 5 },
    admission: {
      maxWaitingTurns: runtime?.admission?.maxWaitingTurns ?? Number.POSITIVE_INFINITY,
    },
    timelineTurns: runtime?.timelineTurns ?? 1000,
    workspaces: { resolver: runtime?.workspaces?.resolver ?? "strict" },
    audit: { authorizedBy: runtime?.audit?.authorizedBy ?? "job" },
  };
}

function jobSpec(
  job: ParsedJob,
  i: number,
  endpointNames: string[],
  baseDir: string,
  errors: ScenarioError[],
): JobSpec {
  const governance = job.governance;
  const spec: JobSpec = {
    name: job.name,
    tenant: job.tenant,
    priority: job.priority ?? 0,
    governance: {
      owner: governance.owner,
      authorizedBy: governance.authorizedBy,
      purpose: governance.purpose ?? "",
      riskClass: governance.riskClass ?? "minimal",
      tools: governance.tools ?? [],
      dataScopes: governance.dataScopes ?? [],
    },
    arrivals: arrivalSpec(job.arrivals, `jobs[${i}].arrivals`, baseDir, errors),
    turns: turnsSpec(job.turns),
    endpoints: job.endpoints ?? endpointNames,
    io: {
      workspaceWrites: job.io?.workspaceWrites ?? 0,
      storeReads: job.io?.storeReads ?? 0,
      storeWrites: job.io?.storeWrites ?? 0,
      keysPerScope: job.io?.keysPerScope ?? 100,
    },
  };
  if (governance.tokenBudget !== undefined) spec.governance.tokenBudget = governance.tokenBudget;
  if (job.slo !== undefined) {
    const slo: NonNullable<JobSpec["slo"]> = {};
    const percentiles: PercentileSlo[] = [];
    for (const metric of ["runLatency", "wait"] as const) {
      const bound = job.slo[metric];
      if (bound === undefined) continue;
      const each = typeof bound === "number" ? bound : bound.each;
      if (each !== undefined) slo[metric === "runLatency" ? "runLatencyS" : "waitS"] = each;
      if (typeof bound === "number") continue;
      for (const key of SLO_PERCENTILES) {
        const boundS = bound[key];
        if (boundS !== undefined)
          percentiles.push({ metric, percentile: Number(key.slice(1)), boundS });
      }
    }
    if (percentiles.length > 0) slo.percentiles = percentiles;
    spec.slo = slo;
  }
  if (job.behaviour !== undefined) {
    const { fraction, ...kinds } = job.behaviour;
    spec.behaviour = { fraction: fraction ?? 1, ...kinds };
  }
  if (spec.turns.count.dist === "constant" && spec.turns.count.value < 1) {
    errors.push(
      new ScenarioError(`jobs[${i}].turns.count`, "at least 1 turn a run", spec.turns.count.value),
    );
  }
  // The mean, not the largest draw: a heavy-tailed count is fine if its mean is bounded.
  const meanTurns = distMean(spec.turns.count);
  if (!(meanTurns <= BOUNDS.turnsPerRun)) {
    errors.push(
      new ScenarioError(
        `jobs[${i}].turns.count`,
        `a distribution whose mean is at most ${formatBound(BOUNDS.turnsPerRun)} turns a run`,
        `a mean of ${meanTurns}`,
        { foundShown: true },
      ),
    );
  }
  return spec;
}

function arrivalSpec(
  arrivals: ParsedJob["arrivals"],
  at: string,
  baseDir: string,
  errors: ScenarioError[],
): ArrivalSpec {
  switch (arrivals.process) {
    case "poisson":
    case "constant":
      return { process: arrivals.process, ratePerS: arrivals.rate };
    case "closed":
      return { process: "closed", users: arrivals.users, think: arrivals.think ?? constant(0) };
    case "trace": {
      const format = arrivals.format ?? traceFormatOf(arrivals.file) ?? "azure-llm-csv";
      const spec: ArrivalSpec = {
        process: "trace",
        file: resolve(baseDir, arrivals.file),
        format,
        speedup: arrivals.speedup ?? 1,
        runPer: arrivals.runPer ?? "session",
      };
      if (arrivals.window !== undefined) {
        spec.window = {
          fromS: arrivals.window.from ?? 0,
          forS: arrivals.window.for ?? Number.POSITIVE_INFINITY,
        };
      }
      if (arrivals.tenantBy !== undefined) spec.tenantBy = arrivals.tenantBy;
      if (format === "azure-llm-csv") {
        for (const key of ["runPer", "tenantBy"] as const) {
          if (arrivals[key] !== undefined) {
            errors.push(
              new ScenarioError(
                `${at}.${key}`,
                "nothing: it applies to agent-sessions-jsonl traces only",
                arrivals[key],
              ),
            );
          }
        }
      }
      return spec;
    }
  }
}

function turnsSpec(turns: ParsedJob["turns"]): TurnsSpec {
  if (turns === undefined) {
    // Only trace jobs go without turns (references.ts checks it); their trace supplies them.
    return {
      count: constant(1),
      promptTokens: constant(0),
      outputTokens: constant(0),
      toolCalls: [],
    };
  }
  return {
    count: turns.count,
    promptTokens: turns.promptTokens,
    outputTokens: turns.outputTokens,
    toolCalls: (turns.toolCalls ?? []).map((call) => ({
      tool: call.tool,
      probability: call.probability ?? 1,
    })),
  };
}

function attempt<T>(run: () => T, errors: ScenarioError[], fallback: T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    errors.push(...problemsOf(error));
    return fallback;
  }
}

function fileStem(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  return basename(file).replace(/\.(ya?ml|json)$/i, "");
}
