import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cellsOf, expandCells, parseShard, shardCells } from "../src/experiment/cells.ts";
import { ScenarioError } from "../src/input/errors.ts";
import { loadScenarioFile } from "../src/scenario/index.ts";
import { replicationSeed } from "../src/sim/rng.ts";

const scenario = loadScenarioFile(resolve(import.meta.dirname, "fixtures/noisy-neighbor.yaml"));

describe("expandCells", () => {
  it("orders cells sweep point x policy x replication, with indices in that order", () => {
    const cells = expandCells(scenario, {
      replications: 2,
      axes: [{ path: "endpoints.0.slots", values: [4, 8] }],
    });
    expect(cells.map((c) => [c.index, c.pointIndex, c.policy, c.replication])).toEqual([
      [0, 0, "fifo", 0],
      [1, 0, "fifo", 1],
      [2, 0, "priority", 0],
      [3, 0, "priority", 1],
      [4, 0, "fair-share", 0],
      [5, 0, "fair-share", 1],
      [6, 1, "fifo", 0],
      [7, 1, "fifo", 1],
      [8, 1, "priority", 0],
      [9, 1, "priority", 1],
      [10, 1, "fair-share", 0],
      [11, 1, "fair-share", 1],
    ]);
    expect(cells[0]!.point).toEqual([{ path: "endpoints.0.slots", value: 4 }]);
    expect(cells[6]!.point).toEqual([{ path: "endpoints.0.slots", value: 8 }]);
  });

  it("gives replication r the seed replicationSeed(root, r) for every policy and point (common random numbers)", () => {
    const cells = expandCells(scenario, {
      seed: 42,
      replications: 3,
      axes: [{ path: "endpoints.0.slots", values: [4, 8] }],
    });
    for (const cell of cells) expect(cell.seed).toBe(replicationSeed(42, cell.replication));
    expect(new Set(cells.map((c) => c.seed)).size).toBe(3);
  });

  it("takes the scenario's policies, replications and seed by default, and no sweep", () => {
    const cells = expandCells(scenario);
    expect(cells).toHaveLength(scenario.policies.length * scenario.replications);
    expect(
      cells.every((c) => c.point.length === 0 && c.seed === replicationSeed(7, c.replication)),
    ).toBe(true);
  });

  it("is a pure function of its inputs: the same parameters give equal cells", () => {
    const params = { policies: ["fifo", "edf"], replications: 4, seed: 3, axes: [] };
    expect(cellsOf(params)).toEqual(cellsOf(structuredClone(params)));
  });

  it("refuses zero replications and an empty policy list with a ScenarioError", () => {
    expect(() => expandCells(scenario, { replications: 0 })).toThrow(ScenarioError);
    expect(() => expandCells(scenario, { policies: [] })).toThrow(ScenarioError);
  });
});

describe("shards", () => {
  it("partition the cells: every cell in exactly one shard, whatever the shard count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 }), (n, count) => {
        const cells = Array.from({ length: n }, (_, index) => ({ index }));
        const seen = Array.from({ length: count }, (_, i) =>
          shardCells(cells, { index: i + 1, count }).map((c) => c.index),
        ).flat();
        expect(seen.sort((a, b) => a - b)).toEqual(cells.map((c) => c.index));
      }),
      { numRuns: 100 },
    );
  });

  it("stride through the cells: shard i of n holds the cells whose index is i-1 modulo n", () => {
    const cells = Array.from({ length: 10 }, (_, index) => ({ index }));
    expect(shardCells(cells, { index: 2, count: 3 }).map((c) => c.index)).toEqual([1, 4, 7]);
  });

  it("are written i/n with 1 <= i <= n; anything else names --shard", () => {
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
    for (const bad of ["0/3", "4/3", "1", "a/b", "1/0", "-1/2", ""]) {
      expect(() => parseShard(bad)).toThrow(/--shard/);
    }
  });
});
