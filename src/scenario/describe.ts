/**
 * A scenario in words, with every default shown: what `agentsim validate` prints so a user can
 * see what the file means before running it.
 */

import {
  type DistUnit,
  formatDuration,
  formatRate,
  formatValue,
  round,
  Z99,
} from "../input/index.ts";
import type { DistSpec } from "../sim/index.ts";
import type {
  ArrivalSpec,
  EndpointSpec,
  JobSpec,
  LatencySpec,
  RuntimeSpec,
  Scenario,
} from "./types.ts";

/** A distribution for people: "lognormal (median 300ms, p99 2s)", "uniform 2..5", "15ms". */
export function formatDist(spec: DistSpec, unit: DistUnit): string {
  const v = (value: number) => formatValue(value, unit);
  switch (spec.dist) {
    case "constant":
      return v(spec.value);
    case "uniform":
      return `uniform ${v(spec.min)}..${v(spec.max)}`;
    case "exponential":
      return `exponential (mean ${v(spec.mean)})`;
    case "normal": {
      const bounds = [
        spec.min === undefined ? "" : `, min ${v(spec.min)}`,
        spec.max === undefined ? "" : `, max ${v(spec.max)}`,
      ].join("");
      return `normal (mean ${v(spec.mean)}, sd ${v(spec.sd)}${bounds})`;
    }
    case "lognormal":
      return `lognormal (median ${v(Math.exp(spec.mu))}, p99 ${v(Math.exp(spec.mu + Z99 * spec.sigma))})`;
    case "pareto":
      return `pareto (scale ${v(spec.scale)}, shape ${round(spec.shape)})`;
    case "bernoulli":
      return `bernoulli (p ${round(spec.p)})`;
    case "empirical": {
      const shown = spec.values.slice(0, 6).map(v).join(", ");
      return `empirical (${spec.values.length} values: ${shown}${spec.values.length > 6 ? ", ..." : ""})`;
    }
  }
}

/** A readable, multi-line account of what a scenario means, defaults included. */
export function describeScenario(s: Scenario): string {
  const lines: string[] = [];
  lines.push(`Scenario ${s.name}${s.sourceFile ? ` (${s.sourceFile})` : ""}`);
  if (s.description !== "") lines.push(...s.description.split("\n").map((line) => `  ${line}`));
  lines.push(
    `Time: arrivals until ${formatDuration(s.horizonS)}, measured from ${formatDuration(s.warmupS)}, ` +
      `drain at most ${formatDuration(s.drainS)} after; seed ${s.seed}, ${s.replications} replication${s.replications === 1 ? "" : "s"} a policy`,
  );
  lines.push(`Policies: ${s.policies.map(policyText).join(", ")}`);
  lines.push("Endpoints:");
  for (const endpoint of s.endpoints) lines.push(...endpointLines(endpoint));
  lines.push(s.tools.length === 0 ? "Tools: none" : "Tools:");
  for (const tool of s.tools) {
    lines.push(
      `  ${tool.name}: latency ${formatDist(tool.latency, "duration")}; concurrency ${count(tool.concurrency)}; error rate ${percent(tool.errorRate)}`,
    );
  }
  lines.push(...runtimeLines(s.runtime));
  lines.push(
    `Tenants: ${s.tenants.map((t) => `${t.name} (weight ${round(t.weight)})`).join(", ")}`,
  );
  lines.push("Jobs:");
  for (const job of s.jobs) lines.push(...jobLines(job, s.horizonS));
  if (s.sweep.length > 0) {
    lines.push("Sweep:");
    for (const axis of s.sweep) lines.push(`  ${axis.path} = ${axis.values.join(", ")}`);
  }
  lines.push(`Checks: arbitration passes at Jain's index >= ${round(s.checks.minJain)}`);
  return lines.join("\n");
}

function policyText(policy: Scenario["policies"][number]): string {
  const source = policy.module ?? policy.name ?? "";
  const options =
    Object.keys(policy.options).length > 0 ? ` ${JSON.stringify(policy.options)}` : "";
  return policy.label === source ? `${source}${options}` : `${policy.label} (${source}${options})`;
}

function endpointLines(endpoint: EndpointSpec): string[] {
  const lines = [`  ${endpoint.name}: ${endpoint.slots} slot${endpoint.slots === 1 ? "" : "s"}`];
  lines.push(`    latency: ${latencyText(endpoint.latency)}`);
  const limit = endpoint.rateLimit;
  const limits = [
    limit?.requestsPerS === undefined ? "" : `${round(limit.requestsPerS)} requests/s`,
    limit?.burstRequests === undefined ? "" : `burst ${round(limit.burstRequests)} requests`,
    limit?.tokensPerS === undefined ? "" : `${round(limit.tokensPerS)} tokens/s`,
    limit?.burstTokens === undefined ? "" : `burst ${round(limit.burstTokens)} tokens`,
  ].filter((part) => part !== "");
  lines.push(`    rate limit: ${limits.length === 0 ? "none" : limits.join(", ")}`);
  const { errorRate, timeoutS, outages } = endpoint.failures;
  const outageText =
    outages.length === 0
      ? "none"
      : outages.map((o) => `at ${formatDuration(o.atS)} for ${formatDuration(o.forS)}`).join(", ");
  lines.push(
    `    failures: error rate ${percent(errorRate)}, timeout ${formatDuration(timeoutS)}, outages ${outageText}`,
  );
  lines.push(
    `    models: ${endpoint.models.join(", ")}; failover: ${endpoint.failover.join(" -> ") || "none"}`,
  );
  return lines;
}

function latencyText(latency: LatencySpec): string {
  const jitter =
    latency.jitter === undefined ? "" : `, x jitter ${formatDist(latency.jitter, "number")}`;
  if (latency.kind === "whole")
    return `whole turn ${formatDist(latency.turn, "duration")}${jitter}`;
  const prefill =
    latency.perPromptTokenS === 0
      ? ""
      : ` (+ ${formatDuration(latency.perPromptTokenS)} per prompt token)`;
  const slowdown =
    latency.loadSlowdown === 0
      ? ""
      : `, up to ${percent(latency.loadSlowdown)} slower at full load`;
  return (
    `ttft ${formatDist(latency.ttft, "duration")}${prefill} + ` +
    `${formatDist(latency.perOutputTokenS, "duration")} per output token${slowdown}${jitter}`
  );
}

function runtimeLines(runtime: RuntimeSpec): string[] {
  const { retry, serviceCost } = runtime;
  return [
    "Runtime:",
    `  retries: ${retry.attempts} attempt${retry.attempts === 1 ? "" : "s"} a turn, backoff ${formatDuration(retry.baseS)} doubling up to ${formatDuration(retry.maxS)}`,
    `  context window: ${
      Number.isFinite(runtime.contextWindow)
        ? `${runtime.contextWindow} tokens; over it ${runtime.onContextOverflow === "compact" ? `compact, keeping ${percent(runtime.compactKeep)}` : "the run fails"}`
        : "unlimited"
    }`,
    `  service cost: prompt x ${round(serviceCost.promptWeight)} + output x ${round(serviceCost.outputWeight)}`,
    `  circuit breaker: ${runtime.circuitBreaker.cooldownS > 0 ? `after a 503, no dispatch to that endpoint for ${runtime.circuitBreaker.cooldownS}s` : "off"}`,
    `  admission: ${Number.isFinite(runtime.admission.maxWaitingTurns) ? `reject runs while ${runtime.admission.maxWaitingTurns} turns wait` : "unlimited"}; timeline keeps ${runtime.timelineTurns} turns`,
    `  workspaces: one tree, a root per run; ${runtime.workspaces.resolver === "strict" ? "paths resolved strictly (normalized, links followed, confined to the run's root)" : "prefix-only resolver (a modelled flaw: a string prefix check, no normalization or link resolution)"}`,
    `  audit log: ${runtime.audit.authorizedBy === "job" ? "each record names who authorized its job" : "authority omitted (a modelled flaw: records name the run, not who authorized it)"}`,
  ];
}

function jobLines(job: JobSpec, horizonS: number): string[] {
  const g = job.governance;
  const lines = [
    `  ${job.name}: tenant ${job.tenant}, priority ${round(job.priority)}, endpoints ${job.endpoints.join(", ")}`,
    `    governance: owner ${g.owner}, authorized by ${g.authorizedBy}, purpose ${JSON.stringify(g.purpose)}, ` +
      `risk ${g.riskClass}, tools [${g.tools.join(", ")}], data scopes [${g.dataScopes.join(", ")}], ` +
      `token budget ${g.tokenBudget === undefined ? "none" : g.tokenBudget}`,
    `    arrivals: ${arrivalText(job.arrivals, horizonS)}`,
  ];
  if (job.arrivals.process !== "trace") {
    const t = job.turns;
    lines.push(
      `    turns: ${formatDist(t.count, "number")} a run; prompt ${formatDist(t.promptTokens, "tokens")} tokens; output ${formatDist(t.outputTokens, "tokens")} tokens`,
    );
    lines.push(
      `    tool calls after each turn: ${
        t.toolCalls.length === 0
          ? "none"
          : t.toolCalls.map((c) => `${c.tool} (p ${round(c.probability)})`).join(", ")
      }`,
    );
  }
  if (job.slo !== undefined) {
    const parts = [
      job.slo.runLatencyS === undefined ? "" : `run latency ${formatDuration(job.slo.runLatencyS)}`,
      job.slo.waitS === undefined ? "" : `wait ${formatDuration(job.slo.waitS)}`,
      ...(job.slo.percentiles ?? []).map(
        (p) =>
          `${p.metric === "runLatency" ? "run latency" : "wait"} p${p.percentile} ${formatDuration(p.boundS)}`,
      ),
    ].filter((part) => part !== "");
    lines.push(`    slo: ${parts.join(", ") || "none"}`);
  }
  const io = job.io;
  if (io.workspaceWrites + io.storeReads + io.storeWrites > 0) {
    lines.push(
      `    io per turn: ${io.workspaceWrites} workspace writes, ${io.storeReads} store reads, ${io.storeWrites} store writes (${io.keysPerScope} keys a scope)`,
    );
  }
  if (job.behaviour !== undefined) lines.push(`    misbehaves: ${behaviourText(job.behaviour)}`);
  return lines;
}

function arrivalText(arrivals: ArrivalSpec, horizonS: number): string {
  switch (arrivals.process) {
    case "poisson":
    case "constant":
      return `${arrivals.process} at ${formatRate(arrivals.ratePerS)} (about ${Math.round(arrivals.ratePerS * horizonS)} runs by the horizon)`;
    case "closed":
      return `closed loop of ${arrivals.users} user${arrivals.users === 1 ? "" : "s"}, think ${formatDist(arrivals.think, "duration")}`;
    case "trace": {
      const window =
        arrivals.window === undefined
          ? "all of it"
          : `from ${formatDuration(arrivals.window.fromS)} for ${formatDuration(arrivals.window.forS)}`;
      const tenants =
        arrivals.tenantBy === undefined
          ? ""
          : `, tenant by ${arrivals.tenantBy.field} (${Object.entries(arrivals.tenantBy.map)
              .map(([key, tenant]) => `${key} -> ${tenant}`)
              .join(", ")})`;
      const per =
        arrivals.format === "agent-sessions-jsonl" ? `, a run per ${arrivals.runPer}` : "";
      return `trace ${arrivals.file} (${arrivals.format}), ${window}, speedup ${round(arrivals.speedup)}${per}${tenants}`;
    }
  }
}

function behaviourText(b: NonNullable<JobSpec["behaviour"]>): string {
  const parts = [
    b.tokenHog ? `token hog x${round(b.tokenHog.outputMultiplier)} output` : "",
    b.workspaceEscapes ? `${b.workspaceEscapes.perTurn} workspace escapes a turn` : "",
    b.toolsOutsideGrant
      ? `${b.toolsOutsideGrant.perTurn} calls a turn to ${b.toolsOutsideGrant.tools.join(", ")}`
      : "",
    b.garbageWrites
      ? `${b.garbageWrites.perTurn} garbage writes a turn to ${b.garbageWrites.scopes.join(", ")}`
      : "",
    b.runaway ? `runaway up to ${b.runaway.maxTurns} turns` : "",
  ].filter((part) => part !== "");
  return `${percent(b.fraction)} of runs: ${parts.join("; ") || "nothing"}`;
}

function percent(fraction: number): string {
  return `${round(fraction * 100)}%`;
}

function count(value: number): string {
  return Number.isFinite(value) ? String(value) : "unlimited";
}
