/**
 * `agentsim merge` reads partial files defensively: every header number is bounded before
 * anything is expanded, each cell result's shape is checked, and the SHA-256 its shard wrote
 * for the header and for each cell result must match, so edited, truncated or forged partials
 * are refused with exit 2 naming the file and the cell — while valid shards still merge into
 * results byte-identical to the unsharded run.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { mergePartials, type PartialFile } from "../src/experiment/partial.ts";
import { headerOf, sha256Of } from "../src/experiment/partial-check.ts";
import { ScenarioError } from "../src/input/errors.ts";
import { LONG } from "./support/property-runs.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/agentsim.js");
const SEED = Number(process.env.AGENTSIM_SEED ?? 20250613);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

let dir: string;
let parts: string[];
let unsharded: string;

/** Runs the real binary from `dir`, killed after `timeoutMs`. */
function agentsim(args: string[], timeoutMs = 120_000): Promise<Ran> {
  const started = performance.now();
  return new Promise((done) => {
    execFile(
      "node",
      [BIN, ...args],
      { cwd: dir, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        done({ code, stdout, stderr, elapsedMs: performance.now() - started });
      },
    );
  });
}

const read = (file: string): PartialFile => JSON.parse(readFileSync(file, "utf8"));

/** A copy of shard 2's partial, edited, written as `name`; returns its path. */
function edited(name: string, edit: (partial: PartialFile) => void): string {
  const partial = read(parts[1]!);
  edit(partial);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(partial, null, 2));
  return path;
}

/** Merges shard 1, the given second file and shard 3. */
const mergeWith = (second: string) =>
  agentsim(
    ["merge", parts[0]!, second, parts[2]!, "--out", join(dir, "out-bad"), "--no-png"],
    60_000,
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-merge-files-"));
  const doc = parse(readFileSync(join(ROOT, "test/fixtures/noisy-neighbor.yaml"), "utf8"));
  doc.horizon = "3m";
  doc.warmup = "30s";
  writeFileSync(join(dir, "small.yaml"), stringify(doc));
  const args = ["compare", "small.yaml", "--replications", "2", "--jobs", "1", "--no-png"];
  const whole = await agentsim([...args, "--json", "--out", join(dir, "whole")]);
  expect(whole.code).toBe(0);
  unsharded = whole.stdout;
  for (const shard of ["1/3", "2/3", "3/3"]) {
    const ran = await agentsim([...args, "--shard", shard, "--out", join(dir, "shards")]);
    expect(ran.code).toBe(0);
  }
  parts = [1, 2, 3].map((i) => join(dir, "shards", `partial-${i}-of-3.json`));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("merge of valid shards", () => {
  it("gives results.json byte-identical to the unsharded run, even reformatted in transit", async () => {
    // A partial reformatted (re-indented) on its way still has its digests: they cover the
    // canonical JSON, not the bytes.
    const reindented = join(dir, "reindented.json");
    writeFileSync(reindented, JSON.stringify(read(parts[1]!)));
    const merged = await agentsim([
      "merge",
      parts[2]!,
      reindented,
      parts[0]!,
      "--json",
      "--out",
      join(dir, "merged"),
      "--no-png",
    ]);
    expect(merged.stderr).toBe("");
    expect(merged.code).toBe(0);
    expect(merged.stdout).toBe(unsharded);
    expect(readFileSync(join(dir, "merged", "results.json"), "utf8")).toBe(
      readFileSync(join(dir, "whole", "results.json"), "utf8"),
    );
  });
});

describe("merge of partials that are not as their shards wrote them", () => {
  it("refuses a header claiming replications: 1e8 at once, before expanding anything", async () => {
    const path = edited("huge.json", (p) => {
      p.experiment.replications = 1e8;
    });
    const ran = await mergeWith(path);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(
      /huge\.json: experiment\.replications: expected an integer from 1 to 1,000,000 .*, got 100000000/,
    );
    // The command's start-up is most of it; expanding 3e8 cells took over a minute and 1.5 GB.
    expect(ran.elapsedMs).toBeLessThan(20_000);
  });

  it("refuses a cell with a field deleted, naming the file, the cell and the field", async () => {
    const path = edited("deleted.json", (p) => {
      delete (p.cells[1]!.result.counts as Partial<PartialFile["cells"][0]["result"]["counts"]>)
        .completed;
    });
    const index = read(path).cells[1]!.index;
    const ran = await mergeWith(path);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(
      new RegExp(
        `deleted\\.json: cells\\[1\\]\\.result\\.counts\\.completed: expected a non-negative integer \\(cell ${index}\\), got nothing`,
      ),
    );
    expect(ran.stderr).not.toMatch(/internal error/);
  });

  it("refuses a cell with an edited count by its digest, naming the file and the cell", async () => {
    const path = edited("edited.json", (p) => {
      p.cells[0]!.result.counts.completed += 1;
    });
    const index = read(path).cells[0]!.index;
    const ran = await mergeWith(path);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(
      new RegExp(
        `edited\\.json: cells\\[0\\]: expected the result of cell ${index} as its shard wrote it \\(SHA-256 [0-9a-f]{64}\\), got a result whose SHA-256 is [0-9a-f]{64}: it was changed after the shard wrote it`,
      ),
    );
  });

  it("refuses an edited header by its digest", async () => {
    const path = edited("header.json", (p) => {
      p.info.window.toS += 1;
    });
    const ran = await mergeWith(path);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/header\.json: headerSha256: expected the SHA-256 of the header/);
  });

  it("refuses a truncated partial file, and one of the previous format, naming the file", async () => {
    const text = readFileSync(parts[1]!, "utf8");
    const cut = join(dir, "cut.json");
    writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)));
    const truncated = await mergeWith(cut);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(/cut\.json: expected valid JSON/);

    const old = edited("old.json", (p) => {
      (p as { format: string }).format = "agentsim-partial/1";
    });
    const previous = await mergeWith(old);
    expect(previous.code).toBe(2);
    expect(previous.stderr).toMatch(
      /old\.json: format: expected "agentsim-partial\/2" .*run the shards again/,
    );

    const folder = await mergeWith(dir);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/: expected a readable JSON file, got a directory/);
  });
});

describe("merge of forged partials (digests recomputed)", () => {
  it("names the cell of a forged result that disagrees with its own histograms or its sweep point", () => {
    const partials = parts.map(read);
    const forge = (edit: (result: PartialFile["cells"][0]["result"]) => void) => {
      const forged = structuredClone(partials[1]!);
      edit(forged.cells[0]!.result);
      forged.cells[0]!.sha256 = sha256Of(forged.cells[0]!.result);
      try {
        mergePartials(
          [partials[0]!, forged, partials[2]!].map((data, i) => ({ file: `p${i}.json`, data })),
        );
      } catch (error) {
        if (error instanceof ScenarioError) return error.report();
        throw error;
      }
      throw new Error("expected mergePartials to refuse");
    };
    const index = partials[1]!.cells[0]!.index;
    expect(
      forge((r) => {
        r.wait.maxS = null;
      }),
    ).toMatch(
      new RegExp(
        `p1\\.json: cells\\[0\\]\\.result\\.wait: expected a histogram whose counts decode to its totals \\(cell ${index}\\), got count \\d+ with minS`,
      ),
    );
    const layout = new RegExp(
      `p1\\.json: cells\\[0\\]\\.result: expected the tenants, jobs and histogram ranges of the other cells of its sweep point, as in p0\\.json cells\\[0\\] \\(cell ${index}\\)`,
    );
    expect(
      forge((r) => {
        delete r.tenants.batch;
      }),
    ).toMatch(layout);
    expect(
      forge((r) => {
        r.jobs = {};
      }),
    ).toMatch(layout);
    expect(
      forge((r) => {
        r.timeseries.serviceByTenant = {};
      }),
    ).toMatch(layout);
  });

  it("ends with results or exit 2, never another error, whatever one value of a cell becomes", () => {
    // A forger can recompute digests; the shape check and the guard around aggregation still
    // keep any such edit to bad input. Replay: AGENTSIM_SEED=<seed>.
    const partials = parts.map(read);
    const leaves = leafPaths(partials[1]!.cells[0]!.result);
    const replacement = fc.constantFrom<unknown>(
      null,
      -1,
      1e300,
      0.5,
      "x",
      true,
      [],
      {},
      undefined,
    );
    fc.assert(
      fc.property(
        fc.nat(leaves.length - 1),
        fc.nat(partials[1]!.cells.length - 1),
        replacement,
        (leaf, cell, value) => {
          const forged = structuredClone(partials[1]!);
          setAt(forged.cells[cell]!.result, leaves[leaf]!, value);
          forged.cells[cell]!.sha256 = sha256Of(forged.cells[cell]!.result);
          forged.headerSha256 = sha256Of(headerOf(forged));
          try {
            mergePartials(
              [partials[0]!, forged, partials[2]!].map((data, i) => ({ file: `p${i}.json`, data })),
            );
          } catch (error) {
            if (!(error instanceof ScenarioError)) {
              throw new Error(
                `${leaves[leaf]!.join(".")} = ${JSON.stringify(value)}: ${String(error)}`,
              );
            }
          }
        },
      ),
      { numRuns: LONG ? 2_000 : 60, seed: SEED },
    );
  });
});

/** The paths of every leaf (and every array) of a JSON value, arrays by their first item. */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== "object" || value === null) return [path];
  if (Array.isArray(value)) {
    return [path, ...(value.length === 0 ? [] : leafPaths(value[0], [...path, 0]))];
  }
  return [
    ...(path.length === 0 ? [] : [path]),
    ...Object.entries(value).flatMap(([key, v]) => leafPaths(v, [...path, key])),
  ];
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) return;
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}
