// What metrics/ offers the runtime and the experiment layer: fixed-memory recorders for the hot
// path, and the statistics that turn replications into the results contract.

export { addOverBuckets, bucketOf } from "./buckets.ts";
export type { DemandFairness, TenantDemand, TenantFairness } from "./fairness.ts";
export { demandFairness, JAIN_NOT_MEASURABLE, jainIndex, maxMinFairShares } from "./fairness.ts";
export type { CdfPoint, HistogramConstraints, HistogramJSON } from "./histogram.ts";
export { Histogram, nearestRank } from "./histogram.ts";
export type { LittlesLawCheck, LittlesLawInput } from "./littles-law.ts";
export { littlesLaw } from "./littles-law.ts";
export { RunningMoments } from "./moments.ts";
export type {
  Bottleneck,
  Saturation,
  SaturationConstraints,
  SaturationInput,
} from "./saturation.ts";
export { compact, describeBottleneck, saturation } from "./saturation.ts";
export type {
  ServiceGapTrackerConstraints,
  WorstServiceGap,
} from "./service-gap-tracker.ts";
export { ServiceGapTracker } from "./service-gap-tracker.ts";
export type {
  Interval,
  MeanEstimate,
  PairedComparison,
  RangeConstraints,
  ReplicationSummary,
  Stat,
} from "./stat.ts";
export {
  FRACTION,
  isClear,
  meanWithCi95,
  NON_NEGATIVE,
  pairedComparison,
  statOf,
  summarize,
} from "./stat.ts";
export {
  incompleteBeta,
  incompleteGammaUpper,
  logGamma,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
} from "./student-t.ts";
