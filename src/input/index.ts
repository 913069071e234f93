/**
 * Input: reading what a user writes. Quantities with units ("300ms", "2/s", "8k"),
 * distributions as scenarios write them (parsed into the kernel's `DistSpec`), and the one error
 * type for bad input, `ScenarioError`, which names the file, the field, what was expected and
 * what was found; and opening input files defensively (regular files only, reasons in words).
 */

export { BudgetError, ScenarioError, scenarioErrors, show } from "./errors.ts";
export type { OpenedFile } from "./files.ts";
export {
  fileError,
  fileErrorReason,
  formatBytes,
  isSystemError,
  openRegularFile,
  readChunk,
  readRegularFileBytes,
  readRegularTextFile,
} from "./files.ts";
export type { DistUnit } from "./parse-dist.ts";
export {
  closest,
  formatValue,
  parseDistribution,
  problemsOf,
  unknownFieldError,
  Z99,
} from "./parse-dist.ts";
export { parseSize, sizeFlag } from "./sizes.ts";
export type { NumberConstraints, QuantityConstraints, QuantityKind } from "./units.ts";
export {
  BASE_UNIT,
  baseQuantity,
  DURATION_EXPECTED,
  formatDuration,
  formatRate,
  parseCount,
  parseDuration,
  parseNumber,
  parseProbability,
  parseRate,
  parseTokens,
  RATE_EXPECTED,
  round,
} from "./units.ts";
