import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { Results } from "../src/experiment/results.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/agentsim.js");
const TSX = join(ROOT, "node_modules/.bin/tsx");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command as a user would, from `cwd`, with NO_COLOR unset and no terminal. */
function spawn(
  file: string,
  args: string[],
  cwd: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<Ran> {
  return new Promise((done) => {
    const env = { ...process.env, ...extra };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    execFile(file, args, { cwd, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

const agentsim = (args: string[], cwd = dir, env: NodeJS.ProcessEnv = {}) =>
  spawn("node", [BIN, ...args], cwd, env);

// Every cell on worker threads, started at once (by default small runs stay in one thread).
const WORKERS_ONLY = { AGENTSIM_WORKERS: "only" };

let dir: string;
let small: string;

/** The parts of a scenario document the tests edit. */
interface Doc {
  [field: string]: unknown;
  endpoints: { slots?: unknown; failures: { outages: unknown[] } }[];
  jobs: {
    tenant?: unknown;
    arrivals: { rate?: unknown };
    turns: { toolCalls: { tool?: unknown } };
  }[];
}

// The DESIGN.md scenario shortened to 3 simulated minutes, with a threshold set by the test.
function scenarioFile(name: string, edit: (doc: Doc) => void = () => {}): string {
  const doc: Doc = parse(readFileSync(join(ROOT, "test/fixtures/noisy-neighbor.yaml"), "utf8"));
  doc.horizon = "3m";
  doc.warmup = "30s";
  doc.endpoints[0].failures.outages = [{ at: "90s", for: "10s" }];
  edit(doc);
  const file = join(dir, name);
  writeFileSync(file, stringify(doc));
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-cli-"));
  small = scenarioFile("small.yaml");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STAT = ["mean", "p50", "p95", "p99", "max", "ci95", "truncated", "n"];

function expectContract(results: Results) {
  expect(Object.keys(results).slice(0, 6)).toEqual([
    "scenario",
    "seed",
    "replications",
    "version",
    "policies",
    "comparisons",
  ]);
  for (const policy of Object.values(results.policies)) {
    const s = policy.summary;
    for (const key of ["wait", "turnLatency", "runLatency"] as const)
      expect(Object.keys(s[key])).toEqual(STAT);
    for (const key of [
      "throughput",
      "utilization",
      "fairness",
      "counts",
      "wastedTokens",
      "sloAttainment",
    ]) {
      expect(s).toHaveProperty(key);
    }
    expect(Object.keys(s.throughput)).toEqual(["runsPerSecond", "tokensPerSecond"]);
    expect(Object.keys(s.fairness)).toEqual(["jain", "maxServiceGap", "jainReplications"]);
    for (const tenant of Object.values(policy.tenants)) {
      for (const key of ["serviceShare", "wait", "runLatency", "counts"])
        expect(tenant).toHaveProperty(key);
    }
    for (const job of Object.values(policy.jobs)) {
      for (const key of ["wait", "runLatency", "counts"]) expect(job).toHaveProperty(key);
    }
    for (const r of policy.replications) expect(r).toHaveProperty("summary");
  }
  for (const c of results.comparisons)
    expect(Object.keys(c)).toEqual(["metric", "a", "b", "n", "diff", "ci95", "clear"]);
}

describe("agentsim through bin/agentsim.js", () => {
  let compared: string;

  it("compare --json prints results.json that follows the contract and equals the file written", async () => {
    const out = join(dir, "compare");
    const args = ["compare", small, "--replications", "2", "--jobs", "1", "--json", "--out", out];
    const ran = await agentsim([...args, "--no-png"]);
    expect(ran.stderr).not.toMatch(/error/i);
    expect(ran.code).toBe(0);
    const results = JSON.parse(ran.stdout);
    expectContract(results);
    expect(Object.keys(results.policies)).toEqual(["fifo", "priority", "fair-share"]);
    expect(readFileSync(join(out, "results.json"), "utf8")).toBe(ran.stdout);
    compared = ran.stdout;
  });

  it("gives the same bytes with every cell on worker threads, under bin/agentsim.js and under npx tsx src/cli/main.ts", async () => {
    const args = ["compare", small, "--replications", "2", "--jobs", "2", "--json", "--no-png"];
    const bin = await agentsim([...args, "--out", join(dir, "bin-workers")], dir, WORKERS_ONLY);
    expect(bin.stderr).toBe("");
    expect(bin.code).toBe(0);
    expect(bin.stdout).toBe(compared);
    const tsx = await spawn(
      TSX,
      ["src/cli/main.ts", ...args, "--out", join(dir, "tsx-workers")],
      ROOT,
      WORKERS_ONLY,
    );
    expect(tsx.stderr).toBe("");
    expect(tsx.code).toBe(0);
    expect(tsx.stdout).toBe(compared);
  });

  it("runs from its bundle a TypeScript policy module, in this thread and on workers, with the bytes of the sources run through tsx", async () => {
    const policy = join(ROOT, "examples/policies/shortest-prompt-first.ts");
    const file = scenarioFile("with-module.yaml", (doc) => {
      doc.policies = ["fifo", policy];
    });
    const args = ["compare", file, "--replications", "2", "--json", "--no-png"];
    const here = await agentsim([...args, "--jobs", "1", "--out", join(dir, "module-here")]);
    expect(here.stderr).toBe("");
    expect(here.code).toBe(0);
    expect(Object.keys((JSON.parse(here.stdout) as Results).policies)).toEqual([
      "fifo",
      "shortest-prompt-first",
    ]);
    const workers = await agentsim(
      [...args, "--jobs", "2", "--out", join(dir, "module-workers")],
      dir,
      WORKERS_ONLY,
    );
    expect(workers.stderr).toBe("");
    expect(workers.stdout).toBe(here.stdout);
    const sources = await agentsim(
      [...args, "--jobs", "1", "--out", join(dir, "module-tsx")],
      dir,
      {
        AGENTSIM_NO_BUNDLE: "1",
      },
    );
    expect(sources.stderr).toBe("");
    expect(sources.stdout).toBe(here.stdout);
  });

  it("writes partial-i-of-n.json per shard, and merge of shards 1/3, 2/3, 3/3 prints the unsharded results", async () => {
    const out = join(dir, "shards");
    const args = ["compare", small, "--replications", "2", "--jobs", "1", "--out", out];
    for (const shard of ["2/3", "3/3", "1/3"]) {
      const ran = await agentsim([...args, "--shard", shard]);
      expect(ran.code).toBe(0);
      expect(ran.stdout).toContain(`partial-${shard.replace("/", "-of-")}.json`);
    }
    const parts = ["1", "2", "3"].map((i) => join(out, `partial-${i}-of-3.json`));
    const merged = await agentsim([
      "merge",
      ...parts,
      "--json",
      "--out",
      join(dir, "merged"),
      "--no-png",
    ]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toBe(compared);
    const missing = await agentsim(["merge", parts[0]!, parts[2]!, "--out", join(dir, "merged2")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing, from shard 2\/3/);
  });

  it("compare without --json ends with the table (no colour off a terminal) and where results went", async () => {
    const out = join(dir, "table");
    const ran = await agentsim([
      "compare",
      small,
      "--replications",
      "1",
      "--policies",
      "fifo,fair-share",
      "--out",
      out,
      "--no-png",
    ]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(
      /policy\s+wait p50\s+wait p95\s+wait p99\s+run p50\s+run p95\s+run p99\s+runs\/s\s+jain\s+SLO/,
    );
    expect(ran.stdout).toMatch(/^fair-share /m);
    expect(ran.stdout).toContain(`Results: ${join(out, "results.json")}`);
    expect(ran.stdout).not.toContain("\u001b[");
    expect(ran.stderr).toBe("");
  });

  it("check exits 0 when the tests pass and 1 when arbitration fails, with DESIGN.md's check object", async () => {
    const pass = await agentsim([
      "check",
      scenarioFile("lenient.yaml", (d) => (d.checks = { minJain: 0 })),
      "--replications",
      "1",
      "--json",
    ]);
    expect(pass.code).toBe(0);
    const verdict = JSON.parse(pass.stdout);
    expect(Object.keys(verdict)).toEqual(["scenario", "pass", "tests", "strict"]);
    expect(verdict.pass).toBe(true);
    expect(verdict.tests.arbitration).toMatchObject({ pass: true, policy: "fair-share" });
    expect(typeof verdict.tests.arbitration.evidence).toBe("string");
    expect(Object.keys(verdict.tests.arbitration).slice(0, 3)).toEqual([
      "status",
      "pass",
      "evidence",
    ]);
    expect(Object.keys(verdict.tests.isolation).slice(0, 5)).toEqual([
      "status",
      "pass",
      "attempts",
      "refused",
      "succeeded",
    ]);
    expect(Object.keys(verdict.tests.audit).slice(0, 6)).toEqual([
      "status",
      "pass",
      "records",
      "verified",
      "unaudited",
      "withoutAuthority",
    ]);
    expect(verdict.tests.audit).toMatchObject({
      pass: true,
      verified: true,
      unaudited: 0,
      withoutAuthority: 0,
    });

    const strict = scenarioFile("strict.yaml", (d) => (d.checks = { minJain: 1 }));
    const fail = await agentsim(["check", strict, "--replications", "1", "--policies", "fifo"]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/FAIL\s+arbitration: fifo: Jain's index [\d.]+ .*< 1/);
    expect(fail.stdout).toMatch(/PASS\s+audit/);
  });

  it("validate describes the scenario and schema prints a JSON Schema", async () => {
    const validate = await agentsim(["validate", small]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/^Scenario noisy-neighbor/);
    const schema = await agentsim(["schema"]);
    expect(schema.code).toBe(0);
    const json = JSON.parse(schema.stdout);
    expect(json.type).toBe("object");
    expect(Object.keys(json.properties)).toEqual(
      expect.arrayContaining(["endpoints", "tenants", "jobs"]),
    );
  });

  it("run --audit writes a trail that verifies and queries; a tampered copy exits 1 naming its seq and line", async () => {
    const trail = join(dir, "audit", "trail.jsonl");
    const run = await agentsim([
      "run",
      small,
      "--policy",
      "fair-share",
      "--audit",
      trail,
      "--out",
      join(dir, "run"),
      "--no-png",
    ]);
    expect(run.code).toBe(0);
    const ok = await agentsim(["audit", "verify", trail]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/chain verified/);
    const query = await agentsim([
      "audit",
      "query",
      trail,
      "--tenant",
      "batch",
      "--action",
      "model.call,model.result",
      "--limit",
      "5",
    ]);
    expect(query.code).toBe(0);
    const records = query.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.length).toBe(5);
    for (const r of records) {
      expect(r.tenant).toBe("batch");
      expect(["model.call", "model.result"]).toContain(r.action);
    }
    const lines = readFileSync(trail, "utf8").split("\n");
    lines[41] = lines[41]!.replace(/"time":([\d.]+)/, (_, t) => `"time":${Number(t) + 0.5}`);
    const tampered = join(dir, "audit", "tampered.jsonl");
    writeFileSync(tampered, lines.join("\n"));
    const broken = await agentsim(["audit", "verify", tampered]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/seq 42 \(line 42\)/);
  });

  it("exits 2 with one clear line for bad input: a missing file, an unknown flag, a bad number", async () => {
    for (const args of [
      ["compare", join(dir, "nope.yaml")],
      ["sweep", small, "--vary", "endpoints.0.slots=4,8", "--replications", "two"],
    ]) {
      const ran = await agentsim(args);
      expect(ran.code, args.join(" ")).toBe(2);
      expect(ran.stdout).toBe("");
      expect(ran.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it("shows usage with an example for --help, exit 0", async () => {
    const ran = await agentsim(["sweep", "--help"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^Usage: agentsim sweep \[options\] <scenario>/);
    expect(ran.stdout).toMatch(/Examples:\n {2}\$ agentsim sweep /);
  });
});
