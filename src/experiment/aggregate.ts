/**
 * From cell results to results.json. The output is a function of the cells' JSON and the
 * experiment's parameters only: cells are grouped by (sweep point, policy) and read in
 * replication order whatever order they arrived in, keys follow the scenario's and the
 * policies' order, and nothing reads a clock. So any worker count or shard split gives the
 * same bytes.
 */

import { AGENTSIM_VERSION } from "../audit/index.ts";
import { pairedComparison } from "../metrics/index.ts";
import type { CellResult } from "../runtime/index.ts";
import type { PercentileSlo, Scenario, SweepAxis } from "../scenario/index.ts";
import { expandGrid } from "../scenario/index.ts";
import { pointRecord } from "./cells.ts";
import { type ScenarioInfo, scenarioInfo } from "./plan.ts";
import type {
  CheckResult,
  Comparison,
  PolicyResults,
  Results,
  SweepPoint,
  TrailHead,
} from "./results.ts";
import {
  histogramOf,
  jobsOf,
  num,
  policyResults,
  replicationOf,
  summaryOf,
  tenantsOf,
} from "./summary.ts";

/** What `aggregate` needs besides the scenario and the cells. */
export interface AggregateExtras {
  /** Root seed. */
  seed: number;
  replications: number;
  /** Policy labels, in the order results list them (and comparisons pair them). */
  policies: readonly string[];
  /** Sweep axes; default none. */
  axes?: readonly SweepAxis[];
  /** The `agentsim check` verdicts, when it ran. */
  check?: CheckResult;
  /** Trails verified outside the cells (check's audited replications), listed after the cells'. */
  trails?: readonly TrailHead[];
}

/** agentsim's version, written into results.json (the one every trail's genesis binds). */
export const VERSION: string = AGENTSIM_VERSION;

/**
 * Aggregates cells into results.json. Every (point, policy, replication) must be present once.
 * For a sweep, `policies` and `comparisons` describe the first point of the grid, and
 * `sweep.points` holds every point's summaries and replications.
 */
export function aggregate(
  scenario: Scenario | ScenarioInfo,
  cells: readonly CellResult[],
  extras: AggregateExtras,
): Results {
  const info = "registry" in scenario ? scenario : scenarioInfo(scenario);
  const axes = extras.axes ?? [];
  const points = expandGrid(axes).map(pointRecord);
  const groups = groupCells(cells, points, extras);
  const first = groups[0]!;
  const policies: Record<string, PolicyResults> = {};
  const slos = new Map(
    info.registry.jobs.flatMap((job) =>
      job.slo?.percentiles === undefined ? [] : [[job.name, job.slo.percentiles] as const],
    ),
  );
  for (const [policy, group] of first) policies[policy] = policyResults(group, slos);
  const results: Results = {
    scenario: info.name,
    seed: extras.seed,
    replications: extras.replications,
    version: VERSION,
    policies,
    comparisons: comparisonsOf(first),
    description: info.description,
    window: info.window,
    registry: info.registry,
    traces: info.traces,
  };
  const trails = [...trailHeads(groups), ...(extras.trails ?? [])];
  if (trails.length > 0) results.audit = { trails };
  if (extras.check !== undefined) results.check = extras.check;
  if (axes.length > 0) {
    results.sweep = {
      axes: axes.map((a) => ({ path: a.path, values: [...a.values] })),
      points: groups.map((group, i) => sweepPoint(points[i]!, group, slos)),
    };
  }
  return results;
}

function sweepPoint(
  point: Record<string, string | number>,
  group: Map<string, CellResult[]>,
  slos: ReadonlyMap<string, readonly PercentileSlo[]>,
): SweepPoint {
  const policies: SweepPoint["policies"] = {};
  for (const [policy, cells] of group) {
    policies[policy] = {
      summary: summaryOf(cells, true),
      tenants: tenantsOf(cells),
      jobs: jobsOf(cells, slos),
      replications: cells.map(replicationOf),
    };
  }
  return { point, policies };
}

// The kept trails' heads, in cell order (point, policy, replication): the same on any split.
function trailHeads(groups: readonly Map<string, CellResult[]>[]): TrailHead[] {
  const heads: TrailHead[] = [];
  for (const group of groups) {
    for (const [policy, cells] of group) {
      for (const cell of cells) {
        const trail = cell.audit.trail;
        if (trail === null || trail === undefined) continue;
        heads.push({
          policy,
          replication: cell.replication,
          seed: cell.seed,
          ...(Object.keys(cell.point).length === 0 ? {} : { point: cell.point }),
          scenario: trail.scenario,
          ...(trail.file === undefined ? {} : { file: trail.file }),
          records: cell.audit.records,
          head: trail.head,
        });
      }
    }
  }
  return heads;
}

// Cells by point (grid order), then policy (extras order), each in replication order.
function groupCells(
  cells: readonly CellResult[],
  points: readonly Record<string, string | number>[],
  extras: AggregateExtras,
): Map<string, CellResult[]>[] {
  const slots = new Map<string, (CellResult | undefined)[]>();
  const keyOf = (point: Record<string, string | number>, policy: string) =>
    `${JSON.stringify(point)}\u0000${policy}`;
  for (const point of points) {
    for (const policy of extras.policies) {
      slots.set(keyOf(point, policy), new Array(extras.replications).fill(undefined));
    }
  }
  for (const cell of cells) {
    const slot = slots.get(keyOf(cell.point, cell.policy));
    if (slot === undefined || !(cell.replication >= 0 && cell.replication < slot.length)) {
      throw new RangeError(
        `aggregate: cell ${cell.policy} / replication ${cell.replication} / point ${JSON.stringify(cell.point)} is not part of this experiment`,
      );
    }
    if (slot[cell.replication] !== undefined) {
      throw new RangeError(
        `aggregate: cell ${cell.policy} / replication ${cell.replication} / point ${JSON.stringify(cell.point)} appears twice`,
      );
    }
    slot[cell.replication] = cell;
  }
  return points.map((point) => {
    const group = new Map<string, CellResult[]>();
    for (const policy of extras.policies) {
      const slot = slots.get(keyOf(point, policy))!;
      const missing = slot.indexOf(undefined);
      if (missing >= 0) {
        throw new RangeError(
          `aggregate: missing cell ${policy} / replication ${missing} / point ${JSON.stringify(point)}`,
        );
      }
      group.set(policy, slot as CellResult[]);
    }
    return group;
  });
}

/** A metric of one replication, by name as comparisons list it. */
type Metric = [name: string, value: (cell: CellResult) => number];

/**
 * The metrics compared between policies, in the order comparisons list them: the tails and
 * means of wait and run latency, throughput, Jain's index, SLO attainment, and each tenant's
 * wait and run latency p99. A value a replication could not measure (Jain's index with one
 * tenant with demand, SLO attainment without an SLO) is NaN and leaves its pair out.
 */
export function metricsOf(cell: CellResult): Metric[] {
  const q = (p: number) => (c: CellResult) => histogramOf(c.wait).quantile(p);
  const metrics: Metric[] = [
    ["wait.mean", (c) => histogramOf(c.wait).mean],
    ["wait.p99", q(0.99)],
    ["runLatency.mean", (c) => histogramOf(c.runLatency).mean],
    ["runLatency.p99", (c) => histogramOf(c.runLatency).quantile(0.99)],
    ["throughput.runsPerSecond", (c) => c.throughput.runsPerSecond],
    ["jain", (c) => num(c.fairness.jain)],
    ["sloAttainment", (c) => num(c.sloAttainment)],
  ];
  for (const tenant of Object.keys(cell.tenants)) {
    metrics.push(
      [`tenants.${tenant}.wait.p99`, (c) => histogramOf(c.tenants[tenant]!.wait).quantile(0.99)],
      [
        `tenants.${tenant}.runLatency.p99`,
        (c) => histogramOf(c.tenants[tenant]!.runLatency).quantile(0.99),
      ],
    );
  }
  return metrics;
}

/**
 * Paired comparisons of every pair of policies (a before b in the policies' order), metric by
 * metric: per replication b − a on the same seeds, their mean, n and Student t interval (none
 * below two pairs, and then nothing is clear). k policies give k(k − 1)/2 comparisons a
 * metric; metrics no pair of replications measured are left out.
 */
export function comparisonsOf(group: Map<string, CellResult[]>): Comparison[] {
  const policies = [...group];
  const firstCell = policies[0]?.[1][0];
  if (firstCell === undefined) return [];
  const comparisons: Comparison[] = [];
  for (const [metric, value] of metricsOf(firstCell)) {
    for (let i = 0; i < policies.length; i++) {
      for (let j = i + 1; j < policies.length; j++) {
        const [a, aCells] = policies[i]!;
        const [b, bCells] = policies[j]!;
        const { diff, ci95, n, clear } = pairedComparison(bCells.map(value), aCells.map(value));
        if (n > 0) comparisons.push({ metric, a, b, n, diff, ci95, clear });
      }
    }
  }
  return comparisons;
}
