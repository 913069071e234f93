/**
 * What a misbehaving agent does besides its model calls, as its job's `behaviour` says: after
 * each turn it tries to escape its workspace and writes garbage to the store, and it calls
 * tools outside its grant. The agent decides what to try, in what order, drawing from its run's
 * own stream (so every policy sees the same attempts); the runtime carries each action out
 * against the real workspaces and store, which check and audit it, and counts the outcomes and
 * detects breaches itself (`MisbehaviourActions`). The token hog and the runaway are part of
 * the run's program (`program.ts`).
 */

import type { BehaviourSpec } from "../scenario/index.ts";
import type { Rng } from "../sim/index.ts";

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

/** A link a run makes in its own workspace: `path` (relative to its root) pointing at `target`. */
export interface LinkPlan {
  readonly path: string;
  readonly target: string;
}

/**
 * One escape attempt as the agent plans it: make `links` in order, then read or write `path`.
 * The attempt stops at the first action refused.
 */
export interface EscapeAttempt {
  /** The open run it aims at; undefined when no other run is open. */
  readonly victim: string | undefined;
  /** Links made first, in order (none for a plain trick path). */
  readonly links: readonly LinkPlan[];
  /** The path read or written last (a trick path, or one of the links). */
  readonly path: string;
  /** True to write `path`, false to read it. */
  readonly write: boolean;
}

/**
 * What a misbehaving run can do after a turn. The runtime implements it for one run at a
 * time: it carries each action out against the workspaces and the store, which check and audit
 * it, and counts what happened.
 */
export interface MisbehaviourActions {
  /** The run's own id. */
  readonly self: string;
  /** Other runs whose workspace is open now, that an escape may aim at. */
  victims(): readonly string[];
  /** Escape attempts made so far in the cell, by every run (the next one numbers its links). */
  escapesSoFar(): number;
  /** Carries out one escape attempt. */
  escape(attempt: EscapeAttempt): void;
  /** Writes a garbage value to a store entity (`<scope>/<key>`). */
  writeGarbage(entity: string): void;
}

/**
 * A misbehaving run's activity after a turn, drawn from its stream `rng`: its workspace escape
 * attempts, then its garbage writes to the store (entities among `keysPerScope` keys a scope).
 */
export function misbehave(
  behaviour: BehaviourSpec | undefined,
  keysPerScope: number,
  actions: MisbehaviourActions,
  rng: Rng,
): void {
  const escapes = behaviour?.workspaceEscapes?.perTurn ?? 0;
  for (let i = 0; i < escapes; i++) {
    actions.escape(escapeAttempt(actions.self, actions.victims(), actions.escapesSoFar() + 1, rng));
  }
  const garbage = behaviour?.garbageWrites;
  if (garbage !== undefined && garbage.scopes.length > 0) {
    for (let i = 0; i < garbage.perTurn; i++) {
      actions.writeGarbage(storeEntity(garbage.scopes, keysPerScope, rng));
    }
  }
}

/**
 * One escape attempt, drawn from the run's stream: a victim among the open runs, then a trick
 * path (read or write), a link to a trick target then an access through it, or a chain (a link
 * up to the root, then a link through it and `..` into another root). `n` numbers the
 * attempt's links (`links/e<n>`), unique in the cell.
 */
export function escapeAttempt(
  self: string,
  victims: readonly string[],
  n: number,
  rng: Rng,
): EscapeAttempt {
  const victim = victims.length > 0 ? victims[Math.floor(rng.next() * victims.length)]! : undefined;
  const other = victim ?? "other-run";
  const kind = rng.next();
  const write = rng.next() < 0.5;
  if (kind < 0.6) {
    // Without another open run, naming one's namespace would only name a folder of one's own.
    const templates =
      victim === undefined ? ESCAPE_PATHS.filter((p) => !p.startsWith("{victim}")) : ESCAPE_PATHS;
    const path = fill(templates[Math.floor(rng.next() * templates.length)]!, other, self);
    return { victim, links: [], path, write };
  }
  const path = `links/e${n}`;
  if (kind < 0.85) {
    const template = ESCAPE_LINK_TARGETS[Math.floor(rng.next() * ESCAPE_LINK_TARGETS.length)]!;
    return { victim, links: [{ path, target: fill(template, other, self) }], path, write };
  }
  const links = [
    { path: `links/e${n}-up`, target: ".." },
    { path, target: `e${n}-up/../${other}/out/turn-0-0.txt` },
  ];
  return { victim, links, path, write };
}

/** A store entity (`<scope>/<key>`) drawn from the run's stream: a scope, then a key. */
export function storeEntity(scopes: readonly string[], keysPerScope: number, rng: Rng): string {
  const scope = scopes[Math.floor(rng.next() * scopes.length)]!;
  return `${scope}/${Math.floor(rng.next() * keysPerScope)}`;
}

/** The tool a misbehaving run calls outside its grant, drawn from the run's stream. */
export function toolOutsideGrant(tools: readonly string[], rng: Rng): string {
  return tools[Math.floor(rng.next() * tools.length)]!;
}

/** A template with `{victim}` and `{self}` replaced. */
function fill(template: string, victim: string, self: string): string {
  if (!template.includes("{")) return template;
  return template.replaceAll("{victim}", victim).replaceAll("{self}", self);
}
