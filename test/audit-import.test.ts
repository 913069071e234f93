import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUDIT_ACTIONS,
  AUDIT_DECISIONS,
  type AuditQuery,
  AuditTrail,
  importJsonl,
  queryJsonl,
  verifyJsonl,
} from "../src/audit/index.ts";
import { ScenarioError } from "../src/input/errors.ts";
import {
  PROPERTY_TIMEOUT_MS,
  RUNS,
  replay,
  TEST_GENESIS,
  trailSpec,
} from "./support/audit-trails.ts";

const dir = mkdtempSync(join(tmpdir(), "agentsim-audit-import-"));

/** The ScenarioError `fn` throws, failing the test if it throws nothing or something else. */
function scenarioError(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error("expected a ScenarioError, nothing was thrown");
}

/** The 1-based line holding character `index` of `text`. */
function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text[i] === "\n") line++;
  return line;
}

function sampleTrail(): string {
  const trail = new AuditTrail({ genesis: TEST_GENESIS });
  const a = trail.actor({ run: "r", job: "j", tenant: "t", authorizedBy: "boss" });
  for (let i = 0; i < 4; i++) trail.append(i, a, "tool.call", "crm", "allow");
  trail.seal();
  return trail.exportJsonl();
}

describe("importing a corrupt or truncated JSONL trail", () => {
  it(
    "shows that a trail cut inside a line throws a ScenarioError naming the file and that line",
    () => {
      fc.assert(
        fc.property(trailSpec(12), fc.nat(), (spec, where) => {
          const trail = new AuditTrail({ genesis: TEST_GENESIS });
          replay(spec, trail);
          const text = trail.exportJsonl();
          const cut = 1 + (where % (text.length - 1));
          // Cuts at a line's end leave whole lines: a truncation the seal check catches, not a parse error.
          fc.pre(text[cut - 1] !== "}" && text[cut - 1] !== "\n");
          const line = lineOf(text, cut);
          const error = scenarioError(() =>
            importJsonl(text.slice(0, cut), { file: "cell-3.jsonl" }),
          );
          expect(error.file).toBe("cell-3.jsonl");
          expect(error.path).toBe(`line ${line}`);
          expect(error.message).toMatch(
            new RegExp(`^cell-3\\.jsonl: line ${line}: expected an audit record`),
          );
          expect(verifyJsonl(text.slice(0, cut))).toMatchObject({ ok: false, seq: line, line });
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it("shows that a trail cut at a line boundary imports, and verify reports the missing records", () => {
    const lines = sampleTrail().trimEnd().split("\n");
    const cut = `${lines.slice(0, 3).join("\n")}\n`;
    expect(importJsonl(cut).size).toBe(3);
    expect(importJsonl(cut).verify({ requireSeal: true })).toMatchObject({ ok: false, seq: 4 });
    expect(verifyJsonl(cut)).toMatchObject({ ok: false, seq: 4, line: 4 });
  });

  it(
    "shows that any one-character corruption is a ScenarioError at its line, a verify failure there, or no change of meaning",
    () => {
      fc.assert(
        fc.property(
          trailSpec(12),
          fc.nat(),
          fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
          (spec, where, char) => {
            const trail = new AuditTrail({ genesis: TEST_GENESIS });
            replay(spec, trail);
            const text = trail.exportJsonl();
            const at = where % text.length;
            const corrupt = text.slice(0, at) + char + text.slice(at + 1);
            fc.pre(corrupt !== text);
            const line = lineOf(text, at);
            let imported: AuditTrail;
            try {
              imported = importJsonl(corrupt, { file: "a.jsonl" });
            } catch (error) {
              expect(error).toBeInstanceOf(ScenarioError);
              // A newline splits the line in two: the damage shows on the first of the halves.
              expect((error as ScenarioError).path).toMatch(new RegExp(`^line ${line}(:|$)`));
              return;
            }
            const result = imported.verify({ requireSeal: true });
            if (result.ok) expect(imported.exportJsonl()).toBe(text);
            else expect(result.seq).toBe(line);
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it("shows each kind of corrupt line named with its line and field", () => {
    const good = sampleTrail().trimEnd().split("\n");
    const withLine2 = (line: string) => [good[0], line, ...good.slice(2)].join("\n");
    const record = JSON.parse(good[1]!) as Record<string, unknown>;
    const cases: [string, RegExp][] = [
      ["", /^line 2: expected an audit record .*, got an empty line$/],
      ["[1,2]", /^line 2: expected an audit record \(a JSON object\)/],
      ["{nope", /^line 2: expected an audit record .*, got invalid JSON/],
      [JSON.stringify({ ...record, seq: 0 }), /^line 2: seq: expected a positive integer, got 0$/],
      [
        JSON.stringify({ ...record, time: "3s" }),
        /^line 2: time: expected a finite number of seconds/,
      ],
      [JSON.stringify({ ...record, run: 7 }), /^line 2: run: expected a string, got 7$/],
      [
        JSON.stringify({ ...record, action: "tool.hack" }),
        /^line 2: action: expected an audit action/,
      ],
      [
        JSON.stringify({ ...record, decision: "maybe" }),
        /^line 2: decision: expected one of allow, deny/,
      ],
      [
        JSON.stringify({ ...record, hash: "abc" }),
        /^line 2: hash: expected 64 lowercase hex digits/,
      ],
      [JSON.stringify({ ...record, extra: 1 }), /^line 2: extra: expected only the fields/],
      [
        JSON.stringify({ ...record, detail: undefined }),
        /^line 2: detail: expected a string, got nothing$/,
      ],
    ];
    for (const [line, message] of cases) {
      const error = scenarioError(() => importJsonl(withLine2(line)));
      expect(error.message, line).toMatch(message);
      expect(verifyJsonl(withLine2(line))).toMatchObject({ ok: false, seq: 2, line: 2 });
    }
  });

  it("shows that files are read by path, with the path in messages, and a missing file is a ScenarioError", () => {
    const text = sampleTrail();
    const path = join(dir, "trail.jsonl");
    writeFileSync(path, text.slice(0, -20));
    const error = scenarioError(() => importJsonl({ path }));
    expect(error.message).toMatch(new RegExp(`^${path.replaceAll("/", "\\/")}: line 6: `));
    expect(verifyJsonl({ path })).toMatchObject({ ok: false, seq: 6, line: 6 });
    // CRLF line ends import (reading is lenient) but do not verify: the bytes are not the trail's.
    writeFileSync(path, text.replaceAll("\n", "\r\n"));
    expect(importJsonl({ path }).exportJsonl()).toBe(text);
    expect(verifyJsonl({ path })).toMatchObject({ ok: false, seq: 1, line: 1 });
    const missing = scenarioError(() => verifyJsonl({ path: join(dir, "none.jsonl") }));
    expect(missing.message).toMatch(
      /none\.jsonl: expected a readable JSONL audit file \(a regular file\), got no such file \(ENOENT\)/,
    );
  });
});

describe("querying a JSONL trail as a stream", () => {
  const query: fc.Arbitrary<AuditQuery> = fc.record(
    {
      run: fc.constantFrom("run-1", "ticket-triage#7", ""),
      tenant: fc.constantFrom("support", ""),
      authorizedBy: fc.constantFrom("head-of-support", ""),
      action: fc.subarray([...AUDIT_ACTIONS], { minLength: 1 }),
      decision: fc.subarray([...AUDIT_DECISIONS], { minLength: 1 }),
      fromS: fc.double({ min: 0, max: 1e6, noNaN: true }),
      toS: fc.double({ min: 0, max: 2e6, noNaN: true }),
      limit: fc.integer({ min: 1, max: 20 }),
    },
    { requiredKeys: [] },
  );

  it(
    "shows that queryJsonl gives what importJsonl and query give, in the same form",
    () => {
      fc.assert(
        fc.property(trailSpec(30), query, (spec, q) => {
          const trail = new AuditTrail({ genesis: TEST_GENESIS });
          replay(spec, trail);
          const text = trail.exportJsonl();
          const streamed: string[] = [];
          const count = queryJsonl(text, q, (record) => {
            streamed.push(JSON.stringify(record));
          });
          const imported = importJsonl(text)
            .query(q)
            .map((record) => JSON.stringify(record));
          expect(streamed).toEqual(imported);
          expect(count).toBe(imported.length);
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it("shows that a corrupt line anywhere refuses the query before any record is given", () => {
    const lines = sampleTrail().trimEnd().split("\n");
    lines[4] = "{nope";
    const given: unknown[] = [];
    const error = scenarioError(() =>
      queryJsonl(lines.join("\n"), { limit: 1 }, (r) => given.push(r), { file: "t.jsonl" }),
    );
    expect(error.message).toMatch(
      /^t\.jsonl: line 5: expected an audit record .*, got invalid JSON/,
    );
    expect(given).toEqual([]);
  });
});
