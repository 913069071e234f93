/**
 * Loading a user's policy from a module: imported (see module-import.ts), tried once, and each
 * scheduler it builds checked against the Scheduler contract, so that a bad module fails when
 * it loads, with a ScenarioError naming the file, not in the middle of a run.
 */

import { basename, extname, resolve } from "node:path";
import { ScenarioError } from "../input/index.ts";
import {
  MODULE_EXTENSIONS,
  type Scheduler,
  type SchedulerContext,
  type SchedulerFactory,
} from "../runtime/index.ts";
import { importPolicyModule } from "./module-import.ts";

/** The members every scheduler has, checked on a user's policy. */
const METHODS = ["enqueue", "pick", "complete"] as const;

/** A user's policy loaded from a module. */
export interface LoadedPolicy {
  /** The module's `name` export, else the file name without its extension. */
  readonly name: string;
  /** The absolute path it was loaded from. */
  readonly file: string;
  /** Builds the policy for one cell; checks each scheduler it returns against the interface. */
  readonly create: SchedulerFactory;
}

/** The context a policy module is tried with when it loads: one tenant, one job. */
const PROBE_CONTEXT: SchedulerContext = {
  tenants: [{ name: "probe", weight: 1 }],
  jobs: [{ name: "probe", tenant: "probe", priority: 0 }],
};

/**
 * Loads a user's policy from a .ts, .mts, .js, .mjs or .cjs module that exports a SchedulerFactory
 * as `default` or `createScheduler` (and optionally a `name`). The factory is tried once with
 * a one-tenant context and `options`, so a module that does not build a valid scheduler fails
 * here, with a ScenarioError naming the file and what is missing, not in the middle of a run.
 */
export async function loadPolicyModule(
  path: string,
  options: Record<string, unknown> = {},
): Promise<LoadedPolicy> {
  const file = resolve(path);
  const extension = extname(file);
  if (!MODULE_EXTENSIONS.includes(extension)) {
    throw new ScenarioError("", `a policy module ending in ${MODULE_EXTENSIONS.join(", ")}`, path, {
      file,
    });
  }
  let module: Record<string, unknown>;
  try {
    module = await importPolicyModule(file);
  } catch (error) {
    throw new ScenarioError(
      "",
      "a policy module that can be imported",
      `an import error: ${message(error)}`,
      {
        file,
        foundShown: true,
      },
    );
  }
  const factory = module.default ?? module.createScheduler;
  if (typeof factory !== "function") {
    const found = `exports ${Object.keys(module).join(", ") || "nothing"}`;
    throw new ScenarioError(
      "",
      "a module exporting a scheduler factory as `default` or `createScheduler`",
      found,
      {
        file,
        foundShown: true,
      },
    );
  }
  if (module.name !== undefined && (typeof module.name !== "string" || module.name === "")) {
    throw new ScenarioError("name", "a non-empty string naming the policy", module.name, { file });
  }
  const name = (module.name as string | undefined) ?? basename(file, extension);
  const create: SchedulerFactory = (ctx, cellOptions) => {
    let scheduler: unknown;
    try {
      scheduler = (factory as SchedulerFactory)(ctx, cellOptions);
    } catch (error) {
      if (error instanceof ScenarioError)
        throw error.file === undefined ? error.inFile(file) : error;
      throw new ScenarioError(
        "",
        "the factory to build a scheduler",
        `an error: ${message(error)}`,
        {
          file,
          foundShown: true,
        },
      );
    }
    return validateScheduler(scheduler, file);
  };
  create(PROBE_CONTEXT, options);
  return { name, file, create };
}

/**
 * Checks that `value` has every member of the Scheduler interface (enqueue, pick, complete, a
 * numeric size and a string name); throws a ScenarioError naming `file`
 * and the missing members otherwise.
 */
export function validateScheduler(value: unknown, file: string): Scheduler {
  if (typeof value !== "object" || value === null) {
    throw new ScenarioError("", "the factory to return a scheduler object", value, { file });
  }
  const candidate = value as Record<string, unknown>;
  const missing: string[] = METHODS.filter((method) => typeof candidate[method] !== "function").map(
    (method) => `${method}()`,
  );
  if (typeof candidate.size !== "number") missing.push("size (a number)");
  if (typeof candidate.name !== "string") missing.push("name (a string)");
  if (missing.length > 0) {
    throw new ScenarioError(
      "",
      "a scheduler with enqueue(), pick(), complete(), size and name",
      `one without ${missing.join(", ")}`,
      { file, foundShown: true },
    );
  }
  return value as Scheduler;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
