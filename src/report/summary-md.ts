/**
 * summary.md: the tables a reviewer pastes into a design review, in GitHub-flavoured
 * Markdown. Everything a reader needs to trust a figure sits next to it: intervals, the number
 * of replications, and saturation warnings before any table.
 */
import type { PolicyResults, Results } from "../experiment/index.ts";
import { cellsCsvColumns, SWEEP_AXIS_COLUMN } from "./cells-csv.ts";
import { NO_INTERVAL } from "./comparisons.ts";
import {
  CUT_NOTE,
  count,
  fixed,
  interval,
  percent,
  seconds,
  signed,
  withInterval,
} from "./format.ts";
import { metricFormat, metricUnit } from "./metric-format.ts";
import type { LatencyMetric } from "./percentiles.ts";
import { hasCutInterval, LATENCY_METRICS, PERCENTILES, percentileEstimate } from "./percentiles.ts";
import {
  hasRateLimits,
  NO_RATE_LIMITS,
  RATE_COLUMNS,
  rateCaption,
  rateLimitedShare,
  rateRows,
} from "./rate-limits-table.ts";
import { mostLoaded, RUN_COLUMNS, runCells, runsCaption } from "./runs-table.ts";
import { sweepVerdictOf } from "./sweep-verdict.ts";
import { TENANT_COLUMNS, tenantCells } from "./tenant-table.ts";
import {
  ALL_STEADY,
  allSteady,
  jainText,
  pointLabel,
  saturationWarnings,
  verdictOf,
} from "./verdict.ts";

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
  const sweepVerdict = sweepVerdictOf(results);
  if (sweepVerdict === undefined)
    out.push("## Verdict", "", `**${verdictOf(results).sentence}**`, "");
  else {
    const [head, ...points] = sweepVerdict.lines;
    out.push("## Verdict", "", `**${head}**`, "", ...points.map((line) => `- ${line}`), "");
  }
  const warnings = saturationWarnings(results);
  if (warnings.length > 0) {
    out.push(
      "> [!WARNING]",
      "> **Not steady state:** a resource is saturated or runs were lost, so these figures do not describe a steady state.",
      ">",
    );
    for (const w of warnings) out.push(`> - ${w}`);
    out.push("");
  } else if (allSteady(results)) {
    out.push(ALL_STEADY, "");
  }
  if (results.check) out.push(...checkSection(results), "");
  if (policies.length > 0) {
    if (results.sweep !== undefined) {
      out.push(
        `> The tables from here to "Sweep" are of the first sweep point only, ${pointLabel(results.sweep.points[0]?.point ?? {})}; the sweep table has every point.`,
        "",
      );
    }
    out.push("## Runs and model calls", "", runsCaption(results.replications), "");
    out.push(
      ...table(
        [...RUN_COLUMNS],
        policies.map((policy) => {
          const cells = runCells(policy, results.policies[policy]!.summary);
          if (cells.at(-1) === "no") cells[cells.length - 1] = "**no**";
          return cells;
        }),
        "lrrrrrrrrrrl",
      ),
      "",
    );
    out.push("## Rate limits", "");
    if (hasRateLimits(results)) {
      out.push(
        rateCaption(results.replications),
        "",
        ...table([...RATE_COLUMNS], rateRows(results), "lllrrrrrr"),
        "",
      );
    } else {
      out.push(NO_RATE_LIMITS, "");
    }
    out.push("## Latency", "", intervalNote(results), "");
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
        ],
        policies.map((policy) => {
          const s = results.policies[policy]!.summary;
          const jain = jainText(s.fairness, results.replications);
          return [
            policy,
            fixed(s.throughput?.runsPerSecond, 3),
            fixed(s.throughput?.tokensPerSecond, 1),
            percent(s.utilization),
            s.fairness?.jain === null
              ? jain
              : `${jain} ${interval(s.intervals?.["fairness.jain"]?.ci95, three, s.intervals?.["fairness.jain"]?.truncated)}`.trim(),
            count(s.fairness?.maxServiceGap),
            withInterval(s.sloAttainment, s.intervals?.sloAttainment, percent),
            count(s.wastedTokens),
          ];
        }),
        "lrrrrrrr",
      ),
      "",
      "Jain's index: each tenant's service in the window over its weighted max-min fair share of " +
        "the service delivered (1: every tenant got its fair share); not measurable with fewer " +
        "than two tenants with demand.",
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
        "llrrrrrrrrr",
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
  out.push(...filesSection(results));
  return `${out.join("\n").trimEnd()}\n`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function three(x: number): string {
  return fixed(x, 3);
}

/** What the tables' intervals are, or that there are none. */
function intervalNote(results: Results): string {
  if (results.replications < 2)
    return `Seconds. ${capitalized(NO_INTERVAL)}: each cell is that replication's value.`;
  return (
    `Seconds. Each cell is the value averaged over ${results.replications} replications with its ` +
    "95% interval across replications (Student t)." +
    (hasCutInterval(results, {
      summary: [
        ...LATENCY_METRICS.flatMap((m) => PERCENTILES.map((q) => `${m}.${q}`)),
        "fairness.jain",
        "sloAttainment",
      ],
      tenants: ["wait.p99"],
      stats: true,
    })
      ? ` ${CUT_NOTE}`
      : "")
  );
}

function latencyRow(policy: string, p: PolicyResults, metric: LatencyMetric): string[] {
  const stat = p.summary[metric];
  const cells = PERCENTILES.map((q) => {
    const e = percentileEstimate(p, metric, q);
    return withInterval(e.value, e);
  });
  return [policy, ...cells, withInterval(stat?.mean, stat), seconds(stat?.max)];
}

function comparisonSection(results: Results): string[] {
  const rows = results.comparisons.map((c) => {
    const format = metricFormat(c.metric);
    return [
      `${c.metric}${metricUnit(c.metric)}`,
      c.a,
      c.b,
      count(c.n),
      signed(c.diff, format),
      c.ci95 === null || c.ci95 === undefined ? NO_INTERVAL : interval(c.ci95, format),
      c.clear === true ? "**yes**" : "no",
    ];
  });
  const k = Object.keys(results.policies).length;
  return [
    "## Paired differences",
    "",
    `Every pair of the ${k} policies (${(k * (k - 1)) / 2} pairs a metric), b − a over the same ` +
      "seeds (common random numbers: both policies saw the same runs), with the 95% interval of " +
      "the n per-replication differences. *Clear* means the interval excludes 0; with one " +
      "replication there is no interval and nothing is clear.",
    "",
    ...table(["metric", "a", "b", "n", "b − a", "95% CI", "clear"], rows, "lllrrrl"),
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
        mostLoaded(s),
        percent(rateLimitedShare(s)),
        seconds(s.wait?.p99),
        seconds(s.runLatency?.p50),
        seconds(s.runLatency?.p95),
        s.fairness?.jain === null ? "not measurable" : fixed(s.fairness?.jain, 3),
        percent(s.sloAttainment),
        s.saturation?.steady === false ? "**no**" : s.saturation?.steady ? "yes" : "–",
      ]);
    }
  }
  return [
    "## Sweep",
    "",
    "Offered load is slot-seconds demanded per second of capacity (1 = saturated). Most loaded: " +
      "the offered load over the limit of the most loaded resource (slots, a rate limit, a tool " +
      "quota). 429 share: attempts made in the window refused with 429, over all endpoints.",
    "",
    ...table(
      [
        "point",
        "policy",
        "offered load",
        "most loaded",
        "429 share",
        "wait p99 (s)",
        "run latency p50 (s)",
        "run latency p95 (s)",
        "Jain's index",
        "SLO attainment",
        "steady",
      ],
      rows,
      "llrlrrrrrrl",
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
    `Totals over ${results.replications} replication${results.replications === 1 ? "" : "s"}. ` +
      "Isolation holds when no escape attempt succeeded; the audit is complete when no action is " +
      "unaudited.",
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
  // null: the test had nothing to look at (not exercised), which is not a pass.
  const mark = (pass: boolean | null) =>
    pass === null ? "not exercised" : pass ? "pass" : "**FAIL**";
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
        ...(c.tests.slo === undefined
          ? []
          : [["percentile SLOs", mark(c.tests.slo.pass), c.tests.slo.evidence]]),
      ],
      "lll",
    ),
  ];
}

function filesSection(results: Results): string[] {
  return [
    "## Files",
    "",
    "- `results.json` — the machine-readable results (agentsim's results contract).",
    results.sweep === undefined
      ? "- `cells.csv` — one row per policy, replication and tenant; columns:"
      : `- \`cells.csv\` — one row per sweep point, policy, replication and tenant, with ${SWEEP_AXIS_COLUMN}; columns:`,
    ...cellsCsvColumns(results).map(([name, meaning]) => `  - \`${name}\`: ${meaning}`),
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
