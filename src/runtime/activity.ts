/**
 * What runs do besides model and tool calls: workspace and store activity after each turn, and
 * the misbehaviour of adversarial runs (workspace escapes, garbage writes to the store). Every
 * operation goes through the real workspaces and store, which check and audit it; this module
 * counts the outcomes and detects a breach independently of those checks (a read returning
 * another run's data, a write landing in another run's workspace).
 */
import type { JobSpec } from "../scenario/types.ts";
import type { AuditSink } from "./audit/sink.ts";
import type { RunAccess } from "./governance.ts";
import { Store } from "./store.ts";
import { Workspaces } from "./workspace.ts";

/** Counters of isolation attempts and store activity (reported in the cell result). */
export interface ActivityCounters {
  /** Workspace operations aimed outside the run's own namespace. */
  escapeAttempts: number;
  /** Of those, refused by the workspace checks. */
  escapesRefused: number;
  /** Operations that read or changed another run's workspace (must stay 0). */
  breaches: number;
  storeWrites: number;
  storeReads: number;
  storeDenials: number;
  garbageWrites: number;
  readsOfGarbage: number;
  workspaceWrites: number;
  /** Every workspace and store operation made (each must have exactly one audit record). */
  operations: number;
}

/** A value written by a misbehaving run: recognizable so reads of it can be counted. */
interface Garbage {
  garbage: true;
  run: string;
}

/** The escape tricks an adversarial run tries, `{victim}` replaced by another run's id. */
export const ESCAPE_PATHS = [
  "../{victim}/out/turn-0-0.txt",
  "../../etc/passwd",
  "/etc/passwd",
  "{victim}/out/turn-0-0.txt",
  "%2e%2e/{victim}/out/turn-0-0.txt",
  "%252e%252e/secret",
  "out/../../{victim}/secret",
  "\uff0e\uff0e/{victim}/secret",
  "out\\..\\..\\{victim}\\secret",
  "out/\u200b../secret",
  "safe\u0000../../secret",
  "",
  "~/.ssh/id_rsa",
  "C:\\Windows\\system.ini",
  `${"a/".repeat(40)}deep`,
  "x".repeat(2000),
] as const;

/** The workspace and store activity of a cell's runs. */
export class RunActivity {
  readonly counters: ActivityCounters = {
    escapeAttempts: 0,
    escapesRefused: 0,
    breaches: 0,
    storeWrites: 0,
    storeReads: 0,
    storeDenials: 0,
    garbageWrites: 0,
    readsOfGarbage: 0,
    workspaceWrites: 0,
    operations: 0,
  };
  readonly workspaces: Workspaces;
  readonly store: Store;
  // Recent runs with an open workspace: the victims an escaping run aims at.
  private readonly recent: string[] = [];
  private readonly open = new Set<string>();

  constructor(audit: AuditSink) {
    this.workspaces = new Workspaces(audit);
    this.store = new Store(audit);
  }

  /** True when a job's runs touch workspaces or the store at all (else nothing is opened for them). */
  static active(job: JobSpec): boolean {
    const b = job.behaviour;
    return (
      job.io.workspaceWrites > 0 ||
      job.io.storeReads > 0 ||
      job.io.storeWrites > 0 ||
      b?.workspaceEscapes !== undefined ||
      b?.garbageWrites !== undefined
    );
  }

  /** Opens a run's workspace. */
  start(run: RunAccess): void {
    this.workspaces.open(run.run);
    this.open.add(run.run);
    this.recent.push(run.run);
    if (this.recent.length > 16) this.recent.shift();
  }

  /** Closes a run's workspace (its files are dropped; memory stays bounded). */
  end(run: RunAccess): void {
    if (!this.open.delete(run.run)) return;
    this.workspaces.close(run.run);
  }

  /** A well-behaved run's activity after turn `k`: writes its files, reads one back, uses the store. */
  honest(timeS: number, run: RunAccess, job: JobSpec, k: number, draw: () => number): void {
    const io = job.io;
    for (let i = 0; i < io.workspaceWrites; i++) {
      const data = `${run.run}:${k}:${i}`;
      const written = this.workspaces.write(timeS, run, `out/turn-${k}-${i}.txt`, data);
      this.counters.operations++;
      if (!written.ok) continue;
      this.counters.workspaceWrites++;
      const read = this.workspaces.read(timeS, run, written.value);
      this.counters.operations++;
      // Independent check of non-interference: a run reads back exactly what it wrote.
      if (!read.ok || read.value !== data) this.counters.breaches++;
    }
    const scopes = job.governance.dataScopes;
    if (scopes.length === 0) return;
    for (let i = 0; i < io.storeReads; i++) {
      const entity = this.entity(scopes, io.keysPerScope, draw);
      const read = this.store.read(timeS, run, entity);
      this.counters.operations++;
      this.counters.storeReads++;
      if (read.ok && isGarbage(read.value.value)) this.counters.readsOfGarbage++;
      if (!read.ok && read.denied) this.counters.storeDenials++;
    }
    for (let i = 0; i < io.storeWrites; i++) {
      const entity = this.entity(scopes, io.keysPerScope, draw);
      const written = this.store.write(timeS, run, entity, { run: run.run, turn: k });
      this.counters.operations++;
      if (written.ok) this.counters.storeWrites++;
      else if (written.denied) this.counters.storeDenials++;
    }
  }

  /** A misbehaving run's activity after a turn: escape attempts and garbage writes. */
  adversarial(timeS: number, run: RunAccess, job: JobSpec, draw: () => number): void {
    const behaviour = job.behaviour;
    const escapes = behaviour?.workspaceEscapes?.perTurn ?? 0;
    for (let i = 0; i < escapes; i++) this.escape(timeS, run, draw);
    const garbage = behaviour?.garbageWrites;
    if (garbage !== undefined && garbage.scopes.length > 0) {
      for (let i = 0; i < garbage.perTurn; i++) {
        const entity = this.entity(garbage.scopes, job.io.keysPerScope, draw);
        const value: Garbage = { garbage: true, run: run.run };
        const written = this.store.write(timeS, run, entity, value);
        this.counters.operations++;
        if (written.ok) this.counters.garbageWrites++;
        else if (written.denied) this.counters.storeDenials++;
      }
    }
  }

  private escape(timeS: number, run: RunAccess, draw: () => number): void {
    const victims = this.recent.filter((id) => id !== run.run && this.open.has(id));
    const victim = victims.length > 0 ? victims[Math.floor(draw() * victims.length)]! : undefined;
    // Without another open run, naming one's namespace would only name a folder of one's own.
    const templates =
      victim === undefined ? ESCAPE_PATHS.filter((p) => !p.startsWith("{victim}")) : ESCAPE_PATHS;
    const template = templates[Math.floor(draw() * templates.length)]!;
    const path = template.replaceAll("{victim}", victim ?? "other-run");
    const write = draw() < 0.5;
    this.counters.escapeAttempts++;
    const before = victim !== undefined ? snapshot(this.workspaces.files(victim)) : "";
    const outcome = write
      ? this.workspaces.write(timeS, run, path, `${run.run}:escape`)
      : this.workspaces.read(timeS, run, path);
    this.counters.operations++;
    if (!outcome.ok) {
      if (outcome.denied) this.counters.escapesRefused++;
      return;
    }
    // Allowed: it must have stayed inside the run's own namespace. Check independently.
    const after = victim !== undefined ? snapshot(this.workspaces.files(victim)) : "";
    const leakedRead =
      !write && typeof outcome.value === "string" && !outcome.value.startsWith(`${run.run}:`);
    if (before !== after || leakedRead) this.counters.breaches++;
  }

  private entity(scopes: readonly string[], keysPerScope: number, draw: () => number): string {
    const scope = scopes[Math.floor(draw() * scopes.length)]!;
    return `${scope}/${Math.floor(draw() * keysPerScope)}`;
  }
}

function isGarbage(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Garbage).garbage === true;
}

function snapshot(files: Map<string, string>): string {
  return JSON.stringify([...files]);
}
