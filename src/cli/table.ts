/**
 * The text the experiment commands end with: a table per policy (latency p50, p95 and p99 with
 * their 95% intervals across replications, throughput, Jain's index, SLO attainment), the runs
 * lost and the calls refused, the per-tenant figures, the steady-state warnings, the paired
 * differences and the verdict — the same figures and sentences as summary.md and the cockpit
 * (they come from src/report's verdict, runs table and comparisons) — and a sweep's curve as
 * rows.
 */
import type { Estimate, PolicySummary, Results } from "../experiment/index.ts";
import { JAIN_NOT_MEASURABLE } from "../metrics/index.ts";
import {
  ALL_STEADY,
  allSteady,
  CUT_MARK,
  CUT_NOTE,
  comparedMetrics,
  fixed,
  hasCutInterval,
  hasRateLimits,
  isHeadline,
  jainText,
  mostLoaded,
  NO_INTERVAL,
  pairOf,
  RATE_COLUMNS,
  RUN_COLUMNS,
  rateLimitedShare,
  rateRows,
  runCells,
  saturationWarnings,
  sweepVerdictOf,
  verdictOf,
} from "../report/index.ts";
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

/**
 * "12.3 ±1.4": the mean of the per-replication values and the half-width of its interval;
 * "0.8 [0†, 2.1]" when the interval was cut at 0; the mean alone without an interval.
 */
function withInterval(estimate: Estimate | undefined, fallback: number): string {
  if (estimate === undefined || estimate.ci95 === null) return num(estimate?.mean ?? fallback);
  const [low, high] = estimate.ci95;
  if (estimate.truncated) {
    const mark = (x: number, bound: number) => `${num(x)}${x === bound ? CUT_MARK : ""}`;
    return `${num(estimate.mean)} [${mark(low, 0)}, ${mark(high, 1)}]`;
  }
  const half = (high - low) / 2;
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
    withInterval(i["wait.p95"], s.wait.p95),
    withInterval(i["wait.p99"], s.wait.p99),
    withInterval(i["runLatency.p50"], s.runLatency.p50),
    withInterval(i["runLatency.p95"], s.runLatency.p95),
    withInterval(i["runLatency.p99"], s.runLatency.p99),
    num(s.throughput.runsPerSecond),
    // Three decimals, as summary.md and the cockpit print it.
    s.fairness.jain === null ? "-" : fixed(s.fairness.jain, 3),
    percent(s.sloAttainment),
  ];
}

const HEADER = [
  "policy",
  "wait p50",
  "wait p95",
  "wait p99",
  "run p50",
  "run p95",
  "run p99",
  "runs/s",
  "jain",
  "SLO",
];

/**
 * The steady-state warnings (one a policy that is not steady, the same sentences as the
 * report's), or the sentence that all are steady — said only then.
 */
export function saturationLines(io: Pick<Io, "color">, results: Results): string[] {
  const warnings = saturationWarnings(results).map((w) => paint(io, "yellow", `warning: ${w}`));
  if (warnings.length > 0) return warnings;
  return allSteady(results) ? [ALL_STEADY] : [];
}

// Runs by how they ended and calls by outcome, as the report's runs table prints them.
function runRows(results: Results): string[][] {
  return [
    [...RUN_COLUMNS],
    ...Object.entries(results.policies).map(([label, p]) => runCells(label, p.summary)),
  ];
}

// Per tenant: demand, p99s with their intervals, share of service, runs.
function tenantRows(results: Results): string[][] {
  const rows = [
    ["policy", "tenant", "demand", "wait p99", "run p99", "share", "completed", "failed/rejected"],
  ];
  for (const [label, p] of Object.entries(results.policies)) {
    for (const [tenant, t] of Object.entries(p.tenants)) {
      rows.push([
        label,
        tenant,
        num(t.demand),
        withInterval(t.intervals?.["wait.p99"], t.wait.p99),
        withInterval(t.intervals?.["runLatency.p99"], t.runLatency.p99),
        num(t.serviceShare),
        `${t.counts.completed}/${t.counts.submitted}`,
        `${t.counts.failed}/${t.counts.rejected}`,
      ]);
    }
  }
  return rows;
}

/** Policies side by side in the terminal's differences table: every pair up to this many. */
const ALL_PAIRS_UP_TO = 3;

/**
 * The pairs the terminal shows as columns (b − a): every pair for up to three policies; for
 * more, each policy against the verdict's leader (summary.md and results.json hold every pair).
 */
function shownPairs(results: Results): { pairs: [string, string][]; reference?: string } {
  const policies = Object.keys(results.policies);
  if (policies.length <= ALL_PAIRS_UP_TO) {
    const pairs: [string, string][] = [];
    for (let i = 0; i < policies.length; i++) {
      for (let j = i + 1; j < policies.length; j++) pairs.push([policies[i]!, policies[j]!]);
    }
    return { pairs };
  }
  const v = verdictOf(results);
  const reference = v.best ?? v.tied[0] ?? policies[0]!;
  return {
    pairs: policies.filter((p) => p !== reference).map((p) => [reference, p]),
    reference,
  };
}

// One row per headline metric, one column per pair shown; "*" marks a clear difference.
function comparisonRows(results: Results, pairs: readonly [string, string][]): string[][] {
  const rows = [["metric", ...pairs.map(([a, b]) => `${b} - ${a}`)]];
  for (const metric of comparedMetrics(results).filter(isHeadline)) {
    rows.push([
      metric,
      ...pairs.map(([a, b]) => {
        const c = pairOf(results, metric, a, b);
        if (c === undefined) return "-";
        const diff = `${c.diff > 0 ? "+" : ""}${num(c.diff)}`;
        if (c.ci95 === null) return `${diff} (no interval)`;
        return `${diff} [${num(c.ci95[0])}, ${num(c.ci95[1])}]${c.clear ? " *" : "  "}`;
      }),
    ]);
  }
  return rows;
}

/** The compare (and run) summary: header, tables, warnings, paired differences, verdict. */
/**
 * The jobs' percentile SLOs, a row per policy: the percentile's mean over replications, its 95%
 * interval and the verdict the interval gives. Empty when no job declares one.
 */
export function percentileSloLines(results: Results): string[] {
  const rows: string[][] = [["job", "SLO", "policy", "estimate", "95% interval", "verdict"]];
  for (const [policy, p] of Object.entries(results.policies)) {
    for (const [job, j] of Object.entries(p.jobs)) {
      for (const slo of j.percentileSlos ?? []) {
        const ci = slo.estimate.ci95;
        rows.push([
          job,
          `${slo.metric} <= ${num(slo.boundS)} s`,
          policy,
          num(slo.estimate.mean),
          ci === null ? "-" : `[${num(ci[0])}, ${num(ci[1])}]`,
          slo.holds === true
            ? "holds"
            : slo.holds === false
              ? "missed"
              : ci === null
                ? "undecided (one replication: no interval)"
                : "undecided (the interval straddles the bound)",
        ]);
      }
    }
  }
  if (rows.length === 1) return [];
  return ["", "Percentile SLOs (seconds):", ...layout(rows, 3).map((line) => `  ${line}`)];
}

export function compareTable(io: Pick<Io, "color">, results: Results): string {
  const policies = Object.keys(results.policies);
  const one = results.replications < 2;
  const lines = [
    paint(
      io,
      "bold",
      `${results.scenario}: ${policies.length} polic${policies.length === 1 ? "y" : "ies"} x ${results.replications} replication${results.replications === 1 ? "" : "s"}, seed ${results.seed}, measured from ${num(results.window.fromS)} s to ${num(results.window.toS)} s`,
    ),
    one
      ? `Latencies in seconds, of the one replication (${NO_INTERVAL}).`
      : "Latencies in seconds: the mean over replications ± the half-width of its 95% interval.",
    "",
    ...layout([
      HEADER,
      ...Object.entries(results.policies).map(([label, p]) => policyRow(label, p.summary)),
    ]),
  ];
  const shown = {
    summary: [
      "wait.p50",
      "wait.p95",
      "wait.p99",
      "runLatency.p50",
      "runLatency.p95",
      "runLatency.p99",
    ],
    tenants: ["wait.p99", "runLatency.p99"],
    stats: false,
  };
  if (hasCutInterval(results, shown)) lines.push(CUT_NOTE);
  const partial = Object.entries(results.policies).filter(
    ([, p]) =>
      p.summary.fairness.jain === null ||
      p.summary.fairness.jainReplications < results.replications,
  );
  for (const [label, p] of partial) {
    lines.push(`jain of ${label}: ${jainText(p.summary.fairness, results.replications)}`);
  }
  lines.push(
    "",
    `Runs and model calls (totals over ${results.replications} replication${one ? "" : "s"}; load: most loaded resource, offered / limit):`,
    ...layout(runRows(results)).map((line) => `  ${line}`),
  );
  if (hasRateLimits(results)) {
    lines.push(
      "",
      `Rate limits (per minute of the window, means over ${results.replications} replication${one ? "" : "s"}; offered: the window's arrivals' demand; sent: attempts made in the window, retries included; load: offered / limit; 429 share of those sent):`,
      ...layout([[...RATE_COLUMNS], ...rateRows(results)], 3).map((line) => `  ${line}`),
    );
  }
  lines.push("", "By tenant:", ...layout(tenantRows(results), 2).map((line) => `  ${line}`));
  lines.push(...percentileSloLines(results));
  const warnings = saturationLines(io, results);
  if (warnings.length > 0) lines.push("", ...warnings);
  if (results.comparisons.length > 0) {
    const { pairs, reference } = shownPairs(results);
    const k = policies.length;
    lines.push(
      "",
      one
        ? `Paired differences on the same seeds (b - a; ${NO_INTERVAL}, so nothing is clear):`
        : "Paired differences on the same seeds (b - a, seconds for latencies, 95% intervals; * clear: the interval excludes 0):",
      ...layout(comparisonRows(results, pairs)).map((line) => `  ${line}`),
    );
    if (reference !== undefined) {
      lines.push(
        `  (each policy against ${reference}; all ${(k * (k - 1)) / 2} pairs are in summary.md and results.json)`,
      );
    }
  }
  lines.push("", paint(io, "bold", `Verdict: ${verdictOf(results).sentence}`));
  return `${lines.join("\n")}\n`;
}

/**
 * The sweep summary: one row per point and policy, the warnings of points not steady, then the
 * sweep's verdict (a sentence a point).
 */
export function sweepTable(io: Pick<Io, "color">, results: Results): string {
  const sweep = results.sweep;
  if (sweep === undefined) return compareTable(io, results);
  const rows = [["point", ...HEADER, "failed", "429 share", "most loaded", "steady"]];
  for (const point of sweep.points) {
    const label = Object.entries(point.point)
      .map(([path, value]) => `${path.split(".").pop()}=${value}`)
      .join(" ");
    for (const [policy, p] of Object.entries(point.policies)) {
      const s = p.summary;
      rows.push([
        label,
        ...policyRow(policy, s),
        String(s.counts.failed),
        percent(rateLimitedShare(s)),
        mostLoaded(s),
        s.saturation.steady ? "yes" : "no",
      ]);
    }
  }
  const lines = [
    paint(
      io,
      "bold",
      `${results.scenario}: sweep of ${sweep.axes.map((a) => a.path).join(", ")} (${sweep.points.length} points x ${Object.keys(results.policies).length} policies x ${results.replications} replications, seed ${results.seed})`,
    ),
    "",
    ...layout(rows, 2),
  ];
  if (rows.some((r) => r.some((cell) => cell.includes(CUT_MARK)))) lines.push(CUT_NOTE);
  const jain = rows[0]!.indexOf("jain");
  if (rows.slice(1).some((r) => r[jain] === "-")) lines.push(`jain "-": ${JAIN_NOT_MEASURABLE}`);
  const warnings = saturationLines(io, results);
  if (warnings.length > 0) lines.push("", ...warnings);
  const verdict = sweepVerdictOf(results);
  if (verdict !== undefined) {
    const [head, ...rest] = verdict.lines;
    lines.push("", paint(io, "bold", `Verdict: ${head}`), ...rest.map((line) => `  ${line}`));
  }
  return `${lines.join("\n")}\n`;
}
