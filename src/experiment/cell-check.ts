/**
 * Checking the cell results of a partial file, one at a time, before merge aggregates them:
 * the shape of a `CellResult` (cell-schema.ts), then the SHA-256 its shard wrote beside it
 * (an edited or damaged result is refused here), then what the digest cannot vouch for in a
 * partial forged with recomputed digests: histograms that decode to their own totals, and the
 * same tenants, jobs and histogram ranges as the other cells of its sweep point. Each problem
 * names the file, the entry (`cells[i]`) and the cell.
 */
import { ScenarioError } from "../input/index.ts";
import type { HistogramJSON } from "../metrics/index.ts";
import type { CellResult } from "../runtime/index.ts";
import { cellShapeErrors } from "./cell-schema.ts";
import type { PartialFile } from "./partial.ts";
import { sha256Of } from "./partial-check.ts";
import { histogramOf } from "./summary.ts";

/** The first cell seen at a sweep point: the names and ranges every other cell there shares. */
export interface Layout {
  file: string;
  where: string;
  layout: string;
}

/**
 * The problems of each cell result of `partial` (read from `file`); `layouts` carries, by sweep
 * point, the first cell seen across every partial of the merge.
 */
export function cellResultProblems(
  file: string,
  partial: PartialFile,
  layouts: Map<string, Layout>,
): ScenarioError[] {
  const problems: ScenarioError[] = [];
  const fail = (path: string, expected: string, found: string) =>
    problems.push(new ScenarioError(path, expected, found, { file, foundShown: true }));
  partial.cells.forEach(({ index, sha256, result }, i) => {
    const where = `cells[${i}]`;
    const cell = `cell ${index}`;
    const shape = cellShapeErrors(result, `${where}.result`, file);
    if (shape.length > 0) {
      for (const error of shape) fail(error.path, `${error.expected} (${cell})`, error.found);
      return;
    }
    const actual = sha256Of(result);
    if (actual !== sha256) {
      fail(
        where,
        `the result of ${cell} as its shard wrote it (SHA-256 ${sha256})`,
        `a result whose SHA-256 is ${actual}: it was changed after the shard wrote it`,
      );
      return;
    }
    const histograms = histogramsOf(result);
    const histogram = histogramProblem(histograms);
    if (histogram !== undefined) {
      fail(
        `${where}.result.${histogram.path}`,
        `a histogram whose counts decode to its totals (${cell})`,
        histogram.why,
      );
      return;
    }
    const point = JSON.stringify(result.point);
    const layout = layoutOf(result, histograms);
    const first = layouts.get(point);
    if (first === undefined) layouts.set(point, { file, where, layout });
    else if (first.layout !== layout) {
      fail(
        `${where}.result`,
        `the tenants, jobs and histogram ranges of the other cells of its sweep point, as in ${first.file} ${first.where} (${cell})`,
        "others",
      );
    }
  });
  return problems;
}

/** Every histogram of a result, by its path under `result`. */
function histogramsOf(result: CellResult): [string, HistogramJSON][] {
  const histograms: [string, HistogramJSON][] = [
    ["wait", result.wait],
    ["turnLatency", result.turnLatency],
    ["runLatency", result.runLatency],
  ];
  for (const [name, t] of Object.entries(result.tenants)) {
    histograms.push([`tenants.${name}.wait`, t.wait], [`tenants.${name}.runLatency`, t.runLatency]);
  }
  for (const [name, j] of Object.entries(result.jobs)) {
    histograms.push([`jobs.${name}.wait`, j.wait], [`jobs.${name}.runLatency`, j.runLatency]);
  }
  return histograms;
}

// The first histogram whose extremes disagree with its count or whose counts do not decode to
// its totals, with the reason. Decoded once: aggregation reuses what histogramOf decodes here.
function histogramProblem(
  histograms: readonly [string, HistogramJSON][],
): { path: string; why: string } | undefined {
  for (const [path, json] of histograms) {
    const empty = json.count === 0;
    if (empty !== (json.minS === null) || empty !== (json.maxS === null)) {
      const why = `count ${json.count} with minS ${json.minS} and maxS ${json.maxS} (null exactly when empty)`;
      return { path, why };
    }
    try {
      histogramOf(json);
    } catch (error) {
      return { path, why: error instanceof Error ? error.message : String(error) };
    }
  }
  return undefined;
}

// What aggregation needs equal across the cells of a sweep point: names and histogram ranges.
function layoutOf(result: CellResult, histograms: readonly [string, HistogramJSON][]): string {
  return JSON.stringify([
    Object.keys(result.tenants),
    Object.keys(result.jobs),
    Object.keys(result.timeseries.serviceByTenant),
    histograms.map(([, h]) => [h.highestS, h.significantDigits]),
  ]);
}
