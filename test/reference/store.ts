/**
 * The reference twin of the runtime's store (src/runtime/store.ts) and of its data-scope check
 * (src/runtime/governance.ts, `Grant.checkData`), for the reference runtime: entities with
 * versions in a plain map, every access checked against the caller's job's data scopes and
 * audited, every write kept with who made it under whose authority, every read with who read
 * which version, so the blast radius of a set of writes can be listed.
 */

import type { AuditedRun, AuditSink } from "../../src/audit/index.ts";
import type { BlastRadius, StoreWrite } from "../../src/runtime/store.ts";
import { normalizePath } from "../../src/runtime/workspace.ts";

/** A store access's outcome, as the real store gives it. */
export type StoreOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: string; denied: boolean };

/** Who accesses the store: a run, its job, tenant and authorizer, and its job's data scopes. */
export interface StoreCaller extends AuditedRun {
  job: string;
  tenant: string;
  authorizedBy: string;
  dataScopes: readonly string[];
}

interface Version {
  write: StoreWrite;
  /** Runs that read it, in order of first read. */
  readers: string[];
}

/** Longest entity key shown in an audit record of a denial. */
const SHOWN_CHARS_MAX = 256;

/**
 * Why `caller` may not touch `entity`, or undefined when it may: the key must be a normalized
 * path, and equal one of the job's data scopes or lie under one ("tickets" covers "tickets/7").
 */
export function dataScopeDenial(caller: StoreCaller, entity: string): string | undefined {
  const checked = normalizePath(entity);
  if (!checked.ok || checked.path !== entity) {
    const why = checked.ok ? `it normalizes to ${JSON.stringify(checked.path)}` : checked.reason;
    return `store key ${JSON.stringify(entity).slice(0, 200)} is not a normalized key: ${why}`;
  }
  if (caller.dataScopes.some((scope) => entity === scope || entity.startsWith(`${scope}/`))) {
    return undefined;
  }
  const scopes = caller.dataScopes.join(", ") || "none";
  return `${JSON.stringify(entity)} is outside job ${JSON.stringify(caller.job)}'s dataScopes (${scopes})`;
}

/** The store all runs share: versioned entities, every access checked and audited. */
export class ReferenceStore {
  /** Each entity's versions, entities in order of first write. */
  private readonly entities = new Map<string, Version[]>();

  constructor(private readonly audit: AuditSink) {}

  /** Writes a new version of `entity`; returns its number. */
  write(timeS: number, caller: StoreCaller, entity: string, value: unknown): StoreOutcome<number> {
    const denial = dataScopeDenial(caller, entity);
    if (denial !== undefined) return this.deny(timeS, caller, "store.write", entity, denial);
    const versions = this.entities.get(entity) ?? [];
    this.entities.set(entity, versions);
    const version = versions.length + 1;
    versions.push({
      write: {
        entity,
        version,
        run: caller.run,
        job: caller.job,
        tenant: caller.tenant,
        authorizedBy: caller.authorizedBy,
        timeS,
        value,
      },
      readers: [],
    });
    this.audit.append(timeS, caller.actor, "store.write", `${entity}@${version}`, "ok");
    return { ok: true, value: version };
  }

  /** Reads the latest version of `entity`. */
  read(
    timeS: number,
    caller: StoreCaller,
    entity: string,
  ): StoreOutcome<{ version: number; value: unknown }> {
    const denial = dataScopeDenial(caller, entity);
    if (denial !== undefined) return this.deny(timeS, caller, "store.read", entity, denial);
    const versions = this.entities.get(entity) ?? [];
    if (versions.length === 0) {
      this.audit.append(timeS, caller.actor, "store.read", entity, "error", "no such entity");
      return { ok: false, reason: "no such entity", denied: false };
    }
    const latest = versions[versions.length - 1]!;
    if (!latest.readers.includes(caller.run)) latest.readers.push(caller.run);
    this.audit.append(timeS, caller.actor, "store.read", `${entity}@${versions.length}`, "ok");
    return { ok: true, value: { version: versions.length, value: latest.write.value } };
  }

  /** The writes matching `predicate`, their writers and authorizers, and the runs that read them. */
  blastRadius(predicate: (write: StoreWrite) => boolean): BlastRadius {
    const matching: Version[] = [];
    for (const versions of this.entities.values()) {
      for (const version of versions) if (predicate(version.write)) matching.push(version);
    }
    const unique = (list: string[]) => [...new Set(list)];
    return {
      writes: matching.map((v) => ({ entity: v.write.entity, version: v.write.version })),
      writers: unique(matching.map((v) => v.write.run)),
      authorizers: unique(matching.map((v) => v.write.authorizedBy)),
      readers: unique(matching.flatMap((v) => v.readers)),
    };
  }

  private deny(
    timeS: number,
    caller: StoreCaller,
    action: "store.read" | "store.write",
    entity: string,
    reason: string,
  ): StoreOutcome<never> {
    this.audit.append(
      timeS,
      caller.actor,
      action,
      entity.slice(0, SHOWN_CHARS_MAX),
      "deny",
      reason,
    );
    return { ok: false, reason, denied: true };
  }
}
