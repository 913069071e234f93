import type { Command } from "commander";
import { preparePolicies } from "../../cell/index.ts";
import { loadOnWorker } from "../../experiment/index.ts";
import { describeScenario, loadScenarioFile } from "../../scenario/index.ts";
import type { Io } from "../io.ts";
import { policyTimeoutOption } from "../options.ts";

/**
 * `agentsim validate <scenario>`: load, check (policies as compare would: unknown names and
 * broken modules are bad input, exit 2), and say what the scenario means.
 */
export function registerValidate(program: Command, io: Io, exit: (code: number) => void): void {
  const command = program
    .command("validate")
    .argument("<scenario>", "scenario file")
    .description("load and check a scenario, and print what it means (defaults included)");
  policyTimeoutOption(command)
    .addHelpText(
      "after",
      `
Example:
  $ agentsim validate scenarios/noisy-neighbor.yaml`,
    )
    .action(async (file: string, options: { policyTimeout?: number }) => {
      const scenario = loadScenarioFile(file);
      // The policies are checked as compare checks them: names known, modules imported and
      // tried, on a watched worker thread.
      const { policies } = await preparePolicies(scenario, file, {
        load: (module, moduleOptions) => loadOnWorker(module, moduleOptions, options.policyTimeout),
      });
      io.out(`${describeScenario({ ...scenario, policies })}\n`);
      exit(0);
    });
}
