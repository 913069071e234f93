/**
 * What one cell (one scenario x policy x replication) measured: the per-cell record that the
 * experiment layer aggregates across replications into DESIGN.md's results contract. Plain
 * JSON, so it crosses worker threads and shards unchanged. Times in seconds.
 */
import type { Bottleneck, HistogramJSON, TenantFairness } from "../metrics/index.ts";

/** Counters of model calls (attempts by outcome, retries, aborts, compactions) and tool calls. */
export interface CallCounters {
  attempts: number;
  ok: number;
  errors: number;
  timeouts: number;
  rateLimited: number;
  unavailable: number;
  retries: number;
  aborts: number;
  compactions: number;
  toolCalls: number;
  toolErrors: number;
}

/** Runs by how they ended. */
export interface Counts {
  submitted: number;
  completed: number;
  failed: number;
  rejected: number;
  inFlight: number;
}

/** Per-tenant measurements. */
export interface TenantCell {
  weight: number;
  /** Service (cost units) its turns asked for in the window (ready in it, or waiting when it opened). */
  demand: number;
  /** Its weighted max-min fair share of the service delivered in the window, given its demand. */
  fairShare: number;
  /** Service (cost units) delivered in the window. */
  service: number;
  /** Part of the window's service this tenant received. */
  serviceShare: number;
  wait: HistogramJSON;
  runLatency: HistogramJSON;
  counts: Counts;
  /** Turn-seconds this tenant's ready turns waited while another tenant held most slots. */
  headOfLineBlockedS: number;
  /** Fraction of the window during which the tenant had a turn waiting. */
  backloggedFraction: number;
}

/** Per-job measurements. */
export interface JobCell {
  tenant: string;
  priority: number;
  wait: HistogramJSON;
  runLatency: HistogramJSON;
  counts: Counts;
  /** Fraction of the window's runs that completed within the job's SLO; null without an SLO. */
  sloAttainment: number | null;
  /** The SLO run latency, when declared. */
  sloRunLatencyS: number | null;
}

/** A rate per minute of the window: what was offered, sent and admitted, and the limit. */
export interface RatePerMinute {
  /** The first attempts of the window's arrivals' calls (new demand, at the endpoint they prefer). */
  offered: number;
  /** Every attempt sent here during the window: retries and failover included. */
  sent: number;
  /** The attempts sent here that the rate limits let through (neither 429 nor 503). */
  admitted: number;
  /** The declared limit; null without one. */
  limit: number | null;
}

/**
 * One endpoint's rate-limit headroom: requests and tokens per minute against its limits, and the
 * attempts made during the measurement window that it refused. Rates are per minute of the
 * window: offered counts the demand of the runs arriving in it, sent and admitted what was sent
 * in it, whichever run it was for.
 */
export interface EndpointCell {
  requestsPerMinute: RatePerMinute;
  /** Prompt plus requested output tokens, as the token limit counts them. */
  tokensPerMinute: RatePerMinute;
  /** Attempts sent here during the window, and those refused with 429 and with 503. */
  attempts: number;
  rateLimited: number;
  unavailable: number;
}

/** One turn as it held a slot, for the slot timeline (Gantt) chart. */
export interface TimelineEntry {
  endpoint: string;
  slot: number;
  startS: number;
  endS: number;
  tenant: string;
  job: string;
  run: string;
  outcome: string;
  kind: "turn" | "compaction";
}

/** A fixed number of time buckets over [0, horizon]. */
export interface TimeSeries {
  bucketS: number;
  /** Time-averaged number of turns waiting, per bucket. */
  queueLength: number[];
  /** Largest number waiting, per bucket. */
  queueMax: number[];
  /** Service delivered per tenant, per bucket (cost units). */
  serviceByTenant: Record<string, number[]>;
  /** Time-averaged busy slots (all endpoints), per bucket. */
  busySlots: number[];
}

/** The measurements of one cell. */
export interface CellResult {
  scenario: string;
  policy: string;
  seed: number;
  replication: number;
  /** Sweep point labels (path → value as written); {} outside sweeps. */
  point: Record<string, string | number>;
  window: { fromS: number; toS: number };
  /** Time when the simulation stopped (all drained, or the drain limit). */
  endS: number;
  counts: Counts;
  wait: HistogramJSON;
  turnLatency: HistogramJSON;
  runLatency: HistogramJSON;
  throughput: { runsPerSecond: number; tokensPerSecond: number };
  utilization: number;
  fairness: {
    /**
     * Jain's index of each tenant's service in the window divided by its weighted max-min fair
     * share of the service delivered (water-filling over the tenants' demand); null with fewer
     * than two tenants that have demand ("not measurable").
     */
    jain: number | null;
    /** Largest weighted service gap between two continuously backlogged tenants. */
    maxServiceGap: number;
    /** The evidence: each tenant's weight, demand, fair share and service. */
    tenants: TenantFairness[];
  };
  wastedTokens: number;
  /** Fraction of the window's runs (of jobs with an SLO) that completed within it; null when no job has one. */
  sloAttainment: number | null;
  tenants: Record<string, TenantCell>;
  jobs: Record<string, JobCell>;
  /** Model call attempts by outcome, and retries, aborts, compactions. */
  calls: CallCounters;
  /** Each endpoint's rate-limit headroom and refusals, by name in scenario order. */
  endpoints: Record<string, EndpointCell>;
  priority: {
    /** Dispatches made while a turn of higher priority waited. */
    inversions: number;
    /** Turn-seconds high-priority turns waited while a lower-priority turn held a slot. */
    blockedByLowerS: number;
  };
  saturation: {
    /** Offered load reached a limit, or the queue was still growing at the end of the window. */
    saturated: boolean;
    /** Not saturated, and at most 5% of the runs arriving in the window failed or were rejected. */
    steady: boolean;
    /** The most loaded resource when saturated (offered vs limit); null otherwise. */
    bottleneck: Bottleneck | null;
    /** Every resource checked (slots, rate limits, tool quotas), most loaded first. */
    resources: Bottleneck[];
    /** Failed and rejected runs over the runs arriving in the window. */
    failedFraction: number;
    /** Offered work on all endpoints: slot-seconds per second asked for by the window's arrivals. */
    offeredPerS: number;
    /** Capacity: slots available per second (slots, less outages). */
    capacityPerS: number;
    /** Runs arriving per second in the window, and runs completing per second. */
    arrivalsPerS: number;
    completionsPerS: number;
    /** Why the figures are not steady-state values, in words; "" when steady. */
    reason: string;
  };
  littlesLaw: {
    /** Time-averaged number of turns waiting over the window. */
    meanWaiting: number;
    /** Arrival rate into the queue times the mean wait. */
    lambdaW: number;
    relativeError: number;
  };
  governance: { denials: number; byReason: Record<string, number> };
  isolation: { attempts: number; refused: number; succeeded: number };
  audit: {
    mode: string;
    records: number;
    verified: boolean | null;
    unaudited: number;
    withoutAuthority: number;
    byAction: Record<string, number>;
    /**
     * The kept trail's anchor: the digest its genesis binds, its head hash (the seal's hash)
     * and, in file mode, the file's name; `records` above is its count. null when no chain was
     * kept (summary mode), or a memory-mode chain was not hashed (`verifyAudit: false`).
     */
    trail: { scenario: string; head: string; file?: string } | null;
  };
  store: {
    writes: number;
    reads: number;
    /** Store accesses refused by data scopes. */
    denials: number;
    garbageWrites: number;
    readsOfGarbage: number;
    /** The garbage writes' provenance: writers, their authorizers, runs that read them; null without garbage. */
    blastRadius: {
      versions: number;
      writers: string[];
      authorizers: string[];
      readers: number;
      readerSample: string[];
    } | null;
  };
  invariants: {
    conservation: boolean;
    slotsWithinCapacity: boolean;
    auditVerified: boolean;
    auditComplete: boolean;
  };
  timeseries: TimeSeries;
  timeline: TimelineEntry[];
  outages: { endpoint: string; atS: number; forS: number }[];
  events: number;
}
