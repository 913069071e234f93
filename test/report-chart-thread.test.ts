/**
 * The chart thread (src/report/chart-thread.ts): charts drawn there are byte for byte the
 * charts drawn here, a thread that cannot start or dies costs nothing but the overlap, a chart
 * that fails says why either way, and its warm-up (src/report/charts/warm-up.json) is the
 * report's own charts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TopLevelSpec } from "vega-lite";
import { afterAll, describe, expect, it } from "vitest";
import type { Results } from "../src/experiment/results.ts";
import {
  CHARTS,
  chartSpecs,
  chartThread,
  renderSvg,
  renderSvgHere,
  restartChartThread,
} from "../src/report/index.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Results;
const comparison = fixture("results-sample.json");
const sweep = fixture("results-sample-sweep.json");
// The sweep with a percentile SLO on ticket-triage at every point (its p95 as the estimate), so
// the sweep's SLO chart is drawn too.
const sweepWithSlo: Results = structuredClone(sweep);
for (const point of sweepWithSlo.sweep!.points) {
  for (const p of Object.values(point.policies)) {
    const job = p.jobs!["ticket-triage"]!;
    job.percentileSlos = [
      {
        metric: "runLatency.p95",
        boundS: 60,
        estimate: { mean: job.runLatency.p95, ci95: null, truncated: false, n: 3 },
        holds: null,
      },
    ];
  }
}
const WORKER = new URL("../src/report/chart-worker-entry.mjs", import.meta.url);

afterAll(() => restartChartThread());

describe("the chart thread", () => {
  it("draws every chart of a comparison and a sweep with the same bytes as this thread", async () => {
    await restartChartThread(WORKER);
    const charts = [...chartSpecs(comparison), ...chartSpecs(sweepWithSlo)];
    expect(charts.length).toBeGreaterThanOrEqual(7);
    const there = await Promise.all(charts.map((c) => renderSvg(c.spec, { idPrefix: c.name })));
    // Drawn on the thread, not here after a silent fallback.
    expect(chartThread()?.drawn).toBe(charts.length);
    for (const [i, c] of charts.entries()) {
      const here = await renderSvgHere(c.spec, c.name);
      expect(there[i], c.name).toBe(here);
      expect(here).toMatch(/^<svg/);
    }
  }, 60_000);

  it("says what is wrong with a chart that cannot be drawn, as this thread does", async () => {
    await restartChartThread(WORKER);
    const bad = {
      ...chartSpecs(comparison)[0]!.spec,
      mark: "no-such-mark",
    } as unknown as TopLevelSpec;
    const here = await renderSvgHere(bad, "bad").then(
      () => "drawn",
      (error: Error) => error.message,
    );
    expect(here).not.toBe("drawn");
    await expect(renderSvg(bad, { idPrefix: "bad" })).rejects.toThrow(here);
    // The thread is still there for the next chart.
    const good = chartSpecs(comparison)[0]!;
    await renderSvg(good.spec, { idPrefix: good.name });
    expect(chartThread()?.drawn).toBe(1);
  }, 60_000);

  it("draws the charts here when the thread cannot start or dies", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentsim-chart-thread-"));
    try {
      const broken = join(dir, "broken.mjs");
      writeFileSync(broken, 'throw new Error("a worker that fails to load");\n');
      await restartChartThread(pathToFileURL(broken));
      const chart = chartSpecs(comparison)[1]!;
      const svg = await renderSvg(chart.spec, { idPrefix: chart.name });
      expect(svg).toBe(await renderSvgHere(chart.spec, chart.name));
      expect(chartThread()).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("the chart thread and the process", () => {
  it("does not keep a process alive that drew no chart (a command that failed after starting it)", () => {
    // The thread starts and nothing is drawn: the process must end on its own, at once.
    const script = `
      const report = await import(${JSON.stringify(new URL("../src/report/index.ts", import.meta.url).href)});
      report.startChartThread();
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.stdout.write(report.chartThread() === undefined ? "no thread" : "thread");
    `;
    const ran = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "--eval", script],
      { encoding: "utf8", timeout: 30_000, killSignal: "SIGKILL" },
    );
    expect(ran.signal, "the process was still running after 30 s").toBeNull();
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout).toBe("thread");
  }, 60_000);
});

describe("the chart thread's warm-up", () => {
  const warmUp = JSON.parse(
    readFileSync(new URL("../src/report/charts/warm-up.json", import.meta.url), "utf8"),
  ) as Record<string, TopLevelSpec>;

  it("is the report's own charts, every one of them, on a few rows", () => {
    const names = new Set(
      [...chartSpecs(comparison), ...chartSpecs(sweepWithSlo)].map((c) => c.name),
    );
    expect(names.size).toBe(CHARTS.length);
    expect(new Set(Object.keys(warmUp))).toEqual(names);
    const rows = (value: unknown): number[] =>
      Array.isArray(value)
        ? value.flatMap(rows)
        : typeof value === "object" && value !== null
          ? Object.entries(value).flatMap(([key, item]) =>
              key === "values" && Array.isArray(item) ? [item.length] : rows(item),
            )
          : [];
    for (const [name, spec] of Object.entries(warmUp)) {
      expect(Math.max(...rows(spec)), name).toBeLessThanOrEqual(24);
    }
  });

  it("renders, every chart of it", async () => {
    for (const [name, spec] of Object.entries(warmUp)) {
      expect(await renderSvgHere(spec, name), name).toMatch(/^<svg/);
    }
  }, 60_000);
});
