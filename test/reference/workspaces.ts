/**
 * The reference twin of the runtime's workspaces (src/runtime/workspace.ts), for the reference
 * runtime: every run's root `/runs/<run>` in one file tree, held as a plain map from absolute
 * path to entry (a directory, a file or a link), and a path resolver written as the docs state
 * it, segment by segment, without the real one's stacks of directories and shortcuts.
 *
 * - `strict`: the path is screened (normalized; `..`, absolute paths and character tricks
 *   refused), a first segment naming another run is refused, then the path is walked from the
 *   run's root following links, and refused the moment the walk would leave the path from the
 *   tree root down to the run's root.
 * - `prefix-only`: the raw path joined to the run's root must start with `/runs/<run>/`; then
 *   the walk goes wherever the path and its links lead, as a file system would.
 *
 * It shares with the real one only the screening of a path's text (`normalizePath`,
 * `screenTarget`: pure functions with tests of their own in workspace-paths.test.ts), so a
 * change to how the tree is walked, links followed, roots confined or changes counted shows up
 * as a difference between the twins. Only what runs do is here: open, close, read, write, link
 * and the change count of a root (list and delete are not used by runs).
 */

import type { AuditAction, AuditedRun, AuditSink } from "../../src/audit/index.ts";
import { normalizePath, screenTarget } from "../../src/runtime/workspace.ts";

/** A workspace operation's outcome, as the real workspaces give it. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string; denied: boolean };

type Entry = { kind: "dir" } | { kind: "file"; data: string } | { kind: "link"; target: string };

/** Where a walk ended: the absolute names of the location. */
type Walk = { ok: true; names: string[] } | { ok: false; reason: string; denied: boolean };

/** Links followed in one walk before it is given up as a loop (as the real resolver). */
const LINK_HOPS_MAX = 40;
/** Longest raw path or link target shown in an audit record. */
const SHOWN_CHARS_MAX = 256;

/** The absolute path of `names`: "/" for none. */
const pathOf = (names: readonly string[]) => `/${names.join("/")}`;

/** Every run's workspace in one tree, resolved by `strict` or `prefix-only`, audited to a sink. */
export class ReferenceWorkspaces {
  /** Every entry of the tree by absolute path; "/" and "/runs" always exist. */
  private readonly entries = new Map<string, Entry>([
    ["/", { kind: "dir" }],
    ["/runs", { kind: "dir" }],
  ]);
  /** Every run ever opened: their names stay reserved. */
  private readonly everOpened = new Set<string>();
  /** Changes made under each open run's root (a file or link written, a directory made there). */
  private readonly changeCount = new Map<string, number>();

  constructor(
    private readonly audit: AuditSink,
    private readonly resolver: "strict" | "prefix-only",
  ) {}

  /** Makes the run's empty root `/runs/<run>`; its name stays reserved once opened. */
  open(run: string): void {
    if (this.everOpened.has(run) || run.includes("/")) throw new Error(`bad run id ${run}`);
    this.everOpened.add(run);
    this.entries.set(`/runs/${run}`, { kind: "dir" });
    this.changeCount.set(run, 0);
  }

  /** Drops the run's root and everything under it. */
  close(run: string): void {
    const root = `/runs/${run}`;
    for (const path of [...this.entries.keys()]) {
      if (path === root || path.startsWith(`${root}/`)) this.entries.delete(path);
    }
    this.changeCount.delete(run);
  }

  /** Changes made under an open run's root so far. */
  changes(run: string): number {
    return this.changeCount.get(run)!;
  }

  /** Reads a file of the caller's, through links. */
  read(timeS: number, caller: AuditedRun, path: string): Outcome<string> {
    const walk = this.resolve(timeS, caller, "workspace.read", path, true, "");
    if (!walk.ok) return walk;
    const where = this.shown(caller.run, walk.names);
    const entry = this.entries.get(pathOf(walk.names));
    if (entry === undefined)
      return this.failed(timeS, caller, "workspace.read", where, "no such file");
    if (entry.kind !== "file")
      return this.failed(timeS, caller, "workspace.read", where, "is a directory");
    this.audit.append(timeS, caller.actor, "workspace.read", where, "ok");
    return { ok: true, value: entry.data };
  }

  /** Writes a file of the caller's, through links, making missing directories; returns where. */
  write(timeS: number, caller: AuditedRun, path: string, data: string): Outcome<string> {
    const walk = this.resolve(timeS, caller, "workspace.write", path, true, "");
    if (!walk.ok) return walk;
    const where = this.shown(caller.run, walk.names);
    const entry = this.entries.get(pathOf(walk.names));
    if (entry !== undefined && entry.kind !== "file")
      return this.failed(timeS, caller, "workspace.write", where, "is a directory");
    if (!this.makeParents(walk.names))
      return this.failed(timeS, caller, "workspace.write", where, "not a directory");
    this.put(walk.names, { kind: "file", data });
    this.audit.append(timeS, caller.actor, "workspace.write", where, "ok");
    return { ok: true, value: where };
  }

  /** Makes a link at `path` (not followed) to `target`; audited as a write of `path -> target`. */
  link(timeS: number, caller: AuditedRun, path: string, target: string): Outcome<string> {
    const arrow = ` -> ${target.slice(0, SHOWN_CHARS_MAX)}`;
    const walk = this.resolve(timeS, caller, "workspace.write", path, false, arrow);
    if (!walk.ok) return walk;
    const where = this.shown(caller.run, walk.names);
    if (this.entries.has(pathOf(walk.names)))
      return this.failed(timeS, caller, "workspace.write", `${where}${arrow}`, "exists");
    const aimed = this.checkTarget(caller.run, walk.names.slice(0, -1), target);
    if (!aimed.ok) {
      const decision = aimed.denied ? "deny" : "error";
      this.audit.append(
        timeS,
        caller.actor,
        "workspace.write",
        `${where}${arrow}`,
        decision,
        aimed.reason,
      );
      return aimed;
    }
    if (!this.makeParents(walk.names))
      return this.failed(timeS, caller, "workspace.write", `${where}${arrow}`, "not a directory");
    this.put(walk.names, { kind: "link", target });
    this.audit.append(timeS, caller.actor, "workspace.write", `${where}${arrow}`, "ok");
    return { ok: true, value: where };
  }

  /** Resolves a caller's path under the resolver in force; a refusal or error is audited here. */
  private resolve(
    timeS: number,
    caller: AuditedRun,
    action: AuditAction,
    path: string,
    followLast: boolean,
    suffix: string,
  ): Walk {
    if (!this.entries.has(`/runs/${caller.run}`)) throw new Error(`${caller.run} is not open`);
    const walk =
      this.resolver === "strict"
        ? this.strict(caller.run, path, followLast)
        : this.prefixOnly(caller.run, path, followLast);
    if (!walk.ok) {
      const target = `${path.slice(0, SHOWN_CHARS_MAX)}${suffix}`;
      const decision = walk.denied ? "deny" : "error";
      this.audit.append(timeS, caller.actor, action, target, decision, walk.reason);
    }
    return walk;
  }

  private strict(run: string, path: string, followLast: boolean): Walk {
    const checked = normalizePath(path);
    if (!checked.ok) return { ok: false, reason: checked.reason, denied: true };
    const segments = checked.path.split("/");
    const first = segments[0]!;
    if (first !== run && this.everOpened.has(first)) {
      const reason = `names another run's namespace (${JSON.stringify(first)})`;
      return { ok: false, reason, denied: true };
    }
    return this.walk(run, ["runs", run], segments, followLast, true);
  }

  private prefixOnly(run: string, path: string, followLast: boolean): Walk {
    if (path === "") return { ok: false, reason: "empty path", denied: true };
    const root = `/runs/${run}`;
    const joined = path.startsWith("/") ? path : `${root}/${path}`;
    if (!joined.startsWith(`${root}/`) && joined !== root) {
      return { ok: false, reason: "outside the workspace (prefix check)", denied: true };
    }
    return this.walk(run, [], joined.split("/"), followLast, false);
  }

  /** Whether a new link's target, from the link's directory `from`, is allowed. */
  private checkTarget(run: string, from: string[], target: string): Walk {
    if (this.resolver === "prefix-only") {
      if (target === "") return { ok: false, reason: "empty link target", denied: true };
      if (target.startsWith("/") && !target.startsWith(`/runs/${run}/`)) {
        const reason = "link target outside the workspace (prefix check)";
        return { ok: false, reason, denied: true };
      }
      return { ok: true, names: [] };
    }
    const screened = screenTarget(target, true);
    if (!screened.ok) return { ok: false, reason: `link target: ${screened.reason}`, denied: true };
    const walk = this.walk(run, screened.absolute ? [] : from, screened.segments, true, true);
    if (walk.ok) return walk;
    return { ok: false, reason: `link target: ${walk.reason}`, denied: walk.denied };
  }

  /**
   * Walks `segments` from the absolute location `start`, following links (a last one only if
   * `followLast`). Confined, it may go only down the path from the tree root to the run's root,
   * or inside that root, and ends inside the root; free, it goes where the path leads.
   */
  private walk(
    run: string,
    start: string[],
    segments: string[],
    followLast: boolean,
    confined: boolean,
  ): Walk {
    const names = [...start];
    const todo = segments.filter((s) => s !== "" && s !== ".");
    let hops = 0;
    while (todo.length > 0) {
      const segment = todo.shift()!;
      if (segment === "..") {
        names.pop();
        if (confined && !onRootPath(names, run)) {
          return { ok: false, reason: 'parent segment ".." leaves the workspace', denied: true };
        }
        continue;
      }
      if (confined && names.length < 2 && segment !== (names.length === 0 ? "runs" : run)) {
        return { ok: false, reason: "outside the workspace", denied: true };
      }
      const here = this.entries.get(pathOf(names));
      if (here?.kind === "file") return { ok: false, reason: "not a directory", denied: false };
      const next = here?.kind === "dir" ? this.entries.get(pathOf([...names, segment])) : undefined;
      if (next?.kind === "link" && (todo.length > 0 || followLast)) {
        if (++hops > LINK_HOPS_MAX) {
          return { ok: false, reason: "too many links (a loop?)", denied: false };
        }
        const target = screenTarget(next.target, true);
        if (!target.ok) return { ok: false, reason: `link target: ${target.reason}`, denied: true };
        if (target.absolute) names.length = 0;
        todo.unshift(...target.segments.filter((s) => s !== "" && s !== "."));
        continue;
      }
      names.push(segment);
    }
    if (confined && (!onRootPath(names, run) || names.length < 2)) {
      return { ok: false, reason: "outside the workspace", denied: true };
    }
    return { ok: true, names };
  }

  /** Makes the missing directories above `names`; false when a file or link stands in the way. */
  private makeParents(names: string[]): boolean {
    for (let depth = 1; depth < names.length; depth++) {
      const dir = names.slice(0, depth);
      const entry = this.entries.get(pathOf(dir));
      if (entry === undefined) this.put(dir, { kind: "dir" });
      else if (entry.kind !== "dir") return false;
    }
    return true;
  }

  /** Sets an entry, counting the change against the open run whose root holds its directory. */
  private put(names: string[], entry: Entry): void {
    this.entries.set(pathOf(names), entry);
    const run = names[1];
    if (names.length >= 3 && names[0] === "runs" && this.changeCount.has(run!)) {
      this.changeCount.set(run!, this.changeCount.get(run!)! + 1);
    }
  }

  /** A location as audited: relative to the caller's root when inside it, else absolute. */
  private shown(run: string, names: string[]): string {
    if (names.length >= 2 && names[0] === "runs" && names[1] === run) {
      return names.slice(2).join("/");
    }
    return pathOf(names);
  }

  private failed(
    timeS: number,
    caller: AuditedRun,
    action: AuditAction,
    where: string,
    reason: string,
  ): Outcome<never> {
    this.audit.append(timeS, caller.actor, action, where, "error", reason);
    return { ok: false, reason, denied: false };
  }
}

/** Whether absolute `names` lie on the path from the tree root down to the run's root, or inside it. */
function onRootPath(names: readonly string[], run: string): boolean {
  if (names.length === 0) return true;
  if (names[0] !== "runs") return false;
  return names.length === 1 || names[1] === run;
}
