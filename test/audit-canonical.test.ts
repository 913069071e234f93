/**
 * The canonical-bytes rule of `verifyJsonl`: a line is accepted only if it is byte for byte the
 * canonical serialization of the record it holds. Each case below is re-chained by a forger who
 * hashes the line's own bytes, so the chain holds and only the rule can refuse it: a duplicate
 * key (which readers that keep the first of two see as another record), whitespace, reordered
 * keys, other encodings of the same values, CRLF, a byte-order mark, bytes that are not UTF-8.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { AuditTrail, chainHash, verifyJsonl } from "../src/audit/index.ts";
import { parseRecordLine } from "../src/audit/jsonl.ts";
import { openBodyOfLine } from "../src/audit/record.ts";
import { ChainVerifier } from "../src/audit/verify.ts";
import {
  PROPERTY_TIMEOUT_MS,
  RUNS,
  replay,
  TEST_GENESIS,
  trailSpec,
} from "./support/audit-trails.ts";

const dir = mkdtempSync(join(tmpdir(), "agentsim-canonical-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sealed trail: genesis, a run's records (one denied tool call), seal. */
function sampleLines(): string[] {
  const trail = new AuditTrail({ genesis: TEST_GENESIS });
  const a = trail.actor({ run: "r", job: "j", tenant: "t", authorizedBy: "boss" });
  trail.append(1.5, a, "run.start", "j", "ok");
  trail.append(2, a, "tool.call", "payments", "deny", "tool not granted to j");
  trail.append(2.25, a, "tool.call", "crm", "allow");
  trail.append(3, a, "run.end", "j", "ok");
  trail.seal();
  return trail.exportJsonl().trimEnd().split("\n");
}

/**
 * The forger's re-chaining of raw lines: each line's prevHash is set to the previous line's
 * hash and its hash recomputed over its own characters, whatever they are.
 */
function rechainRaw(lines: readonly string[]): string[] {
  let prev = "0".repeat(64);
  return lines.map((line) => {
    const withPrev = line.replace(/"prevHash":"[0-9a-f]{64}"/, `"prevHash":"${prev}"`);
    const body = withPrev.slice(0, withPrev.lastIndexOf(',"hash":'));
    const hash = chainHash(prev, body);
    prev = hash;
    return `${body},"hash":"${hash}"}`;
  });
}

/** The trail with line `i` (0-based) replaced by `edit(line)`, re-chained. */
function forged(edit: (line: string) => string, i = 2): string[] {
  const lines = sampleLines();
  lines[i] = edit(lines[i]!);
  return rechainRaw(lines);
}

const text = (lines: readonly string[], end = "\n") => lines.map((l) => `${l}${end}`).join("");

describe("the canonical-bytes rule", () => {
  it("shows the sample verifies and the forger's re-chaining of an unchanged trail gives it back", () => {
    expect(rechainRaw(sampleLines())).toEqual(sampleLines());
    expect(verifyJsonl(text(sampleLines()))).toMatchObject({ ok: true, records: 6 });
  });

  const cases: [string, (line: string) => string][] = [
    // First-key readers see an allowed call where the trail recorded a denial.
    ["a duplicate key", (l) => l.replace('{"seq":3,', '{"seq":3,"decision":"allow",')],
    ["a space after a colon", (l) => l.replace('"seq":3', '"seq": 3')],
    ["a space after the opening brace", (l) => l.replace('{"seq":3', '{ "seq":3')],
    [
      "keys reordered",
      (l) => l.replace(/"action":("[^"]*"),"target":("[^"]*")/, '"target":$2,"action":$1'),
    ],
    ["a number written another way", (l) => l.replace('"time":2,', '"time":2.0,')],
    ["a number in exponent form", (l) => l.replace('"time":2,', '"time":2e0,')],
    ["a character escaped that need not be", (l) => l.replace('"payments"', '"p\\u0061yments"')],
    ["a slash escaped", (l) => l.replace('"tool not granted to j"', '"tool not granted\\/to j"')],
  ];
  for (const [name, edit] of cases) {
    it(`shows ${name} is refused at its line although the chain holds`, () => {
      const lines = forged(edit);
      expect(lines[2]).not.toBe(sampleLines()[2]);
      // The chain alone accepts the forged line: parsed, hashed over its own bytes.
      const chain = new ChainVerifier();
      lines.forEach((line, i) => {
        const record = parseRecordLine(line, i + 1);
        expect(chain.next(record, openBodyOfLine(line)), `${name}, line ${i + 1}`).toBeUndefined();
      });
      expect(verifyJsonl(text(lines))).toMatchObject({
        ok: false,
        seq: 3,
        line: 3,
        reason: expect.stringMatching(/^the line is not the canonical serialization of its record/),
      });
    });
  }

  it("shows that a duplicate key would be read as another record by a first-key reader", () => {
    const line = forged(cases[0]![1])[2]!;
    // JSON.parse keeps the last of two duplicate keys: it sees the recorded denial.
    expect(JSON.parse(line).decision).toBe("deny");
    const first = line.indexOf('"decision":"');
    expect(line.slice(first, first + 18)).toBe('"decision":"allow"');
  });

  it("shows CRLF line ends, a byte-order mark and a missing final newline are refused", () => {
    const lines = sampleLines();
    expect(verifyJsonl(text(lines, "\r\n"))).toMatchObject({ ok: false, seq: 1, line: 1 });
    expect(verifyJsonl(`\ufeff${text(lines)}`)).toMatchObject({ ok: false, seq: 1, line: 1 });
    expect(verifyJsonl(text(lines).slice(0, -1))).toMatchObject({
      ok: false,
      seq: 6,
      line: 6,
      reason: expect.stringMatching(/does not end with a newline/),
    });
    const path = join(dir, "bom.jsonl");
    writeFileSync(path, `\ufeff${text(lines)}`);
    expect(verifyJsonl({ path })).toMatchObject({ ok: false, seq: 1, line: 1 });
    writeFileSync(path, text(lines, "\r\n"));
    expect(verifyJsonl({ path })).toMatchObject({ ok: false, seq: 1, line: 1 });
  });

  it("shows bytes that are not UTF-8 are refused at their line, not replaced", () => {
    const lines = sampleLines();
    const bytes = Buffer.from(text(lines));
    const at = bytes.indexOf("tool not granted");
    bytes[at] = 0xff;
    const path = join(dir, "latin.jsonl");
    writeFileSync(path, bytes);
    expect(verifyJsonl({ path })).toMatchObject({
      ok: false,
      seq: 3,
      line: 3,
      reason: "bytes that are not UTF-8",
    });
  });

  it(
    "shows that any change of one character anywhere in a trail file fails verification",
    () => {
      fc.assert(
        fc.property(
          trailSpec(12),
          fc.nat(),
          fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
          (spec, where, char) => {
            const trail = new AuditTrail({ genesis: TEST_GENESIS });
            replay(spec, trail);
            const original = trail.exportJsonl();
            const at = where % original.length;
            const changed = original.slice(0, at) + char + original.slice(at + 1);
            fc.pre(changed !== original);
            expect(verifyJsonl(changed)).toMatchObject({ ok: false });
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
