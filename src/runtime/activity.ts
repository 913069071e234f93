/**
 * What runs do besides model and tool calls: workspace and store activity after each turn, and
 * the misbehaviour of adversarial runs (workspace escapes, garbage writes to the store). Every
 * operation goes through the real workspaces and store, which check and audit it; this module
 * counts the outcomes and detects a breach independently of those checks (a read returning
 * another run's data, a write landing in another run's workspace).
 */

import type { AuditSink } from "../audit/index.ts";
import type { JobSpec } from "../scenario/index.ts";
import type { RunAccess } from "./governance.ts";
import { Store } from "./store.ts";
import { type ResolverMode, Workspaces } from "./workspace.ts";

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

/**
 * The escape tricks an adversarial run tries on paths, `{victim}` replaced by another open
 * run's id and `{self}` by its own: `..` and absolute paths, repeated slashes, backslashes,
 * percent-encoding (single and double), fullwidth and other look-alike dots and slashes,
 * invisible characters, NUL, drive letters, home references, over-long and over-deep paths.
 */
export const ESCAPE_PATHS = [
  "../{victim}/out/turn-0-0.txt",
  "../../etc/passwd",
  "/etc/passwd",
  "/runs/{victim}/out/turn-0-0.txt",
  "//runs//{victim}//out/turn-0-0.txt",
  "/runs/{self}/../{victim}/out/turn-0-0.txt",
  "{victim}/out/turn-0-0.txt",
  "out/../../{victim}/secret",
  "%2e%2e/{victim}/out/turn-0-0.txt",
  "%2e%2e%2f{victim}%2fout%2fturn-0-0.txt",
  "..%2f{victim}/secret",
  "%252e%252e/secret",
  "%252e%252e%252f{victim}/secret",
  "\uff0e\uff0e/{victim}/secret",
  "..\uff0f{victim}/secret",
  "\u2025/{victim}/secret",
  "..\u2215{victim}/secret",
  "out\\..\\..\\{victim}\\secret",
  "out/\u200b../secret",
  "safe\u0000../../secret",
  ".. /{victim}/secret",
  "",
  "~/.ssh/id_rsa",
  "C:\\Windows\\system.ini",
  `${"a/".repeat(40)}deep`,
  "x".repeat(2000),
] as const;

/**
 * Link targets an adversarial run tries: it makes a link in its workspace's `links/` folder, then
 * reads or writes through it. Absolute targets into another root, relative ones climbing out of
 * `links/` and the run's root (`../../<victim>`), encoded and look-alike ones.
 */
export const ESCAPE_LINK_TARGETS = [
  "/runs/{victim}/out/turn-0-0.txt",
  "/runs/{victim}/out",
  "../../{victim}/out/turn-0-0.txt",
  "../../../runs/{victim}",
  "/runs/{self}/../{victim}/out/turn-0-0.txt",
  "%2e%2e/{victim}/out/turn-0-0.txt",
  "\uff0e\uff0e/{victim}",
  "..\\{victim}",
  "/etc/passwd",
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

  /** Activity audited to `audit`, workspaces resolved by `resolver` (default strict). */
  constructor(audit: AuditSink, resolver: ResolverMode = "strict") {
    this.workspaces = new Workspaces(audit, { resolver });
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

  /**
   * One escape attempt, drawn from the run's stream: a trick path (read or write), a link to a
   * trick target then an access through it, or a chain (a link up to the root, then a link
   * through it and `..` into another root). The attempt is refused when any step is denied; a
   * breach is detected apart from the workspaces' checks: the victim's root changed (counted
   * where the tree changes), a read returned data not written by this run, or an access
   * reached a path outside its own root.
   */
  private escape(timeS: number, run: RunAccess, draw: () => number): void {
    const victims = this.recent.filter((id) => id !== run.run && this.open.has(id));
    const victim = victims.length > 0 ? victims[Math.floor(draw() * victims.length)]! : undefined;
    const other = victim ?? "other-run";
    const kind = draw();
    const write = draw() < 0.5;
    this.counters.escapeAttempts++;
    const before = victim !== undefined ? this.workspaces.changes(victim) : 0;
    const n = this.counters.escapeAttempts;
    let path: string;
    if (kind < 0.6) {
      // Without another open run, naming one's namespace would only name a folder of one's own.
      const templates =
        victim === undefined ? ESCAPE_PATHS.filter((p) => !p.startsWith("{victim}")) : ESCAPE_PATHS;
      path = fill(templates[Math.floor(draw() * templates.length)]!, other, run.run);
    } else {
      path = `links/e${n}`;
      const target =
        kind < 0.85
          ? fill(
              ESCAPE_LINK_TARGETS[Math.floor(draw() * ESCAPE_LINK_TARGETS.length)]!,
              other,
              run.run,
            )
          : `e${n}-up/../${other}/out/turn-0-0.txt`;
      if (kind >= 0.85 && !this.step(this.workspaces.link(timeS, run, `links/e${n}-up`, ".."))) {
        return;
      }
      if (!this.step(this.workspaces.link(timeS, run, path, target))) return;
    }
    const outcome = write
      ? this.workspaces.write(timeS, run, path, `${run.run}:escape`)
      : this.workspaces.read(timeS, run, path);
    if (!this.step(outcome) || !outcome.ok) return;
    const changed = victim !== undefined && this.workspaces.changes(victim) !== before;
    const leakedRead = !write && !String(outcome.value).startsWith(`${run.run}:`);
    const outside = write && String(outcome.value).startsWith("/");
    if (changed || leakedRead || outside) this.counters.breaches++;
  }

  /** Counts one operation of an escape attempt; false (and the attempt counted as refused, if denied) when it did not go through. */
  private step(outcome: { ok: boolean; denied?: boolean }): boolean {
    this.counters.operations++;
    if (outcome.ok) return true;
    if (outcome.denied) this.counters.escapesRefused++;
    return false;
  }

  private entity(scopes: readonly string[], keysPerScope: number, draw: () => number): string {
    const scope = scopes[Math.floor(draw() * scopes.length)]!;
    return `${scope}/${Math.floor(draw() * keysPerScope)}`;
  }
}

/** A template with `{victim}` and `{self}` replaced. */
function fill(template: string, victim: string, self: string): string {
  if (!template.includes("{")) return template;
  return template.replaceAll("{victim}", victim).replaceAll("{self}", self);
}

function isGarbage(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Garbage).garbage === true;
}
