/**
 * The command line as a function of its arguments: builds the commander program, runs the
 * command, and turns every outcome into an exit code — 0 ok, 1 a check failed (or an audit
 * chain is broken), 2 bad input (usage, scenario, file, an output path that cannot be written:
 * one clear message, never a stack trace), 3 an internal error (a bug in agentsim); main.ts
 * adds 130 and 143 for an interrupt (SIGINT, SIGTERM).
 */
import { Command, CommanderError } from "commander";
import { VERSION } from "../experiment/index.ts";
import { fileErrorReason, isSystemError, ScenarioError } from "../input/index.ts";
import { registerAudit } from "./commands/audit.ts";
import { registerCalibrate } from "./commands/calibrate.ts";
import { registerCapacity } from "./commands/capacity.ts";
import { registerCheck } from "./commands/check.ts";
import { registerCompare } from "./commands/compare.ts";
import { registerMerge } from "./commands/merge.ts";
import { registerReport } from "./commands/report.ts";
import { registerRun } from "./commands/run.ts";
import { registerSchema } from "./commands/schema.ts";
import { registerSweep } from "./commands/sweep.ts";
import { registerValidate } from "./commands/validate.ts";
import type { Io, RunSettings } from "./io.ts";
import { interruptOutputs } from "./staging.ts";

/** Exit codes: 130 and 143 are the shells' 128 + SIGINT (2) and 128 + SIGTERM (15). */
export const EXIT = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  internal: 3,
  interrupted: 130,
  terminated: 143,
} as const;

/** Options of `runCli`. */
export interface CliConstraints {
  /** Print the stack of internal errors (AGENTSIM_DEBUG); default false. */
  debug?: boolean;
  /** Thread settings of the experiment commands; default none. */
  settings?: RunSettings;
}

/** Runs the command line on `args` (without node and the script) and returns the exit code. */
export async function runCli(
  args: readonly string[],
  io: Io,
  options: CliConstraints = {},
): Promise<number> {
  let code: number = EXIT.ok;
  const exit = (c: number) => {
    code = c;
  };
  // Settings made before the commands are added are inherited by every command.
  const program = new Command("agentsim")
    .description(
      "Deterministic discrete-event simulator of agent runtimes: compare scheduling policies, check isolation and audit.",
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(text),
    })
    .showHelpAfterError("(add --help for usage and examples)")
    .showSuggestionAfterError();
  for (const register of [
    registerCompare,
    registerRun,
    registerSweep,
    registerCapacity,
    registerCheck,
    registerValidate,
    registerSchema,
    registerAudit,
    registerReport,
    registerMerge,
    registerCalibrate,
  ]) {
    register(program, io, exit, options.settings ?? {});
  }
  program.addHelpText(
    "after",
    `
Exit codes: 0 ok, 1 a check failed, 2 bad input (usage, scenario, file, output path),
3 internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). Outputs are written
all-or-nothing: an interrupted or failed command leaves the previous --out folder as it was.

Examples:
  $ agentsim compare                                  # the bundled noisy-neighbor scenario
  $ agentsim compare my.yaml --replications 10 --jobs 4
  $ agentsim sweep my.yaml --vary jobs.ticket-triage.arrivals.rate=0.5/s..4/s:8
  $ agentsim check my.yaml
  $ agentsim calibrate requests.jsonl --out endpoint.yaml   # an endpoint fitted to your logs`,
  );
  try {
    await program.parseAsync([...args], { from: "user" });
    return code;
  } catch (error) {
    return failure(io, error, options.debug === true);
  }
}

function failure(io: Io, error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // commander has printed the message (or the help) already.
    return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  }
  if (error instanceof ScenarioError) {
    io.err(`${error.report()}\n`);
    return EXIT.badInput;
  }
  // A file error no command turned into a message of its own still names the file and why.
  if (isSystemError(error)) {
    const path = error.path === undefined ? "" : `${error.path}: `;
    io.err(`${path}${fileErrorReason(error)}${error.syscall ? ` (${error.syscall})` : ""}\n`);
    return EXIT.badInput;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  io.err(`agentsim: internal error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
  else io.err("(set AGENTSIM_DEBUG=1 to see where; please report it)\n");
  return EXIT.internal;
}

/**
 * What an interrupt (`signal`) leaves: the staged outputs of the command are removed, and the
 * message says what was written before it and what was not (the previous folder unchanged).
 */
export function interruptMessage(signal: string): string {
  const { written, notWritten } = interruptOutputs();
  const lines = [`agentsim: interrupted by ${signal}; stopped, and removed the temporary files.`];
  if (written.length > 0) lines.push(`Written: ${written.join(", ")}`);
  if (notWritten.length > 0) lines.push(`Not written: ${notWritten.join(", ")}`);
  if (written.length === 0 && notWritten.length === 0) lines.push("Nothing was being written.");
  return `${lines.join("\n")}\n`;
}
