/**
 * The flags several commands share, with parsers that reject bad values at once: commander
 * then prints `error: option '--jobs <n>' argument 'x' is invalid. expected ...` and the
 * command line exits with code 2.
 */
import { availableParallelism } from "node:os";
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  DEFAULT_MAX_CALLS,
  defaultMaxMemory,
  parseShard,
  type Shard,
} from "../experiment/index.ts";
import { formatBytes, parseDuration, parseSize, ScenarioError } from "../input/index.ts";
import { BOUNDS, formatBound } from "../scenario/index.ts";

/** The shared flags, as commander parses them. */
export interface CommonOptions {
  out?: string;
  json?: boolean;
  replications?: number;
  policies?: string[];
  seed?: number;
  jobs?: number;
  shard?: Shard;
  audit?: string;
  png?: boolean;
  /** --policy-timeout, in seconds. */
  policyTimeout?: number;
  maxMemory?: number;
  maxCalls?: number;
  force?: boolean;
}

/** Parses a positive integer flag value. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Most cells run at once (`--jobs`): worker threads beyond the cores only compete. */
export const MAX_JOBS = 256;

/** Parses `--jobs`: a positive integer, at most `MAX_JOBS`. */
export function jobsValue(value: string): number {
  const n = positiveInteger(value);
  if (n > MAX_JOBS) {
    throw new InvalidArgumentError(
      `expected a positive integer, at most ${MAX_JOBS}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** Parses `--replications`: a positive integer, at most the scenario format's bound. */
export function replicationsValue(value: string): number {
  const n = positiveInteger(value);
  if (n > BOUNDS.replications) {
    throw new InvalidArgumentError(
      `expected a positive integer, at most ${formatBound(BOUNDS.replications)}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** The smallest and largest `--max-memory`. */
const MEMORY_MIN = 16 * 2 ** 20;
const MEMORY_MAX = 2 ** 40;

/** Parses `--max-memory`: a size such as "512M" or "4G" (powers of 1024), 16M to 1T. */
export function memorySize(value: string): number {
  const bytes = parseSize(value);
  if (bytes === undefined || bytes < MEMORY_MIN || bytes > MEMORY_MAX) {
    throw new InvalidArgumentError(
      `expected a size from 16M to 1T such as "512M" or "4G" (K, M, G, T: powers of 1024), got ${JSON.stringify(value)}`,
    );
  }
  return bytes;
}

/** Parses a seed: a non-negative integer. */
export function seedValue(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Parses `i/n`. */
export function shardValue(value: string): Shard {
  try {
    return parseShard(value);
  } catch {
    throw new InvalidArgumentError(
      `expected "i/n" with 1 <= i <= n, such as "2/8", got ${JSON.stringify(value)}`,
    );
  }
}

/** Parses a positive duration such as "30s", "1.5s" or "500ms" into seconds. */
export function durationValue(value: string): number {
  try {
    return parseDuration(value.trim(), "", { positive: true });
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    throw new InvalidArgumentError(
      `expected a positive duration such as "30s" or "500ms", got ${JSON.stringify(value)}`,
    );
  }
}

/** Adds --policy-timeout (commands that load policy modules). */
export function policyTimeoutOption(command: Command): Command {
  return command.option(
    "--policy-timeout <duration>",
    "how long one call into a policy module (loading it, or one enqueue/pick/complete) may run before it is stopped (default: 30s)",
    durationValue,
  );
}

/** Parses a comma-separated list of policies. */
export function policyList(value: string): string[] {
  const items = value.split(",").map((item) => item.trim());
  if (items.some((item) => item === "")) {
    throw new InvalidArgumentError(
      `expected policies separated by commas, such as "fifo,fair-share", got ${JSON.stringify(value)}`,
    );
  }
  return items;
}

/** Collects a repeatable flag's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The default `--jobs`: the number of cores. */
export function defaultJobs(): number {
  return availableParallelism();
}

/** Wall-clock seconds, for deciding when worker threads are worth starting. */
export function wallClock(): number {
  return performance.now() / 1000;
}

/** Adds the experiment flags: --replications --policies --seed --jobs, --policy-timeout and --json. */
export function experimentOptions(command: Command): Command {
  policyTimeoutOption(command);
  command
    .option(
      "--replications <n>",
      "replications per policy (default: the scenario's)",
      replicationsValue,
    )
    .option(
      "--policies <list>",
      "policies to run, comma-separated (default: the scenario's)",
      policyList,
    );
  return runOptions(command);
}

/** Adds --seed, --jobs, --json and the budget flags (every command that runs cells). */
export function runOptions(command: Command): Command {
  return command
    .option("--seed <n>", "root seed (default: the scenario's)", seedValue)
    .option(
      "--jobs <n>",
      `cells run at once (default: the number of cores, ${defaultJobs()})`,
      jobsValue,
    )
    .option("--json", "print results.json to standard output instead of the table")
    .addOption(budgetOptions()[0]!)
    .addOption(budgetOptions()[1]!)
    .addOption(budgetOptions()[2]!);
}

/**
 * The budget flags: --max-memory, --max-calls and --force (commands that run cells, and
 * validate, which refuses what they would refuse).
 */
export function budgetOptions(): Option[] {
  return [
    new Option(
      "--max-memory <size>",
      `memory the runs in flight of the cells running at once and the results may take, such as "8G" (default: three quarters of the heap limit, ${formatBytes(defaultMaxMemory())} here)`,
    ).argParser(memorySize),
    new Option(
      "--max-calls <n>",
      `model calls the experiment may make, an estimate of how long it runs (default: ${formatBound(DEFAULT_MAX_CALLS)}, about 40 minutes of one core)`,
    ).argParser(positiveInteger),
    new Option(
      "--force",
      "run even when the cost estimate is over the budget (a cell whose queue outgrows --max-memory still stops)",
    ),
  ];
}

/** Adds --out, --shard and --png / --no-png (commands that write a report). */
export function outputOptions(command: Command, shard = true): Command {
  command.option("--out <dir>", "output folder (default: reports/<scenario>-<policies>-<seed>/)");
  if (shard) {
    command.option(
      "--shard <i/n>",
      "run only cells k with k mod n = i-1 and write partial-i-of-n.json (see merge)",
      shardValue,
    );
  }
  return command
    .option("--png", "also render the charts as PNG")
    .option("--no-png", "do not render PNG charts");
}
