/**
 * Distribution specifications in base units (seconds, tokens or plain numbers), as the scenario
 * parser produces them from DESIGN.md's format. `sampler()` in `sample.ts` turns one into a
 * function of a random stream.
 */
export type DistSpec =
  | { dist: "constant"; value: number }
  | { dist: "uniform"; min: number; max: number }
  | { dist: "exponential"; mean: number }
  | { dist: "normal"; mean: number; sd: number; min?: number; max?: number }
  | { dist: "lognormal"; mu: number; sigma: number }
  | { dist: "pareto"; scale: number; shape: number }
  | { dist: "bernoulli"; p: number }
  | { dist: "empirical"; values: number[] };

/** The names of the distributions, in the order the schema lists them. */
export const DIST_NAMES = [
  "constant",
  "uniform",
  "exponential",
  "normal",
  "lognormal",
  "pareto",
  "bernoulli",
  "empirical",
] as const;
