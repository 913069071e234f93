/** Scenarios: the v1 format's schema, loading with every error at once, sweeps, descriptions. */

export { BOUNDS, formatBound } from "./bounds.ts";
export { describeScenario, formatDist } from "./describe.ts";
export type { LoadConstraints } from "./load.ts";
export {
  loadScenarioFile,
  parseScenario,
  parseScenarioText,
  readScenarioDocument,
} from "./load.ts";
export { DEFAULT_POLICIES } from "./normalize.ts";
export { isModulePath } from "./references.ts";
export type { ParsedDocument } from "./schema.ts";
export { scenarioJsonSchema, scenarioSchema } from "./schema.ts";
export { decodeScenarioBytes, MAX_SCENARIO_BYTES, MAX_SCENARIO_SIZE_TEXT } from "./source.ts";
export type {
  ArrivalSpec,
  BehaviourSpec,
  ChecksSpec,
  EndpointSpec,
  GovernanceSpec,
  IoSpec,
  JobSpec,
  LatencySpec,
  PercentileSlo,
  PolicyRef,
  RuntimeSpec,
  Scenario,
  SweepAxis,
  TenantSpec,
  ToolSpec,
  TraceArrivalSpec,
  TurnsSpec,
} from "./types.ts";
export type { RangeAxis, SweepPoint, SweepSetting } from "./vary.ts";
export {
  applyVary,
  expandGrid,
  parseRangeAxis,
  parseValues,
  parseVary,
  pointLabel,
} from "./vary.ts";
export { MAX_DEPTH, MAX_DOCUMENT_NODES } from "./yaml-document.ts";
