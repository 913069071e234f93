/**
 * summary.md: the tables a reviewer pastes into a design review, in GitHub-flavoured
 * Markdown. Everything a reader needs to trust a figure sits next to it: intervals, the number
 * of replications, and saturation warnings before any table.
 */
import type { PolicyResults, Results } from "../experiment/results.ts";
import { CELLS_CSV_COLUMNS } from "./cells-csv.ts";
import { count, fixed, interval, isNum, percent, seconds, signed } from "./format.ts";
import { metricFormat, metricUnit } from "./metric-format.ts";
import type { LatencyMetric } from "./percentiles.ts";
import { LATENCY_METRICS, PERCENTILES, percentileEstimate } from "./percentiles.ts";
import { TENANT_COLUMNS, tenantCells } from "./tenant-table.ts";
import { pointLabel, saturationWarnings, verdictOf } from "./verdict.ts";

const METRIC_HEADING: Record<LatencyMetric, string> = {
  wait: "Wait (turn ready → dispatched on a slot)",
  turnLatency: "Turn latency (turn ready → turn done)",
  runLatency: "Run latency (run arrives → run ends)",
};

/** summary.md for the results. */
export function summaryMarkdown(results: Results): string {
  const out: string[] = [];
  const policies = Object.keys(results.policies);
  out.push(`# ${results.scenario} — ${results.sweep ? "sweep" : "policy comparison"}`, "");
  if (results.description) out.push(...quote(results.description), "");
  out.push(
    `seed ${results.seed} · ${results.replications} replications · measurement window ` +
      `${seconds(results.window?.fromS)}–${seconds(results.window?.toS)} s · agentsim ${results.version}`,
    "",
  );
  out.push("## Verdict", "", `**${verdictOf(results).sentence}**`, "");
  const warnings = saturationWarnings(results);
  if (warnings.length > 0) {
    out.push("> [!WARNING]", "> **Saturated:** offered load exceeds capacity.", ">");
    for (const w of warnings) out.push(`> - ${w}`);
    out.push("");
  }
  if (results.check) out.push(...checkSection(results), "");
  if (policies.length > 0) {
    out.push(
      "## Latency",
      "",
      `Seconds. Each cell is the value averaged over ${results.replications} replications with its ` +
        "95% interval across replications (Student t).",
      "",
    );
    for (const metric of LATENCY_METRICS) {
      out.push(`### ${METRIC_HEADING[metric]}`, "");
      out.push(
        ...table(
          ["policy", "p50", "p95", "p99", "mean", "max"],
          policies.map((policy) => latencyRow(policy, results.policies[policy]!, metric)),
          "lrrrrr",
        ),
        "",
      );
    }
    out.push("## Throughput, utilization and fairness", "");
    out.push(
      ...table(
        [
          "policy",
          "runs/s",
          "output tokens/s",
          "utilization",
          "Jain's index",
          "max service gap",
          "SLO attainment",
          "wasted tokens",
          "saturated",
        ],
        policies.map((policy) => {
          const s = results.policies[policy]!.summary;
          return [
            policy,
            fixed(s.throughput?.runsPerSecond, 3),
            fixed(s.throughput?.tokensPerSecond, 1),
            percent(s.utilization),
            fixed(s.fairness?.jain, 3),
            count(s.fairness?.maxServiceGap),
            percent(s.sloAttainment),
            count(s.wastedTokens),
            s.saturation?.saturated ? "**yes**" : "no",
          ];
        }),
        "lrrrrrrrl",
      ),
      "",
    );
    out.push("## Per tenant", "");
    out.push(
      ...table(
        [...TENANT_COLUMNS, "head-of-line blocked (turn-s)"],
        policies.flatMap((policy) =>
          Object.entries(results.policies[policy]!.tenants).map(([tenant, t]) => [
            ...tenantCells(policy, tenant, t),
            count(t.headOfLineBlockedS),
          ]),
        ),
        "llrrrrrrr",
      ),
      "",
    );
    out.push("## Per job", "");
    out.push(
      ...table(
        [
          "policy",
          "job",
          "tenant",
          "priority",
          "wait p99 (s)",
          "run latency p95 (s)",
          "SLO attainment",
        ],
        policies.flatMap((policy) =>
          Object.entries(results.policies[policy]!.jobs).map(([job, j]) => [
            policy,
            job,
            j.tenant,
            String(j.priority),
            seconds(j.wait?.p99),
            seconds(j.runLatency?.p95),
            percent(j.sloAttainment),
          ]),
        ),
        "lllrrrr",
      ),
      "",
    );
  }
  if (results.comparisons.length > 0) out.push(...comparisonSection(results), "");
  if (results.sweep) out.push(...sweepSection(results), "");
  if (policies.length > 0) out.push(...governanceSection(results), "");
  out.push(...filesSection());
  return `${out.join("\n").trimEnd()}\n`;
}

function latencyRow(policy: string, p: PolicyResults, metric: LatencyMetric): string[] {
  const stat = p.summary[metric];
  const cells = PERCENTILES.map((q) => {
    const e = percentileEstimate(p, metric, q);
    return `${seconds(e.value)} ${interval(e.ci95)}`;
  });
  return [policy, ...cells, `${seconds(stat?.mean)} ${interval(stat?.ci95)}`, seconds(stat?.max)];
}

function comparisonSection(results: Results): string[] {
  const rows = results.comparisons.map((c) => {
    const format = metricFormat(c.metric);
    const clear = isNum(c.ci95?.[0]) && isNum(c.ci95?.[1]) && (c.ci95[0] > 0 || c.ci95[1] < 0);
    return [
      `${c.metric}${metricUnit(c.metric)}`,
      c.a,
      c.b,
      signed(c.diff, format),
      interval(c.ci95, format),
      clear ? "**yes**" : "no",
    ];
  });
  return [
    "## Paired differences",
    "",
    "b − a over the same seeds (common random numbers: both policies saw the same runs), with " +
      "the 95% interval of the per-replication differences. *Clear* means the interval excludes 0.",
    "",
    ...table(["metric", "a", "b", "b − a", "95% CI", "clear"], rows, "lllrrl"),
  ];
}

function sweepSection(results: Results): string[] {
  const rows: string[][] = [];
  for (const point of results.sweep!.points) {
    for (const [policy, p] of Object.entries(point.policies)) {
      const s = p.summary;
      rows.push([
        pointLabel(point.point),
        policy,
        fixed(s.saturation?.offeredPerS / s.saturation?.capacityPerS, 2),
        seconds(s.wait?.p99),
        seconds(s.runLatency?.p50),
        seconds(s.runLatency?.p95),
        fixed(s.fairness?.jain, 3),
        percent(s.sloAttainment),
        s.saturation?.saturated ? "**yes**" : "no",
      ]);
    }
  }
  return [
    "## Sweep",
    "",
    "Offered load is slot-seconds demanded per second of capacity (1 = saturated).",
    "",
    ...table(
      [
        "point",
        "policy",
        "offered load",
        "wait p99 (s)",
        "run latency p50 (s)",
        "run latency p95 (s)",
        "Jain's index",
        "SLO attainment",
        "saturated",
      ],
      rows,
      "llrrrrrrl",
    ),
  ];
}

function governanceSection(results: Results): string[] {
  const rows = Object.entries(results.policies).map(([policy, p]) => {
    const s = p.summary;
    return [
      policy,
      count(s.governance?.denials),
      count(s.isolation?.attempts),
      count(s.isolation?.refused),
      count(s.isolation?.succeeded),
      count(s.audit?.records),
      count(s.audit?.unaudited),
      count(s.audit?.withoutAuthority),
      s.audit?.verified === null || s.audit?.verified === undefined
        ? "not kept"
        : s.audit.verified
          ? "yes"
          : "**NO**",
    ];
  });
  return [
    "## Governance, isolation and audit",
    "",
    "Per replication, averaged. Isolation holds when no escape attempt succeeded; the audit is " +
      "complete when no action is unaudited.",
    "",
    ...table(
      [
        "policy",
        "denials",
        "escape attempts",
        "refused",
        "succeeded",
        "audit records",
        "unaudited",
        "without authority",
        "chain verified",
      ],
      rows,
      "lrrrrrrrl",
    ),
  ];
}

function checkSection(results: Results): string[] {
  const c = results.check!;
  const mark = (pass: boolean) => (pass ? "pass" : "**FAIL**");
  return [
    "## Checks",
    "",
    ...table(
      ["test", "verdict", "evidence"],
      [
        ["resource arbitration", mark(c.tests.arbitration.pass), c.tests.arbitration.evidence],
        [
          "workspace isolation",
          mark(c.tests.isolation.pass),
          c.tests.isolation.evidence ??
            `${count(c.tests.isolation.attempts)} attempts, ${count(c.tests.isolation.refused)} refused, ${count(c.tests.isolation.succeeded)} succeeded`,
        ],
        [
          "governance and audit",
          mark(c.tests.audit.pass),
          c.tests.audit.evidence ??
            `${count(c.tests.audit.records)} records, chain ${c.tests.audit.verified ? "verified" : "BROKEN"}, ${count(c.tests.audit.unaudited)} unaudited, ${count(c.tests.audit.withoutAuthority)} without authority`,
        ],
      ],
      "lll",
    ),
  ];
}

function filesSection(): string[] {
  return [
    "## Files",
    "",
    "- `results.json` — the machine-readable results (agentsim's results contract).",
    "- `cells.csv` — one row per policy, replication and tenant; columns:",
    ...CELLS_CSV_COLUMNS.map(([name, meaning]) => `  - \`${name}\`: ${meaning}`),
    "- `charts/` — each chart as a vega-lite spec (`.vl.json`), SVG and PNG.",
    "- `index.html` — the cockpit: this summary, the charts, the registry and the audit view; opens offline.",
    "- `trace.json` — slot and run timelines in the Chrome Trace Event format (open in ui.perfetto.dev or chrome://tracing).",
  ];
}

function quote(text: string): string[] {
  return text
    .trim()
    .split("\n")
    .map((line) => `> ${line}`);
}

/** A Markdown table; `align` has one letter per column: l(eft) or r(ight). */
function table(header: string[], rows: string[][], align: string): string[] {
  const rule = header.map((_, i) => (align[i] === "r" ? "---:" : "---"));
  const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(header), `| ${rule.join(" | ")} |`, ...rows.map(line)];
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
