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
import { RandomStreams } from "../sim/index.ts";
import { GuardedScheduler } from "./guarded-scheduler.ts";
import { compilePolicyModule, evaluatePolicyModule } from "./module-import.ts";
import { enterPolicy, leavePolicy, PolicyClock, PolicyMethod } from "./policy-calls.ts";
import { type PolicyCell, PolicyError, thrown } from "./policy-error.ts";

/** The members every scheduler has, checked on a user's policy. */
const METHODS = ["enqueue", "pick", "complete"] as const;

/** What a cell tells a module policy's factory: where it runs, and its stream of chance. */
export interface PolicyCellContext {
  /** The cell, as messages name it. */
  readonly cell: PolicyCell;
  /** The cell's stream for the policy's `Math.random` (the kernel's named stream `policy`). */
  readonly random: () => number;
}

/**
 * Builds a module policy's scheduler for one cell, guarded (see GuardedScheduler). Without a
 * cell (a scheduler built outside any scenario) messages name no cell and `Math.random` draws
 * from a stream of a fixed seed.
 */
export type ModuleSchedulerFactory = (
  ctx: SchedulerContext,
  options: Record<string, unknown>,
  cell?: PolicyCellContext,
) => Scheduler;

/** A user's policy loaded from a module. */
export interface LoadedPolicy {
  /** The module's `name` export, else the file name without its extension. */
  readonly name: string;
  /** The absolute path it was loaded from. */
  readonly file: string;
  /** Builds the policy for one cell; checks each scheduler it returns, and guards it. */
  readonly create: ModuleSchedulerFactory;
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
    const url = await compilePolicyModule(file);
    // The module's top-level code runs here: watched, and with the substitutes for chance and
    // time, so that a value it draws at load is the same in every thread.
    const previous = enterPolicy(fixedClock(), PolicyMethod.load, 0);
    try {
      module = await evaluatePolicyModule(url);
    } finally {
      leavePolicy(previous);
    }
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
  const create: ModuleSchedulerFactory = (ctx, cellOptions, site) => {
    const cell = site?.cell ?? { scenario: "", policy: name, seed: 0, replication: 0 };
    const clock = site === undefined ? fixedClock() : new PolicyClock(site.random);
    let scheduler: Scheduler;
    const previous = enterPolicy(clock, PolicyMethod.factory, 0);
    try {
      // Reading the scheduler's members may run the user's getters: inside the call too.
      scheduler = validateScheduler((factory as SchedulerFactory)(ctx, cellOptions), file);
    } catch (error) {
      throw site === undefined ? factoryError(error, file) : cellFactoryError(error, file, cell);
    } finally {
      leavePolicy(previous);
    }
    return new GuardedScheduler(scheduler, file, cell, clock);
  };
  create(PROBE_CONTEXT, options);
  return { name, file, create };
}

/** What a factory's failure is when a module loads: attributed to the module's file. */
function factoryError(error: unknown, file: string): ScenarioError {
  if (error instanceof ScenarioError) return error.file === undefined ? error.inFile(file) : error;
  return new ScenarioError("", "the factory to build a scheduler", `an error: ${message(error)}`, {
    file,
    foundShown: true,
  });
}

/** What a factory's failure is in a cell (it built a scheduler when the module loaded). */
function cellFactoryError(error: unknown, file: string, cell: PolicyCell): PolicyError {
  const found = error instanceof ScenarioError ? error.message : `an exception: ${thrown(error)}`;
  return new PolicyError(file, "the factory", cell, "the factory to build a scheduler", found);
}

/**
 * The chance and time a module sees while it loads, and a scheduler built outside any cell:
 * `Math.random` from a stream of a fixed seed, so a value drawn at load is the same in every
 * thread and every run; the clocks at the simulated time 0.
 */
function fixedClock(): PolicyClock {
  const stream = new RandomStreams(0).stream("policy/load");
  return new PolicyClock(() => stream.next());
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
