import type { Command } from "commander";
import { experimentCommand } from "../experiment-command.ts";
import type { Io, RunSettings } from "../io.ts";
import { type CommonOptions, experimentOptions, outputOptions } from "../options.ts";

/** `agentsim run <scenario> --policy <name>`: one policy, one seed (one replication by default). */
export function registerRun(
  program: Command,
  io: Io,
  exit: (code: number) => void,
  settings: RunSettings = {},
): void {
  const command = program
    .command("run")
    .argument("<scenario>", "scenario file")
    .description("run one policy of a scenario (one replication unless --replications)")
    .option("--policy <name>", "the policy (default: the scenario's first)");
  experimentOptions(command);
  outputOptions(command);
  command
    .option("--audit <file>", "write the audit trail of the first replication to <file> as JSONL")
    .addHelpText(
      "after",
      `
Examples:
  $ agentsim run scenarios/noisy-neighbor.yaml --policy fair-share --seed 3
  $ agentsim run my.yaml --policy fifo --audit audit.jsonl && agentsim audit verify audit.jsonl`,
    )
    .action(async (scenario: string, options: CommonOptions & { policy?: string }) => {
      const policies =
        options.policy !== undefined ? [options.policy] : options.policies?.slice(0, 1);
      exit(
        await experimentCommand(io, {
          command: "run",
          file: scenario,
          options,
          settings,
          plan: {
            policies,
            firstPolicyOnly: true,
            replications: options.replications ?? 1,
            seed: options.seed,
          },
        }),
      );
    });
}
