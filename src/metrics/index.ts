// What metrics/ offers the runtime and the experiment layer: fixed-memory recorders for the hot
// path, and the statistics that turn replications into the results contract.

export type { TenantService } from "./fairness.ts";
export { jainIndex, jainOverBacklogged, serviceGap } from "./fairness.ts";
export type { CdfPoint, HistogramConstraints, HistogramJSON } from "./histogram.ts";
export { Histogram, nearestRank } from "./histogram.ts";
export type { LittlesLawCheck, LittlesLawInput } from "./littles-law.ts";
export { littlesLaw } from "./littles-law.ts";
export { RunningMoments } from "./moments.ts";
export type { Saturation, SaturationConstraints, SaturationInput } from "./saturation.ts";
export { saturation } from "./saturation.ts";
export type {
  ServiceGapTrackerConstraints,
  WorstServiceGap,
} from "./service-gap-tracker.ts";
export { ServiceGapTracker } from "./service-gap-tracker.ts";
export type {
  Interval,
  MeanEstimate,
  PairedComparison,
  ReplicationSummary,
  Stat,
} from "./stat.ts";
export { meanWithCi95, pairedComparison, statOf, summarize } from "./stat.ts";
export {
  incompleteBeta,
  incompleteGammaUpper,
  logGamma,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from "./student-t.ts";
export type { LevelSeriesJSON, SumSeriesJSON, TimeSeriesConstraints } from "./timeseries.ts";
export { LevelSeries, SumSeries } from "./timeseries.ts";
export type { TimeWeightedConstraints } from "./timeweighted.ts";
export { TimeWeightedAverage } from "./timeweighted.ts";
