import type { Command } from "commander";
import { scenarioJsonSchema } from "../../scenario/index.ts";
import type { Io } from "../io.ts";

/** `agentsim schema`: the JSON Schema of the scenario format. */
export function registerSchema(program: Command, io: Io, exit: (code: number) => void): void {
  program
    .command("schema")
    .description("print the JSON Schema of the scenario format (for editors and CI)")
    .addHelpText(
      "after",
      `
Example:
  $ agentsim schema > agentsim-scenario.schema.json`,
    )
    .action(() => {
      io.out(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
      exit(0);
    });
}
