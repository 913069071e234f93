// The report's charts: one file a chart, each a function of the results to a vega-lite spec.
import type { Results } from "../../experiment/index.ts";
import { capacityCharts } from "./capacity.ts";
import { latencyPercentilesChart } from "./latency-percentiles.ts";
import { queueLengthChart } from "./queue-length.ts";
import { serviceShareChart } from "./service-share.ts";
import { sloAttainmentChart } from "./slo-attainment.ts";
import { slotTimelineChart } from "./slot-timeline.ts";
import { sweepFairnessChart } from "./sweep-fairness.ts";
import { sweepLatencyChart } from "./sweep-latency.ts";
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
];

/** Every chart the results have data for, in report order (charts without data are left out). */
export function chartSpecs(results: Results): ChartSpec[] {
  return CHARTS.map((chart) => chart(results)).filter((c): c is ChartSpec => c !== undefined);
}
