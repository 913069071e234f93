// What report/ offers: a report folder for results (writeReport) and the pieces it is made of.

export type { AuditView } from "./audit-view.ts";
export { AUDIT_ROWS_DEFAULT, readAuditView, readAuditViews } from "./audit-view.ts";
export { CELLS_CSV_COLUMNS, cellsCsv, cellsCsvColumns, SWEEP_AXIS_COLUMN } from "./cells-csv.ts";
export {
  ChartThreadGone,
  chartThread,
  restartChartThread,
  startChartThread,
} from "./chart-thread.ts";
export type { CalibrationCurve, ChartSpec, SlotTimelineConstraints } from "./charts/index.ts";
export { CHARTS, calibrationCdfChart, capacityCharts, chartSpecs } from "./charts/index.ts";
export type { CockpitParts, RenderedChart } from "./cockpit.ts";
export { cockpitHtml } from "./cockpit.ts";
export {
  comparedMetrics,
  HEADLINE_METRICS,
  isHeadline,
  lowerIsBetter,
  NO_INTERVAL,
  pairOf,
} from "./comparisons.ts";
export { CUT_MARK, CUT_NOTE, fixed } from "./format.ts";
export { SECTIONS } from "./html/sections.ts";
export { hasCutInterval } from "./percentiles.ts";
export {
  hasRateLimits,
  NO_RATE_LIMITS,
  RATE_COLUMNS,
  RATE_NUMERIC,
  rateCaption,
  rateLimitedShare,
  rateRows,
} from "./rate-limits-table.ts";
export type { RenderPngOptions, RenderSvgOptions } from "./render.ts";
export { pngFonts, preloadCharts, renderPng, renderSvg, renderSvgHere } from "./render.ts";
export { resultsJson } from "./results-json.ts";
export { mostLoaded, RUN_COLUMNS, runCells, runsCaption } from "./runs-table.ts";
export { summaryMarkdown } from "./summary-md.ts";
export type { SweepPointVerdict, SweepVerdict } from "./sweep-verdict.ts";
export { sweepVerdictOf } from "./sweep-verdict.ts";
export type { ChromeTrace, ChromeTraceOptions, TraceEvent } from "./trace.ts";
export { chromeTrace, chromeTraceJson, RUN_TID_BASE } from "./trace.ts";
export type { Verdict } from "./verdict.ts";
export {
  ALL_STEADY,
  allSteady,
  differenceText,
  jainText,
  loadText,
  QUIET_MARGIN,
  quietTenant,
  saturationWarnings,
  steadyWarning,
  verdictOf,
} from "./verdict.ts";
export type { WriteReportOptions } from "./write.ts";
export { writeReport } from "./write.ts";
