import type { AuditedRun, AuditSink } from "../audit/index.ts";
import type { AccessDecision } from "./governance.ts";

/** Who accesses the store: a run with its identity and its job's data-scope check (`RunAccess`). */
export interface StoreCaller extends AuditedRun {
  readonly job: string;
  readonly tenant: string;
  readonly authorizedBy: string;
  /** Allows or denies access to an entity key (the job's `dataScopes`). */
  checkData(entity: string): AccessDecision;
}

/** One version of an entity and who wrote it, under whose authority, when. Frozen. */
export interface StoreWrite {
  readonly entity: string;
  /** From 1 for each entity. */
  readonly version: number;
  readonly run: string;
  readonly job: string;
  readonly tenant: string;
  readonly authorizedBy: string;
  readonly timeS: number;
  /** The value written; the store keeps the reference, so values are treated as immutable. */
  readonly value: unknown;
}

/** A version's provenance: its write, and the runs that read it (in order of first read). */
export interface Provenance extends StoreWrite {
  readonly readers: readonly string[];
  /** Reads of this version, all runs together. */
  readonly reads: number;
}

/** Everything that follows from a set of writes: who made them, who authorized them, who read them. */
export interface BlastRadius {
  /** The matching versions, by entity (in order of first write) then version. */
  readonly writes: readonly { readonly entity: string; readonly version: number }[];
  /** Runs that made them, in order of first appearance among `writes`. */
  readonly writers: readonly string[];
  /** Their authorizers, likewise. */
  readonly authorizers: readonly string[];
  /** Runs that read any of them, likewise (a writer that read its own write included). */
  readonly readers: readonly string[];
}

/** The outcome of a store access: a value, or a denial (`denied`) or failure as data. */
export type StoreResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: string; denied: boolean };

interface Version {
  readonly write: StoreWrite;
  readonly readers: Set<string>;
  reads: number;
}

/** Longest entity key copied into an audit record's target when access is denied. */
const TARGET_CHARS_MAX = 256;

/**
 * The memory all runs share: entities (keys such as `tickets/123`) with versions. Every access
 * is checked against the caller's data scopes and audited (`store.write`/`store.read`, target
 * `entity@version`; a denial is `deny` with its reason, a missing entity or version `error`).
 * Every write keeps run, job, tenant, authorizedBy and time, and every read which run read
 * which version, so a bad write's provenance and blast radius can be listed.
 */
export class Store {
  private readonly entities = new Map<string, Version[]>();

  /** A store auditing every access to `audit`. */
  constructor(private readonly audit: AuditSink) {}

  /** Writes a new version of `entity`; returns its version number. */
  write(timeS: number, caller: StoreCaller, entity: string, value: unknown): StoreResult<number> {
    const decision = caller.checkData(entity);
    if (!decision.allow) return this.deny(timeS, caller, "store.write", entity, decision.reason);
    let versions = this.entities.get(entity);
    if (versions === undefined) {
      versions = [];
      this.entities.set(entity, versions);
    }
    const version = versions.length + 1;
    const { run, job, tenant, authorizedBy } = caller;
    const write = Object.freeze({ entity, version, run, job, tenant, authorizedBy, timeS, value });
    versions.push({ write, readers: new Set(), reads: 0 });
    this.audit.append(timeS, caller.actor, "store.write", `${entity}@${version}`, "ok");
    return { ok: true, value: version };
  }

  /** Reads `entity` at `version` (default the latest), recording that the caller's run read it. */
  read(
    timeS: number,
    caller: StoreCaller,
    entity: string,
    version?: number,
  ): StoreResult<{ version: number; value: unknown }> {
    const decision = caller.checkData(entity);
    if (!decision.allow) return this.deny(timeS, caller, "store.read", entity, decision.reason);
    const versions = this.entities.get(entity);
    const wanted = version ?? versions?.length ?? 0;
    const found = versions?.[wanted - 1];
    if (found === undefined || !Number.isInteger(wanted)) {
      const latest = versions?.length ?? 0;
      const reason = latest === 0 ? "no such entity" : `no version ${wanted} (latest is ${latest})`;
      this.audit.append(timeS, caller.actor, "store.read", entity, "error", reason);
      return { ok: false, reason, denied: false };
    }
    found.readers.add(caller.run);
    found.reads++;
    this.audit.append(timeS, caller.actor, "store.read", `${entity}@${wanted}`, "ok");
    return { ok: true, value: { version: wanted, value: found.write.value } };
  }

  /** The latest version number of `entity` (0 when never written). */
  latest(entity: string): number {
    return this.entities.get(entity)?.length ?? 0;
  }

  /** Every write, by entity (in order of first write) then version. */
  *writes(): Generator<StoreWrite> {
    for (const versions of this.entities.values()) {
      for (const v of versions) yield v.write;
    }
  }

  /** Who wrote `entity` at `version`, under whose authority, and which runs read it; undefined if none. */
  provenance(entity: string, version: number): Provenance | undefined {
    const found = this.entities.get(entity)?.[version - 1];
    if (found === undefined) return undefined;
    return { ...found.write, readers: [...found.readers], reads: found.reads };
  }

  /** The writes matching `predicate`, their writers and authorizers, and every run that read one. */
  blastRadius(predicate: (write: StoreWrite) => boolean): BlastRadius {
    const writes: { entity: string; version: number }[] = [];
    const writers = new Set<string>();
    const authorizers = new Set<string>();
    const readers = new Set<string>();
    for (const versions of this.entities.values()) {
      for (const { write, readers: readBy } of versions) {
        if (!predicate(write)) continue;
        writes.push({ entity: write.entity, version: write.version });
        writers.add(write.run);
        authorizers.add(write.authorizedBy);
        for (const run of readBy) readers.add(run);
      }
    }
    return { writes, writers: [...writers], authorizers: [...authorizers], readers: [...readers] };
  }

  private deny(
    timeS: number,
    caller: StoreCaller,
    action: "store.read" | "store.write",
    entity: string,
    reason: string,
  ): StoreResult<never> {
    const target = typeof entity === "string" ? entity.slice(0, TARGET_CHARS_MAX) : String(entity);
    this.audit.append(timeS, caller.actor, action, target, "deny", reason);
    return { ok: false, reason, denied: true };
  }
}
