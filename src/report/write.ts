/**
 * `writeReport`: a report folder for a set of results — results.json, cells.csv, summary.md,
 * charts/ (vega-lite spec, SVG and PNG of each chart), index.html and trace.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Results } from "../experiment/index.ts";
import type { AuditView } from "./audit-view.ts";
import { AUDIT_ROWS_DEFAULT, readAuditView } from "./audit-view.ts";
import { cellsCsv } from "./cells-csv.ts";
import { chartSpecs } from "./charts/index.ts";
import { cockpitHtml, type RenderedChart } from "./cockpit.ts";
import { renderPng, renderSvg } from "./render.ts";
import { resultsJson } from "./results-json.ts";
import { summaryMarkdown } from "./summary-md.ts";
import { chromeTrace, chromeTraceJson, RunTracks } from "./trace.ts";

/** Options of `writeReport`. */
export interface WriteReportOptions {
  /** Policy → path of that policy's audit.jsonl (its first replication); default none. */
  auditJsonl?: Record<string, string>;
  /**
   * Policy → where that audit.jsonl is read from while it is still under a temporary name
   * (the report shows the path in `auditJsonl`); default the path in `auditJsonl`.
   */
  auditReadFrom?: Record<string, string>;
  /** Whether to write a PNG of each chart (default true). */
  png?: boolean;
  /** Audit records listed per policy in index.html (default 1,000). */
  auditRows?: number;
}

/** Writes the report folder `dir` (created if missing) and returns the paths written, in order. */
export async function writeReport(
  dir: string,
  results: Results,
  options: WriteReportOptions = {},
): Promise<string[]> {
  const written: string[] = [];
  const write = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    written.push(path);
  };
  mkdirSync(join(dir, "charts"), { recursive: true });
  write("results.json", resultsJson(results));
  write("cells.csv", cellsCsv(results));
  write("summary.md", summaryMarkdown(results));
  const charts: RenderedChart[] = [];
  const pngs: Promise<void>[] = [];
  try {
    for (const chart of chartSpecs(results)) {
      const svg = await renderSvg(chart.spec, { idPrefix: chart.name });
      write(`charts/${chart.name}.vl.json`, `${JSON.stringify(chart.spec, null, 2)}\n`);
      write(`charts/${chart.name}.svg`, svg);
      if (options.png ?? true) {
        // PNGs render on the thread pool while the next SVG renders; the path's place in the
        // list is taken now, so the order returned does not depend on timing.
        const path = join(dir, `charts/${chart.name}.png`);
        written.push(path);
        pngs.push(renderPng(svg).then((png) => writeFileSync(path, png)));
      }
      charts.push({ name: chart.name, title: chart.title, caption: chart.caption, svg });
    }
  } catch (error) {
    await Promise.allSettled(pngs); // leave no PNG rejecting unobserved
    throw error;
  }
  // One pass over each audit trail gives the audit view, its verification and the run tracks.
  const audits: AuditView[] = [];
  const runTracks: Record<string, RunTracks> = {};
  for (const [policy, path] of Object.entries(options.auditJsonl ?? {})) {
    const tracks = new RunTracks();
    const from = options.auditReadFrom?.[policy] ?? path;
    const rows = options.auditRows ?? AUDIT_ROWS_DEFAULT;
    audits.push({ ...readAuditView(policy, from, rows, (r) => tracks.add(r)), path });
    runTracks[policy] = tracks;
  }
  write("trace.json", chromeTraceJson(chromeTrace(results, { runTracks })));
  write(
    "index.html",
    cockpitHtml(results, {
      charts,
      audits,
      files: ["summary.md", "results.json", "cells.csv", "trace.json"],
    }),
  );
  await Promise.all(pngs);
  return written;
}
