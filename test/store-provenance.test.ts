import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuditTrail } from "../src/audit/index.ts";
import type { Governance } from "../src/runtime/governance.ts";
import { AccessManager } from "../src/runtime/governance.ts";
import { Store } from "../src/runtime/store.ts";
import { PROPERTY_TIMEOUT_MS, RUNS } from "./support/property-runs.ts";

const HONEST: Governance = {
  owner: "support-ops",
  authorizedBy: "head-of-support",
  purpose: "answer tickets",
  riskClass: "limited",
  tools: [],
  dataScopes: ["docs"],
};
const ROGUE: Governance = {
  ...HONEST,
  owner: "growth",
  authorizedBy: "vp-growth",
  purpose: "enrich docs",
};

function setUp(honestRuns: number) {
  const trail = new AuditTrail();
  const manager = new AccessManager(trail);
  manager.declare("answer", HONEST);
  manager.declare("enrich", ROGUE);
  const store = new Store(trail);
  const runs = Array.from({ length: honestRuns }, (_, i) =>
    manager.open(`answer#${i}`, "answer", "support"),
  );
  runs.push(manager.open("enrich#0", "enrich", "growth"));
  return { trail, store, runs };
}

describe("Store", () => {
  it("shows that writes make versions, reads are recorded and audited, and denials are values with reasons", () => {
    const { trail, store, runs } = setUp(2);
    const [a, b] = runs;
    expect(store.write(1, a!, "docs/faq", "v1")).toEqual({ ok: true, value: 1 });
    expect(store.write(2, b!, "docs/faq", "v2")).toEqual({ ok: true, value: 2 });
    expect(store.read(3, a!, "docs/faq")).toEqual({ ok: true, value: { version: 2, value: "v2" } });
    expect(store.read(4, b!, "docs/faq", 1)).toEqual({
      ok: true,
      value: { version: 1, value: "v1" },
    });
    expect(store.read(5, b!, "docs/faq", 3)).toEqual({
      ok: false,
      reason: "no version 3 (latest is 2)",
      denied: false,
    });
    expect(store.read(5, b!, "docs/none")).toEqual({
      ok: false,
      reason: "no such entity",
      denied: false,
    });
    expect(store.write(6, a!, "billing/1", "x")).toEqual({
      ok: false,
      reason: '"billing/1" is outside job "answer"\'s dataScopes (docs)',
      denied: true,
    });
    expect(store.provenance("docs/faq", 1)).toEqual({
      entity: "docs/faq",
      version: 1,
      run: "answer#0",
      job: "answer",
      tenant: "support",
      authorizedBy: "head-of-support",
      timeS: 1,
      value: "v1",
      readers: ["answer#1"],
      reads: 1,
    });
    expect(store.provenance("docs/faq", 3)).toBeUndefined();
    expect(trail.records().map((r) => [r.run, r.action, r.target, r.decision, r.detail])).toEqual([
      ["answer#0", "store.write", "docs/faq@1", "ok", ""],
      ["answer#1", "store.write", "docs/faq@2", "ok", ""],
      ["answer#0", "store.read", "docs/faq@2", "ok", ""],
      ["answer#1", "store.read", "docs/faq@1", "ok", ""],
      ["answer#1", "store.read", "docs/faq", "error", "no version 3 (latest is 2)"],
      ["answer#1", "store.read", "docs/none", "error", "no such entity"],
      [
        "answer#0",
        "store.write",
        "billing/1",
        "deny",
        '"billing/1" is outside job "answer"\'s dataScopes (docs)',
      ],
    ]);
  });

  type Op = { run: number; write: boolean; entity: number; pinned: number | undefined };
  const op: fc.Arbitrary<Op> = fc.record({
    run: fc.nat(),
    write: fc.boolean(),
    entity: fc.nat({ max: 3 }),
    pinned: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  });

  it(
    "shows that with a garbage-writing run among honest ones, provenance and blast radius name the writer, the authorizer and exactly the runs that read bad versions",
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 5 }),
          fc.array(op, { maxLength: 60 }),
          (honest, ops) => {
            const { store, runs } = setUp(honest);
            const rogue = runs.length - 1;
            // The model: per entity, the list of versions (writer index, garbage flag) and per version the readers.
            const versions = new Map<
              string,
              { writer: number; garbage: boolean; readers: string[] }[]
            >();
            ops.forEach((o, t) => {
              const r = o.run % runs.length;
              const entity = `docs/${o.entity}`;
              const list = versions.get(entity) ?? [];
              if (o.write) {
                const garbage = r === rogue;
                const result = store.write(t, runs[r]!, entity, garbage ? "GARBAGE" : `fact ${t}`);
                list.push({ writer: r, garbage, readers: [] });
                versions.set(entity, list);
                expect(result).toEqual({ ok: true, value: list.length });
              } else {
                const wanted = o.pinned ?? list.length;
                const result = store.read(t, runs[r]!, entity, o.pinned);
                const version = list[wanted - 1];
                expect(result.ok).toBe(version !== undefined);
                if (version !== undefined && !version.readers.includes(runs[r]!.run))
                  version.readers.push(runs[r]!.run);
              }
            });
            const bad = [...versions].flatMap(([entity, list]) =>
              list.flatMap((v, i) =>
                v.garbage ? [{ entity, version: i + 1, readers: v.readers }] : [],
              ),
            );
            for (const v of bad) {
              expect(store.provenance(v.entity, v.version)).toMatchObject({
                run: "enrich#0",
                job: "enrich",
                authorizedBy: "vp-growth",
                value: "GARBAGE",
                readers: v.readers,
              });
            }
            const radius = store.blastRadius((w) => w.value === "GARBAGE");
            expect(radius.writes).toEqual(bad.map(({ entity, version }) => ({ entity, version })));
            expect(radius.writers).toEqual(bad.length > 0 ? ["enrich#0"] : []);
            expect(radius.authorizers).toEqual(bad.length > 0 ? ["vp-growth"] : []);
            const readers = new Set(bad.flatMap((v) => v.readers));
            expect(new Set(radius.readers)).toEqual(readers);
            expect(radius.readers).toHaveLength(readers.size);
            // Honest writes trace back to their own writers and authority only.
            const honestRadius = store.blastRadius((w) => w.value !== "GARBAGE");
            expect(honestRadius.writers.every((w) => w.startsWith("answer#"))).toBe(true);
            expect(honestRadius.authorizers).toEqual(
              honestRadius.writes.length > 0 ? ["head-of-support"] : [],
            );
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
