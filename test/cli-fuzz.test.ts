/**
 * The command line under fuzzed bad flags (every experiment command, in this process), bad
 * `--vary` axes, missing files, and the same through the real binary. Malformed scenario files
 * are cli-scenario-fuzz.test.ts's (support/scenario-files.ts makes them); the binary here
 * gets the certainly broken fields of that generator.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { runInProcess } from "./support/cli.ts";
import { type BrokenField, brokenField, renderCase } from "./support/scenario-files.ts";

const ROOT = resolve(import.meta.dirname, "..");
const RUNS = process.env.AGENTSIM_LONG ? 2000 : 150;
const SPAWNED_RUNS = process.env.AGENTSIM_LONG ? 40 : 4;

let dir: string;
let small: string;
let fileNo = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-cli-fuzz-"));
  const base = parse(readFileSync(join(ROOT, "test/fixtures/noisy-neighbor.yaml"), "utf8"));
  base.horizon = "3m";
  base.warmup = "30s";
  small = join(dir, "small.yaml");
  writeFileSync(small, stringify(base));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command line in this process, with its output captured. */
const inProcess = runInProcess;

/** The command line as a user runs it. */
function spawned(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      "node",
      [join(ROOT, "bin/agentsim.js"), ...args],
      { cwd: dir },
      (error, stdout, stderr) => {
        done({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}

// -- Bad flags ------------------------------------------------------------------------------

const digits = /^\s*\d+\s*$/;
const validNumber = (flag: string, v: string) =>
  digits.test(v) && Number.isSafeInteger(Number(v)) && (flag === "--seed" || Number(v) >= 1);
const validShard = (v: string) => {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2]);
};
const KNOWN_FLAGS = [
  "--out",
  "--json",
  "--replications",
  "--policies",
  "--seed",
  "--jobs",
  "--shard",
  "--png",
  "--no-png",
  "--audit",
  "--policy",
  "--vary",
  "--help",
  "--version",
];

/** A command line with one bad flag, and the text its error must name. */
const badFlag: fc.Arbitrary<{ args: string[]; names: string }> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("--jobs", "--replications", "--seed"),
      fc.oneof(
        fc.constantFrom(
          "",
          "0",
          "-1",
          "1.5",
          "NaN",
          "Infinity",
          "1e3",
          "0x10",
          "two",
          "99999999999999999999",
        ),
        fc.string({ maxLength: 8 }),
      ),
    )
    .filter(([flag, v]) => !validNumber(flag, v))
    .map(([flag, v]) => ({ args: [flag, v], names: flag })),
  fc
    .oneof(
      fc.constantFrom("0/1", "2/1", "1/0", "a/b", "1", "/", "1/2/3", "-1/2", ""),
      fc.tuple(fc.nat(20), fc.nat(20)).map(([i, n]) => `${i}/${n}`),
      fc.string({ maxLength: 6 }),
    )
    .filter((v) => !validShard(v))
    .map((v) => ({ args: ["--shard", v], names: "--shard" })),
  fc
    .oneof(
      fc.constantFrom(",", "fifo,,fair-share", "fifo,", "nosuch", "FIFO", "fair share"),
      fc
        .stringMatching(/^[a-z]{1,10}$/)
        .filter((s) => !["fifo", "priority", "sjf", "las", "edf"].includes(s)),
    )
    .map((v) => ({ args: ["--policies", v], names: "--policies" })),
  fc
    .stringMatching(/^--[a-z][a-z-]{0,12}$/)
    .filter((flag) => !KNOWN_FLAGS.includes(flag))
    .map((flag) => ({ args: [flag], names: flag })),
);

const command = fc.constantFrom("compare", "run", "sweep", "check");

function expectBadInput(ran: { code: number; stdout: string; stderr: string }, names: string[]) {
  expect(ran.code).toBe(2);
  expect(ran.stdout).toBe("");
  expect(ran.stderr.trim()).not.toBe("");
  expect(names.some((name) => ran.stderr.includes(name))).toBe(true);
  expect(ran.stderr).not.toMatch(/^\s+at /m);
  expect(ran.stderr).not.toMatch(/internal error/);
}

// -- Scenario files: see cli-scenario-fuzz.test.ts ------------------------------------------

/** Writes a broken scenario file (support/scenario-files.ts) and returns its path. */
function brokenFile(c: BrokenField): string {
  const file = join(dir, `bad-${fileNo++}.yaml`);
  writeFileSync(file, renderCase(c).bytes!);
  return file;
}

describe("the command line under fuzzed bad input", () => {
  it("gives every command's --help an example", async () => {
    for (const name of [
      "compare",
      "run",
      "sweep",
      "check",
      "validate",
      "schema",
      "report",
      "merge",
      "calibrate",
    ]) {
      const ran = await inProcess([name, "--help"]);
      expect(ran.code, name).toBe(0);
      expect(ran.stdout, name).toMatch(/Examples?:\n {2}\$ agentsim /);
    }
    const audit = await inProcess(["audit", "query", "--help"]);
    expect(audit.stdout).toMatch(/Examples:\n {2}\$ agentsim audit query /);
  });

  it("exits 2 naming the flag for any bad flag value or unknown flag, never with a stack trace", async () => {
    await fc.assert(
      fc.asyncProperty(command, badFlag, async (name, { args, names }) => {
        const extra = name === "sweep" ? ["--vary", "endpoints.0.slots=4,8"] : [];
        expectBadInput(await inProcess([name, small, ...extra, ...args]), [names]);
      }),
      { numRuns: RUNS },
    );
  });

  it("exits 2 naming --vary or the field for malformed sweep axes", async () => {
    const badVary = fc.oneof(
      fc.string({ maxLength: 12 }).filter((s) => !s.includes("=")),
      fc.constantFrom(
        "nope.path=1",
        "endpoints.9.slots=1",
        "jobs.nobody.arrivals.rate=1/s",
        "endpoints.0.slots=",
        "endpoints.0.slots=4..2:1",
        "=4",
        "jobs.ticket-triage.arrivals.rate=fast,slow",
        "endpoints.0.slots=0,-1",
      ),
    );
    await fc.assert(
      fc.asyncProperty(badVary, async (vary) => {
        expectBadInput(await inProcess(["sweep", small, "--vary", vary]), ["--vary", "small.yaml"]);
      }),
      { numRuns: Math.min(RUNS, 60) },
    );
  });

  it("exits 2 for a missing file or a partial that is not one, in merge, report and audit", async () => {
    const notPartial = join(dir, "not-partial.json");
    writeFileSync(notPartial, '{"hello": 1}');
    for (const args of [
      ["merge", join(dir, "missing.json")],
      ["merge", notPartial],
      ["report", join(dir, "missing.json")],
      ["report", notPartial],
      ["audit", "verify", join(dir, "missing.jsonl")],
      ["audit", "query", join(dir, "missing.jsonl")],
      ["validate", join(dir, "missing.yaml")],
    ]) {
      expectBadInput(await inProcess(args), [basename(args.at(-1)!)]);
    }
  });

  it("does the same through the real binary: exit 2, the flag or file named, no stack trace", async () => {
    const cases = fc.oneof(
      fc.tuple(command, badFlag).map(([name, { args, names }]) => ({
        args: [
          name,
          small,
          ...(name === "sweep" ? ["--vary", "endpoints.0.slots=4,8"] : []),
          ...args,
        ],
        names: [names],
      })),
      brokenField.map((broken) => {
        const file = brokenFile(broken);
        return {
          args: ["compare", file, "--no-png", "--out", join(dir, "out")],
          names: [basename(file), String(broken.path[0])],
        };
      }),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ args, names }) => {
        expectBadInput(await spawned(args), names);
      }),
      { numRuns: SPAWNED_RUNS },
    );
  });
});
