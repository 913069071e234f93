import type { Command } from "commander";
import type { CheckResult, CheckStatus } from "../../experiment/index.ts";
import { planExperiment, runCheck } from "../../experiment/index.ts";
import { budgetPlan } from "../budget.ts";
import { type Io, paint, type RunSettings, withProgress } from "../io.ts";
import { type CommonOptions, defaultJobs, experimentOptions, wallClock } from "../options.ts";
import { resultsText, writeResults } from "../output.ts";
import { staged } from "../staging.ts";

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
      "the three tests: arbitration (Jain's index, work conservation), workspace isolation, audit trail; exit 1 if one fails (with --strict, also if one was not exercised)",
    );
  experimentOptions(command);
  command
    .option("--out <dir>", "also write results.json (with the verdicts) and the report there")
    .option(
      "--strict",
      "fail a test that was not exercised (no escape attempted, fairness not measurable)",
    )
    .addHelpText(
      "after",
      `
Examples:
  $ agentsim check scenarios/noisy-neighbor.yaml
  $ agentsim check my.yaml --json | jq .tests.audit
  $ agentsim check my.yaml --replications 3 || echo "a check failed"
  $ agentsim check my.yaml --strict   # every test must have been exercised, and pass`,
    )
    .action(async (scenario: string, options: CommonOptions & { strict?: boolean }) => {
      const plan = await planExperiment(scenario, {
        policies: options.policies,
        replications: options.replications,
        seed: options.seed,
        policyTimeoutS: options.policyTimeout,
      });
      const { memory } = budgetPlan(io, plan, plan.cells, options, scenario);
      // --out is checked and staged before the cells run, and put in place once written.
      const { check, written } = await staged("check", async (outputs) => {
        const dir = options.out === undefined ? undefined : outputs.folder(options.out, "--out");
        const { check, results } = await withProgress(
          io,
          plan.cells.length,
          "check",
          options.json === true,
          (onProgress) =>
            runCheck(plan, {
              jobs: options.jobs ?? defaultJobs(),
              onProgress,
              strict: options.strict === true,
              tempDir: outputs.scratch(),
              memory,
              ...(settings.workersOnly ? {} : { clock: wallClock }),
            }),
        );
        const written =
          dir === undefined
            ? undefined
            : await writeResults(dir, results, { finalDir: options.out! });
        return { check, written };
      });
      if (written?.warning !== undefined) io.err(`warning: ${written.warning}\n`);
      io.out(options.json ? resultsText(check) : checkText(io, check));
      if (written !== undefined && !options.json) io.out(`\nResults: ${written.dir}\n`);
      exit(check.pass ? 0 : 1);
    });
}

/** A test's status as printed: PASS, FAIL, or NOT EXERCISED (which is not a pass). */
function verdict(io: Io, status: CheckStatus): string {
  if (status === "pass") return paint(io, "green", "PASS");
  if (status === "fail") return paint(io, "red", "FAIL");
  return paint(io, "yellow", "NOT EXERCISED");
}

/** The verdicts with their evidence, one test a line. */
export function checkText(io: Io, check: CheckResult): string {
  const { arbitration, isolation, audit, slo } = check.tests;
  const unexercised = [arbitration, isolation, audit, ...(slo === undefined ? [] : [slo])].some(
    (t) => t.status === "not-exercised",
  );
  const headline = !check.pass
    ? "a check failed"
    : unexercised
      ? "no check failed; a test was not exercised (--strict fails it)"
      : "all checks pass";
  return `${[
    paint(io, "bold", `${check.scenario}: ${headline}`),
    "",
    `${verdict(io, arbitration.status)}  arbitration: ${arbitration.evidence}`,
    `${verdict(io, isolation.status)}  isolation: ${isolation.evidence ?? `${isolation.attempts} attempts, ${isolation.refused} refused, ${isolation.succeeded} succeeded`}`,
    `${verdict(io, audit.status)}  audit: ${audit.evidence ?? `${audit.records} records, chain ${audit.verified ? "verified" : "broken"}, ${audit.unaudited} unaudited, ${audit.withoutAuthority} without authority`}`,
    ...(slo === undefined ? [] : [`${verdict(io, slo.status)}  percentile SLOs: ${slo.evidence}`]),
  ].join("\n")}\n`;
}
