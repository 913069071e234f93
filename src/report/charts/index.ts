// The report's charts: one file a chart, each a function of the results to a vega-lite spec.
import type { Results } from "../../experiment/index.ts";
import { pointLabel } from "../verdict.ts";
import { capacityCharts } from "./capacity.ts";
import { latencyPercentilesChart } from "./latency-percentiles.ts";
import { queueLengthChart } from "./queue-length.ts";
import { serviceShareChart } from "./service-share.ts";
import { sloAttainmentChart } from "./slo-attainment.ts";
import { slotTimelineChart } from "./slot-timeline.ts";
import { sweepFairnessChart } from "./sweep-fairness.ts";
import { sweepLatencyChart } from "./sweep-latency.ts";
import { sweepSloChart } from "./sweep-slo.ts";
import type { ChartSpec } from "./types.ts";
import { waitCdfChart } from "./wait-cdf.ts";

export type { CalibrationCurve } from "./calibration-cdf.ts";
export { calibrationCdfChart } from "./calibration-cdf.ts";
export type { SlotTimelineConstraints } from "./slot-timeline.ts";
export { CONFIG, FONT, OKABE_ITO } from "./theme.ts";
export type { ChartSpec };
export {
  capacityCharts,
  latencyPercentilesChart,
  queueLengthChart,
  serviceShareChart,
  sloAttainmentChart,
  slotTimelineChart,
  sweepFairnessChart,
  sweepLatencyChart,
  sweepSloChart,
  waitCdfChart,
};

/** The chart builders, in the order the report shows them. */
export const CHARTS: readonly ((results: Results) => ChartSpec | undefined)[] = [
  waitCdfChart,
  latencyPercentilesChart,
  serviceShareChart,
  queueLengthChart,
  slotTimelineChart,
  sloAttainmentChart,
  sweepLatencyChart,
  sweepFairnessChart,
  sweepSloChart,
];

/** The charts drawn against the swept variable (every other chart of a sweep is of its first point). */
const SWEEP_CHARTS: readonly string[] = ["sweep-latency", "sweep-fairness", "sweep-slo"];

/**
 * Every chart the results have data for, in report order (charts without data are left out).
 * In a sweep, the charts of one set of results (wait CDF, percentiles, shares, queue, timeline,
 * SLO) are of its first point, and their titles say which.
 */
export function chartSpecs(results: Results): ChartSpec[] {
  const charts = CHARTS.map((chart) => chart(results)).filter(
    (c): c is ChartSpec => c !== undefined,
  );
  const first = results.sweep?.points[0];
  if (first === undefined) return charts;
  const at = `first sweep point only: ${pointLabel(first.point)}`;
  return charts.map((c) => (SWEEP_CHARTS.includes(c.name) ? c : firstPointChart(c, at)));
}

// A chart of the first sweep point, its titles saying so.
function firstPointChart(chart: ChartSpec, at: string): ChartSpec {
  const title = chart.spec.title;
  const labelled =
    typeof title === "object" && title !== null && !Array.isArray(title)
      ? { ...title, subtitle: [String(title.subtitle ?? ""), `(${at})`].filter((s) => s !== "") }
      : { text: title ?? chart.title, subtitle: `(${at})` };
  return {
    ...chart,
    title: `${chart.title} (${at})`,
    spec: { ...chart.spec, title: labelled } as ChartSpec["spec"],
  };
}
