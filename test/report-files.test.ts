import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditTrail } from "../src/audit/index.ts";
import type { Results } from "../src/experiment/results.ts";
import type { ChromeTrace, TraceEvent } from "../src/report/index.ts";
import {
  CELLS_CSV_COLUMNS,
  chromeTrace,
  cockpitHtml,
  RUN_TID_BASE,
  readAuditView,
  SECTIONS,
  summaryMarkdown,
  verdictOf,
  writeReport,
} from "../src/report/index.ts";
import { RunTracks } from "../src/report/trace.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const comparison = JSON.parse(
  readFileSync(new URL("results-sample.json", FIXTURES), "utf8"),
) as Results;
const sweep = JSON.parse(
  readFileSync(new URL("results-sample-sweep.json", FIXTURES), "utf8"),
) as Results;
const TMP = new URL("./.tmp/report-files/", import.meta.url).pathname;

/**
 * A small audit trail with every kind of record the trace and audit view show: runs of two
 * jobs, model calls with an error and a retry, tool calls, a denied tool call, an abort.
 */
function writeTrail(path: string): void {
  const trail = new AuditTrail({ mode: "memory" });
  let timeS = 1;
  const runs = [
    {
      run: "ticket-triage#0",
      job: "ticket-triage",
      tenant: "support",
      authorizedBy: "head-of-support",
    },
    { run: "nightly-summaries#0", job: "nightly-summaries", tenant: "batch", authorizedBy: "cfo" },
    {
      run: "ticket-triage#1",
      job: "ticket-triage",
      tenant: "support",
      authorizedBy: "head-of-support",
    },
  ];
  runs.forEach((identity, i) => {
    const a = trail.actor(identity);
    trail.append(timeS, a, "run.start", identity.job, "ok");
    trail.append(timeS, a, "model.call", "llm", "allow");
    trail.append(timeS, a, "turn.dispatch", "llm", "ok");
    timeS += 2;
    if (i === 1) {
      trail.append(timeS, a, "model.result", "llm", "error", "5xx server error");
      trail.append(timeS, a, "retry", identity.job, "ok", "attempt 2 after error, backoff 0.5s");
      timeS += 0.5;
      trail.append(timeS, a, "model.call", "llm", "allow");
      trail.append(timeS, a, "turn.dispatch", "llm", "ok");
      timeS += 1;
      trail.append(timeS, a, "abort", "llm", "error", "timeout: partial tokens lost");
      trail.append(timeS, a, "run.end", identity.job, "error", "model call failed after retries");
      return;
    }
    trail.append(timeS, a, "model.result", "llm", "ok");
    trail.append(timeS, a, "tool.call", "crm-search", "allow");
    timeS += 0.25;
    trail.append(timeS, a, "tool.result", "crm-search", "ok");
    trail.append(timeS, a, "tool.call", "payments", "deny", "tool not granted to ticket-triage");
    trail.append(timeS, a, "run.end", identity.job, "ok");
    timeS += 1;
  });
  trail.seal(timeS);
  trail.writeJsonl(path);
}

/** Every file under `dir`, relative to it, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out;
}

/** Problems with the shape of a Chrome trace: fields, types, and slices properly nested per track. */
function traceProblems(trace: ChromeTrace): string[] {
  const problems: string[] = [];
  if (!Array.isArray(trace.traceEvents)) return ["traceEvents is not an array"];
  const slices = new Map<string, TraceEvent[]>();
  trace.traceEvents.forEach((e, i) => {
    const where = `event ${i} (${e.name})`;
    if (typeof e.name !== "string" || e.name === "") problems.push(`${where}: name`);
    if (!["X", "i", "M"].includes(e.ph)) problems.push(`${where}: ph ${e.ph}`);
    if (!Number.isInteger(e.pid) || e.pid < 1) problems.push(`${where}: pid ${e.pid}`);
    if (!Number.isInteger(e.tid) || e.tid < 0) problems.push(`${where}: tid ${e.tid}`);
    if (e.ph === "M") {
      if (e.args === undefined) problems.push(`${where}: metadata without args`);
      return;
    }
    if (!Number.isFinite(e.ts) || e.ts! < 0) problems.push(`${where}: ts ${e.ts}`);
    if (e.ph === "X") {
      if (!Number.isFinite(e.dur) || e.dur! < 0) problems.push(`${where}: dur ${e.dur}`);
      const key = `${e.pid}/${e.tid}`;
      slices.set(key, [...(slices.get(key) ?? []), e]);
    }
    if (e.ph === "i" && e.s !== "t") problems.push(`${where}: instant scope ${e.s}`);
  });
  for (const [track, list] of slices) {
    const sorted = [...list].sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
    const open: TraceEvent[] = [];
    for (const e of sorted) {
      while (open.length > 0 && open.at(-1)!.ts! + open.at(-1)!.dur! <= e.ts!) open.pop();
      const parent = open.at(-1);
      if (parent !== undefined && e.ts! + e.dur! > parent.ts! + parent.dur!) {
        problems.push(
          `track ${track}: ${e.name} at ${e.ts} overlaps ${parent.name} without nesting`,
        );
      }
      open.push(e);
    }
  }
  return problems;
}

const policies = Object.keys(comparison.policies);
const auditJsonl: Record<string, string> = {};
const first = join(TMP, "first");
const second = join(TMP, "second");
let written: string[] = [];

beforeAll(async () => {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  for (const policy of policies) {
    auditJsonl[policy] = join(TMP, `audit-${policy}.jsonl`);
    writeTrail(auditJsonl[policy]!);
  }
  written = await writeReport(first, comparison, { auditJsonl });
  await writeReport(second, comparison, { auditJsonl });
});

describe("writeReport", () => {
  it("shows that the folder holds results.json, cells.csv, summary.md, charts (spec, SVG, PNG), index.html and trace.json", () => {
    const charts = [
      "wait-cdf",
      "latency-percentiles",
      "service-share",
      "queue-length",
      "slot-timeline",
      "slo-attainment",
    ];
    expect(listFiles(first)).toEqual(
      [
        "cells.csv",
        ...charts.flatMap((c) => [`charts/${c}.png`, `charts/${c}.svg`, `charts/${c}.vl.json`]),
        "index.html",
        "results.json",
        "summary.md",
        "trace.json",
      ].sort(),
    );
    expect(written.map((p) => relative(first, p)).sort()).toEqual(listFiles(first));
  });

  it("shows that writing twice gives byte-identical files, PNGs included", () => {
    for (const file of listFiles(first)) {
      const a = readFileSync(join(first, file));
      const b = readFileSync(join(second, file));
      expect(Buffer.compare(a, b), file).toBe(0);
    }
  });

  it("shows that results.json is the results as given, and parses back to them", () => {
    const text = readFileSync(join(first, "results.json"), "utf8");
    expect(JSON.parse(text)).toEqual(comparison);
    expect(text.endsWith("}\n")).toBe(true);
  });

  it("shows that png: false leaves the PNGs out", async () => {
    const dir = join(TMP, "no-png");
    const files = await writeReport(dir, comparison, { png: false });
    expect(files.some((f) => f.endsWith(".png"))).toBe(false);
    expect(files.some((f) => f.endsWith(".svg"))).toBe(true);
  });
});

describe("cells.csv", () => {
  it("shows one row per policy, replication and tenant under the documented header", () => {
    const lines = readFileSync(join(first, "cells.csv"), "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe(CELLS_CSV_COLUMNS.map(([name]) => name).join(","));
    const rows = lines.slice(1).map((l) => l.split(","));
    expect(rows.length).toBe(policies.length * comparison.replications * 2);
    for (const row of rows) expect(row.length).toBe(CELLS_CSV_COLUMNS.length);
    const column = (name: string) => CELLS_CSV_COLUMNS.findIndex(([n]) => n === name);
    const fifoSupport = rows.find(
      (r) => r[column("policy")] === "fifo" && r[column("tenant")] === "support",
    )!;
    expect(Number(fifoSupport[column("service_share")])).toBe(
      comparison.policies.fifo!.replications[0]!.tenants.support!.serviceShare,
    );
    // Shares of a replication's tenants add up to 1.
    const share = rows
      .filter((r) => r[column("policy")] === "priority" && r[column("replication")] === "1")
      .reduce((s, r) => s + Number(r[column("service_share")]), 0);
    expect(share).toBeCloseTo(1, 9);
    expect(
      rows.every((r) => r[column("saturated")] === "true" || r[column("saturated")] === "false"),
    ).toBe(true);
  });
});

describe("summary.md", () => {
  const md = summaryMarkdown(comparison);

  it("shows the verdict, steady-state warnings and the latency tables with intervals", () => {
    expect(md).toContain(`**${verdictOf(comparison).sentence}**`);
    expect(verdictOf(comparison).quietTenant).toBe("support");
    expect(md).toContain("> [!WARNING]");
    expect(md).toContain("> - fifo is not steady state: ");
    expect(md).not.toContain("No policy saturated");
    expect(md).toContain("### Wait (turn ready → dispatched on a slot)");
    expect(md).toContain("### Run latency (run arrives → run ends)");
    expect(md).toMatch(/\| fifo \| [\d.]+ \[[\d.]+, [\d.]+\] \| [\d.]+ \[[\d.]+, [\d.]+\] \|/);
  });

  it("shows runs lost and calls refused, throughput, Jain's index, SLO attainment and every paired difference", () => {
    expect(md).toContain(
      "| policy | runs submitted | completed | failed | rejected | in flight | 429 rate-limited | 503 unavailable | timeouts | retries | load | steady |",
    );
    const fifo = comparison.policies.fifo!.summary;
    expect(md).toContain(
      `| fifo | ${fifo.counts.submitted.toLocaleString("en-US")} | ${fifo.counts.completed.toLocaleString("en-US")} | ${fifo.counts.failed} | ${fifo.counts.rejected} |`,
    );
    expect(md).toContain(
      "| policy | runs/s | output tokens/s | utilization | Jain's index | max service gap | SLO attainment | wasted tokens |",
    );
    expect(md).toContain("## Paired differences");
    const rows = md.split("\n").filter((l) => l.startsWith("| tenants.support.wait.p99 (s) |"));
    // Three policies: three pairs.
    expect(rows.length).toBe(3);
    expect(rows.map((r) => r.split(" | ").slice(1, 4).join(" "))).toEqual([
      "fifo priority 3",
      "fifo fair-share 3",
      "priority fair-share 3",
    ]);
  });

  it("shows that every table row has as many cells as its header", () => {
    let width = 0;
    for (const line of md.split("\n")) {
      if (!line.startsWith("|")) {
        width = 0;
        continue;
      }
      const cells = line.replace(/\\\|/g, "").split("|").length;
      if (width === 0) width = cells;
      expect(cells, line).toBe(width);
    }
  });

  it("shows the sweep table and the check verdicts when the results carry them", () => {
    const withCheck: Results = {
      ...sweep,
      check: {
        scenario: sweep.scenario,
        pass: false,
        strict: false,
        tests: {
          arbitration: {
            status: "pass",
            pass: true,
            evidence: "fair-share: Jain 0.95 >= 0.9",
            policy: "fair-share",
            jain: 0.95,
            minJain: 0.9,
            workConserving: true,
          },
          isolation: { status: "pass", pass: true, attempts: 40, refused: 40, succeeded: 0 },
          audit: {
            status: "fail",
            pass: false,
            records: 100,
            verified: false,
            unaudited: 0,
            withoutAuthority: 0,
          },
        },
      },
    };
    const text = summaryMarkdown(withCheck);
    expect(text).toContain("## Sweep");
    expect(text).toContain("| jobs.nightly-summaries.arrivals.rate=0.05/s | fifo |");
    expect(text).toContain("| governance and audit | **FAIL** |");
  });
});

describe("trace.json", () => {
  let trace: ChromeTrace;
  beforeAll(() => {
    trace = JSON.parse(readFileSync(join(first, "trace.json"), "utf8")) as ChromeTrace;
  });

  it("shows a well-formed Chrome trace: ph, ts, dur, pid, tid and name on every event, slices nested per track", () => {
    expect(traceProblems(trace)).toEqual([]);
  });

  it("shows a process per policy and a track per endpoint slot with the timeline's turns", () => {
    const processes = trace.traceEvents.filter((e) => e.name === "process_name");
    expect(processes.map((e) => e.args!.name)).toEqual(
      policies.map(
        (p) => `${p} (replication 1, seed ${comparison.policies[p]!.replications[0]!.seed})`,
      ),
    );
    const turns = trace.traceEvents.filter((e) => e.ph === "X" && e.tid < RUN_TID_BASE);
    expect(turns.length).toBe(
      policies.reduce((n, p) => n + comparison.policies[p]!.charts.timeline.length, 0),
    );
    const entry = comparison.policies.fifo!.charts.timeline[0]!;
    const slice = turns.find((e) => e.pid === 1 && e.ts === Math.round(entry.startS * 1e6))!;
    expect(slice.name).toBe(entry.run);
    expect(slice.dur).toBe(Math.round(entry.endS * 1e6) - Math.round(entry.startS * 1e6));
    const slotNames = trace.traceEvents.filter(
      (e) => e.name === "thread_name" && e.pid === 1 && e.tid < RUN_TID_BASE,
    );
    expect(slotNames.map((e) => e.args!.name).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `llm slot ${i}`),
    );
  });

  it("shows a track per run with model and tool slices, and retries, aborts and denials as instants", () => {
    const fifo = trace.traceEvents.filter((e) => e.pid === 1 && e.tid >= RUN_TID_BASE);
    const names = fifo.filter((e) => e.name === "thread_name").map((e) => e.args!.name);
    expect(names).toEqual([
      "run ticket-triage#0",
      "run nightly-summaries#0",
      "run ticket-triage#1",
    ]);
    const x = (name: string) => fifo.filter((e) => e.ph === "X" && e.name === name);
    expect(x("tool crm-search").map((e) => e.dur)).toEqual([250_000, 250_000]);
    expect(x("model llm").map((e) => e.args!.result)).toEqual(["ok", "error", "aborted", "ok"]);
    expect(x("ticket-triage#0")[0]!.args).toMatchObject({
      outcome: "ok",
      authorizedBy: "head-of-support",
    });
    const instants = fifo.filter((e) => e.ph === "i").map((e) => e.name);
    expect(instants.sort()).toEqual([
      "abort",
      "checked: model.call llm",
      "checked: model.call llm",
      "checked: model.call llm",
      "checked: model.call llm",
      "denied: tool.call payments",
      "denied: tool.call payments",
      "retry",
    ]);
  });

  it("shows a model slice from each dispatch to its result or abort, on the endpoint that served it, after a queued slice from the check", () => {
    // A hand-built trail in the runtime's record order (model.call when the attempt is checked,
    // before it is queued; turn.dispatch onto a slot; model.result or abort). Run chat#0: a 429
    // at dispatch, a retry dispatched at once and aborted by an outage, a third attempt checked
    // for and served by the backup. Run chat#1: checked for llm, queued while llm is paused and
    // dispatched to the backup (failover while queued). Times in µs below follow from the
    // records' times, not from the code.
    const trail = new AuditTrail({ mode: "memory" });
    const a = trail.actor({ run: "chat#0", job: "chat", tenant: "t", authorizedBy: "ops" });
    const b = trail.actor({ run: "chat#1", job: "chat", tenant: "t", authorizedBy: "ops" });
    trail.append(1.0, a, "run.start", "chat", "ok");
    trail.append(1.0, a, "model.call", "llm", "allow");
    trail.append(1.5, a, "turn.dispatch", "llm", "ok");
    trail.append(1.5, a, "model.result", "llm", "error", "429 rate limited");
    trail.append(1.5, a, "retry", "chat", "ok", "attempt 2 after rate_limited, backoff 0.600s");
    trail.append(2.0, b, "run.start", "chat", "ok");
    trail.append(2.0, b, "model.call", "llm", "allow");
    trail.append(2.1, a, "model.call", "llm", "allow");
    trail.append(2.1, a, "turn.dispatch", "llm", "ok");
    trail.append(3.4, a, "abort", "llm", "error", "outage: partial tokens lost");
    trail.append(3.4, a, "retry", "chat", "ok", "attempt 3 after unavailable, backoff 1.200s");
    trail.append(4.6, a, "model.call", "backup", "allow");
    trail.append(5.0, a, "turn.dispatch", "backup", "ok");
    trail.append(6.0, b, "turn.dispatch", "backup", "ok");
    trail.append(7.0, a, "model.result", "backup", "ok");
    trail.append(7.0, a, "tool.call", "search", "allow");
    trail.append(7.25, a, "tool.result", "search", "ok");
    trail.append(7.25, a, "run.end", "chat", "ok");
    trail.append(8.0, b, "model.result", "backup", "ok");
    trail.append(8.0, b, "run.end", "chat", "ok");
    trail.seal(8.0);
    const path = join(TMP, "trail-failover.jsonl");
    trail.writeJsonl(path);
    const events = RunTracks.fromJsonl(path).events(1);
    expect(traceProblems({ traceEvents: events, displayTimeUnit: "ms", otherData: {} })).toEqual(
      [],
    );
    const tidOf = (run: string) =>
      events.find((e) => e.name === "thread_name" && e.args!.name === `run ${run}`)!.tid;
    const on = (run: string, cat: string) =>
      events
        .filter((e) => e.ph === "X" && e.tid === tidOf(run) && e.cat === cat)
        .sort((x, y) => x.ts! - y.ts!)
        .map((e) => ({ name: e.name, ts: e.ts, dur: e.dur, args: e.args }));
    expect(on("chat#0", "model")).toEqual([
      {
        name: "model llm",
        ts: 1_500_000,
        dur: 0,
        args: expect.objectContaining({ result: "error", detail: "429 rate limited" }),
      },
      {
        name: "model llm",
        ts: 2_100_000,
        dur: 1_300_000,
        args: expect.objectContaining({ result: "aborted", detail: "outage: partial tokens lost" }),
      },
      {
        name: "model backup",
        ts: 5_000_000,
        dur: 2_000_000,
        args: expect.objectContaining({ result: "ok" }),
      },
    ]);
    expect(on("chat#0", "wait")).toEqual([
      {
        name: "queued",
        ts: 1_000_000,
        dur: 500_000,
        args: expect.objectContaining({ headedFor: "llm", dispatchedTo: "llm" }),
      },
      {
        name: "queued",
        ts: 4_600_000,
        dur: 400_000,
        args: expect.objectContaining({ headedFor: "backup", dispatchedTo: "backup" }),
      },
    ]);
    expect(on("chat#0", "tool").map((e) => [e.ts, e.dur])).toEqual([[7_000_000, 250_000]]);
    expect(on("chat#0", "run").map((e) => [e.ts, e.dur])).toEqual([[1_000_000, 6_250_000]]);
    expect(on("chat#1", "model")).toEqual([
      {
        name: "model backup",
        ts: 6_000_000,
        dur: 2_000_000,
        args: expect.objectContaining({ result: "ok" }),
      },
    ]);
    expect(on("chat#1", "wait")).toEqual([
      {
        name: "queued",
        ts: 2_000_000,
        dur: 4_000_000,
        args: expect.objectContaining({ headedFor: "llm", dispatchedTo: "backup" }),
      },
    ]);
    const instants = (run: string) =>
      events.filter((e) => e.ph === "i" && e.tid === tidOf(run)).map((e) => [e.name, e.ts]);
    expect(instants("chat#0")).toEqual([
      ["checked: model.call llm", 1_000_000],
      ["retry", 1_500_000],
      ["checked: model.call llm", 2_100_000],
      ["abort", 3_400_000],
      ["retry", 3_400_000],
      ["checked: model.call backup", 4_600_000],
    ]);
    expect(instants("chat#1")).toEqual([["checked: model.call llm", 2_000_000]]);
    // Nothing is left open: every dispatch met its result or abort.
    expect(events.some((e) => e.args?.result === "no result")).toBe(false);
  });

  it("shows that without audit trails the trace holds the slot tracks only", () => {
    const bare = chromeTrace(comparison);
    expect(traceProblems(bare)).toEqual([]);
    expect(bare.traceEvents.every((e) => e.tid < RUN_TID_BASE)).toBe(true);
  });
});

describe("index.html", () => {
  let html: string;
  beforeAll(() => {
    html = readFileSync(join(first, "index.html"), "utf8");
  });

  it("shows every section with its id, the charts inline and nothing to fetch", () => {
    for (const [id] of SECTIONS.filter(([id]) => id !== "sweep"))
      expect(html).toContain(`<section id="${id}">`);
    expect(html.match(/<figure id="chart-/g)?.length).toBe(6);
    expect(html).not.toMatch(
      /\s(src|srcset)=|<link rel="stylesheet"|@import|url\(http|https?:\/\/(?!www\.w3\.org)/,
    );
    expect(Buffer.byteLength(html)).toBeLessThan(2_000_000);
  });

  it("shows the registry with each job's governance metadata", () => {
    const registry = html.slice(
      html.indexOf('<section id="registry">'),
      html.indexOf('<section id="audit">'),
    );
    for (const job of comparison.registry.jobs) {
      for (const value of [
        job.name,
        job.governance.owner,
        job.governance.authorizedBy,
        job.governance.purpose,
        job.governance.riskClass,
        ...job.governance.dataScopes,
      ]) {
        expect(registry).toContain(value);
      }
    }
  });

  it("shows the audit view with each trail's total and a verified chain", () => {
    expect(html).toContain('<script type="application/json" id="audit-data">');
    // 8 records for each of the two ticket-triage runs, 9 for the retried one, and the seal.
    expect(
      html.match(/<span class="pass">verified<\/span> — 26 hashes checked, sealed/g)?.length,
    ).toBe(3);
  });

  it("shows a broken chain named at its first bad record", () => {
    const path = join(TMP, "audit-tampered.jsonl");
    const lines = readFileSync(auditJsonl.fifo!, "utf8").split("\n");
    lines[3] = lines[3]!.replace('"decision":"ok"', '"decision":"allow"');
    expect(lines[3]).toContain('"action":"model.result","target":"llm","decision":"allow"');
    writeFileSync(path, lines.join("\n"));
    const view = readAuditView("fifo", path);
    expect(view.verify).toMatchObject({ ok: false, seq: 4, line: 4 });
    expect(view.records.length).toBe(26);
    const page = cockpitHtml(comparison, { audits: [view] });
    expect(page).toContain('<span class="fail">BROKEN</span> at record 4 (line 4)');
  });

  it("shows isolation figures and the attribution of a replayed Azure trace", () => {
    const withTrace: Results = {
      ...comparison,
      traces: [
        {
          job: "code",
          file: "data/azure-llm-2023/AzureLLMInferenceTrace_code.csv",
          format: "azure-llm-csv",
          runs: 8819,
        },
      ],
    };
    const page = cockpitHtml(withTrace);
    expect(page).toContain('<table id="isolation-table">');
    expect(page).toContain("CC-BY 4.0");
    expect(page).toContain("© Microsoft");
    expect(page).toContain("Splitwise");
    expect(cockpitHtml(comparison)).toContain("No trace was replayed");
  });
});
