/**
 * Planning an experiment: read the scenario once, check every sweep point and the requested
 * policies before any cell runs (so bad input fails at once with every problem listed), and
 * fix the cells. The plan holds the raw document, not a path to re-read, so every worker and
 * every cell sees the same scenario even if the file changes while the experiment runs.
 */
import { createHash } from "node:crypto";
import { dirname, relative, resolve } from "node:path";
import { type PreparedScenario, prepareScenario } from "../cell/index.ts";
import { ScenarioError, scenarioErrors } from "../input/index.ts";
import { isSchedulerName, schedulerNames } from "../runtime/index.ts";
import type { Scenario, SweepAxis } from "../scenario/index.ts";
import {
  applyVary,
  expandGrid,
  isModulePath,
  parseScenario,
  readScenarioDocument,
  type SweepPoint,
} from "../scenario/index.ts";
import { type Cell, expandCells } from "./cells.ts";
import { loadOnWorker } from "./module-tasks.ts";
import { POLICY_TIMEOUT_S } from "./policy-watchdog.ts";
import type { Results } from "./results.ts";

/** Where the cells' scenario comes from: the file and the raw document read from it. */
export interface ExperimentSource {
  /** Absolute path of the scenario file (relative trace and module paths resolve from it). */
  file: string;
  /** The raw document, before any sweep substitution. */
  document: unknown;
  /** SHA-256 of the document's JSON: every shard of one experiment has the same. */
  digest: string;
}

/** What results.json says about the scenario besides the cells' measurements. */
export interface ScenarioInfo {
  name: string;
  description: string;
  window: { fromS: number; toS: number };
  registry: Results["registry"];
  traces: Results["traces"];
}

/** The parameters that, with the document, determine every cell. */
export interface ExperimentParams {
  policies: string[];
  replications: number;
  seed: number;
  axes: SweepAxis[];
}

/** An experiment ready to run. */
export interface ExperimentPlan extends ExperimentParams {
  source: ExperimentSource;
  /** The scenario at the first sweep point (the file as written outside sweeps). */
  scenario: Scenario;
  /** The scenario at every sweep point, in grid order (for the cost estimate). */
  points: Scenario[];
  /** That scenario prepared (traces loaded, module policies imported). */
  prepared: PreparedScenario;
  info: ScenarioInfo;
  cells: Cell[];
  /** Seconds one call into a policy module may run (see `PlanConstraints.policyTimeoutS`). */
  policyTimeoutS: number;
}

/** Options of `planExperiment`; each defaults to the scenario's. */
export interface PlanConstraints {
  /** Policy labels of the scenario, or built-in policy names. */
  policies?: readonly string[];
  replications?: number;
  seed?: number;
  /** Sweep axes (none by default: the scenario as written). */
  axes?: readonly SweepAxis[];
  /** Keep only the first policy (what `agentsim run` does without --policy); default false. */
  firstPolicyOnly?: boolean;
  /** Whether the scenario's own `sweep:` axes come first (what `agentsim sweep` does); default false. */
  declaredSweep?: boolean;
  /**
   * Seconds one call into a policy module (its loading, its factory, one enqueue, pick or
   * complete) may run before its worker thread is stopped and the command fails, naming the
   * module and the method; default 30 (`POLICY_TIMEOUT_S`). Policy modules load, and their
   * cells run, on worker threads only, where a loop can be stopped.
   */
  policyTimeoutS?: number;
}

/** Reads a scenario file into an experiment source. Throws ScenarioError. */
export function readSource(file: string): ExperimentSource {
  const document = readScenarioDocument(file);
  return { file: resolve(file), document, digest: digestOf(document) };
}

/** SHA-256 (hex) of a value's JSON. */
export function digestOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/**
 * Plans an experiment on a scenario file: validates the scenario at every sweep point (all
 * problems in one ScenarioError), resolves the policies, prepares the first point and expands
 * the cells. `file` is shown in messages as given.
 */
export async function planExperiment(
  file: string,
  options: PlanConstraints = {},
): Promise<ExperimentPlan> {
  const source = withPolicyModules(readSource(file), options.policies);
  const base = parseScenario(source.document, file);
  // A --vary on a path the file's own `sweep:` also varies replaces the declared axis.
  const given = options.axes ?? [];
  const declared = options.declaredSweep
    ? base.sweep.filter((axis) => !given.some((g) => g.path === axis.path))
    : [];
  const axes = [...declared, ...given];
  const points = expandGrid(axes);
  const scenarios = scenariosAt(source, points, file);
  const policyTimeoutS = options.policyTimeoutS ?? POLICY_TIMEOUT_S;
  const prepared = await prepareScenario(scenarios[0]!, file, {
    load: (module, moduleOptions) => loadOnWorker(module, moduleOptions, policyTimeoutS),
  });
  // Module policies have their labels (their `name` exports) once prepared.
  const scenario = prepared.scenario;
  const policies = resolvePolicies(scenario, options.policies?.map(labelOf(scenario)));
  if (options.firstPolicyOnly) policies.splice(1);
  const replications = options.replications ?? base.replications;
  const seed = options.seed ?? base.seed;
  const cells = expandCells(scenario, { policies, replications, seed, axes });
  return {
    source,
    scenario,
    points: scenarios,
    prepared,
    info: scenarioInfo(scenario, prepared),
    policies,
    replications,
    seed,
    axes,
    cells,
    policyTimeoutS,
  };
}

/**
 * The plan `sweep` makes of the same file given no `--vary`: the scenario's own `sweep:` axes,
 * every point of their grid checked as `planExperiment` checks them, with the policies,
 * replications and seed of `plan` (the plan of `compare`). Undefined when the scenario declares
 * no axis. What validate estimates besides compare; `file` names the scenario as given.
 */
export function declaredSweepPlan(plan: ExperimentPlan, file: string): ExperimentPlan | undefined {
  const axes = plan.scenario.sweep;
  if (axes.length === 0) return undefined;
  const points = scenariosAt(plan.source, expandGrid(axes), file);
  const { policies, replications, seed } = plan;
  const cells = expandCells(plan.scenario, { policies, replications, seed, axes });
  return { ...plan, axes, points, cells };
}

// Every point must load; the problems of all points are reported together, each once.
function scenariosAt(source: ExperimentSource, points: SweepPoint[], shownFile: string) {
  const scenarios: Scenario[] = [];
  const problems = new Map<string, ScenarioError>();
  for (const point of points) {
    try {
      let raw = source.document;
      for (const setting of point) raw = applyVary(raw, setting.path, setting.value);
      scenarios.push(parseScenario(raw, shownFile));
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      for (const problem of [error, ...error.others]) {
        const bare = new ScenarioError(problem.path, problem.expected, problem.found, {
          file: problem.file ?? shownFile,
          foundShown: true,
        });
        problems.set(bare.message, bare);
      }
    }
  }
  if (problems.size > 0) throw scenarioErrors([...problems.values()]);
  // The scenarios keep the absolute file (sourceFile) whatever name messages used.
  return scenarios.map((s) => ({ ...s, sourceFile: source.file }));
}

/**
 * The source with the policy modules named among `requested` (`--policies fifo,./mine.ts`,
 * paths relative to the working directory) added to its `policies` unless it lists them
 * already; the digest is the extended document's, as every worker parses that document.
 */
function withPolicyModules(
  source: ExperimentSource,
  requested: readonly string[] | undefined,
): ExperimentSource {
  const doc = source.document;
  const modules = (requested ?? []).filter(isModulePath).map((path) => resolve(path.trim()));
  if (modules.length === 0 || typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return source;
  }
  const listed: unknown[] = Array.isArray((doc as { policies?: unknown }).policies)
    ? [...(doc as { policies: unknown[] }).policies]
    : [];
  const base = dirname(source.file);
  const paths = listed.map((entry) => {
    const module = typeof entry === "string" ? entry : (entry as { module?: unknown })?.module;
    return typeof module === "string" && isModulePath(module) ? resolve(base, module.trim()) : "";
  });
  const added = modules.filter(
    (module, i) => !paths.includes(module) && modules.indexOf(module) === i,
  );
  if (added.length === 0) return source;
  const document = { ...doc, policies: [...listed, ...added] };
  return { file: source.file, document, digest: digestOf(document) };
}

/** A requested policy's label: a module path becomes the label of that module's policy. */
function labelOf(scenario: Scenario): (requested: string) => string {
  return (requested) => {
    if (!isModulePath(requested)) return requested;
    const module = resolve(requested.trim());
    return scenario.policies.find((p) => p.module === module)?.label ?? requested;
  };
}

/** The requested policy labels, checked against the scenario's labels and the built-in names. */
export function resolvePolicies(scenario: Scenario, requested?: readonly string[]): string[] {
  const labels = scenario.policies.map((p) => p.label);
  if (requested === undefined) return labels;
  const problems: ScenarioError[] = [];
  const seen = new Set<string>();
  for (const name of requested) {
    if (seen.has(name)) problems.push(new ScenarioError("--policies", "distinct policies", name));
    seen.add(name);
    if (!labels.includes(name) && !isSchedulerName(name)) {
      const known = [...new Set([...labels, ...schedulerNames])].join(", ");
      problems.push(new ScenarioError("--policies", `one of ${known}`, name));
    }
  }
  if (requested.length === 0) {
    problems.push(new ScenarioError("--policies", "at least one policy", ""));
  }
  if (problems.length > 0) throw scenarioErrors(problems);
  return [...requested];
}

/** The scenario-level facts results.json carries (plain JSON, the same on every shard). */
export function scenarioInfo(scenario: Scenario, prepared?: PreparedScenario): ScenarioInfo {
  const base = scenario.sourceFile === undefined ? process.cwd() : dirname(scenario.sourceFile);
  return {
    name: scenario.name,
    description: scenario.description,
    window: { fromS: scenario.warmupS, toS: scenario.horizonS },
    registry: {
      tenants: scenario.tenants.map((t) => ({ name: t.name, weight: t.weight })),
      jobs: scenario.jobs.map((j) => ({
        name: j.name,
        tenant: j.tenant,
        priority: j.priority,
        governance: j.governance,
        ...(j.slo === undefined ? {} : { slo: j.slo }),
      })),
      endpoints: scenario.endpoints.map((e) => ({ name: e.name, slots: e.slots })),
    },
    // Trace paths relative to the scenario file, so results do not depend on where it lives.
    traces: (prepared?.traces ?? []).map((t) => ({
      job: t.job,
      file: relative(base, t.file).split("\\").join("/"),
      format: t.format,
      runs: t.runs,
    })),
  };
}
