/**
 * What runs do besides model and tool calls: workspace and store activity after each turn, and
 * carrying out what misbehaving runs try (workspace escapes, garbage writes to the store; what
 * they try is the workload's `misbehave`). Every operation goes through the real workspaces and
 * store, which check and audit it; this module counts the outcomes and detects a breach
 * independently of those checks (a read returning another run's data, a write landing in
 * another run's workspace).
 */

import type { AuditSink } from "../audit/index.ts";
import type { JobSpec } from "../scenario/index.ts";
import type { Rng } from "../sim/index.ts";
import {
  type EscapeAttempt,
  type MisbehaviourActions,
  misbehave,
  storeEntity,
} from "../workload/index.ts";
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
  honest(timeS: number, run: RunAccess, job: JobSpec, k: number, rng: Rng): void {
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
      const entity = storeEntity(scopes, io.keysPerScope, rng);
      const read = this.store.read(timeS, run, entity);
      this.counters.operations++;
      this.counters.storeReads++;
      if (read.ok && isGarbage(read.value.value)) this.counters.readsOfGarbage++;
      if (!read.ok && read.denied) this.counters.storeDenials++;
    }
    for (let i = 0; i < io.storeWrites; i++) {
      const entity = storeEntity(scopes, io.keysPerScope, rng);
      const written = this.store.write(timeS, run, entity, { run: run.run, turn: k });
      this.counters.operations++;
      if (written.ok) this.counters.storeWrites++;
      else if (written.denied) this.counters.storeDenials++;
    }
  }

  /**
   * A misbehaving run's activity after a turn: the escapes and garbage writes it tries (drawn
   * from its stream `rng` by the workload's `misbehave`), carried out here.
   */
  adversarial(timeS: number, run: RunAccess, job: JobSpec, rng: Rng): void {
    const actions: MisbehaviourActions = {
      self: run.run,
      victims: () => this.recent.filter((id) => id !== run.run && this.open.has(id)),
      escapesSoFar: () => this.counters.escapeAttempts,
      escape: (attempt) => this.escape(timeS, run, attempt),
      writeGarbage: (entity) => this.writeGarbage(timeS, run, entity),
    };
    misbehave(job.behaviour, job.io.keysPerScope, actions, rng);
  }

  /**
   * Carries out one escape attempt: its links, then its read or write, stopping at the first
   * step that does not go through. The attempt is refused when a step is denied; a breach is
   * detected apart from the workspaces' checks: the victim's root changed (counted where the
   * tree changes), a read returned data not written by this run, or an access reached a path
   * outside its own root.
   */
  private escape(timeS: number, run: RunAccess, attempt: EscapeAttempt): void {
    const { victim, write, path } = attempt;
    this.counters.escapeAttempts++;
    const before = victim !== undefined ? this.workspaces.changes(victim) : 0;
    for (const link of attempt.links) {
      if (!this.step(this.workspaces.link(timeS, run, link.path, link.target))) return;
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

  /** Writes a recognizable garbage value to a store entity, so reads of it can be counted. */
  private writeGarbage(timeS: number, run: RunAccess, entity: string): void {
    const value: Garbage = { garbage: true, run: run.run };
    const written = this.store.write(timeS, run, entity, value);
    this.counters.operations++;
    if (written.ok) this.counters.garbageWrites++;
    else if (written.denied) this.counters.storeDenials++;
  }

  /** Counts one operation of an escape attempt; false (and the attempt counted as refused, if denied) when it did not go through. */
  private step(outcome: { ok: boolean; denied?: boolean }): boolean {
    this.counters.operations++;
    if (outcome.ok) return true;
    if (outcome.denied) this.counters.escapesRefused++;
    return false;
  }
}

function isGarbage(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Garbage).garbage === true;
}
