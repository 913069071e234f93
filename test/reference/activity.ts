/**
 * The reference twin of what runs do besides model and tool calls (src/runtime/activity.ts): a
 * well-behaved run's workspace and store activity after each turn, and a misbehaving run's
 * escape attempts and garbage writes, through the reference workspaces and store, counted as
 * the results report them, with breaches detected apart from the workspaces' own checks.
 *
 * Shared with the real runtime: the lists of escape tricks (`ESCAPE_PATHS`,
 * `ESCAPE_LINK_TARGETS`), which are data, not behaviour.
 */

import type { AuditSink } from "../../src/audit/index.ts";
import type { ActivityCounters } from "../../src/runtime/activity.ts";
import { ESCAPE_LINK_TARGETS, ESCAPE_PATHS } from "../../src/runtime/activity.ts";
import type { JobSpec } from "../../src/scenario/types.ts";
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

  start(run: string): void {
    this.workspaces.open(run);
    this.open.add(run);
    this.recent.push(run);
    if (this.recent.length > RECENT_RUNS) this.recent.shift();
  }

  end(run: string): void {
    if (this.open.delete(run)) this.workspaces.close(run);
  }

  /** After turn `k`: the run writes its files and reads each back, then reads and writes the store. */
  honest(timeS: number, run: StoreCaller, job: JobSpec, k: number, draw: () => number): void {
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
      const read = this.store.read(timeS, run, entity(scopes, io.keysPerScope, draw));
      this.counters.operations++;
      this.counters.storeReads++;
      if (read.ok && isGarbage(read.value.value)) this.counters.readsOfGarbage++;
      if (!read.ok && read.denied) this.counters.storeDenials++;
    }
    for (let i = 0; i < io.storeWrites; i++) {
      const key = entity(scopes, io.keysPerScope, draw);
      const written = this.store.write(timeS, run, key, { run: run.run, turn: k });
      this.counters.operations++;
      if (written.ok) this.counters.storeWrites++;
      else if (written.denied) this.counters.storeDenials++;
    }
  }

  /** After a turn, a misbehaving run: its escape attempts, then its garbage writes. */
  adversarial(timeS: number, run: StoreCaller, job: JobSpec, draw: () => number): void {
    const behaviour = job.behaviour;
    for (let i = 0; i < (behaviour?.workspaceEscapes?.perTurn ?? 0); i++) {
      this.escape(timeS, run, draw);
    }
    const garbage = behaviour?.garbageWrites;
    if (garbage === undefined || garbage.scopes.length === 0) return;
    for (let i = 0; i < garbage.perTurn; i++) {
      const key = entity(garbage.scopes, job.io.keysPerScope, draw);
      const written = this.store.write(timeS, run, key, { garbage: true, run: run.run });
      this.counters.operations++;
      if (written.ok) this.counters.garbageWrites++;
      else if (written.denied) this.counters.storeDenials++;
    }
  }

  /**
   * One escape attempt: against a victim drawn among the recent open runs, a trick path read or
   * written, or a link to a trick target (or a chain of two links) then an access through it. A
   * breach: the victim's root changed, a read returned what this run did not write, or a write
   * landed outside this run's root.
   */
  private escape(timeS: number, run: StoreCaller, draw: () => number): void {
    const self = run.run;
    const victims = this.recent.filter((id) => id !== self && this.open.has(id));
    const victim = victims.length > 0 ? victims[Math.floor(draw() * victims.length)] : undefined;
    const other = victim ?? "other-run";
    const kind = draw();
    const write = draw() < 0.5;
    this.counters.escapeAttempts++;
    const n = this.counters.escapeAttempts;
    const before = victim === undefined ? 0 : this.workspaces.changes(victim);
    const fill = (template: string) =>
      template.replaceAll("{victim}", other).replaceAll("{self}", self);
    let path: string;
    if (kind < 0.6) {
      // With no victim, a path starting with its name would name a folder of the run's own.
      const paths =
        victim === undefined ? ESCAPE_PATHS.filter((p) => !p.startsWith("{victim}")) : ESCAPE_PATHS;
      path = fill(paths[Math.floor(draw() * paths.length)]!);
    } else {
      path = `links/e${n}`;
      if (kind < 0.85) {
        const target = ESCAPE_LINK_TARGETS[Math.floor(draw() * ESCAPE_LINK_TARGETS.length)]!;
        if (!this.step(this.workspaces.link(timeS, run, path, fill(target)))) return;
      } else {
        const up = this.workspaces.link(timeS, run, `links/e${n}-up`, "..");
        if (!this.step(up)) return;
        const through = `e${n}-up/../${other}/out/turn-0-0.txt`;
        if (!this.step(this.workspaces.link(timeS, run, path, through))) return;
      }
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

/** A store key drawn from `scopes`: `<scope>/<k>`, k below `keysPerScope`. */
function entity(scopes: readonly string[], keysPerScope: number, draw: () => number): string {
  const scope = scopes[Math.floor(draw() * scopes.length)]!;
  return `${scope}/${Math.floor(draw() * keysPerScope)}`;
}

function isGarbage(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as { garbage?: unknown }).garbage === true
  );
}
