/**
 * What compare, run and sweep share: plan the experiment, run its cells (or one shard's) with
 * a progress bar, write results.json and the report (or the shard's partial), and print the
 * summary table or, with --json, results.json.
 */
import { join } from "node:path";
import type { AuditTrailOptions } from "../audit/index.ts";
import type { Cell, Results } from "../experiment/index.ts";
import {
  type PlanConstraints,
  partialName,
  planExperiment,
  runExperiment,
  shardCells,
} from "../experiment/index.ts";
import { ScenarioError } from "../input/index.ts";
import { budgetPlan } from "./budget.ts";
import { type Io, type RunSettings, withProgress } from "./io.ts";
import { type CommonOptions, defaultJobs, wallClock } from "./options.ts";
import {
  auditFiles,
  defaultOutDir,
  preloadReport,
  resultsText,
  type Written,
  writeJson,
  writeResults,
} from "./output.ts";
import { staged } from "./staging.ts";
import { compareTable, sweepTable } from "./table.ts";

/** One invocation of compare, run or sweep. */
export interface ExperimentCommand {
  command: "compare" | "run" | "sweep";
  file: string;
  options: CommonOptions;
  settings?: RunSettings;
  plan: PlanConstraints;
}

/** Runs the command; returns the exit code. */
export async function experimentCommand(io: Io, spec: ExperimentCommand): Promise<number> {
  const { options } = spec;
  const plan = await planExperiment(spec.file, {
    ...spec.plan,
    policyTimeoutS: options.policyTimeout,
  });
  const sweep = spec.command === "sweep";
  if (sweep && plan.axes.length === 0) {
    throw new ScenarioError(
      "--vary",
      'at least one axis, such as --vary "jobs.ticket-triage.arrivals.rate=0.5/s..4/s:8" (or a sweep: list in the scenario)',
      "none",
      { foundShown: true },
    );
  }
  const outDir = options.out ?? defaultOutDir(plan.info.name, plan.policies, plan.seed, sweep);
  const audit = auditFiles(spec.command, options.audit, plan.policies);
  const shard = options.shard;
  // The cost estimate, held to the budget before anything is staged or run.
  const { memory } = budgetPlan(
    io,
    plan,
    shard ? shardCells(plan.cells, shard) : plan.cells,
    options,
    spec.file,
  );
  // Every output is checked and staged before the first cell runs, and put in place together.
  const done = await staged(spec.command, async (outputs) => {
    const partialFile =
      shard === undefined
        ? undefined
        : join(outputs.folderToAddTo(outDir, "--out"), partialName(shard));
    const partialStaged =
      partialFile === undefined ? undefined : outputs.file(partialFile, "--out");
    const dir = shard === undefined ? outputs.folder(outDir, "--out") : undefined;
    const auditStaged = mapValues(audit, (path) => outputs.file(path, "--audit"));
    const auditFor = (cell: Cell): AuditTrailOptions | undefined => {
      const path = auditStaged?.[cell.policy];
      return path !== undefined && cell.replication === 0 && cell.pointIndex === 0
        ? { mode: "file", path }
        : undefined;
    };
    const cellCount = shard
      ? plan.cells.filter((c) => c.index % shard.count === shard.index - 1).length
      : plan.cells.length;
    // A shard writes no report; a whole experiment's report loads while its cells run.
    const jobs = options.jobs ?? defaultJobs();
    if (shard === undefined) await preloadReport(Math.min(jobs, cellCount));
    const outcome = await withProgress(
      io,
      cellCount,
      spec.command,
      options.json === true,
      (onProgress) =>
        runExperiment(plan, {
          jobs,
          shard,
          command: spec.command,
          auditFor,
          memory,
          ...(spec.settings?.workersOnly ? {} : { clock: wallClock }),
          onProgress: onProgress === undefined ? undefined : (done) => onProgress(done),
        }),
    );
    if (outcome.kind === "partial") {
      writeJson(partialStaged!, outcome.partial, partialFile);
      return { kind: "partial" as const, partial: outcome.partial, path: partialFile! };
    }
    const written = await writeResults(dir!, outcome.results, {
      ...(audit === undefined ? {} : { auditJsonl: audit, auditReadFrom: auditStaged }),
      png: options.png,
      finalDir: outDir,
    });
    return { kind: "results" as const, results: outcome.results, written };
  });
  if (done.kind === "partial") {
    const { index, count } = done.partial.shard;
    if (options.json) {
      io.out(
        resultsText({
          partial: done.path,
          shard: { index, count },
          cells: done.partial.cells.length,
        }),
      );
    } else {
      io.out(
        `Shard ${index}/${count}: ${done.partial.cells.length} of ${plan.cells.length} cells written to ${done.path}\n` +
          `Join the shards with: agentsim merge ${join(outDir, "partial-*.json")}\n`,
      );
    }
    return 0;
  }
  printResults(io, done.results, done.written, options.json === true, sweep, audit);
  return 0;
}

/** Prints results (the table or results.json), where they went, and any warning. */
export function printResults(
  io: Io,
  results: Results,
  written: Written,
  json: boolean,
  sweep: boolean,
  audit?: Record<string, string>,
): void {
  if (written.warning !== undefined) io.err(`warning: ${written.warning}\n`);
  if (json) {
    io.out(resultsText(results));
    return;
  }
  io.out(sweep ? sweepTable(io, results) : compareTable(io, results));
  const index = written.files.find((f) => f.endsWith("index.html"));
  io.out(
    `\nResults: ${join(written.dir, "results.json")}${index ? `\nReport:  ${index}` : ""}` +
      `${audit ? `\nAudit:   ${Object.values(audit).join(", ")}` : ""}\n`,
  );
}

function mapValues(
  record: Record<string, string> | undefined,
  f: (value: string) => string,
): Record<string, string> | undefined {
  if (record === undefined) return undefined;
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}
