/**
 * cells.csv: one row per replication and tenant (and sweep point), for pandas (`pd.read_csv`) and R
 * (`read.csv`). Numbers are written in full precision; a missing value is an empty field
 * (NaN in pandas, NA in R); fields are quoted per RFC 4180 only when they need it.
 */
import type { PolicyResults, Results } from "../experiment/index.ts";
import { isNum } from "./format.ts";
import { axisValueAt, sweepAxes } from "./sweep-axes.ts";

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

/** What an axis column of a sweep's cells.csv holds (the column is named by the axis path). */
export const SWEEP_AXIS_COLUMN =
  "one column per swept axis, named by its path (e.g. `endpoints.0.slots`), after `sweep_point`: " +
  "the axis's value at the point in base units — seconds for durations, per second for rates, " +
  "tokens for token counts, a fraction for percentages; a bare number as written, in its field's " +
  "own unit; a value that is no quantity (a distribution) as written";

/**
 * The columns of the results' cells.csv with what each holds: CELLS_CSV_COLUMNS for a
 * comparison; for a sweep, `sweep_point` and one column per axis (named by its path) after
 * `scenario`, then the same columns.
 */
export function cellsCsvColumns(results: Results): (readonly [name: string, meaning: string])[] {
  const axes = sweepAxes(results);
  if (results.sweep === undefined) return [...CELLS_CSV_COLUMNS];
  return [
    CELLS_CSV_COLUMNS[0]!,
    [
      "sweep_point",
      "index of the sweep point in grid order, from 0 (the last axis varies fastest)",
    ],
    ...axes.map(
      (a) =>
        [
          a.path,
          `swept value of \`${a.path}\`${a.unit === "" ? "" : ` (${a.unit})`}, in base units`,
        ] as const,
    ),
    ...CELLS_CSV_COLUMNS.slice(1),
  ];
}

/**
 * cells.csv for the results: a header line, then a row per (policy, replication, tenant); for
 * a sweep, a row per (point, policy, replication, tenant), points in grid order, each row
 * carrying the point's index and its value on every axis (see {@link cellsCsvColumns}).
 */
export function cellsCsv(results: Results): string {
  const lines = [
    cellsCsvColumns(results)
      .map(([name]) => csvField(name))
      .join(","),
  ];
  const weights = new Map(results.registry.tenants.map((t) => [t.name, t.weight]));
  if (results.sweep === undefined) {
    for (const [policy, p] of Object.entries(results.policies)) {
      lines.push(...policyRows(results.scenario, [], policy, p, weights));
    }
  } else {
    const axes = sweepAxes(results);
    results.sweep.points.forEach((point, index) => {
      const key = [index, ...axes.map((a) => axisValueAt(a, point.point))];
      for (const [policy, p] of Object.entries(point.policies)) {
        lines.push(...policyRows(results.scenario, key, policy, p, weights));
      }
    });
  }
  return `${lines.join("\n")}\n`;
}

// The rows of one policy (at one sweep point): a row per replication and tenant.
function policyRows(
  scenario: string,
  key: readonly unknown[],
  policy: string,
  p: Pick<PolicyResults, "tenants"> & { replications?: PolicyResults["replications"] },
  weights: ReadonlyMap<string, number>,
): string[] {
  const lines: string[] = [];
  (p.replications ?? []).forEach((rep, replication) => {
    const s = rep.summary;
    for (const [tenant, t] of Object.entries(rep.tenants ?? {})) {
      const row: unknown[] = [
        scenario,
        ...key,
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
  return lines;
}

function csvField(value: unknown): string {
  if (typeof value === "number") return isNum(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value !== "string") return "";
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
