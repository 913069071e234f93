/**
 * The normalized scenario: what the loader produces from a v1 YAML/JSON file after validation,
 * with every default filled in and every quantity in base units (seconds, tokens, per-second
 * rates). The runtime reads only this shape, never the raw document.
 */
import type { DistSpec } from "../sim/index.ts";

/** A whole scenario, ready to simulate. */
export interface Scenario {
  /** Short name, used in output folder names. */
  name: string;
  /** What question the scenario asks; default "". */
  description: string;
  /** Root seed of every random stream; default 1. */
  seed: number;
  /** Arrivals stop at this time (seconds); runs in flight drain afterwards. */
  horizonS: number;
  /** Runs arriving before this are left out of the metrics; default 0. */
  warmupS: number;
  /** Hard stop for the drain after the horizon (seconds); default max(horizonS, 3600). Runs still going are reported in flight. */
  drainS: number;
  /** Replications per policy; default 5. */
  replications: number;
  /** Policies to compare; default ["fifo", "priority", "fair-share"]. */
  policies: PolicyRef[];
  endpoints: EndpointSpec[];
  tools: ToolSpec[];
  runtime: RuntimeSpec;
  tenants: TenantSpec[];
  jobs: JobSpec[];
  /** Sweep axes declared in the file (the CLI's --vary adds more); default []. */
  sweep: SweepAxis[];
  /** The checks `agentsim check` makes, with their thresholds. */
  checks: ChecksSpec;
  /** Absolute path of the file it came from, when it came from a file (for relative trace paths). */
  sourceFile?: string;
}

/** A policy by registered name (`fifo`) or by module path (`./my-policy.ts`), with its options. */
export interface PolicyRef {
  /**
   * The label used in results: the option `label`, else the name, else (once the module is
   * loaded, see `preparePolicies`) the module's exported `name` or its file name.
   */
  label: string;
  /** True for a module given no `label`: `preparePolicies` then labels it with the module's `name`. */
  labelFromModule?: boolean;
  /** Registered name, or undefined when `module` is given. */
  name?: string;
  /** Absolute path of a user policy module. */
  module?: string;
  /** Policy options, e.g. `{ agingPerS: 0.1 }` for priority. */
  options: Record<string, unknown>;
}

/** A mocked model endpoint. */
export interface EndpointSpec {
  name: string;
  /** Concurrent turns. */
  slots: number;
  latency: LatencySpec;
  /** Token-bucket rate limits; undefined means unlimited. */
  rateLimit?: {
    requestsPerS?: number;
    tokensPerS?: number;
    burstRequests?: number;
    burstTokens?: number;
    /** Whether a 429 carries Retry-After (the time until the buckets have room); default true. */
    sendsRetryAfter?: boolean;
  };
  failures: {
    /** Probability that a turn fails with a 5xx at its end; default 0. */
    errorRate: number;
    /** A turn running longer than this is aborted, its tokens wasted; default Infinity. */
    timeoutS: number;
    /** Windows when the endpoint refuses every call (503). */
    outages: { atS: number; forS: number }[];
  };
  /** Model labels this endpoint serves (for trace `model` mapping); default [name]. */
  models: string[];
  /** Failover order: endpoint names tried when this one is out or rate-limited; default []. */
  failover: string[];
}

/**
 * Turn time. `whole`: one distribution of the whole turn. `tokens`: time to first token plus
 * per-output-token time, each turn's time = ttft + outputTokens x perOutputToken x slowdown,
 * where slowdown = 1 + loadSlowdown x (busySlots - 1) / max(1, slots - 1), busySlots counting
 * this turn (a lone turn is not slowed), then x jitter.
 */
export type LatencySpec =
  | { kind: "whole"; turn: DistSpec; jitter?: DistSpec }
  | {
      kind: "tokens";
      ttft: DistSpec;
      perOutputTokenS: DistSpec;
      /** Extra per-token slowdown at full load, 0 to 10 (0.5 = 50% slower with all slots busy); default 0. */
      loadSlowdown: number;
      /** Seconds per prompt token of prefill added to ttft; default 0. */
      perPromptTokenS: number;
      jitter?: DistSpec;
    };

/** A mocked tool. */
export interface ToolSpec {
  name: string;
  latency: DistSpec;
  /** Concurrent calls; default Infinity. */
  concurrency: number;
  /** Probability a call fails; default 0. */
  errorRate: number;
}

/** Runtime-wide settings. */
export interface RuntimeSpec {
  retry: {
    /** Total attempts of a turn, first included; default 3. */
    attempts: number;
    /** Backoff before retry k (1-based): min(maxS, baseS x 2^(k-1)) x jitter in [0.5, 1.5]; defaults 0.5 s and 10 s. */
    baseS: number;
    maxS: number;
    /**
     * After a 429 that carries Retry-After: "honour" pauses dispatch to the endpoint until then
     * and makes the call's next attempt wait exactly Retry-After when it is at most
     * `retryAfterMaxS` (the backoff otherwise); "ignore" backs off as after any failure. Default
     * "honour", with 60 s, as the OpenAI SDKs do.
     */
    retryAfter: "honour" | "ignore";
    retryAfterMaxS: number;
  };
  /** Context window in tokens; default Infinity. */
  contextWindow: number;
  /** What happens when a run's context exceeds the window; default "compact". */
  onContextOverflow: "compact" | "fail";
  /** Fraction of the context a compaction keeps (its summary's size); default 0.2. */
  compactKeep: number;
  /** Service cost weights: cost = prompt x promptWeight + output x outputWeight; defaults 1 and 2. */
  serviceCost: { promptWeight: number; outputWeight: number };
  /**
   * Circuit breaker: after a 503 from an endpoint the runtime stops dispatching to it for
   * `cooldownS` (default 5 s; 0 disables), holding turns in the queue (or sending them to a
   * failover endpoint) instead of burning their retries against an outage.
   */
  circuitBreaker: { cooldownS: number };
  /** Admission control: a run arriving while this many turns wait is rejected; default Infinity. */
  admission: { maxWaitingTurns: number };
  /** Turn records kept for the slot timeline (Gantt) of a cell; default 1000 (0 disables). */
  timelineTurns: number;
  /**
   * Workspaces: how a path is resolved before access; default "strict". "prefix-only" models a
   * runtime with a weak resolver (a string prefix check, no normalization or link resolution).
   */
  workspaces: { resolver: "strict" | "prefix-only" };
  /**
   * The audit log: what each record says about authority; default "job" (the authorizedBy of
   * the job the run belongs to). "omitted" models a runtime whose log names the run, job and
   * tenant but not who authorized the job, so `check`'s audit test fails.
   */
  audit: { authorizedBy: "job" | "omitted" };
}

/** A tenant, with its fair-share weight (default 1). */
export interface TenantSpec {
  name: string;
  weight: number;
}

/** Governance a job declares (DESIGN.md "Governance"). */
export interface GovernanceSpec {
  owner: string;
  authorizedBy: string;
  purpose: string;
  riskClass: "minimal" | "limited" | "high";
  tools: string[];
  dataScopes: string[];
  /** Token budget per run, checked before every attempt of every model call; undefined = none. */
  tokenBudget?: number;
}

/** A percentile SLO of a job: its runs' latency (or its turns' wait) at `percentile` within `boundS`. */
export interface PercentileSlo {
  metric: "runLatency" | "wait";
  /** 50, 90, 95 or 99. */
  percentile: number;
  boundS: number;
}

/** A declared kind of agent work. */
export interface JobSpec {
  name: string;
  tenant: string;
  /** Larger is more important; default 0. */
  priority: number;
  governance: GovernanceSpec;
  arrivals: ArrivalSpec;
  /** The program each run draws; for trace arrivals the trace supplies turns instead (default then: 1 turn, 0 tokens, no tool calls). */
  turns: TurnsSpec;
  /**
   * Per-run bounds (`runLatencyS`: a run within it meets the SLO; `waitS`: a turn's wait) and
   * percentile bounds over the job's measured runs or turns (`percentiles`).
   */
  slo?: { runLatencyS?: number; waitS?: number; percentiles?: PercentileSlo[] };
  /** Endpoint names this job may use, first preferred; default all endpoints in file order. */
  endpoints: string[];
  /** Misbehaviour of some of this job's runs; undefined = well behaved. */
  behaviour?: BehaviourSpec;
  /** Workspace and store activity of a well-behaved run after each turn; default none. */
  io: IoSpec;
}

/** How runs of a job arrive. */
export type ArrivalSpec =
  | { process: "poisson"; ratePerS: number }
  | { process: "constant"; ratePerS: number }
  | {
      /** Closed loop: `users` each start a run, wait for it, think, repeat. */
      process: "closed";
      users: number;
      think: DistSpec;
    }
  | TraceArrivalSpec;

/** Replay of a trace file (DESIGN.md "Trace replay"). */
export interface TraceArrivalSpec {
  process: "trace";
  /** Absolute path (resolved against the scenario file). */
  file: string;
  format: "azure-llm-csv" | "agent-sessions-jsonl";
  /** Replay speed: 2 = twice as fast; default 1. */
  speedup: number;
  /** Slice of the trace, in trace time, before speedup; default all. */
  window?: { fromS: number; forS: number };
  /** agent-sessions: one run per session (default) or per user turn. */
  runPer: "session" | "userTurn";
  /** Map a session's field value to a tenant (agent-sessions); default: the job's tenant. */
  tenantBy?: { field: string; map: Record<string, string> };
}

/** The program a run draws from its job. */
export interface TurnsSpec {
  count: DistSpec;
  promptTokens: DistSpec;
  outputTokens: DistSpec;
  /** Tool calls after each turn: each entry is called with its probability. */
  toolCalls: { tool: string; probability: number }[];
}

/** Workspace and store activity of each run, after each turn. */
export interface IoSpec {
  /** Workspace writes per turn (files under the run's own workspace); default 0. */
  workspaceWrites: number;
  /** Store reads per turn, keys drawn from `scopes`; default 0. */
  storeReads: number;
  /** Store writes per turn; default 0. */
  storeWrites: number;
  /** Entity keys per scope the store holds; default 100. */
  keysPerScope: number;
}

/** Misbehaving agents: a fraction of a job's runs act out. */
export interface BehaviourSpec {
  /** Fraction of runs that misbehave; default 1. */
  fraction: number;
  /** Huge generations: output tokens multiplied by this; default 1 (off). */
  tokenHog?: { outputMultiplier: number };
  /** Per turn, this many attempts to read or write outside the run's workspace. */
  workspaceEscapes?: { perTurn: number };
  /** Per turn, this many calls to tools not in the job's grant. */
  toolsOutsideGrant?: { perTurn: number; tools: string[] };
  /** Per turn, this many garbage writes to store keys (in or out of scope). */
  garbageWrites?: { perTurn: number; scopes: string[] };
  /** A run that never ends on its own: it keeps taking turns until its budget or maxTurns stops it. */
  runaway?: { maxTurns: number };
}

/** One axis of a sweep: a field path and the values to substitute into the raw document. */
export interface SweepAxis {
  /** Path in the raw document, e.g. `jobs.ticket-triage.arrivals.rate`. */
  path: string;
  /** The values as written ("0.5/s", 8): labels for results, and what `applyVary` substitutes before validation. */
  values: (string | number)[];
}

/** Thresholds for `agentsim check`. */
export interface ChecksSpec {
  /** Arbitration passes when Jain's index among backlogged tenants, for the first policy that is fair-share or the first policy, is at least this; default 0.9. */
  minJain: number;
}
