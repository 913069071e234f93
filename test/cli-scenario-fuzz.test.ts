/**
 * Issue 13's fuzz test: malformed scenario files (test/support/scenario-files.ts: deleted fields,
 * wrong types, extreme numbers, unknown keys, duplicate names and keys, alias bombs, deep
 * nesting, binary garbage, wrong encodings, bad trace files, paths that are not files) through
 * `validate` and `compare`, each in a worker thread with a heap limit and a time limit
 * (support/cli-sandbox.ts). Every command must end within 10 s with exit 0 or 2, in bounded
 * memory, with no stack trace and no internal error, and on exit 2 with one message that names
 * the file; and `validate` must refuse everything `compare` refuses, with the same message.
 * 300 cases by default, 10,000 with AGENTSIM_LONG=1 (AGENTSIM_FUZZ_CASES overrides both).
 *
 * The commands are held to a small budget, `--max-memory 128M --max-calls 200000` (the worker's
 * heap is 1 GiB): the budget is what makes "within 10 s" a property of the command and not of
 * the case, since a mutant that is still valid may ask for a year of arrivals, and compare
 * then refuses it by its estimate (exit 2), as validate must.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliSandbox, type SandboxOutcome } from "./support/cli-sandbox.ts";
import { LONG } from "./support/property-runs.ts";
import { type FuzzCase, fuzzCase, prepareDir, renderCase } from "./support/scenario-files.ts";

const CASES = Number(process.env.AGENTSIM_FUZZ_CASES ?? (LONG ? 10_000 : 300));
/** The bound on each command. */
const COMMAND_MS = 10_000;
const BUDGET = ["--max-memory", "128M", "--max-calls", "200000"];

let dir: string;
let kept: string;
let sandbox: CliSandbox;
let caseNo = 0;
let fifo = false;
/** What the commands did, for the summary and the check that the cases are mixed. */
const tally = {
  cases: 0,
  validateOk: 0,
  compareOk: 0,
  refusedBoth: 0,
  byBudget: 0,
  validateStricter: 0,
};
let slowest = { ms: 0, command: "", label: "" };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-scenario-fuzz-"));
  kept = join(tmpdir(), "agentsim-fuzz-failures");
  prepareDir(dir);
  try {
    execFileSync("mkfifo", [join(dir, "a-fifo.csv")]);
    execFileSync("mkfifo", [join(dir, "scenario-fifo.yaml")]);
    fifo = true;
  } catch {
    // No mkfifo: the FIFO cases use a missing path instead.
  }
  symlinkSync(join(dir, "nowhere.yaml"), join(dir, "dangling.yaml"));
  symlinkSync(join(dir, "loop.yaml"), join(dir, "loop.yaml"));
  mkdirSync(join(dir, "folder.yaml"));
  sandbox = new CliSandbox({ heapMb: 1024, timeoutMs: COMMAND_MS, startMs: 120_000 });
  // Start-up (tsx, the sources, the report's libraries) is not a command's time.
  const warm = join(dir, "warm.yaml");
  writeFileSync(
    warm,
    renderCase({ kind: "mutant", base: "noisy", json: false, doc: [], text: [], bytes: [] }).bytes!,
  );
  await sandbox.run(["compare", warm, ...BUDGET, "--no-png", "--out", join(dir, "warm-out")]);
}, 180_000);

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The file a case stands for, written (or made) in the temporary folder. */
function caseFile(c: FuzzCase): { file: string; label: string; names?: string } {
  const rendered = renderCase(c);
  if (rendered.path !== undefined) {
    const file = {
      missing: join(dir, "no-such-file.yaml"),
      folder: join(dir, "folder.yaml"),
      fifo: fifo ? join(dir, "scenario-fifo.yaml") : join(dir, "no-such-file.yaml"),
      device: "/dev/zero",
      "dangling-link": join(dir, "dangling.yaml"),
      loop: join(dir, "loop.yaml"),
    }[rendered.path];
    return { file, label: rendered.label };
  }
  const file = join(dir, `case-${caseNo++}.yaml`);
  writeFileSync(file, rendered.bytes!);
  return { file, label: rendered.label, names: rendered.names };
}

/**
 * The checks every command's outcome must pass; returns its exit code. `names`: the input is
 * bad for certain, and the message must name this field.
 */
function clean(
  outcome: SandboxOutcome,
  command: string,
  file: string,
  label: string,
  names?: string,
): number {
  const what = `${command} ${file}\n${label}`;
  expect(outcome.kind, `${what}\n${JSON.stringify(outcome)}`).toBe("exited");
  if (outcome.kind !== "exited") return -1;
  const { code, stdout, stderr, ms } = outcome;
  if (ms > slowest.ms) slowest = { ms, command, label };
  const said = `${what}\nexit ${code}\nstdout: ${stdout.slice(0, 500)}\nstderr: ${stderr.slice(0, 2000)}`;
  expect([0, 2], said).toContain(code);
  expect(stderr, said).not.toMatch(/^\s+at /m);
  expect(stderr, said).not.toMatch(/internal error/i);
  expect(stderr, said).not.toMatch(/\b(TypeError|RangeError|ReferenceError)\b|call stack/);
  // Nothing but agentsim's own words: no process warning of a library.
  expect(stderr, said).not.toMatch(/^\(node:\d+\)/m);
  if (code === 2) {
    if (command === "compare" && /\(--max-(memory|calls)\)/.test(stderr)) tally.byBudget++;
    expect(stdout, said).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(lines[0], said).not.toBe("");
    // The message starts with the file at fault: the scenario, or a file it names.
    expect(lines[0], said).toMatch(/^(\/|[A-Za-z]:\\)\S*: \S/);
  }
  if (names !== undefined) {
    expect(code, said).toBe(2);
    expect(stderr.startsWith(`${file}: `), said).toBe(true);
    expect(stderr, said).toContain(names);
  }
  return code;
}

describe("malformed scenario files through validate and compare", () => {
  it(
    `end within 10 s with exit 0 or 2, in bounded memory, one clear message, validate refusing what compare refuses (${CASES} cases)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fuzzCase, async (c) => {
          const { file, label, names } = caseFile(c);
          const out = join(dir, `out-${caseNo}`);
          try {
            const validation = await sandbox.run(["validate", file, ...BUDGET]);
            const validated = clean(validation, "validate", file, label, names);
            const comparison = await sandbox.run([
              "compare",
              file,
              ...BUDGET,
              "--no-png",
              "--out",
              out,
            ]);
            const compared = clean(comparison, "compare", file, label, names);
            expect(
              validated,
              `${file}\n${label}\nvalidate exit ${validated}, compare exit ${compared}: validate must refuse what compare refuses`,
            ).toBe(compared === 2 ? 2 : validated);
            // One function refuses for both (planExperiment, budgetPlan): one message.
            if (compared === 2) {
              expect(validation.kind === "exited" && validation.stderr, `${file}\n${label}`).toBe(
                comparison.kind === "exited" && comparison.stderr,
              );
            }
            if (compared === 0) expect(existsSync(join(out, "results.json"))).toBe(true);
            tally.cases++;
            if (validated === 0) tally.validateOk++;
            if (compared === 0) tally.compareOk++;
            if (validated === 2 && compared === 2) tally.refusedBoth++;
            if (validated === 2 && compared === 0) tally.validateStricter++;
          } catch (error) {
            // Kept for replaying by hand: agentsim validate <kept file>.
            mkdirSync(kept, { recursive: true });
            if (existsSync(file) && file.startsWith(dir)) {
              copyFileSync(file, join(kept, `case-${caseNo}.yaml`));
            }
            throw error;
          } finally {
            if (file.startsWith(join(dir, "case-"))) rmSync(file, { force: true });
            rmSync(out, { recursive: true, force: true });
          }
        }),
        { numRuns: CASES },
      );
      console.log(
        `scenario fuzz: ${tally.cases} cases; validate accepted ${tally.validateOk}, compare ran ${tally.compareOk}, both refused ${tally.refusedBoth} (by the budget ${tally.byBudget}), only validate refused ${tally.validateStricter}; slowest command ${Math.round(slowest.ms)} ms (${slowest.command}: ${slowest.label.replace(/\n/g, "; ")})`,
      );
      // The generator makes both kinds: enough valid mutants to run compare, and mostly refusals.
      expect(tally.compareOk).toBeGreaterThan(CASES / 50);
      expect(tally.refusedBoth).toBeGreaterThan(CASES / 2);
    },
    3_600_000 * (LONG ? 12 : 1 / 6),
  );
});
