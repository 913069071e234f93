/**
 * The data under data/ that the bundled scenarios and tests replay: each set carries its README
 * with source and licence, and the synthetic agent sessions are exactly what their generator
 * writes for the seed their README names, so the file can be rebuilt and checked.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const DATA = resolve(ROOT, "data");
const SESSIONS = resolve(DATA, "agent-sessions-synthetic/sessions-300.jsonl.gz");
const GENERATOR = resolve(ROOT, "scripts/generate-agent-sessions.mjs");

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Runs the generator as its README says (seed and count read from the README's command). */
function regenerate(): Buffer {
  const readme = readFileSync(resolve(DATA, "agent-sessions-synthetic/README.md"), "utf8");
  const command = /--seed (\d+) --sessions (\d+)/.exec(readme);
  expect(command).not.toBeNull();
  const dir = mkdtempSync(join(tmpdir(), "agentsim-sessions-"));
  try {
    const out = join(dir, "sessions.jsonl.gz");
    execFileSync(
      process.execPath,
      [GENERATOR, "--seed", command![1]!, "--sessions", command![2]!, "--out", out],
      { stdio: "pipe" },
    );
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the bundled data", () => {
  it("carries a README with source and licence for each set", () => {
    // Shows the attribution the Azure trace's licence asks for, and the synthetic set's origin.
    const azure = readFileSync(resolve(DATA, "azure-llm-2023/README.md"), "utf8");
    expect(azure).toMatch(/CC-BY 4\.0/);
    expect(azure).toMatch(/Patel et al\., "Splitwise/);
    for (const file of ["AzureLLMInferenceTrace_code.csv", "AzureLLMInferenceTrace_conv.csv"]) {
      expect(existsSync(resolve(DATA, "azure-llm-2023", file))).toBe(true);
    }
    const synthetic = readFileSync(resolve(DATA, "agent-sessions-synthetic/README.md"), "utf8");
    expect(synthetic).toMatch(/No real session/);
    expect(synthetic).toContain("scripts/generate-agent-sessions.mjs");
  });

  it("keeps the Azure CSVs as published: CRLF line ends", () => {
    // Shows data/.gitattributes kept the bytes (a text conversion would drop the CRs).
    const head = readFileSync(resolve(DATA, "azure-llm-2023/AzureLLMInferenceTrace_code.csv"))
      .subarray(0, 64)
      .toString("latin1");
    expect(head.startsWith("TIMESTAMP,ContextTokens,GeneratedTokens\r\n")).toBe(true);
  });
});

describe("the synthetic agent sessions", () => {
  const regenerated = regenerate();

  it("are the generator's output for the README's seed, text and gzip bytes alike", () => {
    // Shows the committed file is rebuilt exactly: same JSONL text, same compressed bytes.
    const committed = readFileSync(SESSIONS);
    expect(sha256(gunzipSync(regenerated))).toBe(sha256(gunzipSync(committed)));
    expect(sha256(regenerated)).toBe(sha256(committed));
  });

  it("write a gzip header with no name and no time", () => {
    // Shows bytes 3-9 of the header: no flags, mtime 0, the OS byte fixed to Unix.
    expect([...regenerated.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect(regenerated.readUInt32LE(4)).toBe(0);
    expect(regenerated[9]).toBe(3);
  });

  it("meet the published averages of the real traces", () => {
    // Shows about 4 user turns a session, 8 LLM calls and 7 tool calls a user turn, 86% cached.
    const sessions = gunzipSync(regenerated)
      .toString("utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    const userTurns = sessions.flatMap((s) => s.turns);
    const calls = userTurns.flatMap((t) => t.llm_calls);
    const tools = userTurns.flatMap((t) => t.tool_batches.flatMap((b: any) => b.function_calls));
    const prompt = calls.reduce((sum, c) => sum + c.tokens.prompt, 0);
    const cached = calls.reduce((sum, c) => sum + c.tokens.cached, 0);
    expect(userTurns.length / sessions.length).toBeGreaterThan(3.5);
    expect(userTurns.length / sessions.length).toBeLessThan(4.5);
    expect(calls.length / userTurns.length).toBeGreaterThan(7.5);
    expect(calls.length / userTurns.length).toBeLessThan(8.5);
    expect(tools.length / userTurns.length).toBeGreaterThan(6.5);
    expect(tools.length / userTurns.length).toBeLessThan(7.5);
    expect(cached / prompt).toBeGreaterThan(0.84);
    expect(cached / prompt).toBeLessThan(0.88);
  });

  it("refuses a bad flag with exit code 2 and one line", () => {
    // Shows the script's usage error instead of a stack trace.
    let failure: { status: number; stderr: Buffer } | undefined;
    try {
      execFileSync(process.execPath, [GENERATOR, "--seed", "x", "--out", "/dev/null"], {
        stdio: "pipe",
      });
    } catch (error) {
      failure = error as { status: number; stderr: Buffer };
    }
    expect(failure?.status).toBe(2);
    expect(failure?.stderr.toString()).toBe(
      'generate-agent-sessions: --seed: expected a non-negative integer, got "x"\n',
    );
  });
});
