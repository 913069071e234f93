/**
 * The text the experiment commands end with: a table per policy (latency percentiles with
 * their 95% intervals across replications, throughput, Jain's index, SLO attainment),
 * saturation warnings, the main paired differences, and a sweep's curve as rows.
 */
import type { Estimate, PolicySummary, Results } from "../experiment/results.ts";
import { meanWithCi95 } from "../metrics/stat.ts";
import { type Io, paint } from "./io.ts";

/** A number in a few significant digits, "-" when there is none. */
export function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "-";
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 10 ** digits) return Math.round(x).toString();
  if (abs < 0.001) return x.toExponential(1);
  return Number(x.toPrecision(digits)).toString();
}

function percent(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "-" : `${(x * 100).toFixed(1)}%`;
}

// "12.3 ±1.4": the mean of the per-replication values and the half-width of its interval.
function withInterval(estimate: Estimate | undefined, fallback: number): string {
  if (estimate === undefined) return num(fallback);
  const half = (estimate.ci95[1] - estimate.ci95[0]) / 2;
  return half > 0 && Number.isFinite(half)
    ? `${num(estimate.mean)} ±${num(half, 2)}`
    : num(estimate.mean);
}

function layout(rows: string[][], left = 1): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c < left ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
}

function policyRow(label: string, s: PolicySummary): string[] {
  const i = s.intervals ?? {};
  return [
    label,
    withInterval(i["wait.p50"], s.wait.p50),
    withInterval(i["wait.p99"], s.wait.p99),
    withInterval(i["runLatency.p50"], s.runLatency.p50),
    withInterval(i["runLatency.p99"], s.runLatency.p99),
    num(s.throughput.runsPerSecond),
    num(s.fairness.jain),
    percent(s.sloAttainment),
  ];
}

const HEADER = ["policy", "wait p50", "wait p99", "run p50", "run p99", "runs/s", "jain", "SLO"];

/** Saturation warnings, one a line, for the policies that saturated. */
export function saturationLines(io: Pick<Io, "color">, results: Results): string[] {
  return Object.entries(results.policies)
    .filter(([, p]) => p.summary.saturation.saturated)
    .map(([label, p]) => {
      const s = p.summary.saturation;
      return paint(
        io,
        "yellow",
        `warning: ${label} is saturated (${s.reason}; runs arrive at ${num(s.arrivalsPerS)}/s, complete at ${num(s.completionsPerS)}/s): queues grow with the horizon, so its latencies are not steady-state figures`,
      );
    });
}

// Per tenant: p99s with their intervals from the replications, and the share of service.
function tenantRows(results: Results): string[][] {
  const rows = [["policy", "tenant", "wait p99", "run p99", "share", "completed"]];
  for (const [label, p] of Object.entries(results.policies)) {
    for (const [tenant, t] of Object.entries(p.tenants)) {
      const of = (pick: (r: (typeof p.replications)[number]["tenants"][string]) => number) => {
        const { mean, ci95 } = meanWithCi95(p.replications.map((r) => pick(r.tenants[tenant]!)));
        return withInterval({ mean, ci95 }, mean);
      };
      rows.push([
        label,
        tenant,
        of((r) => r.waitP99),
        of((r) => r.runLatencyP99),
        num(t.serviceShare),
        `${t.counts.completed}/${t.counts.submitted}`,
      ]);
    }
  }
  return rows;
}

// The differences the table shows: overall and per-tenant tails, fairness, SLO.
function compared(metric: string): boolean {
  return (
    ["wait.p99", "runLatency.p99", "jain", "sloAttainment"].includes(metric) ||
    /^tenants\.[^.]+\.(wait|runLatency)\.p99$/.test(metric)
  );
}

// One row per metric, one column per policy compared with the first.
function comparisonRows(results: Results): string[][] {
  const others = [...new Set(results.comparisons.map((c) => c.b))];
  const metrics = [...new Set(results.comparisons.map((c) => c.metric))].filter(compared);
  const rows = [["metric", ...others.map((b) => `${b} - ${results.comparisons[0]!.a}`)]];
  for (const metric of metrics) {
    rows.push([
      metric,
      ...others.map((b) => {
        const c = results.comparisons.find((x) => x.metric === metric && x.b === b);
        if (c === undefined) return "-";
        return `${c.diff > 0 ? "+" : ""}${num(c.diff)} [${num(c.ci95[0])}, ${num(c.ci95[1])}]`;
      }),
    ]);
  }
  return rows;
}

/** The compare (and run) summary: header, table, warnings, paired differences. */
export function compareTable(io: Pick<Io, "color">, results: Results): string {
  const policies = Object.keys(results.policies);
  const lines = [
    paint(
      io,
      "bold",
      `${results.scenario}: ${policies.length} polic${policies.length === 1 ? "y" : "ies"} x ${results.replications} replication${results.replications === 1 ? "" : "s"}, seed ${results.seed}, measured from ${num(results.window.fromS)} s to ${num(results.window.toS)} s`,
    ),
    "Latencies in seconds: the mean over replications ± the half-width of its 95% interval.",
    "",
    ...layout([
      HEADER,
      ...Object.entries(results.policies).map(([label, p]) => policyRow(label, p.summary)),
    ]),
  ];
  lines.push("", "By tenant:", ...layout(tenantRows(results), 2).map((line) => `  ${line}`));
  const warnings = saturationLines(io, results);
  if (warnings.length > 0) lines.push("", ...warnings);
  if (results.comparisons.length > 0) {
    lines.push(
      "",
      "Paired differences on the same seeds (seconds for latencies; 95% intervals):",
      ...layout(comparisonRows(results)).map((line) => `  ${line}`),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The sweep summary: one row per point and policy. */
export function sweepTable(io: Pick<Io, "color">, results: Results): string {
  const sweep = results.sweep;
  if (sweep === undefined) return compareTable(io, results);
  const rows = [["point", ...HEADER, "saturated"]];
  for (const point of sweep.points) {
    const label = Object.entries(point.point)
      .map(([path, value]) => `${path.split(".").pop()}=${value}`)
      .join(" ");
    for (const [policy, p] of Object.entries(point.policies)) {
      rows.push([
        label,
        ...policyRow(policy, p.summary),
        p.summary.saturation.saturated ? "yes" : "",
      ]);
    }
  }
  return `${[
    paint(
      io,
      "bold",
      `${results.scenario}: sweep of ${sweep.axes.map((a) => a.path).join(", ")} (${sweep.points.length} points x ${Object.keys(results.policies).length} policies x ${results.replications} replications, seed ${results.seed})`,
    ),
    "",
    ...layout(rows, 2),
  ].join("\n")}\n`;
}
