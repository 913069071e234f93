import type { Command } from "commander";
import { preparePolicies } from "../../cell/index.ts";
import { costSummary, loadOnWorker, scenarioCosts } from "../../experiment/index.ts";
import { describeScenario, parseScenario, readScenarioDocument } from "../../scenario/index.ts";
import { budgetOf, enforceBudget } from "../budget.ts";
import type { Io } from "../io.ts";
import { budgetOptions, defaultJobs, policyTimeoutOption } from "../options.ts";

/**
 * `agentsim validate <scenario>`: load, check (policies as compare would: unknown names and
 * broken modules are bad input, exit 2; a cost over the budget as compare would refuse it,
 * exit 2), and say what the scenario means.
 */
export function registerValidate(program: Command, io: Io, exit: (code: number) => void): void {
  const command = program
    .command("validate")
    .argument("<scenario>", "scenario file")
    .description(
      "load and check a scenario, estimate what compare (and sweep) would cost, and print what it means (defaults included)",
    );
  for (const option of budgetOptions()) command.addOption(option);
  policyTimeoutOption(command)
    .addHelpText(
      "after",
      `
Example:
  $ agentsim validate scenarios/noisy-neighbor.yaml`,
    )
    .action(
      async (
        file: string,
        options: { policyTimeout?: number; maxMemory?: number; force?: boolean },
      ) => {
        const document = readScenarioDocument(file);
        const scenario = parseScenario(document, file);
        // The policies are checked as compare checks them: names known, modules imported and
        // tried, on a watched worker thread.
        const { policies } = await preparePolicies(scenario, file, {
          load: (module, moduleOptions) =>
            loadOnWorker(module, moduleOptions, options.policyTimeout),
        });
        // As compare and sweep would estimate it, with their default --jobs.
        const { compare, sweep } = scenarioCosts(document, scenario, file, defaultJobs());
        const costs = sweep === undefined ? [compare] : [compare, sweep];
        enforceBudget(io, costs, budgetOf(options), file, options.force === true);
        io.out(`${describeScenario({ ...scenario, policies })}\n`);
        io.out(`\nEstimate of compare: ${costSummary(compare)}.\n`);
        if (sweep !== undefined) io.out(`Estimate of sweep: ${costSummary(sweep)}.\n`);
        exit(0);
      },
    );
}
