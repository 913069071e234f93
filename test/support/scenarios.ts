/**
 * Normalized scenarios built in code, for runtime tests that should not depend on the YAML
 * loader: the M/M/c queue through the whole runtime, and small multi-tenant workloads.
 */

import type { JobSpec, Scenario } from "../../src/scenario/types.ts";
import type { DistSpec } from "../../src/sim/dist.ts";

/** A job with defaults filled in; override what the test needs. */
export function job(overrides: Partial<JobSpec> & { name: string; tenant: string }): JobSpec {
  return {
    priority: 0,
    governance: {
      owner: "owner",
      authorizedBy: "approver",
      purpose: "test",
      riskClass: "minimal",
      tools: [],
      dataScopes: [],
    },
    arrivals: { process: "poisson", ratePerS: 1 },
    turns: {
      count: { dist: "constant", value: 1 },
      promptTokens: { dist: "constant", value: 100 },
      outputTokens: { dist: "constant", value: 100 },
      toolCalls: [],
    },
    endpoints: ["llm"],
    io: { workspaceWrites: 0, storeReads: 0, storeWrites: 0, keysPerScope: 100 },
    ...overrides,
  };
}

/** A scenario with one endpoint and defaults filled in; override what the test needs. */
export function scenario(overrides: Partial<Scenario> & { jobs: JobSpec[] }): Scenario {
  return {
    name: "test",
    description: "",
    seed: 1,
    horizonS: 1000,
    warmupS: 0,
    drainS: 3600,
    replications: 1,
    policies: [{ label: "fifo", name: "fifo", options: {} }],
    endpoints: [
      {
        name: "llm",
        slots: 1,
        latency: { kind: "whole", turn: { dist: "exponential", mean: 1 } },
        failures: { errorRate: 0, timeoutS: Number.POSITIVE_INFINITY, outages: [] },
        models: ["llm"],
        failover: [],
      },
    ],
    tools: [],
    runtime: {
      retry: { attempts: 3, baseS: 0.5, maxS: 10, retryAfter: "honour", retryAfterMaxS: 60 },
      contextWindow: Number.POSITIVE_INFINITY,
      onContextOverflow: "compact",
      compactKeep: 0.2,
      serviceCost: { promptWeight: 1, outputWeight: 2 },
      circuitBreaker: { cooldownS: 5 },
      admission: { maxWaitingTurns: Number.POSITIVE_INFINITY },
      timelineTurns: 200,
      workspaces: { resolver: "strict" },
      audit: { authorizedBy: "job" },
    },
    tenants: [{ name: "t", weight: 1 }],
    sweep: [],
    checks: { minJain: 0.9 },
    ...overrides,
  };
}

/** M/M/c through the whole runtime: single-turn runs, exponential whole-turn latency, FIFO. */
export function mmcScenario(options: {
  lambda: number;
  mu: number;
  servers: number;
  horizonS: number;
  warmupS: number;
  service?: DistSpec;
}): Scenario {
  const base = scenario({
    jobs: [
      job({ name: "q", tenant: "t", arrivals: { process: "poisson", ratePerS: options.lambda } }),
    ],
  });
  return {
    ...base,
    name: "mmc",
    horizonS: options.horizonS,
    warmupS: options.warmupS,
    endpoints: [
      {
        ...base.endpoints[0]!,
        slots: options.servers,
        latency: {
          kind: "whole",
          turn: options.service ?? { dist: "exponential", mean: 1 / options.mu },
        },
      },
    ],
  };
}

/**
 * The raw document of a saturated day: 100 runs a second against 8 slots of 2 s turns, 3 turns
 * a run, for 24 h and 5 replications (what the cost estimate and the memory budget must refuse);
 * `edit` changes it before it is returned.
 */
export function saturatedDayDoc(
  edit: (doc: Record<string, any>) => void = () => {},
): Record<string, any> {
  const doc: Record<string, any> = {
    horizon: "24h",
    replications: 5,
    endpoints: [{ name: "llm", slots: 8, latency: "2s" }],
    tenants: [{ name: "t" }],
    jobs: [
      {
        name: "chat",
        tenant: "t",
        governance: { owner: "o", authorizedBy: "a" },
        arrivals: { process: "poisson", rate: "100/s" },
        turns: { count: 3, promptTokens: 1000, outputTokens: 200 },
      },
    ],
  };
  edit(doc);
  return doc;
}

/**
 * The M/M/c queue as a scenario document (YAML's shape): `slots` servers with exponential
 * service of mean 1 s, one job of single-turn runs arriving as a Poisson process at `rate`,
 * FIFO; `extra` is merged into the job (an `slo`, say).
 */
export function queueDoc(options: {
  name: string;
  slots: number;
  horizonS: number;
  rate?: string;
  seed?: number;
  replications?: number;
  job?: Record<string, unknown>;
}) {
  return {
    name: options.name,
    seed: options.seed ?? 11,
    horizon: `${options.horizonS}s`,
    warmup: `${options.horizonS / 10}s`,
    replications: options.replications ?? 4,
    policies: ["fifo"],
    endpoints: [
      { name: "llm", slots: options.slots, latency: { dist: "exponential", mean: "1s" } },
    ],
    tenants: [{ name: "queue" }],
    jobs: [
      {
        name: "customer",
        tenant: "queue",
        governance: { owner: "test", authorizedBy: "test", purpose: "queueing test" },
        arrivals: { process: "poisson", rate: options.rate ?? "0.5/s" },
        turns: { count: 1, promptTokens: 1, outputTokens: 1 },
        ...options.job,
      },
    ],
  };
}
