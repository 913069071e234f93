/**
 * The cockpit's sections, each a function of the results (and rendered parts) to HTML. Every
 * section has an id, so reviewers can link to it.
 */
import type { Results } from "../../experiment/index.ts";
import type { AuditView } from "../audit-view.ts";
import { NO_INTERVAL } from "../comparisons.ts";
import {
  CUT_NOTE,
  count,
  fixed,
  interval,
  isNum,
  percent,
  seconds,
  signed,
  withInterval,
} from "../format.ts";
import { metricFormat, metricUnit } from "../metric-format.ts";
import {
  hasCutInterval,
  LATENCY_METRICS,
  METRIC_LABEL,
  percentileEstimate,
} from "../percentiles.ts";
import {
  hasRateLimits,
  NO_RATE_LIMITS,
  RATE_COLUMNS,
  RATE_NUMERIC,
  rateCaption,
  rateLimitedShare,
  rateRows,
} from "../rate-limits-table.ts";
import { mostLoaded, RUN_COLUMNS, RUN_NUMERIC, runCells, runsCaption } from "../runs-table.ts";
import { type SweepVerdict, sweepVerdictOf } from "../sweep-verdict.ts";
import { TENANT_COLUMNS, tenantCells } from "../tenant-table.ts";
import {
  ALL_STEADY,
  allSteady,
  jainText,
  pointLabel,
  saturationWarnings,
  verdictOf,
} from "../verdict.ts";
import { esc, htmlTable, scriptJson } from "./escape.ts";

/** A chart ready for the page: its SVG and what to say about it. */
export interface RenderedChart {
  name: string;
  title: string;
  caption: string;
  svg: string;
}

/** The section ids, in page order, with their headings (sweep only when there is one). */
export const SECTIONS = [
  ["question", "The question"],
  ["verdict", "Verdict"],
  ["summary", "At a glance"],
  ["contention", "Scheduler under contention"],
  ["sweep", "Sweep"],
  ["registry", "Registry of declared jobs"],
  ["audit", "Audit trail"],
  ["isolation", "Workspace isolation"],
  ["attribution", "Data and attribution"],
] as const;

function section(id: string, body: string): string {
  const heading = SECTIONS.find(([sid]) => sid === id)?.[1] ?? id;
  return `<section id="${id}">\n<h2>${esc(heading)}</h2>\n${body}\n</section>`;
}

function passFail(pass: boolean | null | undefined, yes = "pass", no = "FAIL"): string {
  if (pass === null || pass === undefined) return '<span class="muted">–</span>';
  return pass ? `<span class="pass">${esc(yes)}</span>` : `<span class="fail">${esc(no)}</span>`;
}

/** The question the scenario asks, and what was run to answer it. */
export function questionSection(results: Results): string {
  const r = results.registry;
  const facts = [
    `${r.tenants.length} tenants (${r.tenants.map((t) => `${esc(t.name)} ×${esc(t.weight)}`).join(", ")})`,
    `${r.jobs.length} jobs`,
    `endpoints ${r.endpoints.map((e) => `${esc(e.name)} (${esc(e.slots)} slots)`).join(", ")}`,
    `policies ${Object.keys(results.policies).map(esc).join(", ") || "–"}`,
    `${esc(results.replications)} replications from seed ${esc(results.seed)}`,
    `measured from ${esc(seconds(results.window?.fromS))} s to ${esc(seconds(results.window?.toS))} s of simulated time`,
  ];
  const description = results.description?.trim()
    ? `<blockquote class="question">${esc(results.description.trim())}</blockquote>`
    : '<p class="muted">The scenario has no description.</p>';
  return section("question", `${description}\n<p>${facts.join(" · ")}</p>`);
}

/** Which policy serves the quiet tenant best, the steady-state warnings, runs lost, the checks. */
export function verdictSection(results: Results): string {
  const sv = sweepVerdictOf(results);
  const v = verdictOf(results);
  const parts =
    sv === undefined
      ? [`<p class="verdict">${esc(v.sentence)}</p>`]
      : [
          `<p class="verdict">${esc(sv.lines[0]!)}</p>`,
          `<ul id="sweep-verdict">${sv.lines
            .slice(1)
            .map((line) => `<li>${esc(line)}</li>`)
            .join("")}</ul>`,
          sweepVerdictTable(sv),
        ];
  if (sv === undefined && v.byPolicy.length > 0) {
    const who = v.quietTenant ?? "all turns:";
    const highlighted = v.best === undefined ? v.tied : [v.best];
    parts.push(
      htmlTable(
        [
          "policy",
          `${who} wait p99 (s)`,
          `${who} run latency p95 (s)`,
          ...(v.quietTenant === undefined ? [] : [`${who} service share`]),
        ],
        v.byPolicy.map((b) => [
          highlighted.includes(b.policy) ? `<b>${esc(b.policy)}</b>` : esc(b.policy),
          esc(seconds(b.waitP99S)),
          esc(seconds(b.runLatencyP95S)),
          ...(v.quietTenant === undefined ? [] : [esc(percent(b.serviceShare))]),
        ]),
        { numeric: [1, 2, 3], id: "verdict-table" },
      ),
    );
  }
  const warnings = saturationWarnings(results);
  if (warnings.length > 0) {
    parts.push(
      `<div class="warning" id="saturation-warnings" role="alert"><b>⚠ Not steady state: a resource is saturated or runs were lost, so these figures do not describe a steady state.</b>` +
        `<ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul></div>`,
    );
  } else if (allSteady(results)) {
    parts.push(`<p id="saturation-warnings">${esc(ALL_STEADY)}</p>`);
  } else {
    parts.push(
      '<p class="muted" id="saturation-warnings">These results do not say whether the policies were steady.</p>',
    );
  }
  const policies = Object.entries(results.policies);
  if (policies.length > 0) {
    const first = results.sweep?.points[0];
    parts.push(
      htmlTable(
        [...RUN_COLUMNS],
        policies.map(([policy, p]) =>
          runCells(policy, p.summary).map((cell, i, all) =>
            i === all.length - 1 && cell === "no" ? '<span class="fail">no</span>' : esc(cell),
          ),
        ),
        {
          numeric: [...RUN_NUMERIC],
          id: "runs-table",
          caption:
            first === undefined
              ? runsCaption(results.replications)
              : `${runsCaption(results.replications)} First sweep point only: ${pointLabel(first.point)}.`,
        },
      ),
    );
    parts.push(
      hasRateLimits(results)
        ? htmlTable(
            [...RATE_COLUMNS],
            rateRows(results).map((row) => row.map(esc)),
            {
              numeric: [...RATE_NUMERIC],
              id: "rate-limits-table",
              caption:
                first === undefined
                  ? rateCaption(results.replications)
                  : `${rateCaption(results.replications)} First sweep point only: ${pointLabel(first.point)}.`,
            },
          )
        : `<p class="muted" id="rate-limits-table">${esc(NO_RATE_LIMITS)}</p>`,
    );
  }
  parts.push(checkTable(results));
  return section("verdict", parts.join("\n"));
}

function checkTable(results: Results): string {
  const c = results.check;
  if (c === undefined) {
    return '<p class="muted" id="checks">The three checks (<code>agentsim check</code>) did not run for these results.</p>';
  }
  const t = c.tests;
  return (
    `<h3 id="checks">Checks: ${passFail(c.pass, "all pass", "a check FAILED")}</h3>` +
    htmlTable(
      ["question", "verdict", "evidence"],
      [
        ["1. Resource arbitration", passFail(t.arbitration.pass), esc(t.arbitration.evidence)],
        [
          "2. Workspace isolation",
          passFail(t.isolation.pass),
          esc(
            t.isolation.evidence ??
              `${count(t.isolation.attempts)} escape attempts, ${count(t.isolation.refused)} refused, ${count(t.isolation.succeeded)} succeeded`,
          ),
        ],
        [
          "3. Governance and audit",
          passFail(t.audit.pass),
          esc(
            t.audit.evidence ??
              `${count(t.audit.records)} records, chain ${t.audit.verified ? "verified" : "BROKEN"}, ` +
                `${count(t.audit.unaudited)} unaudited actions, ${count(t.audit.withoutAuthority)} without authority`,
          ),
        ],
      ],
    )
  );
}

// The intervals the summary section prints.
const COCKPIT_INTERVALS = {
  summary: [
    ...LATENCY_METRICS.flatMap((m) => [`${m}.p50`, `${m}.p99`]),
    "fairness.jain",
    "sloAttainment",
  ],
  tenants: ["wait.p99"],
  stats: false,
};

/** A sweep's verdict as a table: a row a point, the judged wait p99 of each policy (best in bold). */
function sweepVerdictTable(sv: SweepVerdict): string {
  const policies = [...new Set(sv.points.flatMap((p) => p.verdict.byPolicy.map((b) => b.policy)))];
  const who = sv.quietTenant === undefined ? "all turns" : sv.quietTenant;
  return htmlTable(
    ["point", ...policies.map((p) => `${p}: ${who} wait p99 (s)`), "best", "not steady"],
    sv.points.map((pt) => {
      const highlighted = pt.verdict.best === undefined ? pt.verdict.tied : [pt.verdict.best];
      return [
        esc(pt.label),
        ...policies.map((policy) => {
          const b = pt.verdict.byPolicy.find((r) => r.policy === policy);
          const cell = esc(seconds(b?.waitP99S));
          return highlighted.includes(policy) ? `<b>${cell}</b>` : cell;
        }),
        esc(
          pt.verdict.best ??
            (pt.verdict.tied.length > 0 ? `tie: ${pt.verdict.tied.join(", ")}` : "–"),
        ),
        pt.notSteady.length === 0
          ? "–"
          : `<span class="fail">${esc(pt.notSteady.join(", "))}</span>`,
      ];
    }),
    {
      numeric: policies.map((_, i) => i + 1),
      id: "verdict-table",
      caption: "The verdict at each point: bold, the best policy or those that tie",
    },
  );
}

/**
 * A sweep's figures at a glance: a row per point and policy with the run latency percentiles
 * and their 95% intervals, SLO attainment and whether it was steady.
 */
function sweepGlance(results: Results): string {
  const rows = results.sweep!.points.flatMap((point) =>
    Object.entries(point.policies).map(([policy, p]) => {
      const s = p.summary;
      const latency = (["p50", "p95", "p99"] as const).map((q) => {
        const e = s.intervals?.[`runLatency.${q}`];
        const ci = interval(e?.ci95, seconds, e?.truncated);
        const value = esc(seconds(s.runLatency?.[q]));
        return ci === "" ? value : `${value} <span class="muted">${esc(ci)}</span>`;
      });
      return [
        esc(pointLabel(point.point)),
        esc(policy),
        ...latency,
        esc(withInterval(s.sloAttainment, s.intervals?.sloAttainment, percent)),
        s.saturation?.steady === false
          ? '<span class="fail">no</span>'
          : s.saturation?.steady
            ? "yes"
            : "–",
      ];
    }),
  );
  return section(
    "summary",
    htmlTable(
      [
        "point",
        "policy",
        "run latency p50 (s)",
        "run latency p95 (s)",
        "run latency p99 (s)",
        "SLO attainment",
        "steady",
      ],
      rows,
      {
        numeric: [2, 3, 4, 5],
        id: "sweep-glance",
        caption:
          results.replications < 2
            ? `Every sweep point (${NO_INTERVAL})`
            : "Every sweep point, with 95% intervals across replications",
      },
    ),
  );
}

/** The summary tables: per policy and per tenant; for a sweep, a row per point and policy. */
export function summarySection(results: Results): string {
  if (results.sweep !== undefined && results.sweep.points.length > 0) return sweepGlance(results);
  const policies = Object.entries(results.policies);
  if (policies.length === 0) return section("summary", '<p class="muted">No policy results.</p>');
  const latency = htmlTable(
    [
      "policy",
      ...LATENCY_METRICS.flatMap((m) => [
        `${METRIC_LABEL[m]} p50 (s)`,
        `${METRIC_LABEL[m]} p99 (s)`,
      ]),
    ],
    policies.map(([policy, p]) => [
      esc(policy),
      ...LATENCY_METRICS.flatMap((m) =>
        (["p50", "p99"] as const).map((q) => {
          const e = percentileEstimate(p, m, q);
          const ci = interval(e.ci95, seconds, e.truncated);
          return ci === ""
            ? esc(seconds(e.value))
            : `${esc(seconds(e.value))} <span class="muted">${esc(ci)}</span>`;
        }),
      ),
    ]),
    {
      numeric: [1, 2, 3, 4, 5, 6],
      caption:
        results.replications < 2
          ? `Latency (${NO_INTERVAL})`
          : `Latency, with 95% intervals across replications.${hasCutInterval(results, COCKPIT_INTERVALS) ? ` ${CUT_NOTE}` : ""}`,
    },
  );
  const service = htmlTable(
    [
      "policy",
      "runs/s",
      "output tokens/s",
      "utilization",
      "Jain's index",
      "SLO attainment",
      "wasted tokens",
    ],
    policies.map(([policy, p]) => {
      const s = p.summary;
      const jain = jainText(s.fairness, results.replications);
      const jainCi = s.intervals?.["fairness.jain"];
      return [
        esc(policy),
        esc(fixed(s.throughput?.runsPerSecond, 3)),
        esc(fixed(s.throughput?.tokensPerSecond, 1)),
        esc(percent(s.utilization)),
        esc(
          s.fairness?.jain === null
            ? jain
            : `${jain} ${interval(jainCi?.ci95, (x) => fixed(x, 3), jainCi?.truncated)}`.trim(),
        ),
        esc(withInterval(s.sloAttainment, s.intervals?.sloAttainment, percent)),
        esc(count(s.wastedTokens)),
      ];
    }),
    { numeric: [1, 2, 3, 4, 5, 6], caption: "Throughput, utilization and fairness" },
  );
  const tenants = htmlTable(
    [...TENANT_COLUMNS],
    policies.flatMap(([policy, p]) =>
      Object.entries(p.tenants).map(([tenant, t]) => tenantCells(policy, tenant, t).map(esc)),
    ),
    { numeric: [2, 3, 4, 5, 6, 7, 8, 9], caption: "Per tenant" },
  );
  return section("summary", [latency, service, tenants].join("\n"));
}

/** The charts, then the paired differences. */
export function contentionSection(results: Results, charts: readonly RenderedChart[]): string {
  const figures = charts.map(
    (c) =>
      `<figure id="chart-${esc(c.name)}">\n${c.svg}\n<figcaption><b>${esc(c.title)}.</b> ${esc(c.caption)}</figcaption>\n</figure>`,
  );
  const parts =
    figures.length > 0 ? figures : ['<p class="muted">No chart data in these results.</p>'];
  const first = results.sweep?.points[0];
  if (first !== undefined && figures.length > 0) {
    parts.unshift(
      `<p class="muted" id="first-point-note">Charts other than those against the swept variable, and the paired differences, are of the first sweep point only: ${esc(pointLabel(first.point))}.</p>`,
    );
  }
  if (results.comparisons.length > 0) {
    const k = Object.keys(results.policies).length;
    parts.push(
      '<h3 id="differences">Paired differences (b − a on the same seeds)</h3>',
      `<p>Every pair of the ${k} policies (${(k * (k - 1)) / 2} a metric). Both policies saw the ` +
        "same runs (common random numbers), so the interval of the n per-replication differences " +
        "is much narrower than comparing two separate intervals. <i>Clear</i>: the interval " +
        "excludes 0; with one replication there is no interval and nothing is clear.</p>",
      htmlTable(
        ["metric", "a", "b", "n", "b − a", "95% interval", "clear"],
        results.comparisons.map((c) => {
          const format = metricFormat(c.metric);
          return [
            esc(`${c.metric}${metricUnit(c.metric)}`),
            esc(c.a),
            esc(c.b),
            esc(count(c.n)),
            esc(signed(c.diff, format)),
            esc(c.ci95 === null || c.ci95 === undefined ? NO_INTERVAL : interval(c.ci95, format)),
            c.clear === true ? "<b>yes</b>" : "no",
          ];
        }),
        { numeric: [3, 4, 5], id: "differences-table" },
      ),
    );
  }
  return section("contention", parts.join("\n"));
}

/** The sweep's points as a table; empty when the results hold no sweep. */
export function sweepSection(results: Results): string {
  if (!results.sweep) return "";
  const rows = results.sweep.points.flatMap((point) =>
    Object.entries(point.policies).map(([policy, p]) => {
      const s = p.summary;
      return [
        esc(pointLabel(point.point)),
        esc(policy),
        esc(fixed(s.saturation?.offeredPerS / s.saturation?.capacityPerS, 2)),
        esc(mostLoaded(s)),
        esc(percent(rateLimitedShare(s))),
        esc(seconds(s.runLatency?.p50)),
        esc(seconds(s.runLatency?.p95)),
        esc(s.fairness?.jain === null ? "not measurable" : fixed(s.fairness?.jain, 3)),
        esc(percent(s.sloAttainment)),
        s.saturation?.steady === false
          ? '<span class="fail">no</span>'
          : s.saturation?.steady
            ? "yes"
            : "–",
      ];
    }),
  );
  const axes = results.sweep.axes.map(
    (a) => `<code>${esc(a.path)}</code> = ${a.values.map(esc).join(", ")}`,
  );
  return section(
    "sweep",
    `<p>Varied: ${axes.join("; ")}. Offered load is slot-seconds demanded per second of capacity. Most loaded: the offered load over the limit of the most loaded resource (slots, a rate limit, a tool quota). 429 share: attempts made in the window refused with 429, over all endpoints.</p>` +
      htmlTable(
        [
          "point",
          "policy",
          "offered load",
          "most loaded",
          "429 share",
          "run latency p50 (s)",
          "run latency p95 (s)",
          "Jain's index",
          "SLO attainment",
          "steady",
        ],
        rows,
        { numeric: [2, 4, 5, 6, 7, 8] },
      ),
  );
}

/** Tenants, endpoints and every declared job with its governance metadata. */
export function registrySection(results: Results): string {
  const r = results.registry;
  const list = (xs: readonly string[] | undefined) =>
    xs && xs.length > 0
      ? xs.map((x) => `<span class="tag">${esc(x)}</span>`).join(" ")
      : '<span class="muted">none</span>';
  const jobs = htmlTable(
    [
      "job",
      "tenant",
      "priority",
      "owner",
      "authorized by",
      "purpose",
      "risk class",
      "tools",
      "data scopes",
      "token budget",
      "SLO",
    ],
    r.jobs.map((j) => {
      const g = j.governance;
      const slo = [
        isNum(j.slo?.runLatencyS) ? `run ≤ ${j.slo.runLatencyS} s` : "",
        isNum(j.slo?.waitS) ? `wait ≤ ${j.slo.waitS} s` : "",
      ].filter((x) => x !== "");
      return [
        `<b>${esc(j.name)}</b>`,
        esc(j.tenant),
        esc(j.priority),
        esc(g?.owner),
        esc(g?.authorizedBy),
        esc(g?.purpose),
        esc(g?.riskClass),
        list(g?.tools),
        list(g?.dataScopes),
        isNum(g?.tokenBudget) ? esc(count(g.tokenBudget)) : '<span class="muted">none</span>',
        slo.length > 0 ? esc(slo.join(", ")) : '<span class="muted">none</span>',
      ];
    }),
    { id: "registry-table", caption: "Jobs and their declared governance" },
  );
  const tenants = htmlTable(
    ["tenant", "weight"],
    r.tenants.map((t) => [esc(t.name), esc(t.weight)]),
    { numeric: [1], caption: "Tenants" },
  );
  const endpoints = htmlTable(
    ["endpoint", "slots"],
    r.endpoints.map((e) => [esc(e.name), esc(e.slots)]),
    { numeric: [1], caption: "Endpoints" },
  );
  return section(
    "registry",
    "<p>Every action of a run is checked against its job's declaration: tools and data scopes " +
      "outside the grant are denied and audited.</p>\n" +
      [jobs, tenants, endpoints].join("\n"),
  );
}

/** The audit summary per policy and, when trails were given, the filterable audit table. */
export function auditSection(results: Results, audits: readonly AuditView[]): string {
  const summary = htmlTable(
    [
      "policy",
      "records (per replication)",
      "unaudited actions",
      "without authority",
      "governance denials",
      "chain verified in the run",
    ],
    Object.entries(results.policies).map(([policy, p]) => {
      const a = p.summary.audit;
      return [
        esc(policy),
        esc(count(a?.records)),
        a?.unaudited === 0 ? "0" : `<span class="fail">${esc(count(a?.unaudited))}</span>`,
        a?.withoutAuthority === 0
          ? "0"
          : `<span class="fail">${esc(count(a?.withoutAuthority))}</span>`,
        esc(count(p.summary.governance?.denials)),
        a?.verified === null || a?.verified === undefined
          ? '<span class="muted">summary only</span>'
          : passFail(a.verified, "verified", "BROKEN"),
      ];
    }),
    { numeric: [1, 2, 3, 4], caption: "What the runs recorded" },
  );
  if (audits.length === 0) {
    return section(
      "audit",
      summary +
        '\n<p class="muted" id="audit-files">No audit.jsonl was given for this report. Run ' +
        "<code>agentsim compare --audit FILE</code> to keep one per policy; the report then lists " +
        "its records here and verifies its chain.</p>",
    );
  }
  const files = htmlTable(
    ["policy", "file", "records in file", "shown", "chain verification"],
    audits.map((a) => [
      esc(a.policy),
      `<code>${esc(a.path)}</code>`,
      esc(count(a.total)),
      esc(count(a.records.length)),
      a.verify.ok
        ? `<span class="pass">verified</span> — ${esc(count(a.verify.verified))} hashes checked, sealed`
        : `<span class="fail">BROKEN</span> at record ${esc(a.verify.seq)}${a.verify.line !== undefined ? ` (line ${esc(a.verify.line)})` : ""}: ${esc(a.verify.reason)}`,
    ]),
    {
      numeric: [2, 3],
      id: "audit-files",
      caption: "Audit trails (first replication of each policy)",
    },
  );
  const data = {
    policies: audits.map((a) => ({
      policy: a.policy,
      total: a.total,
      rows: a.records.map((r) => [
        r.seq,
        r.time,
        r.run,
        r.job,
        r.tenant,
        r.action,
        r.target,
        r.decision,
        r.authorizedBy,
        r.detail,
        r.hash.slice(0, 12),
      ]),
    })),
  };
  const select = (id: string, label: string) =>
    `<label for="${id}">${esc(label)}<select id="${id}"><option value="*">all</option></select></label>`;
  const text = (id: string, label: string, placeholder: string) =>
    `<label for="${id}">${esc(label)}<input id="${id}" type="search" placeholder="${esc(placeholder)}" autocomplete="off"></label>`;
  const filters =
    '<div class="filters" id="audit-filters">' +
    select("filter-policy", "policy") +
    text("filter-run", "run", "e.g. ticket-triage#12") +
    text("filter-job", "job", "e.g. ticket-triage") +
    select("filter-action", "action") +
    select("filter-decision", "decision") +
    select("filter-authorizer", "authorized by") +
    '<span id="audit-count" class="muted" aria-live="polite"></span></div>';
  const table =
    '<div class="table-wrap"><table id="audit-table"><thead><tr>' +
    [
      "policy",
      "seq",
      "time (s)",
      "run",
      "job",
      "tenant",
      "action",
      "target",
      "decision",
      "authorized by",
      "detail",
      "hash",
    ]
      .map((h) => `<th scope="col">${esc(h)}</th>`)
      .join("") +
    "</tr></thead><tbody></tbody></table></div>" +
    "<noscript><p>The audit table needs JavaScript (inline, no network).</p></noscript>";
  return section(
    "audit",
    [
      summary,
      files,
      "<p>The first records of each trail, filterable. Hashes are shortened to 12 hex digits; " +
        "<code>agentsim audit verify FILE</code> checks the full chain.</p>",
      filters,
      table,
      `<script type="application/json" id="audit-data">${scriptJson(data)}</script>`,
    ].join("\n"),
  );
}

/** Escape attempts against workspaces, per policy, and the check's verdict when it ran. */
export function isolationSection(results: Results): string {
  const rows = Object.entries(results.policies).map(([policy, p]) => {
    const i = p.summary.isolation;
    return [
      esc(policy),
      esc(count(i?.attempts)),
      esc(count(i?.refused)),
      i?.succeeded === 0 ? "0" : `<span class="fail">${esc(count(i?.succeeded))}</span>`,
      passFail(i !== undefined && i.succeeded === 0, "isolated", "BREACHED"),
    ];
  });
  const table = htmlTable(["policy", "escape attempts", "refused", "succeeded", "verdict"], rows, {
    numeric: [1, 2, 3],
    id: "isolation-table",
  });
  const attempts = Object.values(results.policies).reduce(
    (s, p) => s + (p.summary.isolation?.attempts ?? 0),
    0,
  );
  const note =
    attempts === 0
      ? '<p class="muted">No job in this scenario tries to escape its workspace (declare <code>behaviour</code> on a job to test it); <code>agentsim check</code> runs such attempts.</p>'
      : "<p>Each attempt to reach another run's workspace (<code>..</code>, absolute paths, other runs' names) must be refused and audited: succeeded must be 0.</p>";
  const check = results.check
    ? `<p>Check: ${passFail(results.check.tests.isolation.pass)} — ${esc(count(results.check.tests.isolation.attempts))} attempts, ${esc(count(results.check.tests.isolation.refused))} refused, ${esc(count(results.check.tests.isolation.succeeded))} succeeded.</p>`
    : "";
  return section("isolation", note + table + check);
}

/** Which traces were replayed, with the attribution their licences require. */
export function attributionSection(results: Results): string {
  const items = results.traces.map((t) => `<li>${traceAttribution(t)}</li>`);
  const traces =
    items.length > 0
      ? `<p>Workload replayed from recorded traces:</p><ul>${items.join("")}</ul>`
      : "<p>No trace was replayed: every arrival and token count was drawn from the scenario's distributions.</p>";
  return section(
    "attribution",
    traces +
      "<p>Charts made with Vega-Lite and rendered with Vega (BSD-3-Clause); everything on this page is inline, so it opens offline.</p>",
  );
}

function traceAttribution(t: Results["traces"][number]): string {
  const what = `job <b>${esc(t.job)}</b>: ${esc(count(t.runs))} runs from <code>${esc(t.file)}</code> (${esc(t.format)})`;
  if (t.format === "azure-llm-csv" || /azurellminference/i.test(t.file)) {
    return (
      `${what}. <i>Azure LLM inference trace 2023</i>, Azure Public Dataset, © Microsoft, licensed ` +
      "under Creative Commons Attribution 4.0 International (CC-BY 4.0). Cite: Patel et al., " +
      "“Splitwise: Efficient generative LLM inference using phase splitting”, ISCA 2024."
    );
  }
  if (t.format === "agent-sessions-jsonl") {
    const synthetic = /synthetic/i.test(t.file);
    return synthetic
      ? `${what}. Synthetic sessions in the layout of the GitHub Copilot coding-agent traces (Azure Public Dataset); no real session is in the file.`
      : `${what}. GitHub Copilot coding-agent traces, Azure Public Dataset, CC-BY 4.0. Cite: Liu, Qiu, Goiri, Fonseca, Bianchini, Choukse, “Agentic Coding in the Wild: Characterizing GitHub Copilot Traces at Production Scale”, arXiv 2608.00101 (2026).`;
  }
  return `${what}.`;
}
