/**
 * Forgeries of a real trail that recompute every hash, so each forged trail is internally
 * consistent: a record deleted, one inserted, a decision changed, the tail cut and re-sealed, a
 * trail of only a seal, the whole trail rewritten under another genesis. The chain alone cannot
 * tell them from the real one (the limit docs/audit.md states); the head and count kept in
 * results.json catch every one, through the library and through `agentsim audit verify`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  type AuditRecord,
  canonicalJson,
  chainHash,
  GENESIS_HASH,
  openBodyOf,
  verifyJsonl,
} from "../src/audit/index.ts";
import { recordLine } from "../src/audit/record.ts";
import type { Results } from "../src/experiment/results.ts";
import { runInProcess } from "./support/cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;
let dir: string;
let trailFile: string;
let resultsFile: string;
/** The real trail, as the runtime wrote it, and its anchor in results.json. */
let real: { text: string; records: AuditRecord[]; head: string; count: number };

/** The command line in this process, with its output captured. */
const agentsim = runInProcess;

/**
 * The forger's tool: renumbers the records, makes each seal count what precedes it, and
 * recomputes every prevHash and hash, so the result passes a chain check.
 */
function rechain(records: readonly Omit<AuditRecord, "seq" | "prevHash" | "hash">[]): string {
  let prevHash = GENESIS_HASH;
  let text = "";
  records.forEach((r, i) => {
    const detail = r.action === "audit.seal" ? `records=${i}` : r.detail;
    const open = openBodyOf({ ...r, seq: i + 1, detail, prevHash });
    const hash = chainHash(prevHash, open);
    text += `${recordLine(open, hash)}\n`;
    prevHash = hash;
  });
  return text;
}

function headOf(text: string): string {
  const lines = text.trimEnd().split("\n");
  return (JSON.parse(lines.at(-1)!) as AuditRecord).hash;
}

/** Each forgery, from the real records. */
function forgeries(records: readonly AuditRecord[]): Record<string, string> {
  const body = records.slice(0, -1);
  const seal = records.at(-1)!;
  const middle = Math.floor(body.length / 2);
  const ended = body.findIndex((r) => r.action === "run.end" && r.decision === "ok");
  const genesis = JSON.parse(records[0]!.detail) as Record<string, unknown>;
  return {
    "a record deleted": rechain([...body.slice(0, middle), ...body.slice(middle + 1), seal]),
    "a record inserted": rechain([
      ...body.slice(0, middle),
      { ...body[middle]!, action: "tool.call", target: "payments", decision: "allow" },
      ...body.slice(middle),
      seal,
    ]),
    "a decision changed": rechain(
      records.map((r, i) => (i === ended ? { ...r, decision: "error", detail: "failed" } : r)),
    ),
    "the tail cut and re-sealed": rechain([...body.slice(0, middle), seal]),
    "only a seal": rechain([seal]),
    "rewritten whole under another genesis": rechain([
      { ...records[0]!, detail: canonicalJson({ ...genesis, seed: 8 }) },
      ...records.slice(1),
    ]),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-forgery-"));
  const doc = parse(readFileSync(join(ROOT, "test/fixtures/noisy-neighbor.yaml"), "utf8"));
  doc.horizon = "2m";
  doc.warmup = "20s";
  const scenario = join(dir, "small.yaml");
  writeFileSync(scenario, stringify(doc));
  trailFile = join(dir, "audit.jsonl");
  const run = await agentsim([
    ...["run", scenario, "--policy", "fifo", "--replications", "1"],
    ...["--audit", trailFile, "--out", join(dir, "out"), "--no-png", "--json"],
  ]);
  expect(run.code, run.stderr).toBe(0);
  resultsFile = join(dir, "out", "results.json");
  const results = JSON.parse(readFileSync(resultsFile, "utf8")) as Results;
  const anchor = results.audit!.trails[0]!;
  const text = readFileSync(trailFile, "utf8");
  const records = text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as AuditRecord);
  real = { text, records, head: anchor.head, count: anchor.records };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("re-chained forgeries of a real trail", () => {
  it("shows the real trail is anchored: results.json holds its head and count, and it verifies against them", () => {
    expect(real.records[0]!.action).toBe("audit.genesis");
    expect(real.records.at(-1)!.action).toBe("audit.seal");
    expect(real.count).toBe(real.records.length);
    expect(real.head).toBe(headOf(real.text));
    expect(
      verifyJsonl(real.text, { expect: { head: real.head, records: real.count } }),
    ).toMatchObject({
      ok: true,
      records: real.count,
      head: real.head,
    });
  });

  it("shows that without a head every internally consistent forgery passes (the limit of a chain alone)", () => {
    for (const [name, text] of Object.entries(forgeries(real.records))) {
      expect(text, name).not.toBe(real.text);
      expect(headOf(text), name).not.toBe(real.head);
      // A lone seal has no genesis: refused by default, consistent once the genesis is not asked for.
      const options = name === "only a seal" ? { requireGenesis: false } : {};
      expect(verifyJsonl(text, options), name).toMatchObject({ ok: true });
    }
    expect(verifyJsonl(forgeries(real.records)["only a seal"]!)).toMatchObject({
      ok: false,
      seq: 1,
      line: 1,
      reason: expect.stringMatching(/not the audit\.genesis record/),
    });
  });

  it("shows that against the head and count kept in results.json every forgery is caught", () => {
    for (const [name, text] of Object.entries(forgeries(real.records))) {
      const anchored = verifyJsonl(text, {
        requireGenesis: false,
        expect: { head: real.head, records: real.count, source: "results.json" },
      });
      expect(anchored, name).toMatchObject({
        ok: false,
        reason: expect.stringMatching(
          /; results\.json: \d+ records ending at head [0-9a-f]{64} \(records were cut, added or rewritten/,
        ),
      });
      // The head alone catches it too (a changed decision keeps the count).
      expect(
        verifyJsonl(text, { requireGenesis: false, expect: { head: real.head } }),
        name,
      ).toMatchObject({
        ok: false,
      });
    }
  });

  it("shows the trail's own records keep their shape: a genesis only first, genesis and seal on nobody's behalf", () => {
    const records = real.records;
    const seal = records.at(-1)!;
    const cases: [string, string, RegExp][] = [
      [
        "a second genesis",
        rechain([
          ...records.slice(0, 3),
          { ...records[0]!, time: records[2]!.time },
          ...records.slice(3),
        ]),
        /an audit\.genesis record at seq 4/,
      ],
      [
        "a seal on a run's behalf",
        rechain([...records.slice(0, -1), { ...seal, run: records[1]!.run }]),
        /the audit\.seal record must be on nobody's behalf/,
      ],
      [
        "a genesis with a target",
        rechain([{ ...records[0]!, target: "x" }, ...records.slice(1)]),
        /the audit\.genesis record must be at time 0, on nobody's behalf/,
      ],
      [
        "a genesis whose binding is not canonical",
        rechain([
          { ...records[0]!, detail: records[0]!.detail.replace(":", ": ") },
          ...records.slice(1),
        ]),
        /detail is not in canonical form/,
      ],
    ];
    for (const [name, text, reason] of cases) {
      expect(verifyJsonl(text), name).toMatchObject({
        ok: false,
        reason: expect.stringMatching(reason),
      });
    }
  });

  it("shows that agentsim audit verify passes the real trail and exits 1 on each forgery, with --results and with --head", async () => {
    const ok = await agentsim(["audit", "verify", trailFile, "--results", resultsFile]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toContain(
      `${real.count} records, chain verified, head matches ${resultsFile}`,
    );
    const withHead = await agentsim([
      "audit",
      "verify",
      trailFile,
      "--head",
      real.head.toUpperCase(),
    ]);
    expect(withHead.code).toBe(0);
    for (const [name, text] of Object.entries(forgeries(real.records))) {
      const forged = join(dir, "forged.jsonl");
      writeFileSync(forged, text);
      const bare = await agentsim(["audit", "verify", forged]);
      expect(bare.code, name).toBe(name === "only a seal" ? 1 : 0);
      for (const anchor of [
        ["--results", resultsFile],
        ["--head", real.head],
        ["--head", real.head, "--records", String(real.count)],
      ]) {
        const caught = await agentsim(["audit", "verify", forged, ...anchor]);
        expect(caught.code, `${name} ${anchor[0]}`).toBe(1);
        expect(caught.stdout, name).toMatch(/: rejected at record seq \d+ \(line \d+\): /);
      }
    }
  });

  it("shows that a trail of another seed or scenario is refused at its genesis when matched against results.json", async () => {
    const forged = join(dir, "other-seed.jsonl");
    writeFileSync(forged, forgeries(real.records)["rewritten whole under another genesis"]!);
    const seed = await agentsim(["audit", "verify", forged, "--results", resultsFile]);
    expect(seed.code).toBe(1);
    expect(seed.stdout).toMatch(
      /rejected at record seq 1 \(line 1\): the genesis binds .*seed 8.*a trail of another seed or scenario/,
    );
    const genesis = JSON.parse(real.records[0]!.detail) as Record<string, unknown>;
    const other = rechain([
      { ...real.records[0]!, detail: canonicalJson({ ...genesis, scenario: "a".repeat(64) }) },
      ...real.records.slice(1),
    ]);
    writeFileSync(forged, other);
    const scenario = await agentsim(["audit", "verify", forged, "--results", resultsFile]);
    expect(scenario.code).toBe(1);
    expect(scenario.stdout).toMatch(/seq 1 \(line 1\): .*scenario a{64}/);
    const policy = rechain([
      { ...real.records[0]!, detail: canonicalJson({ ...genesis, policy: "priority" }) },
      ...real.records.slice(1),
    ]);
    writeFileSync(forged, policy);
    const none = await agentsim(["audit", "verify", forged, "--results", resultsFile]);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(
      /seq 1 \(line 1\): .* has no trail of policy "priority", replication 0/,
    );
  });

  it("shows bad anchors are bad input (exit 2, one line naming the file or flag, what was expected and found)", async () => {
    const notJson = join(dir, "not-json.json");
    writeFileSync(notJson, "{ this is not json");
    const noTrails = join(dir, "no-trails.json");
    const results = JSON.parse(readFileSync(resultsFile, "utf8")) as Results;
    delete results.audit;
    writeFileSync(noTrails, JSON.stringify(results));
    const cases: [string[], RegExp][] = [
      [["--head", "abc"], /--head.*expected a head hash of 64 hex digits, got "abc"/],
      [["--head", "g".repeat(64)], /--head.*64 hex digits/],
      [
        ["--results", notJson],
        /not-json\.json: expected results\.json \(JSON\), got text that is not JSON/,
      ],
      [
        ["--results", noTrails],
        /no-trails\.json: audit\.trails: expected the head hashes of the trails written .*, got none/,
      ],
      [
        ["--results", join(dir, "missing.json")],
        /missing\.json: expected a readable results\.json, got no such file \(ENOENT\)/,
      ],
      [
        ["--results", resultsFile, "--head", real.head],
        /--results: expected either --results or --head/,
      ],
    ];
    for (const [args, message] of cases) {
      const ran = await agentsim(["audit", "verify", trailFile, ...args]);
      expect(ran.code, args.join(" ")).toBe(2);
      expect(ran.stdout).toBe("");
      expect(ran.stderr.trim().split("\n")[0], args.join(" ")).toMatch(message);
      expect(ran.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
