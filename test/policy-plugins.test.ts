/**
 * A user's policy module loads from the user's own folder, outside this repository, through
 * the real binary: TypeScript or JavaScript (ES module or CommonJS), with no package.json beside it or one that says
 * "type": "commonjs" (what `npm init -y` writes), importing from "agentsim" once it is
 * installed from its path, from a scenario's `policies` or from `--policies` (relative to the
 * working directory), in this thread and on worker threads; and a module that cannot load is
 * one line naming the file and what is wrong, exit 2.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { Results } from "../src/index.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/agentsim.js");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` from `cwd` as a user would, with `env` added to the environment. */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<Ran>((done) => {
    const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete merged.NO_COLOR;
    delete merged.FORCE_COLOR;
    execFile(command, args, { cwd, env: merged }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

const agentsim = (args: string[], cwd: string, env?: Record<string, string>) =>
  run("node", [BIN, ...args], cwd, env);

/** A folder with no package.json (nor any above it, in the system's temporary folder). */
let bare: string;
/** A folder as `npm init -y` and `npm install <this repository>` leave it. */
let project: string;

/** Writes the fixture scenario, shortened, with `policies`, into `dir`. */
function scenario(dir: string, name: string, policies: unknown[]): string {
  const doc = parse(readFileSync(join(ROOT, "test/fixtures/noisy-neighbor.yaml"), "utf8"));
  doc.horizon = "1m";
  doc.warmup = "10s";
  doc.replications = 1;
  doc.policies = policies;
  const file = join(dir, name);
  writeFileSync(file, stringify(doc));
  return file;
}

/** A policy's body in JavaScript: newest turn first, under `name`. */
const NEWEST_FIRST_JS = `
export default function create() {
  const turns = [];
  return {
    name,
    get size() { return turns.length; },
    enqueue(turn) { turns.push(turn); },
    pick(_nowS, accept) {
      for (let i = turns.length - 1; i >= 0; i--) {
        if (accept === undefined || accept(turns[i])) return turns.splice(i, 1)[0];
      }
      return undefined;
    },
    complete() {},
  };
}
`;

/** The README's policy, with type-only imports and a value import from "agentsim". */
const README_POLICY = `import type { ReadyTurn, Scheduler, SchedulerFactory } from "agentsim";
import { keyedScheduler } from "agentsim";

export const name = "shortest-prompt-first";
const byPrompt = (a: ReadyTurn, b: ReadyTurn): number => a.promptTokens - b.promptTokens;
// Prompt tokens are known when a turn is ready; first-ready-first on ties.
export default ((_ctx, _options): Scheduler => keyedScheduler(name, byPrompt)) satisfies SchedulerFactory;
`;

beforeAll(async () => {
  bare = mkdtempSync(join(tmpdir(), "agentsim-plugins-bare-"));
  project = mkdtempSync(join(tmpdir(), "agentsim-plugins-project-"));
  // TypeScript-only syntax (an interface, annotations): it loads only if compiled.
  writeFileSync(
    join(bare, "newest-first.ts"),
    `interface Turn { seq: number }\nexport const name: string = "newest-ts";\nconst _typed: Turn[] = [];\n${NEWEST_FIRST_JS}`,
  );
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify({ name: "my-policies", version: "1.0.0", type: "commonjs" }, null, 2)}\n`,
  );
  mkdirSync(join(project, "policies"));
  writeFileSync(
    join(project, "policies", "newest.js"),
    `export const name = "newest-js";\n${NEWEST_FIRST_JS}`,
  );
  // CommonJS, as a .cjs file: module.exports is the module.
  writeFileSync(
    join(project, "policies", "oldest.cjs"),
    `const name = "oldest-cjs";\nmodule.exports = { name, createScheduler: require("./oldest-factory.cjs")(name) };\n`,
  );
  writeFileSync(
    join(project, "policies", "oldest-factory.cjs"),
    `module.exports = (name) => () => {
  const turns = [];
  return {
    name,
    get size() { return turns.length; },
    enqueue(turn) { turns.push(turn); },
    pick(_nowS, accept) {
      const i = turns.findIndex((turn) => accept === undefined || accept(turn));
      return i < 0 ? undefined : turns.splice(i, 1)[0];
    },
    complete() {},
  };
};
`,
  );
  writeFileSync(join(project, "my-policy.ts"), README_POLICY);
  writeFileSync(
    join(project, "broken.ts"),
    'export const name = "broken";\nexport default () => ({ name: "broken" +; });\n',
  );
  writeFileSync(join(project, "throws.mjs"), 'throw new Error("no policy.json here");\n');
  writeFileSync(join(project, "nothing.js"), "export const nam = 1;\n");
  // npm installs a local folder as a link to it, as `npm link` does: offline and fast.
  const installed = await run(
    "npm",
    ["install", ROOT, "--no-audit", "--no-fund", "--offline", "--loglevel=error"],
    project,
  );
  expect(installed.stderr).toBe("");
  expect(installed.code).toBe(0);
}, 120_000);

afterAll(() => {
  rmSync(bare, { recursive: true, force: true });
  rmSync(project, { recursive: true, force: true });
});

describe("policy modules from the user's folder", () => {
  it("loads a TypeScript module with no package.json from a scenario's policies, labelled by its name", async () => {
    const file = scenario(bare, "scenario.yaml", ["fifo", "./newest-first.ts"]);
    const ran = await agentsim(
      ["compare", file, "--json", "--no-png", "--jobs", "1", "--out", join(bare, "out")],
      bare,
    );
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    const results = JSON.parse(ran.stdout) as Results;
    expect(Object.keys(results.policies)).toEqual(["fifo", "newest-ts"]);
  }, 120_000);

  it("loads an ES-module .js beside a commonjs package.json, and a .cjs, from --policies, relative to the working directory", async () => {
    const file = scenario(bare, "other.yaml", ["fifo"]);
    const ran = await agentsim(
      [
        "compare",
        file,
        "--policies",
        "fifo,./policies/newest.js,./policies/oldest.cjs",
        "--json",
        "--no-png",
        "--jobs",
        "1",
        "--out",
        join(project, "out-js"),
      ],
      project,
    );
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    expect(Object.keys((JSON.parse(ran.stdout) as Results).policies)).toEqual([
      "fifo",
      "newest-js",
      "oldest-cjs",
    ]);
  }, 120_000);

  it("runs the README's module importing from the installed agentsim through npx, in this thread and on workers, to the same bytes", async () => {
    expect(realpathSync(join(project, "node_modules/.bin/agentsim"))).toBe(BIN);
    const file = scenario(project, "scenario.yaml", ["fifo", "priority"]);
    const args = ["compare", file, "--policies", "fifo,./my-policy.ts", "--replications", "2"];
    const here = await run(
      "npx",
      ["--no", "agentsim", ...args, "--json", "--no-png", "--jobs", "1", "--out", "out-here"],
      project,
    );
    expect(here.stderr).toBe("");
    expect(here.code).toBe(0);
    expect(Object.keys((JSON.parse(here.stdout) as Results).policies)).toEqual([
      "fifo",
      "shortest-prompt-first",
    ]);
    const workers = await agentsim(
      [...args, "--json", "--no-png", "--jobs", "2", "--out", "out-workers"],
      project,
      { AGENTSIM_WORKERS: "only" },
    );
    expect(workers.stderr).toBe("");
    expect(workers.code).toBe(0);
    expect(workers.stdout).toBe(here.stdout);
  }, 180_000);

  it("refuses a module with a syntax error given on --policies: exit 2, one line with the file and line:column", async () => {
    scenario(project, "broken.yaml", ["fifo"]);
    const ran = await agentsim(
      [
        "compare",
        "broken.yaml",
        "--policies",
        "fifo,./broken.ts",
        "--no-png",
        "--out",
        "out-broken",
      ],
      project,
    );
    expect(ran.code).toBe(2);
    const lines = ran.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      `broken.yaml: policies[1] (${join(project, "broken.ts")}): expected a policy module that can be imported, got an import error: syntax error at 2:41: Unexpected ";"`,
    ]);
  }, 120_000);

  it("refuses, one line each, a module that throws when imported and one without a factory", async () => {
    scenario(project, "bad.yaml", ["fifo", "./throws.mjs", "./nothing.js"]);
    const ran = await agentsim(["validate", "bad.yaml"], project);
    expect(ran.code).toBe(2);
    expect(ran.stderr.trimEnd().split("\n")).toEqual([
      `bad.yaml: policies[1] (${join(project, "throws.mjs")}): expected a policy module that can be imported, got an import error: no policy.json here`,
      `bad.yaml: policies[2] (${join(project, "nothing.js")}): expected a module exporting a scheduler factory as \`default\` or \`createScheduler\`, got exports nam`,
    ]);
  }, 120_000);
});
