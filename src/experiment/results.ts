/**
 * The machine-readable results contract (DESIGN.md, "Results"): what `--json` prints and every
 * output folder holds as results.json. Times in seconds. Fields beyond DESIGN.md's are
 * additions; none of DESIGN.md's are renamed.
 */

import type { Bottleneck, Interval, Stat } from "../metrics/index.ts";
import type {
  CellResult,
  Counts,
  RatePerMinute,
  TimelineEntry,
  TimeSeries,
} from "../runtime/index.ts";
import type { JobSpec } from "../scenario/index.ts";

export type { Interval, Stat };

/**
 * A mean across replications with its Student-t 95% interval: null with fewer than two
 * replications that measured it, and cut to the quantity's range (0 for times, counts and
 * rates; 0 and 1 for fractions), `truncated` saying whether it was.
 */
export interface Estimate {
  mean: number;
  ci95: Interval | null;
  truncated: boolean;
  /** Replications that measured the quantity. */
  n: number;
}

/**
 * A policy's saturation verdict over its replications: saturated if any replication was,
 * steady only if every one was. Loads are means over replications; `reason` is the worst
 * replication's sentence (DESIGN.md, "Saturation is reported, not hidden").
 */
export interface SaturationSummary
  extends Omit<CellResult["saturation"], "bottleneck" | "resources"> {
  /** When saturated: the resource the worst replication named, with its mean load; else null. */
  bottleneck: Bottleneck | null;
  /** Every resource with its offered load and limit averaged over replications, most loaded first. */
  resources: Bottleneck[];
  /** Replications that were not steady (saturated, or lost more than 5% of their measured runs). */
  notSteady: number;
  /** Index of the replication whose reason is given (the most loaded of those not steady); null when all were steady. */
  worstReplication: number | null;
}

/** A rate per minute over the replications (means), with the load on its limit. */
export interface RateSummary extends RatePerMinute {
  /** offered / limit; null without a limit. */
  load: number | null;
}

/**
 * Addition: an endpoint's rate-limit headroom over the replications: requests and tokens per
 * minute offered, sent (retries included) and admitted against each declared limit (means), the
 * attempts made in the window and those refused (totals), and the share refused with 429
 * (the mean of the replications' shares, with its interval).
 */
export interface EndpointSummary {
  requestsPerMinute: RateSummary;
  tokensPerMinute: RateSummary;
  attempts: number;
  rateLimited: number;
  unavailable: number;
  rateLimitedShare: Estimate;
}

/** The per-policy summary. */
export interface PolicySummary {
  wait: Stat;
  turnLatency: Stat;
  runLatency: Stat;
  throughput: { runsPerSecond: number; tokensPerSecond: number };
  utilization: number;
  /**
   * `jain`: the mean of the replications' Jain's index over those where it was measurable,
   * null when none was (fewer than two tenants with demand); `jainReplications` says how many.
   */
  fairness: { jain: number | null; maxServiceGap: number; jainReplications: number };
  /** Runs by how they ended: totals over the replications. */
  counts: Counts;
  wastedTokens: number;
  /** null when no job declares an SLO. */
  sloAttainment: number | null;
  /** Additions: saturation verdict, Little's law self-check, priority and head-of-line figures, call outcomes (totals over the replications). */
  saturation: SaturationSummary;
  littlesLaw: CellResult["littlesLaw"];
  priority: CellResult["priority"];
  calls: CellResult["calls"];
  /** Each endpoint's rate-limit headroom and 429 share, by name in scenario order. */
  endpoints: Record<string, EndpointSummary>;
  governance: { denials: number };
  isolation: CellResult["isolation"];
  audit: { records: number; unaudited: number; withoutAuthority: number; verified: boolean | null };
  /**
   * Addition: Student t 95% intervals of per-replication values, by metric ("wait.p50",
   * "wait.p99", "runLatency.p99", "throughput.runsPerSecond", "fairness.jain", "sloAttainment",
   * ...). Present on a policy's summary, absent on a single replication's.
   */
  intervals?: Record<string, Estimate>;
}

/** Per-tenant results of a policy. */
export interface TenantResults {
  weight: number;
  /** Service its turns asked for in the window (cost units), mean over replications. */
  demand: number;
  /** Its weighted max-min fair share of the service delivered, mean over replications. */
  fairShare: number;
  serviceShare: number;
  wait: Stat;
  runLatency: Stat;
  /** Totals over the replications. */
  counts: Counts;
  headOfLineBlockedS: number;
  /** Addition: intervals of the per-replication "wait.p99", "runLatency.p99" and "serviceShare". */
  intervals: Record<string, Estimate>;
}

/** Per-job results of a policy. */
export interface JobResults {
  tenant: string;
  priority: number;
  wait: Stat;
  runLatency: Stat;
  counts: Counts;
  sloAttainment: number | null;
  /** The job's percentile SLOs (`slo: { runLatency: { p95: 60s } }`), when it declares some. */
  percentileSlos?: PercentileSloResult[];
}

/**
 * Whether a percentile SLO holds for a policy: the percentile of each replication's measured
 * runs (turns, for `wait`), their mean with its 95% interval, and the verdict the interval
 * gives: holds when it lies within the bound, missed when beyond it, null (undecided) when it
 * straddles the bound or there is no interval (one replication).
 */
export interface PercentileSloResult {
  /** "runLatency.p95", "wait.p99". */
  metric: string;
  boundS: number;
  estimate: Estimate;
  holds: boolean | null;
}

/** One replication's summary (DESIGN.md: `{ seed, summary }`). */
export interface ReplicationResult {
  seed: number;
  summary: PolicySummary;
  /** Addition: per-tenant figures of this replication (cells.csv has a row per cell and tenant). */
  tenants: Record<
    string,
    {
      demand: number;
      serviceShare: number;
      waitMean: number;
      waitP99: number;
      runLatencyMean: number;
      runLatencyP99: number;
      counts: Counts;
    }
  >;
}

/** Chart data kept from the cells (for reports): merged CDF, time series, one timeline. */
export interface PolicyCharts {
  /** Wait-time CDF over all replications: [valueS, fraction] points. */
  waitCdf: { valueS: number; fraction: number }[];
  /** Time series averaged over replications. */
  timeseries: TimeSeries;
  /** Slot timeline of the first replication. */
  timeline: TimelineEntry[];
  outages: CellResult["outages"];
}

/** Results of one policy. */
export interface PolicyResults {
  summary: PolicySummary;
  tenants: Record<string, TenantResults>;
  jobs: Record<string, JobResults>;
  replications: ReplicationResult[];
  charts: PolicyCharts;
}

/**
 * A paired comparison between two policies on the same seeds (common random numbers). Every
 * pair of policies is compared, `a` before `b` in the policies' order.
 */
export interface Comparison {
  metric: string;
  a: string;
  b: string;
  /** Replications in which both policies measured the metric. */
  n: number;
  /** mean(b - a) of the paired per-replication values. */
  diff: number;
  /** Student t 95% interval of the mean difference; null when n < 2 (no interval). */
  ci95: Interval | null;
  /** The interval excludes 0 (so n >= 2): b is clearly above or below a. */
  clear: boolean;
}

/**
 * One point of a sweep: the substituted values and each policy's summary there, with its jobs
 * (percentile SLOs judged at the point) and replications (cells.csv has a row per point,
 * policy, replication and tenant). `jobs` and `replications` are absent in results written
 * before they were added.
 */
export interface SweepPoint {
  point: Record<string, string | number>;
  policies: Record<
    string,
    {
      summary: PolicySummary;
      tenants: Record<string, TenantResults>;
      /** Per job, with its percentile SLOs judged at this point; absent in older results. */
      jobs?: Record<string, JobResults>;
      replications?: ReplicationResult[];
    }
  >;
}

/** results.json. */
export interface Results {
  scenario: string;
  seed: number;
  replications: number;
  version: string;
  /** Additions: the scenario's description (the question it asks) and its window. */
  description: string;
  window: { fromS: number; toS: number };
  policies: Record<string, PolicyResults>;
  comparisons: Comparison[];
  /** Addition: the declared jobs with their governance (the report's registry). */
  registry: {
    tenants: { name: string; weight: number }[];
    jobs: {
      name: string;
      tenant: string;
      priority: number;
      governance: import("../scenario/index.ts").GovernanceSpec;
      slo?: JobSpec["slo"];
    }[];
    endpoints: { name: string; slots: number }[];
  };
  /** Addition: trace files replayed (for attribution; the Azure trace is CC-BY). */
  traces: { job: string; file: string; format: string; runs: number }[];
  /**
   * Addition: the head hash and record count of every audit trail written (`--audit`) or
   * verified (`check`), so a trail can be checked against a head kept apart from it
   * (`agentsim audit verify <trail> --results results.json`). Absent when no trail was kept.
   */
  audit?: { trails: TrailHead[] };
  /** Addition: the verdicts of `agentsim check`, when it ran. */
  check?: CheckResult;
  /** Present for sweeps: the points in grid order. */
  sweep?: { axes: { path: string; values: (string | number)[] }[]; points: SweepPoint[] };
}

/**
 * One kept audit trail's anchor in results.json: the cell that wrote it (as its genesis record
 * binds it: policy, replication, seed, sweep point, scenario digest), its file's name when it
 * was written with `--audit`, its record count (genesis and seal included) and its head hash
 * (the seal's hash).
 */
export interface TrailHead {
  policy: string;
  replication: number;
  seed: number;
  /** The sweep point; absent outside sweeps. */
  point?: Record<string, string | number>;
  /** SHA-256 of the canonical JSON of the normalized scenario the cell ran. */
  scenario: string;
  file?: string;
  records: number;
  head: string;
}

/**
 * A test's verdict: `pass` and `fail` when it looked, `not-exercised` when there was nothing to
 * look at (no escape attempted, fairness not measurable), which is not a pass.
 */
export type CheckStatus = "pass" | "fail" | "not-exercised";

/** `agentsim check --json` (DESIGN.md). */
export interface CheckResult {
  scenario: string;
  /** No test failed (and, with `strict`, every test was exercised). */
  pass: boolean;
  tests: {
    arbitration: {
      status: CheckStatus;
      /** null when not exercised. */
      pass: boolean | null;
      evidence: string;
      policy: string;
      /** Mean Jain's index over the replications that could measure it; null when none could. */
      jain: number | null;
      minJain: number;
      workConserving: boolean;
    };
    isolation: {
      status: CheckStatus;
      pass: boolean | null;
      attempts: number;
      refused: number;
      succeeded: number;
      /** Addition: the verdict in a sentence. */
      evidence?: string;
    };
    audit: {
      status: CheckStatus;
      pass: boolean | null;
      records: number;
      /** Every audited trail's file verified, against the head and count the runtime reported. */
      verified: boolean;
      unaudited: number;
      withoutAuthority: number;
      /** Addition: the verdict in a sentence (which policy's trail broke, and where). */
      evidence?: string;
    };
    /**
     * Addition, present when a job declares percentile SLOs: fails when one is missed under
     * some policy (its interval beyond the bound), passes when every one holds under every
     * policy, not exercised when some stay undecided (an interval straddling the bound).
     */
    slo?: {
      status: CheckStatus;
      pass: boolean | null;
      /** Percentile SLOs judged (jobs x SLOs x policies), and how many held and were missed. */
      judged: number;
      held: number;
      missed: number;
      evidence: string;
    };
  };
  /** Addition: whether a test that was not exercised fails the check (`--strict`). */
  strict: boolean;
}
