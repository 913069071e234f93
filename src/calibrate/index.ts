/**
 * Calibration: reading a user's request logs (JSONL, CSV, the Copilot agent-trace layout) and
 * fitting an endpoint of the scenario format to them, with the quality of each fit.
 */

export type { CalibrateConstraints, Calibration, Proportion, SlowdownFit } from "./calibrate.ts";
export { calibrate, NoData, proportion } from "./calibrate.ts";
export type { CsvSink } from "./csv.ts";
export { CsvReader, CsvTooLong } from "./csv.ts";
export { distYaml, endpointYaml } from "./endpoint-yaml.ts";
export type { Candidate, Fit } from "./fit.ts";
export { cdfOf, fitDistribution, ksDistance, quantileOf } from "./fit.ts";
export { inFlightAtStart } from "./in-flight.ts";
export type { LogFormat, LogRead, ReadLogConstraints } from "./read.ts";
export { LOG_FORMATS, MAX_LINE_CHARS, outcomeOf, readRequestLog } from "./read.ts";
export type { Outcome, RequestRow } from "./records.ts";
export { RequestColumns } from "./records.ts";
export { calibrationJson, calibrationTable } from "./summary.ts";
