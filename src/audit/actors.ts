import type { ActorId, AuditActor } from "./record.ts";
import { actorJson } from "./record.ts";

/**
 * The actors a trail has registered, by id. A summary-mode trail keeps only one flag byte per
 * actor (whether it lacks authority), so its memory grows with runs, not with records; the other
 * modes keep the names and the JSON fragments records are serialized with, made once per actor.
 */
export class ActorTable {
  /** Number of registered actors; ids are 0..count-1. */
  count = 0;
  /** 1 where the actor has no `authorizedBy`. */
  noAuthority = new Uint8Array(256);
  readonly run: string[] = [];
  readonly job: string[] = [];
  readonly tenant: string[] = [];
  readonly authorizedBy: string[] = [];
  private readonly parts: (string | undefined)[] = [];
  private readonly authParts: (string | undefined)[] = [];

  constructor(readonly keepNames: boolean) {}

  /** Registers an actor and returns its id. */
  add(identity: AuditActor): ActorId {
    const id = this.count;
    if (id === this.noAuthority.length) {
      const grown = new Uint8Array(id * 2);
      grown.set(this.noAuthority);
      this.noAuthority = grown;
    }
    this.noAuthority[id] = identity.authorizedBy === "" ? 1 : 0;
    if (this.keepNames) {
      this.run.push(identity.run);
      this.job.push(identity.job);
      this.tenant.push(identity.tenant);
      this.authorizedBy.push(identity.authorizedBy);
      // The JSON fragments are made when first serialized (verify, export), not per run here.
      this.parts.push(undefined);
      this.authParts.push(undefined);
    }
    this.count = id + 1;
    return id;
  }

  /** The actor's identity (requires `keepNames`). */
  get(id: ActorId): AuditActor {
    return {
      run: this.run[id]!,
      job: this.job[id]!,
      tenant: this.tenant[id]!,
      authorizedBy: this.authorizedBy[id]!,
    };
  }

  /** The `,"run":…,"job":…,"tenant":…` fragment of an actor (requires `keepNames`). */
  part(id: ActorId): string {
    let part = this.parts[id];
    if (part === undefined) {
      part = actorJson(this.get(id));
      this.parts[id] = part;
    }
    return part;
  }

  /** The quoted `authorizedBy` of an actor (requires `keepNames`). */
  authPart(id: ActorId): string {
    let part = this.authParts[id];
    if (part === undefined) {
      part = JSON.stringify(this.authorizedBy[id]!);
      this.authParts[id] = part;
    }
    return part;
  }
}
