/**
 * A user policy: the turn with the shortest prompt goes first (first-ready-first on ties).
 *
 * Use it from a scenario with `policies: [fifo, ./examples/policies/shortest-prompt-first.ts]`.
 * A policy module exports a SchedulerFactory as `default` (or `createScheduler`), and may export
 * a `name` for the results. The factory gets the scenario's tenants and jobs and the policy's
 * options, and returns a Scheduler: enqueue, pick, complete, size and name (see
 * src/runtime/scheduler/types.ts). A policy that is one fixed order needs only a comparator:
 * `keyedScheduler` keeps the turns in a heap (O(log n)) and handles filtered picks. A policy that accounts for service (like fair-share) implements the interface itself
 * and does its bookkeeping in `complete`.
 */

import type { SchedulerContext, SchedulerFactory } from "../../src/runtime/scheduler/index.ts";
import { keyedScheduler } from "../../src/runtime/scheduler/index.ts";

/** The policy's name in results. */
export const name = "shortest-prompt-first";

/** Prompt tokens are known exactly when a turn is ready, unlike its output: no estimate needed. */
const createScheduler: SchedulerFactory = (_ctx: SchedulerContext, _options) =>
  keyedScheduler(name, (a, b) => a.promptTokens - b.promptTokens);

export default createScheduler;
