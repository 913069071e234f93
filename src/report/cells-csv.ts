/**
 * cells.csv: one row per replication and tenant, for pandas (`pd.read_csv`) and R
 * (`read.csv`). Numbers are written in full precision; a missing value is an empty field
 * (NaN in pandas, NA in R); fields are quoted per RFC 4180 only when they need it.
 */
import type { Results } from "../experiment/index.ts";
import { isNum } from "./format.ts";

/** The columns of cells.csv, in order, with what each holds (times in seconds). */
export const CELLS_CSV_COLUMNS: readonly (readonly [name: string, meaning: string])[] = [
  ["scenario", "scenario name"],
  ["policy", "scheduling policy label"],
  ["replication", "replication index, from 0"],
  ["seed", "root seed of the replication (the same seed across policies: common random numbers)"],
  ["tenant", "tenant name"],
  ["weight", "tenant's fair-share weight"],
  ["demand", "service (cost units) the tenant's turns asked for in the measurement window"],
  ["service_share", "tenant's fraction of the service delivered in the measurement window"],
  ["wait_mean_s", "tenant's mean turn wait (ready to dispatch)"],
  ["wait_p99_s", "tenant's p99 turn wait"],
  ["run_latency_mean_s", "tenant's mean run latency (arrival to end)"],
  ["run_latency_p99_s", "tenant's p99 run latency"],
  ["submitted", "tenant's runs submitted"],
  ["completed", "tenant's runs completed"],
  ["failed", "tenant's runs failed"],
  ["rejected", "tenant's runs rejected at admission"],
  ["in_flight", "tenant's runs still in flight at the end"],
  ["policy_wait_p99_s", "replication's p99 wait over all tenants"],
  ["policy_run_latency_p95_s", "replication's p95 run latency over all tenants"],
  ["throughput_runs_per_s", "replication's completed runs per second in the window"],
  ["throughput_tokens_per_s", "replication's output tokens per second in the window"],
  ["utilization", "replication's busy fraction of endpoint slots in the window"],
  [
    "jain",
    "replication's Jain's index of service over max-min fair shares (empty: not measurable, fewer than two tenants with demand)",
  ],
  ["slo_attainment", "replication's fraction of SLO runs within their SLO (empty without SLOs)"],
  ["wasted_tokens", "replication's tokens lost to aborted or failed turns"],
  [
    "saturated",
    "whether the replication was saturated (a resource at its limit, or a growing queue)",
  ],
  [
    "steady",
    "whether the replication was steady (not saturated, at most 5% of measured runs lost)",
  ],
  ["rate_limited", "replication's model calls refused with 429 (rate limit)"],
  ["unavailable", "replication's model calls refused with 503 (outage)"],
  ["timeouts", "replication's model calls that timed out"],
];

/** cells.csv for the results: a header line, then a row per (policy, replication, tenant). */
export function cellsCsv(results: Results): string {
  const lines = [CELLS_CSV_COLUMNS.map(([name]) => name).join(",")];
  const weights = new Map(results.registry.tenants.map((t) => [t.name, t.weight]));
  for (const [policy, p] of Object.entries(results.policies)) {
    p.replications.forEach((rep, replication) => {
      const s = rep.summary;
      for (const [tenant, t] of Object.entries(rep.tenants ?? {})) {
        const row: unknown[] = [
          results.scenario,
          policy,
          replication,
          rep.seed,
          tenant,
          weights.get(tenant) ?? p.tenants[tenant]?.weight,
          t.demand,
          t.serviceShare,
          t.waitMean,
          t.waitP99,
          t.runLatencyMean,
          t.runLatencyP99,
          t.counts?.submitted,
          t.counts?.completed,
          t.counts?.failed,
          t.counts?.rejected,
          t.counts?.inFlight,
          s?.wait?.p99,
          s?.runLatency?.p95,
          s?.throughput?.runsPerSecond,
          s?.throughput?.tokensPerSecond,
          s?.utilization,
          s?.fairness?.jain,
          s?.sloAttainment,
          s?.wastedTokens,
          s?.saturation?.saturated,
          s?.saturation?.steady,
          s?.calls?.rateLimited,
          s?.calls?.unavailable,
          s?.calls?.timeouts,
        ];
        lines.push(row.map(csvField).join(","));
      }
    });
  }
  return `${lines.join("\n")}\n`;
}

function csvField(value: unknown): string {
  if (typeof value === "number") return isNum(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value !== "string") return "";
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
