import type { Command } from "commander";
import { costSummary, declaredSweepPlan, planExperiment } from "../../experiment/index.ts";
import { describeScenario } from "../../scenario/index.ts";
import { budgetPlan } from "../budget.ts";
import type { Io } from "../io.ts";
import { budgetOptions, policyTimeoutOption } from "../options.ts";

/**
 * `agentsim validate <scenario>`: plan the experiment `compare` would run and hold its cost
 * estimate to the budget, with the same functions compare uses (`planExperiment`, `budgetPlan`),
 * so that validate refuses (exit 2) everything compare refuses as bad input before it runs a
 * cell: the scenario, its policies (names known, modules imported and tried on a watched worker
 * thread), its trace files (read and checked), its cost. A scenario that declares sweep axes is
 * planned and estimated as `sweep` would run it, too. Then it says what the scenario means.
 */
export function registerValidate(program: Command, io: Io, exit: (code: number) => void): void {
  const command = program
    .command("validate")
    .argument("<scenario>", "scenario file")
    .description(
      "check a scenario as compare (and sweep) would before running it, estimate what they would cost, and print what it means (defaults included)",
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
        options: { policyTimeout?: number; maxMemory?: number; maxCalls?: number; force?: boolean },
      ) => {
        const plan = await planExperiment(file, { policyTimeoutS: options.policyTimeout });
        // As compare and sweep would hold them to the budget, with their default --jobs.
        const compare = budgetPlan(io, plan, plan.cells, options, file).cost;
        const sweepPlan = declaredSweepPlan(plan, file);
        const sweep =
          sweepPlan === undefined
            ? undefined
            : budgetPlan(io, sweepPlan, sweepPlan.cells, options, file).cost;
        io.out(`${describeScenario(plan.scenario)}\n`);
        io.out(`\nEstimate of compare: ${costSummary(compare)}.\n`);
        if (sweep !== undefined) io.out(`Estimate of sweep: ${costSummary(sweep)}.\n`);
        exit(0);
      },
    );
}
