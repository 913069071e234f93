/** The kernel: simulated clock, events, processes, resources and named random streams. */

export { ALEA_STATE, aleaKey, aleaNext, aleaSeedKeyed } from "./alea.ts";
export type { AnyOfResult } from "./condition.ts";
export { allOf, anyOf } from "./condition.ts";
export type { DistSpec } from "./dist.ts";
export { DIST_NAMES } from "./dist.ts";
export type { EventCallback } from "./event.ts";
export { EventClass, SimEvent } from "./event.ts";
export { EventQueue } from "./event-queue.ts";
export type { ProcessBody, ProcessGenerator, Yieldable } from "./process.ts";
export { Interrupt, Process, SUSPEND } from "./process.ts";
export type { ResourceConstraints, ResourceQueue } from "./resource.ts";
export { FifoQueue, Request, Resource } from "./resource.ts";
export type { Rng, StreamFamily } from "./rng.ts";
export { RandomStreams, replicationSeed } from "./rng.ts";
export type { Sampler } from "./sample.ts";
export {
  distMean,
  distQuantile,
  distRange,
  normalQuantile,
  normalUpperTail,
  sampler,
  standardNormal,
} from "./sample.ts";
export type { SimulationConstraints } from "./simulation.ts";
export { Simulation, SimulationError } from "./simulation.ts";
