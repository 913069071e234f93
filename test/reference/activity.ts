/**
 * The reference twin of what runs do besides model and tool calls (src/runtime/activity.ts): a
 * well-behaved run's workspace and store activity after each turn, and carrying out what a
 * misbehaving run tries (its escape attempts and garbage writes), through the reference
 * workspaces and store, counted as the results report them, with breaches detected apart from
 * the workspaces' own checks.
 *
 * Shared with the real runtime: the workload's decisions, drawn from the run's own stream —
 * what a misbehaving agent tries (`misbehave`) and which store entity a run uses
 * (`storeEntity`) — since they are the agent's, not the runtime's.
 */

import type { AuditSink } from "../../src/audit/index.ts";
import type { ActivityCounters } from "../../src/runtime/activity.ts";
import type { JobSpec } from "../../src/scenario/types.ts";
import type { Rng } from "../../src/sim/rng.ts";
import { type EscapeAttempt, misbehave, storeEntity } from "../../src/workload/misbehaviour.ts";
import { ReferenceStore, type StoreCaller } from "./store.ts";
import { type Outcome, ReferenceWorkspaces } from "./workspaces.ts";

/** Open workspaces an escaping run picks its victim among: the latest this many opened. */
const RECENT_RUNS = 16;

/** True when a job's runs touch workspaces or the store at all. */
export function touchesWorkspaces(job: JobSpec): boolean {
  return (
    job.io.workspaceWrites > 0 ||
    job.io.storeReads > 0 ||
    job.io.storeWrites > 0 ||
    job.behaviour?.workspaceEscapes !== undefined ||
    job.behaviour?.garbageWrites !== undefined
  );
}

/** The workspaces, the store and what runs do with them, with the counters results report. */
export class ReferenceActivity {
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
  readonly workspaces: ReferenceWorkspaces;
  readonly store: ReferenceStore;
  /** Runs whose workspace was opened, latest last (at most `RECENT_RUNS`). */
  private readonly recent: string[] = [];
  private readonly open = new Set<string>();

  constructor(audit: AuditSink, resolver: "strict" | "prefix-only") {
    this.workspaces = new ReferenceWorkspaces(audit, resolver);
    this.store = new ReferenceStore(audit);
  }

  /** Opens an admitted run's workspace; it may now be an escaping run's victim. */
  start(run: string): void {
    this.workspaces.open(run);
    this.open.add(run);
    this.recent.push(run);
    if (this.recent.length > RECENT_RUNS) this.recent.shift();
  }

  /** Closes an ended run's workspace. */
  end(run: string): void {
    if (this.open.delete(run)) this.workspaces.close(run);
  }

  /** After turn `k`: the run writes its files and reads each back, then reads and writes the store. */
  honest(timeS: number, run: StoreCaller, job: JobSpec, k: number, rng: Rng): void {
    const io = job.io;
    for (let i = 0; i < io.workspaceWrites; i++) {
      const data = `${run.run}:${k}:${i}`;
      const written = this.workspaces.write(timeS, run, `out/turn-${k}-${i}.txt`, data);
      this.counters.operations++;
      if (!written.ok) continue;
      this.counters.workspaceWrites++;
      const read = this.workspaces.read(timeS, run, written.value);
      this.counters.operations++;
      if (!read.ok || read.value !== data) this.counters.breaches++;
    }
    const scopes = job.governance.dataScopes;
    if (scopes.length === 0) return;
    for (let i = 0; i < io.storeReads; i++) {
      const read = this.store.read(timeS, run, storeEntity(scopes, io.keysPerScope, rng));
      this.counters.operations++;
      this.counters.storeReads++;
      if (read.ok && isGarbage(read.value.value)) this.counters.readsOfGarbage++;
      if (!read.ok && read.denied) this.counters.storeDenials++;
    }
    for (let i = 0; i < io.storeWrites; i++) {
      const key = storeEntity(scopes, io.keysPerScope, rng);
      const written = this.store.write(timeS, run, key, { run: run.run, turn: k });
      this.counters.operations++;
      if (written.ok) this.counters.storeWrites++;
      else if (written.denied) this.counters.storeDenials++;
    }
  }

  /** After a turn, a misbehaving run: what it tries (the workload's `misbehave`), carried out. */
  adversarial(timeS: number, run: StoreCaller, job: JobSpec, rng: Rng): void {
    const actions = {
      self: run.run,
      victims: () => this.recent.filter((id) => id !== run.run && this.open.has(id)),
      escapesSoFar: () => this.counters.escapeAttempts,
      escape: (attempt: EscapeAttempt) => this.escape(timeS, run, attempt),
      writeGarbage: (entity: string) => {
        const written = this.store.write(timeS, run, entity, { garbage: true, run: run.run });
        this.counters.operations++;
        if (written.ok) this.counters.garbageWrites++;
        else if (written.denied) this.counters.storeDenials++;
      },
    };
    misbehave(job.behaviour, job.io.keysPerScope, actions, rng);
  }

  /**
   * One escape attempt: its links made in order, then the read or write, stopping at the first
   * step that does not go through. A breach: the victim's root changed, a read returned what
   * this run did not write, or a write landed outside this run's root.
   */
  private escape(timeS: number, run: StoreCaller, attempt: EscapeAttempt): void {
    const self = run.run;
    const { victim, write, path } = attempt;
    this.counters.escapeAttempts++;
    const before = victim === undefined ? 0 : this.workspaces.changes(victim);
    for (const link of attempt.links) {
      if (!this.step(this.workspaces.link(timeS, run, link.path, link.target))) return;
    }
    const outcome = write
      ? this.workspaces.write(timeS, run, path, `${self}:escape`)
      : this.workspaces.read(timeS, run, path);
    if (!this.step(outcome) || !outcome.ok) return;
    const changed = victim !== undefined && this.workspaces.changes(victim) !== before;
    const leakedRead = !write && !outcome.value.startsWith(`${self}:`);
    const outside = write && outcome.value.startsWith("/");
    if (changed || leakedRead || outside) this.counters.breaches++;
  }

  /** Counts an operation of an escape; false (a refusal counted if it was one) when it failed. */
  private step(outcome: Outcome<string>): boolean {
    this.counters.operations++;
    if (outcome.ok) return true;
    if (outcome.denied) this.counters.escapesRefused++;
    return false;
  }
}

function isGarbage(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as { garbage?: unknown }).garbage === true
  );
}
