/**
 * `agentsim audit verify` and `audit query` read their file defensively: lines are bounded
 * (64 KiB), so a line without end fails at once by its number with bounded time and memory,
 * and anything but a regular file (missing, a directory, a FIFO, a device) is bad input (exit 2)
 * named with its path and the reason in words — while real trails still verify, and a tampered
 * one still fails at its record. A large trail is queried as a stream, in bounded memory.
 */
import { execFile, execFileSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditTrail, verifyJsonl } from "../src/audit/index.ts";
import { TEST_GENESIS } from "./support/audit-trails.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/agentsim.js");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the process, in KB (printed by HOOK on exit). */
  maxRssKb: number;
}

let dir: string;
let hook: string;

/** Runs the real binary, killed after `timeoutMs` (a read that blocks or runs away fails). */
function agentsim(args: string[], timeoutMs = 60_000): Promise<Ran> {
  return new Promise((done) => {
    execFile(
      "node",
      ["--require", hook, BIN, ...args],
      { cwd: dir, timeout: timeoutMs, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        const rss = /^max-rss-kb (\d+)$/m.exec(stderr);
        done({ code, stdout, stderr, maxRssKb: rss === null ? Number.NaN : Number(rss[1]) });
      },
    );
  });
}

/** A sealed trail of six records: genesis, four tool calls, seal. */
function trailText(): string {
  const trail = new AuditTrail({ genesis: TEST_GENESIS });
  const a = trail.actor({ run: "r", job: "j", tenant: "t", authorizedBy: "boss" });
  for (let i = 0; i < 4; i++) trail.append(i, a, "tool.call", "crm", "allow");
  trail.seal();
  return trail.exportJsonl();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-audit-files-"));
  hook = join(dir, "max-rss.cjs");
  writeFileSync(
    hook,
    "process.on('exit', () => process.stderr.write('max-rss-kb ' + process.resourceUsage().maxRSS + '\\n'));\n",
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("audit verify on a line without end", () => {
  it("fails a 5 MB line without newline at once, naming its line, in verify (exit 1) and query (exit 2)", async () => {
    const [first, second] = trailText().split("\n");
    const path = join(dir, "long-line.jsonl");
    writeFileSync(path, `${first}\n${second}\n{"seq":3,"run":"${"x".repeat(5 << 20)}`);
    const started = performance.now();
    const result = verifyJsonl({ path });
    const elapsedMs = performance.now() - started;
    expect(result).toMatchObject({ ok: false, seq: 3, line: 3 });
    expect(result.ok === false && result.reason).toMatch(/a line longer than 64 KiB/);
    expect(elapsedMs).toBeLessThan(250);

    const verify = await agentsim(["audit", "verify", path]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(
      /long-line\.jsonl: rejected at record seq 3 \(line 3\): a line longer than 64 KiB/,
    );
    const query = await agentsim(["audit", "query", path]);
    expect(query.code).toBe(2);
    expect(query.stderr).toMatch(
      /long-line\.jsonl: line 3: expected an audit record .*, got a line longer than 64 KiB/,
    );
  });

  it("reads no more than the bound of a 2 GiB file without newline: a fraction of a second, bounded memory", async () => {
    // A sparse file: 2 GiB of zero bytes on no disk space. Reading it all would take seconds
    // and, gathered as one line, gigabytes.
    const path = join(dir, "sparse.jsonl");
    closeSync(openSync(path, "w"));
    execFileSync("truncate", ["-s", "2G", path]);
    const started = performance.now();
    expect(verifyJsonl({ path })).toMatchObject({ ok: false, seq: 1, line: 1 });
    expect(performance.now() - started).toBeLessThan(250);

    const ran = await agentsim(["audit", "verify", path]);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(
      /sparse\.jsonl: rejected at record seq 1 \(line 1\): a line longer than 64 KiB/,
    );
    // The command's whole footprint (about 80-150 MB); not the file's 2 GiB.
    expect(ran.maxRssKb).toBeLessThan(300_000);
  });
});

describe("audit query on a large trail", () => {
  it("streams: 400,000 records (125 MB) queried in bounded memory, every line checked", async () => {
    // Shows the query reads the file as a stream, as verify does: importing it first held
    // every record, 290 MB resident against about 115 MB here.
    const lines = trailText().trimEnd().split("\n").slice(1, 5);
    const path = join(dir, "large.jsonl");
    const fd = openSync(path, "w");
    let chunk = "";
    for (let i = 0; i < 400_000; i++) {
      chunk += `${lines[i % 4]}\n`;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = "";
      }
    }
    writeSync(fd, chunk);
    closeSync(fd);
    const none = await agentsim(["audit", "query", path, "--tenant", "nobody"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("");
    expect(none.maxRssKb).toBeLessThan(200_000);
    const some = await agentsim(["audit", "query", path, "--limit", "2"]);
    expect(some.code).toBe(0);
    expect(
      some.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line).seq),
    ).toEqual([2, 3]);
    expect(some.maxRssKb).toBeLessThan(200_000);
  });
});

describe("audit verify and query on what is not a regular file", () => {
  it("exits 2 naming the path and the reason in words: missing, a directory, a FIFO, a device", async () => {
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    const fifo = join(dir, "a-fifo");
    execFileSync("mkfifo", [fifo]);
    const cases: [string, RegExp][] = [
      [
        join(dir, "missing.jsonl"),
        /missing\.jsonl: expected a readable JSONL audit file \(a regular file\), got no such file \(ENOENT\)/,
      ],
      [folder, /a-folder: expected .*, got a directory/],
      // Opened as usual, a FIFO without a writer would block the command for ever.
      [fifo, /a-fifo: expected .*, got a named pipe \(FIFO\)/],
      ["/dev/zero", /\/dev\/zero: expected .*, got a character device/],
    ];
    for (const [path, message] of cases) {
      for (const command of ["verify", "query"]) {
        const ran = await agentsim(["audit", command, path], 20_000);
        expect(ran.code, `${command} ${path}`).toBe(2);
        expect(ran.stderr, `${command} ${path}`).toMatch(message);
        expect(ran.stderr).not.toMatch(/internal error|\n\s+at /);
      }
    }
  });
});

describe("audit verify on trails as written", () => {
  it("verifies an intact trail (exit 0) and names the record of a tampered one (exit 1)", async () => {
    const text = trailText();
    const good = join(dir, "good.jsonl");
    writeFileSync(good, text);
    const ok = await agentsim(["audit", "verify", good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/good\.jsonl: 6 records, chain verified/);

    const lines = text.split("\n");
    lines[3] = lines[3]!.replace('"decision":"allow"', '"decision":"deny"');
    const tampered = join(dir, "tampered.jsonl");
    writeFileSync(tampered, lines.join("\n"));
    const bad = await agentsim(["audit", "verify", tampered]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/tampered\.jsonl: rejected at record seq 4 \(line 4\): /);
  });
});
