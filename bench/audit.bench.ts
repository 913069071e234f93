// Throughput of the audit trail: appends per second in each retention mode, and verify, export
// and import throughput for 1,000,000 records.
// Run: npx tsx bench/audit.bench.ts   (for the bytes-per-record line: node --expose-gc --import tsx bench/audit.bench.ts)
//
// The budget it answers to: at about 8 records a turn and 250,000 turns/s, the audit trail may
// cost at most 30% of the runtime's time, i.e. 0.3 / (8 x 250,000/s) = 150 ns a record. So
// appends should run well above 10 million/s in summary mode and several million/s in memory
// mode; file mode hashes every record as it writes it and is for runs that asked for a file.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bench } from "tinybench";
import type { AuditAction, AuditDecision, AuditTrailOptions } from "../src/audit/index.ts";
import { AuditTrail, importJsonl, verifyJsonl } from "../src/audit/index.ts";

const RECORDS = 1_000_000;
const ACTORS = 1_000;
const dir = mkdtempSync(join(tmpdir(), "agentsim-audit-bench-"));

/** The eight records of a typical turn. */
const TURN: readonly [AuditAction, AuditDecision][] = [
  ["turn.dispatch", "ok"],
  ["model.call", "allow"],
  ["model.result", "ok"],
  ["tool.call", "allow"],
  ["tool.result", "ok"],
  ["workspace.write", "ok"],
  ["store.read", "ok"],
  ["store.write", "deny"],
];
const TARGETS = Array.from({ length: 1024 }, (_, i) => `tickets/${i}`);

/** A trail of the given mode with `ACTORS` registered runs, and their ids. */
function newTrail(options: AuditTrailOptions): { trail: AuditTrail; actors: number[] } {
  const trail = new AuditTrail(options);
  const actors = Array.from({ length: ACTORS }, (_, i) =>
    trail.actor({
      run: `ticket-triage#${i}`,
      job: "ticket-triage",
      tenant: "support",
      authorizedBy: "head-of-support",
    }),
  );
  return { trail, actors };
}

/** Appends `RECORDS` records, a turn of eight at a time, as the runtime would. */
function fill(trail: AuditTrail, actors: readonly number[]): void {
  let timeS = 0;
  for (let i = 0; i < RECORDS; i++) {
    const [action, decision] = TURN[i & 7]!;
    if ((i & 7) === 0) timeS += 0.004;
    trail.append(
      timeS,
      actors[(i >>> 3) % ACTORS]!,
      action,
      TARGETS[i & 1023]!,
      decision,
      decision === "deny" ? "outside dataScopes" : "",
    );
  }
}

let current = newTrail({ mode: "memory" });
let sealed = newTrail({ mode: "memory" });
const filePath = join(dir, "trail.jsonl");
const exportPath = join(dir, "export.jsonl");

function freshSealedTrail(): void {
  sealed = newTrail({ mode: "memory" });
  fill(sealed.trail, sealed.actors);
  sealed.trail.seal();
}

/** The same loop as `fill` with the append replaced by a sink, to show what the loop itself costs. */
let sink = 0;
function baseline(actors: readonly number[]): void {
  let timeS = 0;
  for (let i = 0; i < RECORDS; i++) {
    const [action, decision] = TURN[i & 7]!;
    if ((i & 7) === 0) timeS += 0.004;
    const detail = decision === "deny" ? "outside dataScopes" : "";
    sink +=
      timeS +
      actors[(i >>> 3) % ACTORS]! +
      action.length +
      TARGETS[i & 1023]!.length +
      detail.length;
  }
}

// Appends: each iteration appends a million records to a fresh trail (growth included).
const appends = new Bench({ time: 2000, warmupTime: 300, iterations: 5 });
appends.add("baseline: the generating loop alone", () => baseline(current.actors));
for (const mode of ["summary", "memory"] as const) {
  appends.add(`append, ${mode} mode`, () => fill(current.trail, current.actors), {
    beforeEach: () => {
      current = newTrail({ mode });
    },
  });
}
await appends.run();

// The heavy operations: a few iterations each, on a million sealed records.
const heavy = new Bench({ time: 0, warmupTime: 0, warmupIterations: 1, iterations: 3 });
heavy
  .add("append, file mode (hash + write each record)", () => fill(current.trail, current.actors), {
    beforeEach: () => {
      current = newTrail({ mode: "file", path: filePath });
    },
    afterEach: () => current.trail.seal(),
  })
  .add("verify, memory mode (hash the chain)", () => assertOk(sealed.trail.verify()), {
    beforeEach: freshSealedTrail,
  })
  .add("export, memory mode (writeJsonl to a file)", () => sealed.trail.writeJsonl(exportPath), {
    beforeEach: freshSealedTrail,
  })
  .add("verifyJsonl of the file (parse + hash)", () => assertOk(verifyJsonl({ path: exportPath })))
  .add("importJsonl of the file (parse)", () => {
    if (importJsonl({ path: exportPath }).size !== RECORDS + 1)
      throw new Error("import lost records");
  });
await heavy.run();

function assertOk(result: { ok: boolean }): void {
  if (!result.ok) throw new Error(`verify failed: ${JSON.stringify(result)}`);
}

const rows = [...appends.tasks, ...heavy.tasks].map((task) => {
  const result = task.result;
  if (result.state !== "completed") return { task: task.name, state: result.state };
  const nsPerRecord = (result.period * 1e6) / RECORDS;
  return {
    task: task.name,
    "ns/record": nsPerRecord.toFixed(1),
    "million records/s": (1e3 / nsPerRecord).toFixed(2),
    "% of a 150 ns budget": ((nsPerRecord / 150) * 100).toFixed(0),
    "ms per 1M": result.period.toFixed(0),
    iterations: result.latency.samplesCount,
  };
});
console.table(rows);
console.log(`(baseline checksum ${sink.toExponential(3)}, so the loop is not optimized away)`);

// Memory per record in memory mode (needs --expose-gc for a clean number).
const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) {
  current = newTrail({ mode: "summary" });
  sealed = newTrail({ mode: "summary" });
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = newTrail({ mode: "memory" });
  fill(kept.trail, kept.actors);
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / RECORDS;
  console.log(
    `memory mode keeps ${bytes.toFixed(1)} bytes of heap a record (${kept.trail.size} records)`,
  );
}
rmSync(dir, { recursive: true, force: true });
