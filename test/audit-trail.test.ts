import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditQuery, AuditRecord } from "../src/audit/index.ts";
import {
  AUDIT_ACTIONS,
  AUDIT_DECISIONS,
  AuditTrail,
  canonicalJson,
  chainHash,
  GENESIS_HASH,
  importJsonl,
  openBodyOf,
  scenarioDigest,
  verifyJsonl,
} from "../src/audit/index.ts";
import {
  PROPERTY_TIMEOUT_MS,
  RUNS,
  replay,
  TEST_GENESIS,
  trailSpec,
} from "./support/audit-trails.ts";
import { job, scenario } from "./support/scenarios.ts";

const dir = mkdtempSync(join(tmpdir(), "agentsim-audit-"));
let files = 0;
const tempPath = () => join(dir, `trail-${files++}.jsonl`);

const query: fc.Arbitrary<AuditQuery> = fc.record(
  {
    run: fc.constantFrom("run-1", "", "support"),
    job: fc.constantFrom("run-1", "ticket-triage#7"),
    tenant: fc.constantFrom("support", ""),
    authorizedBy: fc.constantFrom("head-of-support", ""),
    action: fc.oneof(
      fc.constantFrom(...AUDIT_ACTIONS),
      fc.subarray([...AUDIT_ACTIONS], { minLength: 1 }),
    ),
    decision: fc.oneof(
      fc.constantFrom(...AUDIT_DECISIONS),
      fc.subarray([...AUDIT_DECISIONS], { minLength: 1 }),
    ),
    fromS: fc.double({ min: 0, max: 5e6, noNaN: true }),
    toS: fc.double({ min: 0, max: 2e7, noNaN: true }),
    limit: fc.nat({ max: 10 }),
  },
  { requiredKeys: [] },
);

/** The query as a plain predicate on records, written independently of the trail's masks. */
function matches(r: AuditRecord, q: AuditQuery): boolean {
  const has = <T>(want: T | readonly T[] | undefined, v: T) =>
    want === undefined || (Array.isArray(want) ? want.includes(v) : want === v);
  return (
    has(q.run, r.run) &&
    has(q.job, r.job) &&
    has(q.tenant, r.tenant) &&
    has(q.authorizedBy, r.authorizedBy) &&
    has(q.action, r.action) &&
    has(q.decision, r.decision) &&
    r.time >= (q.fromS ?? -Infinity) &&
    r.time < (q.toS ?? Infinity)
  );
}

describe("AuditTrail", () => {
  it("shows that records carry the chain: seq from 1, genesis prevHash, each hash over prevHash and the canonical body", () => {
    const trail = new AuditTrail();
    const a = trail.actor({ run: "r1", job: "triage", tenant: "support", authorizedBy: "boss" });
    trail.append(0.5, a, "run.start", "r1", "ok");
    trail.append(0.5, a, "tool.call", "crm", "deny", 'tool "crm" not granted');
    trail.seal(2);
    const records = trail.records();
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]).toEqual({
      seq: 1,
      time: 0.5,
      run: "r1",
      job: "triage",
      tenant: "support",
      action: "run.start",
      target: "r1",
      decision: "ok",
      authorizedBy: "boss",
      detail: "",
      prevHash: GENESIS_HASH,
      hash: chainHash(GENESIS_HASH, openBodyOf({ ...records[0]!, hash: undefined } as never)),
    });
    expect(GENESIS_HASH).toBe("0".repeat(64));
    expect(records[1]!.prevHash).toBe(records[0]!.hash);
    expect(records[2]).toMatchObject({
      action: "audit.seal",
      detail: "records=2",
      time: 2,
      run: "",
    });
    expect(trail.headHash()).toBe(records[2]!.hash);
    const line = trail.exportJsonl().split("\n")[0]!;
    expect(
      line.startsWith('{"seq":1,"time":0.5,"run":"r1","job":"triage","tenant":"support",'),
    ).toBe(true);
  });

  it("shows that a trail given a genesis opens with it: seq 1 at time 0, on nobody's behalf, its binding as canonical JSON", () => {
    const trail = new AuditTrail({
      genesis: { ...TEST_GENESIS, point: { "b.x": 2, "a.y": "3/s" } },
    });
    const a = trail.actor({ run: "r1", job: "triage", tenant: "support", authorizedBy: "boss" });
    trail.append(0.5, a, "run.start", "r1", "ok");
    trail.seal(2);
    const [genesis, first, seal] = trail.records();
    expect(genesis).toMatchObject({
      seq: 1,
      time: 0,
      run: "",
      job: "",
      tenant: "",
      action: "audit.genesis",
      target: "",
      decision: "ok",
      authorizedBy: "",
      prevHash: GENESIS_HASH,
    });
    // Keys sorted at every level, so the same binding always reads the same.
    expect(genesis!.detail).toBe(
      `{"agentsim":"0.0.0-test","point":{"a.y":"3/s","b.x":2},"policy":"fifo","replication":0,"scenario":"${"5".repeat(64)}","seed":7}`,
    );
    expect(first).toMatchObject({ seq: 2, prevHash: genesis!.hash });
    expect(seal).toMatchObject({ seq: 3, action: "audit.seal", detail: "records=2" });
    // Neither the genesis nor the seal is an action, nor a record without authority.
    expect(trail.actionRecords).toBe(1);
    expect(trail.counts()).toMatchObject({ records: 3, withoutAuthority: 0 });
    expect(importJsonl(trail.exportJsonl()).counts()).toEqual(trail.counts());
    expect(verifyJsonl(trail.exportJsonl())).toMatchObject({
      ok: true,
      records: 3,
      head: seal!.hash,
      genesis: { point: { "a.y": "3/s", "b.x": 2 } },
    });
  });

  it("shows that misuse throws at once, naming the limit", () => {
    const trail = new AuditTrail();
    const a = trail.actor({ run: "r", job: "j", tenant: "t", authorizedBy: "boss" });
    trail.append(5, a, "retry", "turn-1", "ok");
    expect(() => trail.append(4, a, "retry", "x", "ok")).toThrow(
      /time 4 must be finite and at least the previous record's 5/,
    );
    expect(() => trail.append(Number.NaN, a, "retry", "x", "ok")).toThrow(/time NaN/);
    expect(() => trail.append(Number.POSITIVE_INFINITY, a, "retry", "x", "ok")).toThrow(
      /time Infinity/,
    );
    expect(() => trail.append(6, a, "tool.hack" as never, "x", "ok")).toThrow(
      /action "tool.hack" is not one of/,
    );
    expect(() => trail.append(6, a, "audit.seal", "x", "ok")).toThrow(/the seal by seal\(\)/);
    expect(() => trail.append(6, a, "audit.genesis", "x", "ok")).toThrow(
      /the genesis is written by the constructor/,
    );
    expect(() => trail.append(6, a, "retry", "x", "fine" as never)).toThrow(/decision "fine"/);
    expect(() => trail.append(6, 0, "retry", "x", "ok")).toThrow(/actor 0 was not registered/);
    expect(() => trail.append(6, 9, "retry", "x", "ok")).toThrow(/actor 9 was not registered/);
    expect(() => trail.append(6, 1.5, "retry", "x", "ok")).toThrow(/actor 1.5/);
    expect(() => trail.append(6, a, "retry", undefined as never, "ok")).toThrow(/must be strings/);
    trail.seal();
    expect(() => trail.append(6, a, "retry", "x", "ok")).toThrow(/sealed or read-only/);
    expect(() => trail.seal()).toThrow(/already sealed/);
    expect(() => new AuditTrail({ mode: "summary" }).query()).toThrow(/needs mode "memory"/);
    expect(() => importJsonl(trail.exportJsonl()).append(7, 1, "retry", "x", "ok")).toThrow(
      /read-only/,
    );
  });

  it(
    "shows that the three retention modes agree: the same counts, and file mode writes what memory mode exports",
    () => {
      const path = tempPath();
      fc.assert(
        fc.property(trailSpec(), fc.boolean(), (spec, seal) => {
          const genesis = TEST_GENESIS;
          const memory = new AuditTrail({ genesis });
          const file = new AuditTrail({ mode: "file", path, flushChars: 300, genesis });
          const summary = new AuditTrail({ mode: "summary", genesis });
          for (const trail of [memory, file, summary]) replay(spec, trail, seal);
          // The counts, against an independent tally of the generated appends.
          const counts = memory.counts();
          expect(file.counts()).toEqual(counts);
          expect(summary.counts()).toEqual(counts);
          expect(counts.records).toBe(1 + spec.appends.length + (seal ? 1 : 0));
          expect(memory.actionRecords).toBe(spec.appends.length);
          expect(counts.denials).toBe(spec.appends.filter((a) => a.decision === "deny").length);
          const lacking = spec.appends.filter(
            (a) => spec.actors[a.actor % spec.actors.length]!.authorizedBy === "",
          );
          expect(counts.withoutAuthority).toBe(lacking.length);
          for (const action of AUDIT_ACTIONS) {
            const n =
              spec.appends.filter((a) => a.action === action).length +
              (seal && action === "audit.seal" ? 1 : 0) +
              (action === "audit.genesis" ? 1 : 0);
            expect(counts.byAction[action]?.total ?? 0).toBe(n);
          }
          // The chain, verified in each mode.
          const verified = {
            ok: true,
            records: counts.records,
            verified: counts.records,
            head: memory.headHash(),
            genesis,
          };
          expect(memory.verify({ requireSeal: seal })).toEqual(verified);
          expect(file.verify({ requireSeal: seal })).toEqual(verified);
          expect(summary.verify()).toEqual({ ok: true, records: counts.records, verified: 0 });
          expect(file.headHash()).toBe(memory.headHash());
          if (!seal) file.seal();
          if (seal) expect(readFileSync(path, "utf8")).toBe(memory.exportJsonl());
          expect(verifyJsonl({ path })).toMatchObject({ ok: true });
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "shows that query returns exactly the records an independent filter selects, in seq order",
    () => {
      fc.assert(
        fc.property(
          trailSpec(40),
          fc.array(query, { minLength: 1, maxLength: 4 }),
          (spec, queries) => {
            const trail = new AuditTrail();
            replay(spec, trail);
            const all = trail.records();
            const imported = importJsonl(trail.exportJsonl());
            for (const q of queries) {
              const expected = all.filter((r) => matches(r, q)).slice(0, q.limit ?? Infinity);
              expect(trail.query(q)).toEqual(expected);
              expect(imported.query(q)).toEqual(expected);
            }
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it("shows that hashes recomputed from checkpoints match a full walk of a long trail", () => {
    const trail = new AuditTrail();
    const actors = [0, 1, 2].map((i) =>
      trail.actor({ run: `r${i}`, job: "j", tenant: "t", authorizedBy: i === 2 ? "" : "boss" }),
    );
    for (let i = 0; i < 2000; i++) {
      trail.append(
        i / 10,
        actors[i % 3]!,
        AUDIT_ACTIONS[i % 17]!,
        `t${i}`,
        AUDIT_DECISIONS[i % 4]!,
      );
    }
    const picked = trail.query({ run: "r1", fromS: 50, toS: 120 });
    const all = importJsonl(trail.exportJsonl()).records();
    expect(picked).toEqual(all.filter((r) => r.run === "r1" && r.time >= 50 && r.time < 120));
    expect(trail.query({ limit: 3, fromS: 199.9 }).map((r) => r.seq)).toEqual([2000]);
    expect(trail.counts().withoutAuthority).toBe(666);
    expect(trail.verify()).toMatchObject({ ok: true, records: 2000, verified: 2000 });
    expect(trail.verify({ requireSeal: true })).toMatchObject({ ok: false, seq: 2001 });
  });

  it("shows that a file-mode trail keeps records on disk only and detects a file changed behind its back", () => {
    const path = tempPath();
    const trail = new AuditTrail({ mode: "file", path });
    const a = trail.actor({ run: "r", job: "j", tenant: "t", authorizedBy: "boss" });
    for (let i = 0; i < 10; i++) trail.append(i, a, "model.call", `turn-${i}`, "allow");
    expect(() => trail.records()).toThrow(/importJsonl/);
    expect(trail.verify()).toMatchObject({ ok: true, records: 10, verified: 10 });
    trail.seal();
    const text = readFileSync(path, "utf8");
    expect(importJsonl({ path }).exportJsonl()).toBe(text);
    // Verify re-reads the file, so an edit made after the trail was written is found.
    writeFileSync(path, text.replace("turn-4", "turn-X"));
    expect(trail.verify()).toMatchObject({ ok: false, seq: 5, line: 5 });
  });

  it("shows the scenario digest binds the normalized scenario, not where its file lives", () => {
    const trace = (root: string) =>
      job({
        name: "replay",
        tenant: "t",
        arrivals: {
          process: "trace",
          file: `${root}/data/trace.csv`,
          format: "azure-llm-csv",
          speedup: 1,
          runPer: "session",
        } as never,
      });
    const at = (root: string) => ({
      ...scenario({ jobs: [trace(root)] }),
      sourceFile: `${root}/scenarios/s.yaml`,
    });
    // Relocated with the same layout: the same digest (paths count relative to the scenario).
    expect(scenarioDigest(at("/home/a/repo"))).toBe(scenarioDigest(at("/ci/build/7")));
    // Any change of meaning changes it.
    const base = at("/x");
    expect(scenarioDigest({ ...base, seed: 2 })).not.toBe(scenarioDigest(base));
    expect(scenarioDigest({ ...base, horizonS: 999 })).not.toBe(scenarioDigest(base));
    // Canonical JSON: sorted keys at every level, non-finite numbers kept apart from null.
    expect(
      canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: Number.POSITIVE_INFINITY } }),
    ).toBe('{"a":{"c":"Infinity","d":[2,{"e":0,"f":1}]},"b":1}');
    expect(canonicalJson({ x: undefined, y: null })).toBe('{"y":null}');
  });
});
