import type { Command } from "commander";
import { runCheck } from "../../experiment/check.ts";
import { planExperiment } from "../../experiment/plan.ts";
import type { CheckResult } from "../../experiment/results.ts";
import { type Io, paint, type RunSettings, withProgress } from "../io.ts";
import { type CommonOptions, defaultJobs, experimentOptions, wallClock } from "../options.ts";
import { resultsText, writeResults } from "../output.ts";

/** `agentsim check <scenario>`: arbitration, isolation and audit; exit 1 if one fails. */
export function registerCheck(
  program: Command,
  io: Io,
  exit: (code: number) => void,
  settings: RunSettings = {},
): void {
  const command = program
    .command("check")
    .argument("<scenario>", "scenario file")
    .description(
      "the three tests: arbitration (Jain's index, work conservation), workspace isolation, audit trail; exit 1 if one fails",
    );
  experimentOptions(command);
  command
    .option("--out <dir>", "also write results.json (with the verdicts) and the report there")
    .addHelpText(
      "after",
      `
Examples:
  $ agentsim check scenarios/noisy-neighbor.yaml
  $ agentsim check my.yaml --json | jq .tests.audit
  $ agentsim check my.yaml --replications 3 || echo "a check failed"`,
    )
    .action(async (scenario: string, options: CommonOptions) => {
      const plan = await planExperiment(scenario, {
        policies: options.policies,
        replications: options.replications,
        seed: options.seed,
      });
      const { check, results } = await withProgress(
        io,
        plan.cells.length,
        "check",
        options.json === true,
        (onProgress) =>
          runCheck(plan, {
            jobs: options.jobs ?? defaultJobs(),
            onProgress,
            ...(settings.workersOnly ? {} : { clock: wallClock }),
          }),
      );
      const written =
        options.out === undefined ? undefined : await writeResults(options.out, results);
      if (written?.warning !== undefined) io.err(`warning: ${written.warning}\n`);
      io.out(options.json ? resultsText(check) : checkText(io, check));
      if (written !== undefined && !options.json) io.out(`\nResults: ${written.dir}\n`);
      exit(check.pass ? 0 : 1);
    });
}

function verdict(io: Io, pass: boolean): string {
  return pass ? paint(io, "green", "PASS") : paint(io, "red", "FAIL");
}

/** The verdicts with their evidence, one test a paragraph. */
export function checkText(io: Io, check: CheckResult): string {
  const { arbitration, isolation, audit } = check.tests;
  return `${[
    paint(io, "bold", `${check.scenario}: ${check.pass ? "all checks pass" : "a check failed"}`),
    "",
    `${verdict(io, arbitration.pass)}  arbitration: ${arbitration.evidence}`,
    `${verdict(io, isolation.pass)}  isolation: ${isolation.evidence ?? `${isolation.attempts} attempts, ${isolation.refused} refused, ${isolation.succeeded} succeeded`}`,
    `${verdict(io, audit.pass)}  audit: ${
      audit.pass
        ? `every policy's audited replication verifies (${audit.records} records), no action unaudited, none without authority`
        : (audit.evidence ??
          `chain ${audit.verified ? "verified" : "broken"}, ${audit.unaudited} unaudited, ${audit.withoutAuthority} without authority`)
    }`,
  ].join("\n")}\n`;
}
