import type { Command } from "commander";
import { describeScenario } from "../../scenario/describe.ts";
import { loadScenarioFile } from "../../scenario/load.ts";
import type { Io } from "../io.ts";

/** `agentsim validate <scenario>`: load, check, and say what the scenario means. */
export function registerValidate(program: Command, io: Io, exit: (code: number) => void): void {
  program
    .command("validate")
    .argument("<scenario>", "scenario file")
    .description("load and check a scenario, and print what it means (defaults included)")
    .addHelpText(
      "after",
      `
Example:
  $ agentsim validate scenarios/noisy-neighbor.yaml`,
    )
    .action((scenario: string) => {
      io.out(`${describeScenario(loadScenarioFile(scenario))}\n`);
      exit(0);
    });
}
