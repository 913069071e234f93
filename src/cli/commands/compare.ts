import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { experimentCommand } from "../experiment-command.ts";
import type { Io, RunSettings } from "../io.ts";
import { type CommonOptions, experimentOptions, outputOptions } from "../options.ts";

/** The scenario `compare` runs when given none: the bundled noisy-neighbor.yaml. */
export function defaultScenario(): string {
  return fileURLToPath(new URL("../../../scenarios/noisy-neighbor.yaml", import.meta.url));
}

/** `agentsim compare [scenario]`: policies side by side. */
export function registerCompare(
  program: Command,
  io: Io,
  exit: (code: number) => void,
  settings: RunSettings = {},
): void {
  const command = program
    .command("compare")
    .argument("[scenario]", "scenario file (default: the bundled noisy-neighbor.yaml)")
    .description(
      "run the scenario's policies side by side, with replications and paired comparisons",
    );
  experimentOptions(command);
  outputOptions(command);
  command
    .option(
      "--audit <file>",
      "write each policy's first audit trail as JSONL: <file>'s name + -<policy>",
    )
    .addHelpText(
      "after",
      `
Examples:
  $ agentsim compare
  $ agentsim compare scenarios/noisy-neighbor.yaml --replications 10 --policies fifo,fair-share
  $ agentsim compare my.yaml --json > results.json
  $ agentsim compare my.yaml --audit out/audit.jsonl   # out/audit-fifo.jsonl, ...`,
    )
    .action(async (scenario: string | undefined, options: CommonOptions) => {
      exit(
        await experimentCommand(io, {
          command: "compare",
          file: scenario ?? defaultScenario(),
          options,
          settings,
          plan: {
            policies: options.policies,
            replications: options.replications,
            seed: options.seed,
          },
        }),
      );
    });
}
