/**
 * Outputs are all-or-nothing and their paths are checked before any work: an interrupted
 * command leaves the previous folder byte for byte, two commands on one --out do not mix, and
 * bad output paths are exit 2 with the path and the reason before a single cell runs.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse, stringify } from "yaml";
import { JsonlFileWriter } from "../src/audit/file-sink.ts";
import { runInProcess } from "./support/cli.ts";

// Counts the experiments started in this process: a refusal "before any work" must leave it 0.
const started = vi.hoisted(() => ({ count: 0 }));
vi.mock("../src/experiment/index.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../src/experiment/index.ts")>();
  return {
    ...original,
    runExperiment: (...args: Parameters<typeof original.runExperiment>) => {
      started.count++;
      return original.runExperiment(...args);
    },
    runCheck: (...args: Parameters<typeof original.runCheck>) => {
      started.count++;
      return original.runCheck(...args);
    },
  };
});

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/agentsim.js");
const FIXTURE = join(ROOT, "test/fixtures/noisy-neighbor.yaml");
const ROOT_USER = process.getuid?.() === 0;

let dir: string;
let small: string;
let aFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-outputs-"));
  const doc = parse(readFileSync(FIXTURE, "utf8"));
  doc.horizon = "3m";
  doc.warmup = "30s";
  small = join(dir, "small.yaml");
  writeFileSync(small, stringify(doc));
  aFile = join(dir, "a-file.txt");
  writeFileSync(aFile, "not a folder\n");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `agentsim <args>` as a user would; `ended` resolves when it exits. */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcess = spawn("node", [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
  });
  const ended = new Promise<Ended>((done) => {
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr }));
  });
  return { child, ended };
}

/** Waits until `ready()` holds (polling), or fails after `timeoutMs`. */
async function until(ready: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every file under `folder` (relative path → sha256 of its bytes), and its folders' modes. */
function snapshot(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    files[`${relative(folder, at)}/`] = (statSync(at).mode & 0o777).toString(8);
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else
        files[relative(folder, path)] = createHash("sha256")
          .update(readFileSync(path))
          .digest("hex");
    }
  };
  walk(folder);
  return files;
}

/** Entries agentsim stages or locks with, left in `folder`. */
function leftovers(folder: string): string[] {
  return readdirSync(folder).filter((name) => name.includes("agentsim-"));
}

/** The report folder is of one run: results.json, summary.md, index.html and cells.csv agree. */
function expectOneRun(out: string, seed: number, replications: number): void {
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  expect([results.seed, results.replications]).toEqual([seed, replications]);
  const plural = replications === 1 ? "replication" : "replications";
  expect(readFileSync(join(out, "summary.md"), "utf8")).toContain(
    `seed ${seed} · ${replications} ${plural}`,
  );
  expect(readFileSync(join(out, "index.html"), "utf8")).toContain(`seed ${seed}`);
  const rows = readFileSync(join(out, "cells.csv"), "utf8").trim().split("\n").slice(1);
  const reps = new Set(rows.map((row) => row.split(",")[2]));
  expect(reps.size).toBe(replications);
}

describe("an interrupted command", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "on %s exits %i with a message, removes its temporary files and leaves the previous --out byte-identical",
    async (signal, code) => {
      const parent = join(dir, `interrupt-${signal}`);
      const out = join(parent, "report");
      mkdirSync(parent);
      const quick = await start([
        "compare",
        small,
        "--replications",
        "1",
        "--out",
        out,
        "--no-png",
        "--jobs",
        "1",
      ]).ended;
      expect(quick.code, quick.stderr).toBe(0);
      const before = snapshot(out);
      const entriesBefore = readdirSync(parent).sort();
      const trails = join(parent, "trails");
      // 60 cells of the 20-minute scenario on worker threads: several seconds of work at least.
      const long = start(
        [
          "compare",
          FIXTURE,
          "--replications",
          "20",
          "--out",
          out,
          "--audit",
          join(trails, "audit.jsonl"),
          "--jobs",
          "2",
        ],
        { AGENTSIM_WORKERS: "only" },
      );
      await until(() => leftovers(parent).some((n) => n.includes("agentsim-tmp-")), "the staging");
      await new Promise((r) => setTimeout(r, 1000)); // the workers are running cells
      long.child.kill(signal);
      const ended = await long.ended;
      expect(ended.code, ended.stderr).toBe(code);
      expect(ended.stdout).toBe("");
      expect(ended.stderr).toContain(`agentsim: interrupted by ${signal}`);
      expect(ended.stderr).toMatch(/Not written: .*report \(the folder there is unchanged\)/);
      expect(leftovers(parent)).toEqual([]);
      expect(readdirSync(parent).sort()).toEqual(entriesBefore); // trails/ was created, then removed
      expect(existsSync(trails)).toBe(false);
      expect(snapshot(out)).toEqual(before);
    },
  );

  it("on SIGTERM while the report is being written leaves the previous --out byte-identical", async () => {
    const parent = join(dir, "interrupt-report");
    const out = join(parent, "report");
    mkdirSync(parent);
    const args = ["compare", small, "--replications", "1", "--out", out, "--jobs", "1"];
    const first = await start([...args, "--no-png"]).ended;
    expect(first.code, first.stderr).toBe(0);
    const before = snapshot(out);
    const writtenAt = statSync(join(out, "results.json")).mtimeMs;
    // The report (with PNGs) is drawn after results.json is written: the signal comes between.
    const again = start([...args, "--seed", "11"]);
    const resultsWritten = () =>
      statSync(join(out, "results.json")).mtimeMs !== writtenAt ||
      leftovers(parent).some((n) => existsSync(join(parent, n, "results.json")));
    await until(resultsWritten, "results.json of the second run", 120_000);
    again.child.kill("SIGTERM");
    const ended = await again.ended;
    expect(ended.code, ended.stderr).toBe(143);
    expect(ended.stderr).toMatch(/Not written: .*report \(the folder there is unchanged\)/);
    expect(leftovers(parent)).toEqual([]);
    expect(snapshot(out)).toEqual(before);
  });

  it("on SIGTERM leaves a shard's previous partial file as it was, and no temporary file", async () => {
    const out = join(dir, "shard-interrupt");
    const args = ["compare", FIXTURE, "--out", out, "--shard", "1/2", "--jobs", "2"];
    const first = await start([...args, "--replications", "1"]).ended;
    expect(first.code, first.stderr).toBe(0);
    const before = snapshot(out);
    const long = start([...args, "--replications", "20"], { AGENTSIM_WORKERS: "only" });
    await until(() => leftovers(out).length > 0, "the staged partial");
    await new Promise((r) => setTimeout(r, 1000));
    long.child.kill("SIGTERM");
    const ended = await long.ended;
    expect(ended.code, ended.stderr).toBe(143);
    expect(ended.stderr).toMatch(
      /Not written: .*partial-1-of-2\.json \(the file there is unchanged\)/,
    );
    expect(snapshot(out)).toEqual(before);
  });
});

describe("an interrupted check", () => {
  it("removes its temporary folder (where the audited trails go) from the system's temporary folder", async () => {
    const tmp = join(dir, "check-tmp");
    mkdirSync(tmp);
    const long = start(["check", FIXTURE, "--replications", "20", "--jobs", "2"], {
      AGENTSIM_WORKERS: "only",
      TMPDIR: tmp,
    });
    await until(
      () => readdirSync(tmp).some((n) => n.startsWith("agentsim-")),
      "the scratch folder",
    );
    await new Promise((r) => setTimeout(r, 1000));
    long.child.kill("SIGINT");
    const ended = await long.ended;
    expect(ended.code, ended.stderr).toBe(130);
    expect(ended.stderr).toContain("agentsim: interrupted by SIGINT");
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe("two commands on one --out", () => {
  it("do not mix: the second refuses while the first writes, and a later run replaces the folder whole", async () => {
    const out = join(dir, "shared");
    const first = start(["compare", FIXTURE, "--replications", "4", "--seed", "3", "--out", out]);
    await until(() => existsSync(join(dir, ".shared.agentsim-lock")), "the first command's lock");
    const second = await start([
      "compare",
      small,
      "--replications",
      "1",
      "--seed",
      "5",
      "--out",
      out,
      "--no-png",
    ]).ended;
    expect(second.code, second.stderr).toBe(2);
    expect(second.stdout).toBe("");
    expect(second.stderr).toMatch(
      new RegExp(
        `shared: --out: expected a folder no other command is writing, got one being written by agentsim compare \\(process ${first.child.pid},`,
      ),
    );
    const firstEnded = await first.ended;
    expect(firstEnded.code, firstEnded.stderr).toBe(0);
    expectOneRun(out, 3, 4);
    expect(readdirSync(join(out, "charts")).some((n) => n.endsWith(".png"))).toBe(true);

    // Once the first is done, the second runs; its folder has none of the first's files (PNGs).
    const again = await start([
      "compare",
      small,
      "--replications",
      "1",
      "--seed",
      "5",
      "--out",
      out,
      "--no-png",
    ]).ended;
    expect(again.code, again.stderr).toBe(0);
    expectOneRun(out, 5, 1);
    expect(readdirSync(join(out, "charts")).filter((n) => n.endsWith(".png"))).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe("a lock left by a command that died", () => {
  it("is taken over on the same machine, with the temporary folder it left", async () => {
    const dead = spawnSync("true").pid!; // a process that has ended
    const out = join(dir, "orphaned");
    const lock = join(dir, ".orphaned.agentsim-lock");
    writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), command: "compare" }));
    mkdirSync(join(dir, `.orphaned.agentsim-tmp-${dead}-abc`));
    const ran = await runInProcess([
      "compare",
      small,
      "--replications",
      "1",
      "--no-png",
      "--out",
      out,
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(readdirSync(dir).filter((n) => n.startsWith(".orphaned."))).toEqual([]);
    expectOneRun(out, 7, 1);
  });
});

describe("output paths checked before any work", () => {
  const quick = ["--replications", "1", "--no-png", "--jobs", "1"];

  async function expectRefused(args: string[], ...messages: (string | RegExp)[]) {
    started.count = 0;
    const ran = await runInProcess(args);
    expect(ran.code, ran.stderr).toBe(2);
    expect(ran.stdout).toBe("");
    for (const message of messages) expect(ran.stderr).toMatch(message);
    expect(ran.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(started.count, "an experiment was started").toBe(0);
  }

  it("counts the experiments a good command starts (the spy the refusals rely on works)", async () => {
    started.count = 0;
    const ran = await runInProcess(["compare", small, ...quick, "--out", join(dir, "good")]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(started.count).toBe(1);
  });

  it('refuses a bad --out with the path and the reason: an existing file, a path under a file, "", /dev/null', async () => {
    await expectRefused(
      ["compare", small, ...quick, "--out", aFile],
      `${aFile}: --out: expected a folder to write in (or a path where one can be created), got a file`,
    );
    await expectRefused(
      ["compare", small, ...quick, "--out", join(aFile, "report")],
      `${join(aFile, "report")}: --out: expected a folder`,
      `got a path under ${aFile}, which is a file`,
    );
    await expectRefused(
      ["compare", small, ...quick, "--out", ""],
      '--out: expected a folder path, got ""',
    );
    await expectRefused(
      ["compare", small, ...quick, "--out", "/dev/null"],
      "/dev/null: --out: expected a folder",
      "got a character device (such as /dev/null)",
    );
    expect(readFileSync(aFile, "utf8")).toBe("not a folder\n");
  });

  it("refuses a bad --out on every command that writes one: run, sweep, check, merge, report", async () => {
    const why = `${aFile}: --out: expected a folder`;
    await expectRefused(["run", small, ...quick, "--out", aFile], why);
    await expectRefused(
      ["sweep", small, ...quick, "--vary", "endpoints.0.slots=4,8", "--out", aFile],
      why,
    );
    await expectRefused(["check", small, "--replications", "1", "--out", aFile], why);
    const good = join(dir, "good", "results.json");
    if (!existsSync(good)) {
      expect(
        (await runInProcess(["compare", small, ...quick, "--out", join(dir, "good")])).code,
      ).toBe(0);
    }
    await expectRefused(["report", good, "--out", aFile], why);
    await expectRefused(["merge", good, "--out", aFile], why);
  });

  it("refuses to replace an existing folder agentsim did not write, and leaves it alone", async () => {
    const mine = join(dir, "my-notes");
    mkdirSync(mine);
    writeFileSync(join(mine, "notes.txt"), "keep me\n");
    await expectRefused(
      ["compare", small, ...quick, "--out", mine],
      "the folder is replaced as a whole",
      'a folder of 1 other entries ("notes.txt")',
    );
    expect(readdirSync(mine)).toEqual(["notes.txt"]);
  });

  it.skipIf(ROOT_USER)(
    "refuses an --out in a folder it may not write to, with 'permission denied' (SKIPPED when the tests run as root: chmod does not stop root, and the path-under-a-file case covers an uncreatable folder)",
    async () => {
      const locked = join(dir, "locked");
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      try {
        await expectRefused(
          ["compare", small, ...quick, "--out", join(locked, "report")],
          `${join(locked, "report")}: --out: expected a folder`,
          "permission denied",
        );
      } finally {
        chmodSync(locked, 0o700);
      }
    },
  );

  it('exits 2 from the command itself (bin/agentsim.js), not 3, for "" and /dev/null', async () => {
    for (const out of ["", "/dev/null"]) {
      const ran = await start(["compare", small, ...quick, "--out", out]).ended;
      expect(ran.code, ran.stderr).toBe(2);
      expect(ran.stderr).toMatch(/--out: expected a folder/);
    }
  });

  it("refuses --audit under a file, on a folder or on /dev/null, naming the path", async () => {
    const under = join(aFile, "audit.jsonl");
    for (const command of ["compare", "run"]) {
      await expectRefused(
        [command, small, ...quick, "--out", join(dir, `audit-${command}`), "--audit", under],
        "--audit: expected a regular file to write",
        `got a path under ${aFile}, which is a file`,
      );
      await expectRefused(
        [command, small, ...quick, "--out", join(dir, `audit-${command}`), "--audit", dir],
        `${dir}: --audit: expected a regular file to write (or a path where one can be created), got a folder`,
      );
      await expectRefused(
        [command, small, ...quick, "--out", join(dir, `audit-${command}`), "--audit", "/dev/null"],
        "/dev/null: --audit: expected a regular file",
        "got a character device",
      );
    }
    expect(readdirSync("/dev").filter((n) => n.startsWith("null-"))).toEqual([]);
  });

  it("refuses audit labels that clean up to one file name, or differ only in case, listing them, before any work", async () => {
    const doc = parse(readFileSync(small, "utf8"));
    doc.policies = [{ name: "fifo", label: "a b" }, { name: "fifo", label: "a_b" }, "fair-share"];
    const file = join(dir, "clash.yaml");
    writeFileSync(file, stringify(doc));
    const trails = join(dir, "clash-trails");
    await expectRefused(
      ["compare", file, ...quick, "--out", join(dir, "clash"), "--audit", join(trails, "a.jsonl")],
      /--audit: expected policy labels that give distinct audit file names/,
      `labels "a b" and "a_b", which all give ${join(trails, "a-a_b.jsonl")}`,
    );
    expect(existsSync(trails)).toBe(false);
    // Names that differ only in case are one file on macOS and Windows: refused everywhere.
    doc.policies = [
      { name: "fifo", label: "Fast" },
      { name: "priority", label: "fast" },
    ];
    writeFileSync(file, stringify(doc));
    await expectRefused(
      ["compare", file, ...quick, "--out", join(dir, "clash"), "--audit", join(trails, "a.jsonl")],
      /--audit: expected policy labels that give distinct audit file names, in any case/,
      `labels "Fast" and "fast", which give ${join(trails, "a-Fast.jsonl")} and ${join(trails, "a-fast.jsonl")}, one file where case is not told apart`,
    );
    expect(existsSync(trails)).toBe(false);
  });
});

describe("the audit file writer", () => {
  it("reports a full disk with the path and the reason in words, not an errno code", () => {
    const writer = new JsonlFileWriter("/dev/full", 16);
    expect(() => {
      for (let i = 0; i < 10; i++) writer.line(`{"seq":${i}}`);
      writer.close();
    }).toThrow(
      /^\/dev\/full: expected an audit file that can be written to the end, got no space left on device \(ENOSPC\)$/,
    );
  });
});
