/** The registry of built-in policies: their names, building one for a cell, the error for an unknown name. */

import { ScenarioError } from "../../input/index.ts";
import { createEdf } from "./edf.ts";
import { createFairShare } from "./fair-share.ts";
import { createFifo } from "./fifo.ts";
import { createLas } from "./las.ts";
import { createPriority } from "./priority.ts";
import { createRoundRobin } from "./round-robin.ts";
import { createSjf } from "./sjf.ts";
import type { Scheduler, SchedulerContext, SchedulerFactory } from "./types.ts";

/** The built-in policies, by name, in the order the documentation lists them. */
const BUILT_IN: ReadonlyMap<string, SchedulerFactory> = new Map([
  ["fifo", createFifo],
  ["priority", createPriority],
  ["fair-share", createFairShare],
  ["round-robin", createRoundRobin],
  ["sjf", createSjf],
  ["las", createLas],
  ["edf", createEdf],
]);

/** Names of the built-in policies. */
export const schedulerNames: readonly string[] = [...BUILT_IN.keys()];

/** File extensions a policy module may have (the cell layer loads such modules). */
export const MODULE_EXTENSIONS: readonly string[] = [".ts", ".mts", ".js", ".mjs", ".cjs"];

/** Whether `name` is a built-in policy. */
export function isSchedulerName(name: string): boolean {
  return BUILT_IN.has(name);
}

/**
 * Builds a built-in policy for one cell. Throws a ScenarioError naming the known policies for
 * an unknown name, and one naming the option for a bad option.
 */
export function createScheduler(
  name: string,
  ctx: SchedulerContext,
  options: Record<string, unknown> = {},
): Scheduler {
  const factory = BUILT_IN.get(name);
  if (factory === undefined) throw unknownPolicy(name);
  return factory(ctx, options);
}

/**
 * The error for a policy name that is neither built in nor a module path, listing the known
 * names; `path` is the field that named it (default "policy"), `file` the scenario's.
 */
export function unknownPolicy(name: string, path = "policy", file?: string): ScenarioError {
  return new ScenarioError(
    path,
    `one of ${schedulerNames.join(", ")} (or the path of a policy module ending in ${MODULE_EXTENSIONS.join(", ")})`,
    name,
    { file },
  );
}
