import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Results } from "../src/experiment/results.ts";
import type { ChromeTrace } from "../src/report/index.ts";
import { SECTIONS, writeReport } from "../src/report/index.ts";

// The report of a real run: `agentsim compare` (the simulator, aggregation and the CLI, which
// calls writeReport) on a shortened noisy-neighbor scenario.
const ROOT = new URL("../", import.meta.url).pathname;
const TMP = join(ROOT, "test/.tmp/report-cli");
const OUT = join(TMP, "out");
const POLICIES = ["fifo", "priority", "fair-share"];

let results: Results;

beforeAll(() => {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const yaml = readFileSync(join(ROOT, "test/fixtures/noisy-neighbor.yaml"), "utf8")
    .replace(/^horizon: .*$/m, "horizon: 6m")
    .replace(/^warmup: .*$/m, "warmup: 1m")
    .replace(/outages: \[\{ at: 10m, for: 1m \}\]/, "outages: [{ at: 3m, for: 30s }]");
  const scenario = join(TMP, "noisy-short.yaml");
  writeFileSync(scenario, yaml);
  execFileSync(
    process.execPath,
    [
      join(ROOT, "bin/agentsim.js"),
      "compare",
      scenario,
      "--replications",
      "2",
      "--jobs",
      "1",
      "--out",
      OUT,
      "--audit",
      join(OUT, "audit.jsonl"),
    ],
    { cwd: ROOT, stdio: "pipe" },
  );
  results = JSON.parse(readFileSync(join(OUT, "results.json"), "utf8")) as Results;
});

describe("the report of a real comparison", () => {
  it("shows that the CLI's folder holds the whole report", () => {
    const files = readdirSync(OUT).sort();
    for (const f of [
      "cells.csv",
      "charts",
      "index.html",
      "results.json",
      "summary.md",
      "trace.json",
    ]) {
      expect(files).toContain(f);
    }
    for (const policy of POLICIES) expect(files).toContain(`audit-${policy}.jsonl`);
    const charts = readdirSync(join(OUT, "charts"));
    expect(charts.filter((f) => f.endsWith(".svg")).length).toBeGreaterThanOrEqual(6);
    expect(charts.filter((f) => f.endsWith(".vl.json")).length).toBe(
      charts.filter((f) => f.endsWith(".svg")).length,
    );
  });

  it("shows that writeReport on the CLI's results.json and audits gives the same bytes again", async () => {
    const again = join(TMP, "again");
    const auditJsonl = Object.fromEntries(POLICIES.map((p) => [p, join(OUT, `audit-${p}.jsonl`)]));
    await writeReport(again, results, { auditJsonl, png: false });
    for (const file of ["results.json", "cells.csv", "summary.md", "index.html", "trace.json"]) {
      expect(readFileSync(join(again, file), "utf8"), file).toBe(
        readFileSync(join(OUT, file), "utf8"),
      );
    }
  });

  it("shows the sections, a verified audit chain per policy, and run tracks in the trace", () => {
    const html = readFileSync(join(OUT, "index.html"), "utf8");
    for (const [id] of SECTIONS.filter(([id]) => id !== "sweep"))
      expect(html).toContain(`<section id="${id}">`);
    expect(
      html.match(/<span class="pass">verified<\/span> — [\d,]+ hashes checked, sealed/g)?.length,
    ).toBe(3);
    const trace = JSON.parse(readFileSync(join(OUT, "trace.json"), "utf8")) as ChromeTrace;
    const cats = new Set(trace.traceEvents.map((e) => e.cat));
    for (const cat of ["turn", "run", "model", "tool"]) expect(cats).toContain(cat);
    expect(trace.traceEvents.filter((e) => e.name === "process_name").length).toBe(3);
  });

  it("shows one cells.csv row per policy, replication and tenant", () => {
    const lines = readFileSync(join(OUT, "cells.csv"), "utf8").trimEnd().split("\n");
    expect(lines.length - 1).toBe(POLICIES.length * 2 * results.registry.tenants.length);
  });
});
