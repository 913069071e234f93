import type { Command } from "commander";
import { parseVary } from "../../scenario/index.ts";
import { experimentCommand } from "../experiment-command.ts";
import type { Io, RunSettings } from "../io.ts";
import { type CommonOptions, collect, experimentOptions, outputOptions } from "../options.ts";

/** `agentsim sweep <scenario> --vary path=values ...`: a grid of scenarios. */
export function registerSweep(
  program: Command,
  io: Io,
  exit: (code: number) => void,
  settings: RunSettings = {},
): void {
  const command = program
    .command("sweep")
    .argument("<scenario>", "scenario file")
    .description("run the policies over a grid of values (every combination of the --vary axes)")
    .option(
      "--vary <path=values>",
      'an axis: a field path and a list "a,b,c" or a range "lo..hi:count" (repeatable)',
      collect,
    );
  experimentOptions(command);
  outputOptions(command);
  command
    .addHelpText(
      "after",
      `
Examples:
  $ agentsim sweep scenarios/noisy-neighbor.yaml --vary jobs.ticket-triage.arrivals.rate=0.5/s..4/s:8
  $ agentsim sweep my.yaml --vary endpoints.0.slots=4,8,16 --vary jobs.batch.arrivals.rate=1/s,2/s
  $ agentsim sweep my.yaml --vary endpoints.0.slots=4,8 --shard 2/4   # one slice; see merge`,
    )
    .action(async (scenario: string, options: CommonOptions & { vary?: string[] }) => {
      const axes = (options.vary ?? []).map((flag) => parseVary(flag));
      exit(
        await experimentCommand(io, {
          command: "sweep",
          file: scenario,
          options,
          settings,
          plan: {
            policies: options.policies,
            replications: options.replications,
            seed: options.seed,
            axes,
            declaredSweep: true,
          },
        }),
      );
    });
}
