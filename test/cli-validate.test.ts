/**
 * `agentsim validate` checks a scenario as `compare` plans it (its policies, its trace files,
 * its cost held to the budget), through the real binary: an unknown name, a broken module, a
 * malformed trace and a cost over `--max-calls` are bad input (exit 2, one line each, with the
 * file and the field path), and the message is the one compare prints for the same scenario.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/agentsim.js");
const KNOWN = "fifo, priority, fair-share, round-robin, sjf, las, edf";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the binary from `cwd` as a user would. */
function agentsim(args: string[], cwd: string): Promise<Ran> {
  return new Promise((done) => {
    const env = { ...process.env };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    execFile("node", [BIN, ...args], { cwd, env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

let dir: string;

/** Writes the fixture scenario, shortened, with `policies`, as `name` in the temporary folder. */
function scenario(name: string, policies: unknown[]): string {
  const doc = parse(readFileSync(join(ROOT, "test/fixtures/noisy-neighbor.yaml"), "utf8"));
  doc.horizon = "1m";
  doc.warmup = "10s";
  doc.replications = 1;
  doc.policies = policies;
  writeFileSync(join(dir, name), stringify(doc));
  return name;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-validate-"));
  writeFileSync(join(dir, "not-a-factory.mjs"), "export default 42;\nexport const note = 1;\n");
  writeFileSync(
    join(dir, "lifo.mjs"),
    [
      'export const name = "lifo";',
      "export default function createLifo() {",
      "  const items = [];",
      "  return {",
      '    name: "lifo",',
      "    get size() { return items.length; },",
      "    enqueue(turn) { items.push(turn); },",
      "    pick() { return items.pop(); },",
      "    complete() {},",
      "  };",
      "}",
      "",
    ].join("\n"),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Validates `file`, expects exit 2 and exactly `lines` on stderr, and compare printing the same. */
async function expectRefused(file: string, lines: string[]): Promise<void> {
  const validated = await agentsim(["validate", file], dir);
  expect(validated.stdout).toBe("");
  expect(validated.stderr.trimEnd().split("\n")).toEqual(lines);
  expect(validated.code).toBe(2);
  const compared = await agentsim(["compare", file, "--jobs", "1", "--no-png"], dir);
  expect(compared.code).toBe(2);
  expect(compared.stderr).toBe(validated.stderr);
}

describe("agentsim validate, policies", () => {
  it("refuses an unknown policy name, listing the known ones, at its field path", async () => {
    await expectRefused(scenario("unknown.yaml", ["fifo", "fifoo"]), [
      `unknown.yaml: policies[1]: expected one of ${KNOWN} (or the path of a policy module ending in .ts, .mts, .js, .mjs, .cjs), got "fifoo"`,
    ]);
  }, 60_000);

  it("refuses a module path that does not exist, naming the module", async () => {
    const missing = join(dir, "missing-policy.ts");
    const file = scenario("missing.yaml", ["fifo", "./missing-policy.ts"]);
    const validated = await agentsim(["validate", file], dir);
    expect(validated.code).toBe(2);
    const lines = validated.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^missing\\.yaml: policies\\[1\\] \\(${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\): expected a policy module that can be imported, got an import error: Cannot find module`,
      ),
    );
    const compared = await agentsim(["compare", file, "--jobs", "1", "--no-png"], dir);
    expect(compared.code).toBe(2);
    // The import error names the importing chunk, which may differ: compare up to it.
    expect(compared.stderr.split(" imported from ")[0]).toBe(
      validated.stderr.split(" imported from ")[0],
    );
  }, 60_000);

  it("refuses a module whose default export is not a scheduler factory", async () => {
    await expectRefused(
      scenario("not-factory.yaml", [{ module: "./not-a-factory.mjs" }, "priority"]),
      [
        `not-factory.yaml: policies[0] (${join(dir, "not-a-factory.mjs")}): expected a module exporting a scheduler factory as \`default\` or \`createScheduler\`, got exports default, note`,
      ],
    );
  }, 60_000);

  it("lists every problem at once, a bad built-in option included, one line each", async () => {
    await expectRefused(
      scenario("several.yaml", [
        "fifoo",
        { name: "priority", options: { agingPerS: -1 } },
        "./not-a-factory.mjs",
      ]),
      [
        `several.yaml: policies[0]: expected one of ${KNOWN} (or the path of a policy module ending in .ts, .mts, .js, .mjs, .cjs), got "fifoo"`,
        "several.yaml: policies[1] (priority.agingPerS): expected a number >= 0 (priority per second), got -1",
        `several.yaml: policies[2] (${join(dir, "not-a-factory.mjs")}): expected a module exporting a scheduler factory as \`default\` or \`createScheduler\`, got exports default, note`,
      ],
    );
  }, 60_000);

  it("accepts a good module and describes the scenario with it", async () => {
    const validated = await agentsim(
      ["validate", scenario("good.yaml", ["fifo", "./lifo.mjs"])],
      dir,
    );
    expect(validated.stderr).toBe("");
    expect(validated.code).toBe(0);
    expect(validated.stdout).toMatch(/^Scenario noisy-neighbor/);
    expect(validated.stdout).toMatch(/Policies: fifo, lifo/);
  }, 60_000);
});

describe("agentsim validate, what compare reads and estimates", () => {
  it("refuses a trace file compare would refuse, with compare's message", async () => {
    // Shows validate reads the trace files as compare plans them (it once checked only that
    // the file existed, and accepted a trace whose lines compare refuses).
    writeFileSync(
      join(dir, "bad-trace.csv"),
      readFileSync(join(ROOT, "test/fixtures/azure-bad.csv")),
    );
    const doc = {
      horizon: "1m",
      endpoints: [{ name: "llm", slots: 2, latency: "1s" }],
      tenants: [{ name: "web" }],
      jobs: [
        {
          name: "replay",
          tenant: "web",
          governance: { owner: "o", authorizedBy: "a" },
          arrivals: { process: "trace", file: "bad-trace.csv" },
        },
      ],
    };
    writeFileSync(join(dir, "trace.yaml"), stringify(doc));
    const validated = await agentsim(["validate", "trace.yaml"], dir);
    expect(validated.stderr.split("\n")[0]).toBe(
      `${join(dir, "bad-trace.csv")}: line 3: ContextTokens: expected a non-negative integer, got "abc"`,
    );
    await expectRefused("trace.yaml", validated.stderr.trimEnd().split("\n"));
  }, 60_000);

  it("holds the estimate to --max-calls as compare does", async () => {
    // Shows the calls budget is a flag of both, and both refuse with one message.
    const file = scenario("calls.yaml", ["fifo", "priority"]);
    const validated = await agentsim(["validate", file, "--max-calls", "100"], dir);
    expect(validated.code).toBe(2);
    expect(validated.stdout).toBe("");
    expect(validated.stderr.split("\n")[0]).toMatch(
      /^calls\.yaml: jobs\[\d\]\.arrivals\.rate: expected an experiment of at most 100 model calls \(--max-calls\), got an estimated \d/,
    );
    const compared = await agentsim(["compare", file, "--max-calls", "100", "--no-png"], dir);
    expect(compared.code).toBe(2);
    expect(compared.stderr).toBe(validated.stderr);
    const accepted = await agentsim(["validate", file, "--max-calls", "100000"], dir);
    expect(accepted.code).toBe(0);
  }, 60_000);
});
