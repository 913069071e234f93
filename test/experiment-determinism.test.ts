import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { runExperiment } from "../src/experiment/experiment.ts";
import { mergePartials, type PartialFile } from "../src/experiment/partial.ts";
import { headerOf, sha256Of } from "../src/experiment/partial-check.ts";
import { type ExperimentPlan, planExperiment } from "../src/experiment/plan.ts";
import type { Results } from "../src/experiment/results.ts";
import { ScenarioError } from "../src/input/errors.ts";

// A short noisy-neighbor (3 simulated minutes) keeps each cell to a fraction of a second.
let dir: string;
let file: string;
let plan: ExperimentPlan;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-determinism-"));
  const doc = parse(
    readFileSync(resolve(import.meta.dirname, "fixtures/noisy-neighbor.yaml"), "utf8"),
  );
  doc.horizon = "3m";
  doc.warmup = "30s";
  doc.endpoints[0].failures.outages = [{ at: "90s", for: "10s" }];
  file = join(dir, "small.yaml");
  writeFileSync(file, stringify(doc));
  plan = await planExperiment(file, {
    policies: ["fifo", "fair-share"],
    replications: 2,
    axes: [{ path: "jobs.ticket-triage.arrivals.rate", values: ["0.2/s", "0.4/s"] }],
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (results: Results) => `${JSON.stringify(results, null, 2)}\n`;

async function results(jobs: number, clock?: () => number): Promise<string> {
  const outcome = await runExperiment(plan, clock === undefined ? { jobs } : { jobs, clock });
  if (outcome.kind !== "results") throw new Error("expected results");
  return text(outcome.results);
}

async function partial(index: number, count: number, jobs = 1): Promise<PartialFile> {
  const outcome = await runExperiment(plan, { jobs, shard: { index, count }, command: "sweep" });
  if (outcome.kind !== "partial") throw new Error("expected a partial");
  // Through JSON, as the file on disk would be read back.
  return JSON.parse(JSON.stringify(outcome.partial));
}

describe("determinism of an experiment", () => {
  let unsharded: string;

  it("gives byte-identical results.json with --jobs 1, 2 and 3, and with some cells run here before the workers start", async () => {
    unsharded = await results(1);
    expect(await results(2)).toBe(unsharded);
    expect(await results(3)).toBe(unsharded);
    // A clock that makes every cell look slow: the smallest cell runs in this thread, then the
    // workers take the rest.
    let nowS = 0;
    expect(await results(2, () => (nowS += 10))).toBe(unsharded);
  });

  it("merges shards 1/3, 2/3 and 3/3, in any order, into results byte-identical to the unsharded run", async () => {
    const parts = [await partial(3, 3), await partial(1, 3, 2), await partial(2, 3)];
    expect(parts.map((p) => p.cells.length)).toEqual([2, 3, 3]);
    const merged = mergePartials(parts.map((data, i) => ({ file: `p${i}.json`, data })));
    expect(merged.experiment.command).toBe("sweep");
    expect(text(merged.results)).toBe(unsharded);
  });

  it("refuses partials that miss a shard, repeat one, or come from another experiment, naming each", async () => {
    const one = await partial(1, 2);
    const two = await partial(2, 2);
    const reject = (parts: { file: string; data: unknown }[]) => {
      try {
        mergePartials(parts);
      } catch (error) {
        expect(error).toBeInstanceOf(ScenarioError);
        return (error as ScenarioError).report();
      }
      throw new Error("expected mergePartials to refuse");
    };
    expect(reject([{ file: "a.json", data: one }])).toMatch(/missing, from shard 2\/2/);
    expect(
      reject([
        { file: "a.json", data: one },
        { file: "b.json", data: one },
        { file: "c.json", data: two },
      ]),
    ).toMatch(/b\.json: shard: expected each shard once/);
    // A partial of another experiment, as its own shard would have written it (digest and all).
    const otherSeed = { ...two, experiment: { ...two.experiment, seed: 8 } };
    otherSeed.headerSha256 = sha256Of(headerOf(otherSeed));
    expect(
      reject([
        { file: "a.json", data: one },
        { file: "b.json", data: otherSeed },
      ]),
    ).toMatch(/b\.json: experiment\.seed: expected the same value as a\.json/);
    expect(reject([{ file: "x.json", data: { hello: 1 } }])).toMatch(
      /x\.json: format: expected a partial file/,
    );
    const forged = structuredClone(two);
    forged.cells[0]!.result.replication = 5;
    forged.cells[0]!.sha256 = sha256Of(forged.cells[0]!.result);
    expect(
      reject([
        { file: "a.json", data: one },
        { file: "b.json", data: forged },
      ]),
    ).toMatch(/b\.json: cells\[0\]: expected cell 1 of the experiment its header describes/);
  });
});
