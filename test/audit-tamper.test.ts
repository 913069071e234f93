import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUDIT_ACTIONS,
  AUDIT_DECISIONS,
  AuditTrail,
  importJsonl,
  verifyJsonl,
} from "../src/audit/index.ts";
import {
  PROPERTY_TIMEOUT_MS,
  RUNS,
  replay,
  TEST_GENESIS,
  trailSpec,
} from "./support/audit-trails.ts";

type Tamper =
  | { kind: "change"; at: number; field: string; seed: number }
  | { kind: "drop"; at: number }
  | { kind: "swap"; at: number; other: number }
  | { kind: "move"; at: number; to: number }
  | { kind: "insert"; at: number; copyOf: number; field: string | undefined; seed: number };

const FIELDS = [
  "seq",
  "time",
  "run",
  "job",
  "tenant",
  "action",
  "target",
  "decision",
  "authorizedBy",
  "detail",
  "prevHash",
  "hash",
];

const tamper: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({
    kind: fc.constant("change"),
    at: fc.nat(),
    field: fc.constantFrom(...FIELDS),
    seed: fc.nat(),
  }),
  fc.record({ kind: fc.constant("drop"), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap"), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant("move"), at: fc.nat(), to: fc.nat() }),
  fc.record({
    kind: fc.constant("insert"),
    at: fc.nat(),
    copyOf: fc.nat(),
    field: fc.option(fc.constantFrom(...FIELDS), { nil: undefined }),
    seed: fc.nat(),
  }),
) as fc.Arbitrary<Tamper>;

/** A value for `field` different from `old`, of the field's type, chosen by `seed`. */
function otherValue(field: string, old: unknown, seed: number): unknown {
  switch (field) {
    case "seq":
      return (old as number) + 1 + (seed % 5);
    case "time":
      return (old as number) + [1, 0.5, 1e-9, 1e6][seed % 4]!;
    case "action":
      return AUDIT_ACTIONS[
        (AUDIT_ACTIONS.indexOf(old as never) + 1 + (seed % 5)) % AUDIT_ACTIONS.length
      ];
    case "decision":
      return AUDIT_DECISIONS[(AUDIT_DECISIONS.indexOf(old as never) + 1 + (seed % 3)) % 4];
    case "prevHash":
    case "hash": {
      const s = old as string;
      const i = seed % 64;
      return `${s.slice(0, i)}${s[i] === "0" ? "1" : "0"}${s.slice(i + 1)}`;
    }
    default:
      return `${old as string}${["x", " ", "\u0000", "é"][seed % 4]}`;
  }
}

function changed(line: string, field: string, seed: number): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  record[field] = otherValue(field, record[field], seed);
  return JSON.stringify(record);
}

function apply(lines: readonly string[], t: Tamper): string[] {
  const out = [...lines];
  const n = lines.length;
  switch (t.kind) {
    case "change":
      out[t.at % n] = changed(out[t.at % n]!, t.field, t.seed);
      return out;
    case "drop":
      out.splice(t.at % n, 1);
      return out;
    case "swap": {
      const [i, j] = [t.at % n, t.other % n];
      [out[i], out[j]] = [out[j]!, out[i]!];
      return out;
    }
    case "move": {
      const [line] = out.splice(t.at % n, 1);
      out.splice(t.to % n, 0, line!);
      return out;
    }
    case "insert": {
      const copy = lines[t.copyOf % n]!;
      out.splice(t.at % (n + 1), 0, t.field === undefined ? copy : changed(copy, t.field, t.seed));
      return out;
    }
  }
}

/** The first 1-based line at which `b` differs from `a` (a line missing counts), or 0 if equal. */
function firstDifference(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i + 1;
  return 0;
}

function toText(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join("");
}

describe("audit trail tamper evidence", () => {
  it(
    "shows that an exported trail verifies, re-imports and re-exports byte for byte",
    () => {
      fc.assert(
        fc.property(trailSpec(), (spec) => {
          const trail = new AuditTrail({ genesis: TEST_GENESIS });
          replay(spec, trail);
          const text = trail.exportJsonl();
          expect(verifyJsonl(text)).toEqual({
            ok: true,
            records: trail.size,
            verified: trail.size,
            head: trail.headHash(),
            genesis: TEST_GENESIS,
          });
          for (const line of text.trimEnd().split("\n"))
            expect(JSON.stringify(JSON.parse(line))).toBe(line);
          const imported = importJsonl(text);
          expect(imported.verify({ requireSeal: true })).toMatchObject({ ok: true });
          expect(imported.exportJsonl()).toBe(text);
          expect(imported.headHash()).toBe(trail.headHash());
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "shows that changing, dropping, reordering or inserting one record fails verify at the first line that differs",
    () => {
      fc.assert(
        fc.property(trailSpec(), tamper, (spec, t) => {
          const trail = new AuditTrail({ genesis: TEST_GENESIS });
          replay(spec, trail);
          const lines = trail.exportJsonl().trimEnd().split("\n");
          const tampered = apply(lines, t);
          const expected = firstDifference(lines, tampered);
          fc.pre(expected !== 0); // a swap of a record with itself changes nothing
          const result = verifyJsonl(toText(tampered), { file: "audit.jsonl" });
          expect(result).toMatchObject({ ok: false, seq: expected, line: expected });
          // The same verdict from an imported trail checked in memory.
          expect(importJsonl(toText(tampered)).verify({ requireSeal: true })).toMatchObject({
            ok: false,
            seq: expected,
          });
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it("shows that a verify failure names the record, line and what is wrong", () => {
    const trail = new AuditTrail({ genesis: TEST_GENESIS });
    const a = trail.actor({ run: "r", job: "j", tenant: "t", authorizedBy: "boss" });
    for (let i = 0; i < 5; i++) trail.append(i, a, "tool.call", "crm", "allow");
    trail.seal();
    const lines = trail.exportJsonl().trimEnd().split("\n");
    const edited = [...lines];
    edited[2] = edited[2]!.replace('"crm"', '"erp"');
    expect(verifyJsonl(toText(edited))).toEqual({
      ok: false,
      seq: 3,
      line: 3,
      reason: "hash does not match the record's contents (the record was changed)",
    });
    expect(verifyJsonl(toText(lines.slice(0, 5)))).toEqual({
      ok: false,
      seq: 6,
      line: 6,
      reason: "the trail ends after 5 records without its audit.seal record (truncated?)",
    });
    expect(verifyJsonl(toText(lines.slice(0, 5)), { requireSeal: false })).toMatchObject({
      ok: true,
      records: 5,
      verified: 5,
    });
  });
});
