/**
 * Cells: an experiment expanded into its simulations, one per (sweep point, policy,
 * replication), in a fixed order, each a pure function of its own fields. Replication r of
 * every policy and every sweep point runs with the same seed, `replicationSeed(rootSeed, r)`:
 * common random numbers, so differences between policies are not noise.
 */

import { ScenarioError } from "../input/index.ts";
import type { Scenario, SweepAxis } from "../scenario/index.ts";
import { BOUNDS, expandGrid, formatBound, type SweepPoint } from "../scenario/index.ts";
import { replicationSeed } from "../sim/index.ts";

/** One simulation of an experiment. */
export interface Cell {
  /** Position in the experiment's order (point-major, then policy, then replication). */
  index: number;
  /** Index of the sweep point in grid order; 0 outside sweeps. */
  pointIndex: number;
  /** The sweep settings of this cell, one per axis; [] outside sweeps. */
  point: SweepPoint;
  /** Policy label. */
  policy: string;
  replication: number;
  /** The cell's root seed: `replicationSeed(rootSeed, replication)`. */
  seed: number;
}

/** Options of `expandCells`. */
export interface ExpandConstraints {
  /** Policy labels; default the scenario's. */
  policies?: readonly string[];
  /** Replications per policy and point; default the scenario's. */
  replications?: number;
  /** Root seed; default the scenario's. */
  seed?: number;
  /** Sweep axes; default none (the scenario as written). */
  axes?: readonly SweepAxis[];
}

/** A slice `index` of `count` (1-based), as given by `--shard index/count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Expands an experiment into its cells, in order: sweep point x policy x replication. */
export function expandCells(scenario: Scenario, options: ExpandConstraints = {}): Cell[] {
  return cellsOf({
    policies: options.policies ?? scenario.policies.map((p) => p.label),
    replications: options.replications ?? scenario.replications,
    seed: options.seed ?? scenario.seed,
    axes: options.axes ?? [],
  });
}

/** The cells of an experiment given every parameter (what `expandCells` fills in). */
export function cellsOf(params: Required<ExpandConstraints>): Cell[] {
  const { policies, replications, seed: rootSeed, axes } = params;
  if (
    !Number.isSafeInteger(replications) ||
    replications < 1 ||
    replications > BOUNDS.replications
  ) {
    throw new ScenarioError(
      "replications",
      `a positive integer, at most ${formatBound(BOUNDS.replications)}`,
      replications,
    );
  }
  if (policies.length === 0) throw new ScenarioError("policies", "at least one policy", []);
  // Counted before any cell is made: a grid that fits may still make too many cells.
  const points = axes.reduce((product, axis) => product * axis.values.length, 1);
  const count = points * policies.length * replications;
  if (count > BOUNDS.cells) {
    throw new ScenarioError(
      "replications",
      `at most ${formatBound(BOUNDS.cells)} cells (sweep points x policies x replications)`,
      `${formatBound(points)} x ${policies.length} x ${formatBound(replications)} = ${formatBound(count)} cells`,
      { foundShown: true },
    );
  }
  const seeds = Array.from({ length: replications }, (_, r) => replicationSeed(rootSeed, r));
  const cells: Cell[] = [];
  expandGrid(axes).forEach((point, pointIndex) => {
    for (const policy of policies) {
      for (let replication = 0; replication < replications; replication++) {
        cells.push({
          index: cells.length,
          pointIndex,
          point,
          policy,
          replication,
          seed: seeds[replication]!,
        });
      }
    }
  });
  return cells;
}

/**
 * The cells of one shard: cell k belongs to shard `(k mod count) + 1`. Striding rather than
 * cutting contiguous blocks spreads every sweep point and policy over all shards, so a slow
 * point (high load) does not land on a single shard.
 */
export function shardCells<T extends { index: number }>(cells: readonly T[], shard: Shard): T[] {
  return cells.filter((cell) => cell.index % shard.count === shard.index - 1);
}

/** Parses `--shard i/n` (1 <= i <= n). */
export function parseShard(text: string, where = "--shard"): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) {
    throw new ScenarioError(where, 'a shard "i/n" with 1 <= i <= n, such as "2/8"', text);
  }
  return { index, count };
}

/** The sweep settings as a record path → value (CellResult.point). */
export function pointRecord(point: SweepPoint): Record<string, string | number> {
  const record: Record<string, string | number> = {};
  for (const { path, value } of point) record[path] = value;
  return record;
}
