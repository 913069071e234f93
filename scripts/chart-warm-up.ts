/**
 * Writes src/report/charts/warm-up.json: the chart thread's warm-up (src/report/chart-worker.ts),
 * the vega-lite specs of a real report with their data cut to a few rows. Rendering them
 * compiles the code paths of the report's own charts (marks, scales, legends, facets, the
 * theme) before the real charts come, at a fraction of their cost. The specs come from a short
 * `compare` of the bundled noisy-neighbor scenario and two short sweeps of capacity-planning (as
 * it is, and with a percentile SLO for the sweep's SLO chart), so every chart of
 * src/report/charts/ is there; test/report-chart-thread.test.ts checks that the
 * file names only charts that exist and that each renders. Run it again after changing a chart
 * (`npx tsx scripts/chart-warm-up.ts`): a stale file only makes the first charts slower.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const ROWS = 24;

/** Every `values` list of an inline data source, cut to at most ROWS rows spread over it. */
function trimmed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(trimmed);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "values" && Array.isArray(item) && item.length > ROWS) {
      const step = item.length / ROWS;
      out[key] = Array.from({ length: ROWS }, (_, i) => item[Math.floor(i * step)]);
    } else {
      out[key] = trimmed(item);
    }
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "agentsim-warm-up-"));
try {
  const agentsim = (args: string[]) =>
    execFileSync(process.execPath, [join(ROOT, "bin/agentsim.js"), ...args], { cwd: ROOT });
  agentsim([
    "compare",
    "scenarios/noisy-neighbor.yaml",
    "--replications",
    "2",
    "--no-png",
    "--out",
    join(dir, "compare"),
  ]);
  agentsim([
    "sweep",
    "scenarios/capacity-planning.yaml",
    "--replications",
    "2",
    "--no-png",
    "--out",
    join(dir, "sweep"),
  ]);
  // capacity-planning with a percentile SLO beside its per-run one: the sweep's SLO chart.
  const withSlo = join(dir, "capacity-planning-slo.yaml");
  const scenario = readFileSync(join(ROOT, "scenarios/capacity-planning.yaml"), "utf8");
  if (!scenario.includes("slo: { runLatency: 20s }"))
    throw new Error("capacity-planning's SLO moved");
  writeFileSync(
    withSlo,
    scenario
      .replace("slo: { runLatency: 20s }", "slo: { runLatency: { each: 20s, p95: 60s } }")
      .replace("$schema=../schema/", `$schema=${join(ROOT, "schema")}/`),
  );
  agentsim(["sweep", withSlo, "--replications", "2", "--no-png", "--out", join(dir, "sweep-slo")]);
  const specs: Record<string, unknown> = {};
  for (const report of ["compare", "sweep", "sweep-slo"]) {
    const charts = join(dir, report, "charts");
    for (const file of readdirSync(charts).sort()) {
      if (!file.endsWith(".vl.json")) continue;
      const name = file.slice(0, -".vl.json".length);
      specs[name] ??= trimmed(JSON.parse(readFileSync(join(charts, file), "utf8")));
    }
  }
  const out = join(ROOT, "src/report/charts/warm-up.json");
  writeFileSync(out, `${JSON.stringify(specs)}\n`);
  console.log(`wrote ${out}: ${Object.keys(specs).join(", ")}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
