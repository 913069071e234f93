/**
 * `agentsim capacity <scenario> --vary path=lo..hi --slo 'metric<=bound' ...`: the value of a
 * field at which the SLOs stop holding, by bisection over replicated cells
 * (experiment/capacity.ts). Prints each probe's evidence and the answer, and writes
 * results.json (`capacity`), a chart per SLO and summary.md into --out.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import {
  type CapacityProbe,
  type CapacityResult,
  type Cell,
  metricOf,
  metricPaths,
  nearestPaths,
  type PolicyResults,
  parseSlo,
  planExperiment,
  policyResults,
  runCells,
  searchCapacity,
  shownValue,
  VERSION,
} from "../../experiment/index.ts";
import { ScenarioError } from "../../input/index.ts";
import { applyVary, parseRangeAxis, parseScenario } from "../../scenario/index.ts";
import { replicationSeed } from "../../sim/index.ts";
import { budgetPlan } from "../budget.ts";
import type { Io, RunSettings } from "../io.ts";
import {
  collect,
  defaultJobs,
  policyTimeoutOption,
  replicationsValue,
  runOptions,
  wallClock,
} from "../options.ts";
import { defaultOutDir, preloadReport, resultsText } from "../output.ts";
import { staged } from "../staging.ts";

interface CapacityOptions {
  vary: string;
  slo?: string[];
  policy?: string;
  confidence?: number;
  resolution?: string;
  replications?: number;
  maxReplications?: number;
  seed?: number;
  jobs?: number;
  json?: boolean;
  out?: string;
  png?: boolean;
  policyTimeout?: number;
  maxMemory?: number;
  force?: boolean;
}

/**
 * Replications a probe grows to at most, by default: this many times those it starts with.
 * Growth is for probes near the answer, whose intervals straddle the bound; measured on the
 * bundled capacity-planning scenario (p95 SLO, resolution 0.02/s), four times keeps the search
 * under a third of a grid sweep's cells (63 of 213), where growing to 20 took 79.
 */
const MAX_GROWTH = 4;
/** Replications a probe starts with at least: an interval needs two, a useful one a few. */
const MIN_REPLICATIONS = 3;

function confidenceValue(value: string): number {
  const c = Number(value);
  if (!/^\s*0?\.\d+\s*$/.test(value) || !(c > 0 && c < 1)) {
    throw new InvalidArgumentError(
      `expected a confidence between 0 and 1 such as 0.95, got ${JSON.stringify(value)}`,
    );
  }
  return c;
}

export function registerCapacity(
  program: Command,
  io: Io,
  exit: (code: number) => void,
  settings: RunSettings = {},
): void {
  const command = program
    .command("capacity")
    .argument("<scenario>", "scenario file")
    .description(
      "find the value of a field at which every SLO still holds (bisection over replicated cells)",
    )
    .requiredOption(
      "--vary <path=lo..hi>",
      'the field searched and its range, such as "jobs.chat.arrivals.rate=0.1/s..5/s"',
    )
    .option(
      "--slo <metric<=bound>",
      'an SLO on a results.json metric of the policy (repeatable): "runLatency.p95<=60s", "tenants.support.wait.p99<=5s", "sloAttainment>=0.95"',
      collect,
    )
    .option("--policy <name>", "the policy (default: the scenario's first)")
    .option(
      "--confidence <c>",
      "confidence of the intervals that decide each probe (default: 0.95)",
      confidenceValue,
    )
    .option(
      "--resolution <r>",
      "stop once the answer is known to within r, in the range's unit (default: a hundredth of the range, 1 for a count)",
    )
    .option(
      "--replications <n>",
      `replications a probe starts with (default: the scenario's, at least ${MIN_REPLICATIONS})`,
      replicationsValue,
    )
    .option(
      "--max-replications <n>",
      `replications a probe may grow to while an interval straddles an SLO (default: ${MAX_GROWTH} times --replications)`,
      replicationsValue,
    )
    .option("--out <dir>", "output folder (default: reports/<scenario>-capacity-<policy>-<seed>/)")
    .option("--png", "also render the charts as PNG")
    .option("--no-png", "do not render PNG charts");
  runOptions(command);
  policyTimeoutOption(command);
  command
    .addHelpText(
      "after",
      `
Examples:
  $ agentsim capacity scenarios/capacity-planning.yaml --vary jobs.chat.arrivals.users=1..200 --slo 'runLatency.p95<=60s'
  $ agentsim capacity my.yaml --vary jobs.chat.arrivals.rate=0.1/s..5/s --slo 'tenants.support.wait.p99<=5s' --slo 'sloAttainment>=0.95'`,
    )
    .action(async (scenario: string, options: CapacityOptions) => {
      exit(await capacityCommand(io, scenario, options, settings));
    });
}

async function capacityCommand(
  io: Io,
  file: string,
  options: CapacityOptions,
  settings: RunSettings,
): Promise<number> {
  const slos = (options.slo ?? []).map((text) => parseSlo(text));
  if (slos.length === 0) {
    throw new ScenarioError(
      "--slo",
      'at least one SLO, such as --slo "runLatency.p95<=60s"',
      "none",
      {
        foundShown: true,
      },
    );
  }
  const axis = parseRangeAxis(options.vary);
  const resolution = resolutionOf(options.resolution, axis.unit, (axis.hi - axis.lo) / 100);
  const replications = options.replications;
  // Both ends are checked as sweep points are: a path that does not exist, or a value the field
  // does not take (a rate given for a count), is exit 2 before any cell runs.
  const plan = await planExperiment(file, {
    policies: options.policy === undefined ? undefined : [options.policy],
    firstPolicyOnly: true,
    replications: replications ?? 1,
    seed: options.seed,
    axes: [
      { path: axis.path, values: [shownValue(axis.lo, axis.unit), shownValue(axis.hi, axis.unit)] },
    ],
    policyTimeoutS: options.policyTimeout,
  });
  const initial = Math.max(
    replications ?? Math.max(plan.scenario.replications, MIN_REPLICATIONS),
    2,
  );
  const maxReplications = Math.max(options.maxReplications ?? MAX_GROWTH * initial, initial);
  const policy = plan.policies[0]!;
  const integer = isCountAxis(plan.source.document, axis.path, axis.lo, axis.hi, axis.unit);
  const jobs = options.jobs ?? defaultJobs();
  const { memory } = budgetPlan(io, plan, plan.cells, { ...options, jobs }, file);
  const outDir = options.out ?? defaultOutDir(`${plan.info.name}-capacity`, [policy], plan.seed);
  const done = await staged("capacity", async (outputs) => {
    const dir = outputs.folder(outDir, "--out");
    await preloadReport(jobs);
    let checked = false;
    const run = async (shown: string, from: number, to: number): Promise<PolicyResults[]> => {
      const cells: Cell[] = [];
      for (let r = from; r < to; r++) {
        cells.push({
          index: cells.length,
          pointIndex: 0,
          point: [{ path: axis.path, value: shown }],
          policy,
          replication: r,
          seed: replicationSeed(plan.seed, r),
        });
      }
      const results = await runCells(plan.source, cells, {
        jobs,
        memory,
        policyTimeoutS: plan.policyTimeoutS,
        ...(settings.workersOnly ? {} : { clock: wallClock }),
      });
      const perReplication = results.map((cell) => policyResults([cell]));
      if (!checked) {
        checkMetrics(
          perReplication[0]!,
          slos.map((s) => s.metric),
        );
        checked = true;
      }
      return perReplication;
    };
    const capacity = await searchCapacity({
      ...axis,
      integer,
      resolution: integer ? Math.max(1, Math.round(resolution)) : resolution,
      slos,
      policy,
      confidence: options.confidence ?? 0.95,
      replications: initial,
      maxReplications,
      run,
    });
    const results = {
      version: VERSION,
      command: "capacity",
      scenario: plan.info.name,
      description: plan.info.description,
      seed: plan.seed,
      capacity,
    };
    writeFileSync(join(dir, "results.json"), resultsText(results));
    writeFileSync(join(dir, "summary.md"), `${summaryText(capacity, true)}\n`);
    const written = ["results.json", "summary.md"];
    let warning: string | undefined;
    try {
      const report = await import("../../report/index.ts");
      for (const chart of report.capacityCharts(capacity)) {
        const svg = await report.renderSvg(chart.spec, { idPrefix: chart.name });
        writeFileSync(
          join(dir, `${chart.name}.vl.json`),
          `${JSON.stringify(chart.spec, null, 2)}\n`,
        );
        writeFileSync(join(dir, `${chart.name}.svg`), svg);
        written.push(`${chart.name}.svg`);
        if (options.png ?? false) {
          writeFileSync(join(dir, `${chart.name}.png`), await report.renderPng(svg));
          written.push(`${chart.name}.png`);
        }
      }
    } catch (error) {
      warning = `the chart could not be rendered: ${error instanceof Error ? error.message : String(error)}`;
    }
    return { capacity, results, written, warning };
  });
  if (done.warning !== undefined) io.err(`warning: ${done.warning}\n`);
  if (options.json) io.out(resultsText(done.results));
  else {
    io.out(`${summaryText(done.capacity, false)}\n`);
    io.out(
      `\nResults: ${join(outDir, "results.json")}\nChart:   ${join(outDir, done.written[2] ?? "")}\n`,
    );
  }
  return done.capacity.answer === null ? 1 : 0;
}

/** `--resolution`: a positive number, in the range's unit (which it may repeat). */
function resolutionOf(text: string | undefined, unit: string, fallback: number): number {
  if (text === undefined) return fallback;
  const bare =
    unit !== "" && text.trim().endsWith(unit) ? text.trim().slice(0, -unit.length) : text;
  const value = Number(bare);
  if (bare.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new ScenarioError(
      "--resolution",
      `a positive number in the range's unit${unit === "" ? "" : ` (${unit})`}`,
      text,
    );
  }
  return value;
}

/**
 * Whether the field takes only whole numbers (slots, users): both ends are whole and the
 * scenario refuses a value halfway between.
 */
function isCountAxis(document: unknown, path: string, lo: number, hi: number, unit: string) {
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) return false;
  try {
    parseScenario(applyVary(document, path, shownValue(lo + 0.5, unit)));
    return false;
  } catch (error) {
    if (error instanceof ScenarioError) return true;
    throw error;
  }
}

/** Every SLO's metric must name a number of the policy's results; else exit 2 with near names. */
function checkMetrics(sample: PolicyResults, metrics: readonly string[]): void {
  for (const metric of metrics) {
    if (metricOf(sample, metric) !== undefined) continue;
    const near = nearestPaths(metric, metricPaths(sample));
    throw new ScenarioError(
      "--slo",
      `a metric of the policy's results.json entry, such as ${near.join(", ")}`,
      metric,
    );
  }
}

const fmt = (value: number) =>
  !Number.isFinite(value)
    ? value > 0
      ? "inf"
      : value < 0
        ? "-inf"
        : "n/a"
    : Number(value.toPrecision(4)).toString();

/** The probes and the answer, as the terminal shows them (or as markdown). */
export function summaryText(capacity: CapacityResult, markdown: boolean): string {
  const { axis } = capacity;
  const header = ["value", "replications", ...capacity.slos.map((s) => s.text), "verdict"];
  const row = (probe: CapacityProbe) => [
    probe.shown,
    String(probe.replications),
    ...probe.slos.map((s) => `${fmt(s.estimate)} [${fmt(s.interval[0])}, ${fmt(s.interval[1])}]`),
    probe.meets ? "meets" : probe.decided ? "misses" : "undecided (counted as missing)",
  ];
  const sorted = [...capacity.probes].sort((a, b) => a.value - b.value);
  const rows = [header, ...sorted.map(row)];
  let table: string;
  if (markdown) {
    table = [
      `| ${header.join(" | ")} |`,
      `|${header.map(() => "---").join("|")}|`,
      ...rows.slice(1).map((r) => `| ${r.join(" | ")} |`),
    ].join("\n");
  } else {
    const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    table = rows
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n");
  }
  const range = `${shownValue(axis.lo, axis.unit)}..${shownValue(axis.hi, axis.unit)}`;
  const within = `to within ${shownValue(capacity.resolution, axis.unit)}`;
  let answer: string;
  if (capacity.answer === null) {
    answer = `No value of ${axis.path} in ${range} meets every SLO with ${capacity.policy} (${capacity.slos.map((s) => s.text).join(", ")}).`;
  } else if (capacity.atEnd === "top") {
    answer = `${axis.path} = ${capacity.answerShown}: every SLO still holds at the top of the range (${range}); the capacity may be higher: widen the range.`;
  } else if (capacity.atEnd === "bottom") {
    answer = `${axis.path} = ${capacity.answerShown}: every SLO already holds at the bottom of the range (${range}); the smallest value may be lower: widen the range.`;
  } else if (capacity.direction === "largest") {
    answer = `${axis.path} = ${capacity.answerShown}: the largest value at which every SLO holds with ${capacity.policy}, ${within}.`;
  } else {
    answer = `${axis.path} = ${capacity.answerShown}: the smallest value at which every SLO holds with ${capacity.policy}, ${within}.`;
  }
  const undecided = capacity.probes.filter((p) => !p.decided).length;
  const notes = [
    `${Math.round(capacity.confidence * 100)}% intervals over replications decide each probe; ${capacity.cells} cells run (a grid sweep at this resolution: ${capacity.gridCells}).`,
    ...(undecided > 0
      ? [
          `${undecided} probe${undecided === 1 ? "" : "s"} stayed undecided at the most replications allowed and counted as missing the SLO (raise --max-replications to decide them).`,
        ]
      : []),
  ];
  const title = markdown ? `# Capacity: ${axis.path}\n\n` : "";
  return `${title}${table}\n\n${markdown ? "**Answer:** " : "Answer: "}${answer}\n${notes.join("\n")}`;
}
