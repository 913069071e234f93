import type { AuditAction, AuditedRun, AuditSink } from "../audit/index.ts";

/**
 * Limits on workspace paths, in UTF-16 code units: a whole path at most 1024, a segment at most
 * 255 (the common file-system limit), at most 32 segments deep.
 */
export const PATH_LIMITS = { maxPathChars: 1024, maxSegmentChars: 255, maxDepth: 32 } as const;

/** A normalized path, or why it was refused. */
export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** The outcome of a workspace operation: a value, or a refusal (`denied`) or failure as data. */
export type WorkspaceResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: string; denied: boolean };

/** Paths made only of these characters need none of the Unicode checks. */
const PLAIN = /^[A-Za-z0-9._\-/ +=@,#]*$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const PERCENT = /%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i;
/** Format characters (zero-width, bidi controls, BOM, soft hyphen), separators of lines and paragraphs, unpaired surrogates, invisible fillers and variation selectors. */
const INVISIBLE =
  /[\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u115f\u1160\u3164\uffa0]|\u034f|[\u180b-\u180d]|[\ufe00-\ufe0f]/u;
/** Characters that look like a dot or a slash and survive NFKC (or are caught by it anyway). */
const LOOK_ALIKE =
  /[\u2215\u2044\u29f8\u29f9\u2216\ufe68\u3002\uff61\u2024\u2025\u2026\ufe52\uff0e\uff0f\uff3c]|\u0337|\u0338/;

/**
 * Normalizes a workspace path, or says why it is refused. The result is relative to the run's
 * namespace, with segments joined by "/" and empty and "." segments dropped ("a//./b/" is
 * "a/b"). Refused: a non-string or empty path; one over `PATH_LIMITS`; control characters
 * (NUL included); backslashes; colons (drive letters, alternate streams, URL schemes);
 * percent-encoded octets (`%2e`, `%2F`, `%u002e`, and so double encodings like `%252e`);
 * invisible characters (zero-width, bidi controls, BOM); any text that NFKC normalization
 * changes (fullwidth dots and slashes, ligatures, non-breaking spaces, decomposed accents);
 * other look-alikes of dots and slashes; absolute paths; a leading "~"; any ".." segment (even
 * one that would stay inside: a path names a location plainly or not at all); segments with
 * leading or trailing spaces or a trailing dot (trimmed by some file systems, so ".. " is "..");
 * and the root itself unless `allowRoot` (for listing).
 */
export function normalizePath(raw: unknown, allowRoot = false): PathCheck {
  const checked = screenPath(raw, allowRoot, true);
  return checked.ok ? { ok: true, path: checked.path } : checked;
}

/** A screened path: normalized, and its segments. */
type Screened = { ok: true; path: string; segments: string[] } | { ok: false; reason: string };

/** `normalizePath` with the segments kept, the refusal of percent-encoding optional (see `ResolverWeakening`). */
function screenPath(raw: unknown, allowRoot: boolean, percent: boolean): Screened {
  if (typeof raw !== "string") return refuse(`a path must be a string, got ${typeof raw}`);
  if (raw === "") return refuse("empty path");
  if (raw.length > PATH_LIMITS.maxPathChars) {
    return refuse(`path longer than ${PATH_LIMITS.maxPathChars} characters`);
  }
  const bad = PLAIN.test(raw) ? undefined : badCharacter(raw, percent);
  if (bad !== undefined) return refuse(bad);
  if (raw.startsWith("/")) return refuse("absolute path");
  if (raw.startsWith("~")) return refuse('home-directory reference "~"');
  const segments: string[] = [];
  for (const segment of raw.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") return refuse('parent segment ".." (would leave the workspace)');
    if (segment.length > PATH_LIMITS.maxSegmentChars) {
      return refuse(`segment longer than ${PATH_LIMITS.maxSegmentChars} characters`);
    }
    if (segment.trim() !== segment) return refuse("segment with leading or trailing spaces");
    if (segment.endsWith("."))
      return refuse("segment ending in a dot (trimmed by some file systems)");
    segments.push(segment);
  }
  if (segments.length > PATH_LIMITS.maxDepth) {
    return refuse(`path deeper than ${PATH_LIMITS.maxDepth} segments`);
  }
  if (segments.length === 0 && !allowRoot) return refuse("names the workspace root, not a file");
  return { ok: true, path: segments.join("/"), segments };
}

function badCharacter(raw: string, percent = true): string | undefined {
  const control = CONTROL.exec(raw);
  if (control !== null) return `control character ${codePoint(control[0])}`;
  if (raw.includes("\\")) return "backslash (a Windows separator)";
  if (raw.includes(":")) return "colon (drive letters, alternate data streams, URL schemes)";
  if (percent && PERCENT.test(raw)) return "percent-encoded character";
  const invisible = INVISIBLE.exec(raw);
  if (invisible !== null) return `invisible or unpaired character ${codePoint(invisible[0])}`;
  if (raw.normalize("NFKC") !== raw) {
    return "changes under Unicode NFKC normalization (look-alike or compatibility characters)";
  }
  const lookAlike = LOOK_ALIKE.exec(raw);
  if (lookAlike !== null) return `look-alike of a dot or slash ${codePoint(lookAlike[0])}`;
  return undefined;
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

function refuse(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/** Longest raw path copied into an audit record's target when a path is refused. */
const TARGET_CHARS_MAX = 256;

/** Links followed while resolving one path before it is given up as a loop (Linux's limit). */
export const LINK_HOPS_MAX = 40;

/**
 * How paths are resolved before access, a scenario choice (`runtime.workspaces.resolver`):
 * - `strict` (default): every path is screened (`normalizePath`), then walked from the run's
 *   root in the one tree, following links, and refused as soon as the walk would look at
 *   anything outside that root; what is accessed is exactly what was checked.
 * - `prefix-only`: a modelled flaw, common in real runtimes: the raw path, joined to the run's
 *   root, is allowed when it starts with `/runs/<run>/`, without normalization or link
 *   resolution; the file system then resolves `..` and links as usual. `../other/x`, an
 *   absolute path into another root, and a link to another root all escape.
 */
export type ResolverMode = "strict" | "prefix-only";

/** The resolver modes a scenario may choose, the default first. */
export const RESOLVER_MODES: readonly ResolverMode[] = ["strict", "prefix-only"];

/** Options of `Workspaces`. */
export interface WorkspacesConstraints {
  /** How paths are resolved before access; default "strict". */
  resolver?: ResolverMode;
  /**
   * The strict resolver with a known bug (see `ResolverWeakening`); default none. For showing
   * that the isolation checks find the escape each bug opens; no scenario can ask for one.
   */
  weakening?: ResolverWeakening;
}

/**
 * Weakenings of the strict resolver, each a real class of bug, so that a property test can
 * show it finds the escape each one opens (a scenario cannot reach them):
 * - `no-link-resolution`: the check walks the path without following links; the access follows them.
 * - `decode-after-check`: percent-encoding is let through the check and decoded before the access.
 * - `prefix-no-separator`: the walk may go anywhere; where it ends is checked as a string
 *   prefix without the separator, so `/runs/a` admits `/runs/ab`.
 */
export type ResolverWeakening = "no-link-resolution" | "decode-after-check" | "prefix-no-separator";

const DIR = 0;
const FILE = 1;
const LINK = 2;

/** A directory of the tree; `root` is the run root it lies in (null above the run roots). */
class Dir {
  readonly kind = DIR;
  readonly entries = new Map<string, Entry>();
  /** Changes made under a run root (kept on the root): a count the resolver cannot fake. */
  version = 0;
  constructor(public root: Dir | null) {}
}

interface File {
  readonly kind: typeof FILE;
  data: string;
}

/** A symlink-like entry: `target` is absolute (from the tree root) or relative to its directory. */
interface Link {
  readonly kind: typeof LINK;
  readonly target: string;
}

type Entry = Dir | File | Link;

/**
 * Where a walk ended: the absolute names of the location, the directory holding it (null when
 * that directory does not exist) and the entry there (undefined when missing).
 */
interface Place {
  names: string[];
  parent: Dir | null;
  entry: Entry | undefined;
  /** Whether the walk went straight down from where it started (no link followed, no ".."). */
  straight: boolean;
  /** The run-relative path, when known without joining `names` (a straight walk from the root). */
  rel?: string;
}

/** A walk's outcome: a place, a refusal (`denied`), or an error such as a loop. */
type Walk = { ok: true; place: Place } | { ok: false; reason: string; denied: boolean };

/** How a walk treats the run root: confined to it (strict), or free (the file system itself). */
const CONFINED = 0;
const FREE = 1;

/**
 * Every run's workspace, held as a real runtime holds them: one file tree (directories, files
 * and links) with a root per run at `/runs/<run>`. Isolation comes only from resolving every
 * path before access (see `ResolverMode`); nothing else separates the runs. Each operation
 * names the calling run and is audited through the sink: an operation that completes is `ok`
 * (its target the run-relative path it reached), a refused path is `deny` with its reason, a
 * missing file or a bad shape (a file used as a directory, a loop of links) is `error`.
 *
 * Strict resolution: the path is screened by `normalizePath` (so `..`, absolute paths and
 * encodings never get as far as the tree), a path whose first segment is another run's id is
 * refused (so nothing in one run's files can pass for another run's location), and the walk
 * then follows links: a link's target may be absolute or relative, with `..`, and is screened
 * for the same character tricks; the walk is refused the moment it would step outside the
 * path from the tree root to the run's root, so no entry of another run is ever looked at.
 */
export class Workspaces {
  private readonly tree = new Dir(null);
  private readonly runsDir = new Dir(null);
  /** Every run ever opened (kept after close, so its name stays reserved). */
  private readonly runs = new Set<string>();
  private readonly mode: ResolverMode;
  private readonly weakening: ResolverWeakening | undefined;

  /** Workspaces auditing every operation to `audit`. */
  constructor(
    private readonly audit: AuditSink,
    options: WorkspacesConstraints = {},
  ) {
    this.mode = options.resolver ?? "strict";
    this.weakening = options.weakening;
    if (!RESOLVER_MODES.includes(this.mode)) {
      throw new Error(
        `Workspaces: resolver must be one of ${RESOLVER_MODES.join(", ")}, got ${JSON.stringify(this.mode)}`,
      );
    }
    if (this.weakening !== undefined && this.mode !== "strict") {
      throw new Error(
        `Workspaces: a weakening applies to the strict resolver, got resolver ${JSON.stringify(this.mode)}`,
      );
    }
    this.tree.entries.set("runs", this.runsDir);
  }

  /** Creates the run's empty root `/runs/<run>`; opening a run twice, or a run id that is not one segment, is misuse. */
  open(run: string): void {
    if (this.runs.has(run))
      throw new Error(`Workspaces.open: run ${JSON.stringify(run)} was already opened`);
    if (run === "" || run === "." || run === ".." || run.includes("/")) {
      throw new Error(
        `Workspaces.open: a run id must be one path segment, got ${JSON.stringify(run)}`,
      );
    }
    this.runs.add(run);
    const root = new Dir(null);
    root.root = root;
    this.runsDir.entries.set(run, root);
  }

  /** Drops the run's files when it ends; its name stays reserved. */
  close(run: string): void {
    this.rootOf("close", run);
    this.runsDir.entries.delete(run);
  }

  /** Reads a file of the caller's workspace (through links). */
  read(timeS: number, caller: AuditedRun, path: string): WorkspaceResult<string> {
    const found = this.resolve(timeS, caller, "workspace.read", path, true);
    if (!found.ok) return found;
    const { entry } = found.place;
    const where = this.shown(caller.run, found.place);
    if (entry === undefined)
      return this.failed(timeS, caller, "workspace.read", where, "no such file");
    if (entry.kind !== FILE)
      return this.failed(timeS, caller, "workspace.read", where, "is a directory");
    this.audit.append(timeS, caller.actor, "workspace.read", where, "ok");
    return { ok: true, value: entry.data };
  }

  /** Writes (creates or replaces) a file of the caller's workspace, through links; returns the run-relative path written. */
  write(timeS: number, caller: AuditedRun, path: string, data: string): WorkspaceResult<string> {
    this.rootOf("write", caller.run);
    if (typeof data !== "string") throw new TypeError("Workspaces.write: data must be a string");
    const found = this.resolve(timeS, caller, "workspace.write", path, true);
    if (!found.ok) return found;
    const { names, entry } = found.place;
    const where = this.shown(caller.run, found.place);
    if (entry !== undefined && entry.kind !== FILE) {
      return this.failed(timeS, caller, "workspace.write", where, "is a directory");
    }
    const parent = found.place.parent ?? this.makeParents(names);
    if (parent === null)
      return this.failed(timeS, caller, "workspace.write", where, "not a directory");
    if (entry === undefined) parent.entries.set(names[names.length - 1]!, { kind: FILE, data });
    else (entry as File).data = data;
    touch(parent);
    this.audit.append(timeS, caller.actor, "workspace.write", where, "ok");
    return { ok: true, value: where };
  }

  /**
   * Creates a link at `path` (not followed) to `target`: an absolute path from the tree root or
   * one relative to the link's directory. The target is resolved like any path, so a link that
   * would lead outside the caller's root is refused when made, and again whenever it is used.
   * Audited as a `workspace.write` of `path -> target`. Returns the run-relative path of the link.
   */
  link(timeS: number, caller: AuditedRun, path: string, target: string): WorkspaceResult<string> {
    this.rootOf("link", caller.run);
    const shownTarget =
      typeof target === "string" ? target.slice(0, TARGET_CHARS_MAX) : String(target);
    const action: AuditAction = "workspace.write";
    const found = this.resolve(timeS, caller, action, path, false, ` -> ${shownTarget}`);
    if (!found.ok) return found;
    const { names, entry } = found.place;
    const where = this.shown(caller.run, found.place);
    if (entry !== undefined)
      return this.failed(timeS, caller, action, `${where} -> ${shownTarget}`, "exists");
    const aimed = this.resolveTarget(caller.run, names, target);
    if (!aimed.ok) {
      this.audit.append(
        timeS,
        caller.actor,
        action,
        `${where} -> ${shownTarget}`,
        aimed.denied ? "deny" : "error",
        aimed.reason,
      );
      return aimed;
    }
    const parent = this.makeParents(names);
    if (parent === null)
      return this.failed(timeS, caller, action, `${where} -> ${shownTarget}`, "not a directory");
    parent.entries.set(names[names.length - 1]!, { kind: LINK, target });
    touch(parent);
    this.audit.append(timeS, caller.actor, action, `${where} -> ${shownTarget}`, "ok");
    return { ok: true, value: where };
  }

  /** Deletes a file or link of the caller's workspace (a link itself, not its target); empty directories left go too. */
  delete(timeS: number, caller: AuditedRun, path: string): WorkspaceResult<string> {
    const found = this.resolve(timeS, caller, "workspace.delete", path, false);
    if (!found.ok) return found;
    const { names, parent, entry } = found.place;
    const where = this.shown(caller.run, found.place);
    if (entry === undefined || parent === null) {
      return this.failed(timeS, caller, "workspace.delete", where, "no such file");
    }
    if (entry.kind === DIR)
      return this.failed(timeS, caller, "workspace.delete", where, "is a directory");
    parent.entries.delete(names[names.length - 1]!);
    touch(parent);
    this.prune(names);
    this.audit.append(timeS, caller.actor, "workspace.delete", where, "ok");
    return { ok: true, value: where };
  }

  /**
   * The caller's file and link paths under `dir` (default the root; through links), at any
   * depth, sorted; links are listed, not followed. A directory that does not exist lists empty.
   */
  list(timeS: number, caller: AuditedRun, dir = ""): WorkspaceResult<string[]> {
    const found = this.resolve(
      timeS,
      caller,
      "workspace.list",
      dir === "" ? "." : dir,
      true,
      "",
      true,
    );
    if (!found.ok) return found;
    const { entry } = found.place;
    const where = this.shown(caller.run, found.place);
    const paths: string[] = [];
    if (entry !== undefined && entry.kind === DIR) {
      collect(entry, where === "" ? "" : `${where}/`, paths, false);
    }
    paths.sort();
    this.audit.append(timeS, caller.actor, "workspace.list", where, "ok");
    return { ok: true, value: paths };
  }

  /** A copy of a run's files, run-relative path to contents, sorted by path (for checks and reports); read from the tree, not through the resolver. */
  files(run: string): Map<string, string> {
    const root = this.rootOf("files", run);
    const out: [string, string][] = [];
    collectFiles(root, "", out);
    return new Map(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * How many changes were made under the run's root, counted where the tree changes (not by the
   * resolver): a run's count that moves while another run acts is a breach.
   */
  changes(run: string): number {
    return this.rootOf("changes", run).version;
  }

  private rootOf(operation: string, run: string): Dir {
    const root = this.runsDir.entries.get(run);
    if (root === undefined || root.kind !== DIR) {
      throw new Error(`Workspaces.${operation}: run ${JSON.stringify(run)} has no open workspace`);
    }
    return root;
  }

  /**
   * Resolves the caller's `path` under the resolver in force; a refusal is audited as `deny`
   * (`suffix` is added to the audited target). `followLast`: whether a link at the end is followed.
   */
  private resolve(
    timeS: number,
    caller: AuditedRun,
    action: AuditAction,
    path: string,
    followLast: boolean,
    suffix = "",
    allowRoot = false,
  ): Walk {
    if (!this.runsDir.entries.has(caller.run)) this.rootOf(action.slice(10), caller.run);
    const walk =
      this.mode === "prefix-only"
        ? this.prefixOnly(caller.run, path, followLast)
        : this.strict(caller.run, path, followLast, allowRoot);
    if (walk.ok) return walk;
    if (walk.denied) return this.refused(timeS, caller, action, path, suffix, walk.reason);
    this.audit.append(
      timeS,
      caller.actor,
      action,
      `${shownRaw(path)}${suffix}`,
      "error",
      walk.reason,
    );
    return walk;
  }

  /** The strict resolver, or one of its weakenings. */
  private strict(run: string, path: string, followLast: boolean, allowRoot: boolean): Walk {
    const weakening = this.weakening;
    const checked = screenPath(path, allowRoot, weakening !== "decode-after-check");
    if (!checked.ok) return { ok: false, reason: checked.reason, denied: true };
    const segments = checked.segments;
    const first = segments.length > 0 ? segments[0]! : "";
    if (first !== run && this.runs.has(first)) {
      return {
        ok: false,
        reason: `names another run's namespace (${JSON.stringify(first)})`,
        denied: true,
      };
    }
    if (weakening === undefined) {
      const walk = this.walk(run, null, segments, followLast, CONFINED, true);
      if (walk.ok && walk.place.straight) walk.place.rel = checked.path;
      return walk;
    }
    // The weakenings: the check sees one thing, the file system then does another.
    if (weakening === "prefix-no-separator") {
      const walk = this.walk(run, null, segments, followLast, FREE, true);
      if (walk.ok && !`/${walk.place.names.join("/")}`.startsWith(`/runs/${run}`)) {
        return { ok: false, reason: "outside the workspace", denied: true };
      }
      return walk;
    }
    const links = weakening !== "no-link-resolution";
    const check = this.walk(run, null, segments, followLast, CONFINED, links);
    if (!check.ok) return check;
    const accessed =
      weakening === "decode-after-check" ? decodeFully(checked.path).split("/") : segments;
    return this.walk(run, null, accessed, followLast, FREE, true);
  }

  /** The modelled flaw: a string prefix check of the raw path; the file system resolves the rest. */
  private prefixOnly(run: string, path: string, followLast: boolean): Walk {
    if (typeof path !== "string" || path === "")
      return { ok: false, reason: "empty path", denied: true };
    const root = `/runs/${run}`;
    const joined = path.startsWith("/") ? path : `${root}/${path}`;
    if (!joined.startsWith(`${root}/`) && joined !== root) {
      return { ok: false, reason: "outside the workspace (prefix check)", denied: true };
    }
    return this.walk(run, [], joined.split("/"), followLast, FREE, true);
  }

  /**
   * Walks `segments` from the absolute location `start`, following links (all but a last one
   * unless `followLast`; none unless `links`). Confined, it refuses to step anywhere but down the
   * path from the tree root to the run's root or inside that root, so it never looks at another
   * run's entries; free, it goes where the path says, as a file system would.
   */
  private walk(
    run: string,
    start: string[] | null,
    segments: string[],
    followLast: boolean,
    how: number,
    links: boolean,
  ): Walk {
    let names: string[];
    let dirs: (Dir | null)[];
    if (start === null) {
      // The common case: from the run's root.
      names = ["runs", run];
      dirs = [this.tree, this.runsDir, lookupDir(this.runsDir, run)];
    } else {
      names = start.slice();
      dirs = [this.tree];
      for (const name of names) dirs.push(lookupDir(dirs[dirs.length - 1]!, name));
    }
    let straight = true;
    // Segments are read from `segments` at `next` until a link is followed; from then on from
    // `pending`, last first (a link's target is pushed in front of the rest).
    let at = 0;
    let pending: string[] | null = null;
    let parent: Dir | null = dirs[dirs.length - 2] ?? null;
    let entry: Entry | undefined = dirs[dirs.length - 1] ?? undefined;
    let hops = 0;
    for (;;) {
      let segment: string;
      if (pending === null) {
        if (at >= segments.length) break;
        segment = segments[at++]!;
        if (segment === "" || segment === ".") continue;
      } else {
        if (pending.length === 0) break;
        segment = pending.pop()!;
      }
      if (segment === "..") {
        straight = false;
        if (names.length > 0) {
          names.pop();
          dirs.pop();
        }
        if (how === CONFINED && !onRootPath(names, run)) {
          return { ok: false, reason: 'parent segment ".." leaves the workspace', denied: true };
        }
        parent = dirs[dirs.length - 2] ?? null;
        entry = dirs[dirs.length - 1] ?? undefined;
        continue;
      }
      if (how === CONFINED && names.length < 2 && segment !== (names.length === 0 ? "runs" : run)) {
        return { ok: false, reason: "outside the workspace", denied: true };
      }
      const here = dirs[dirs.length - 1] ?? null;
      if (entry !== undefined && entry.kind === FILE) {
        return { ok: false, reason: "not a directory", denied: false };
      }
      const next = here === null ? undefined : here.entries.get(segment);
      const more = pending === null ? hasSegments(segments, at) : pending.length > 0;
      if (next !== undefined && next.kind === LINK && links && (more || followLast)) {
        straight = false;
        if (++hops > LINK_HOPS_MAX)
          return { ok: false, reason: "too many links (a loop?)", denied: false };
        const decode = how === FREE && this.weakening === "decode-after-check";
        const target = screenTarget(decode ? decodeFully(next.target) : next.target, !decode);
        if (!target.ok) return { ok: false, reason: `link target: ${target.reason}`, denied: true };
        if (target.absolute) {
          names.length = 0;
          dirs.length = 1;
          parent = null;
          entry = this.tree;
        }
        if (pending === null) {
          pending = [];
          for (let i = segments.length - 1; i >= at; i--) pushSegment(pending, segments[i]!);
        }
        for (let i = target.segments.length - 1; i >= 0; i--)
          pushSegment(pending, target.segments[i]!);
        continue;
      }
      names.push(segment);
      dirs.push(next !== undefined && next.kind === DIR ? next : null);
      parent = here;
      entry = next;
    }
    if (how === CONFINED && !onRootPath(names, run)) {
      return { ok: false, reason: "outside the workspace", denied: true };
    }
    if (how === CONFINED && names.length < 2) {
      return { ok: false, reason: "outside the workspace", denied: true };
    }
    return { ok: true, place: { names, parent, entry, straight } };
  }

  /** Resolves a new link's target from the link's directory: where it leads must be inside the caller's root. */
  private resolveTarget(run: string, linkNames: string[], target: string): Walk {
    if (this.mode === "prefix-only") {
      if (typeof target !== "string" || target === "")
        return { ok: false, reason: "empty link target", denied: true };
      const ok = !target.startsWith("/") || target.startsWith(`/runs/${run}/`);
      return ok
        ? { ok: true, place: { names: [], parent: null, entry: undefined, straight: false } }
        : { ok: false, reason: "link target outside the workspace (prefix check)", denied: true };
    }
    const weakening = this.weakening;
    const screened = screenTarget(target, weakening !== "decode-after-check");
    if (!screened.ok) return { ok: false, reason: `link target: ${screened.reason}`, denied: true };
    const from = screened.absolute ? [] : linkNames.slice(0, -1);
    if (weakening === "no-link-resolution" || weakening === "prefix-no-separator") {
      const walk = this.walk(
        run,
        from,
        screened.segments,
        true,
        weakening === "no-link-resolution" ? CONFINED : FREE,
        weakening !== "no-link-resolution",
      );
      if (
        walk.ok &&
        weakening === "prefix-no-separator" &&
        !`/${walk.place.names.join("/")}`.startsWith(`/runs/${run}`)
      ) {
        return { ok: false, reason: "link target outside the workspace", denied: true };
      }
      return walk;
    }
    const walk = this.walk(run, from, screened.segments, true, CONFINED, true);
    if (!walk.ok) return { ok: false, reason: `link target: ${walk.reason}`, denied: walk.denied };
    return walk;
  }

  /** Creates the missing directories above `names` (absolute); null when a file or link stands in the way. */
  private makeParents(names: string[]): Dir | null {
    let dir: Dir = this.tree;
    for (let i = 0; i < names.length - 1; i++) {
      const next = dir.entries.get(names[i]!);
      if (next === undefined) {
        const made = new Dir(dir.root);
        dir.entries.set(names[i]!, made);
        touch(dir);
        dir = made;
      } else if (next.kind === DIR) dir = next;
      else return null;
    }
    return dir;
  }

  /** Removes the empty directories above `names`, up to the run root (which stays). */
  private prune(names: string[]): void {
    for (let depth = names.length - 1; depth > 2; depth--) {
      let dir: Dir = this.tree;
      for (let i = 0; i < depth - 1; i++) {
        const next = dir.entries.get(names[i]!);
        if (next === undefined || next.kind !== DIR) return;
        dir = next;
      }
      const child = dir.entries.get(names[depth - 1]!);
      if (child === undefined || child.kind !== DIR || child.entries.size > 0) return;
      dir.entries.delete(names[depth - 1]!);
      touch(dir);
    }
  }

  /** The run-relative path of a location in the caller's root; an absolute one elsewhere (a breach). */
  private shown(run: string, place: Place): string {
    if (place.rel !== undefined) return place.rel;
    const names = place.names;
    if (names.length >= 2 && names[0] === "runs" && names[1] === run)
      return names.slice(2).join("/");
    return `/${names.join("/")}`;
  }

  private refused(
    timeS: number,
    caller: AuditedRun,
    action: AuditAction,
    path: string,
    suffix: string,
    reason: string,
  ): { ok: false; reason: string; denied: boolean } {
    this.audit.append(timeS, caller.actor, action, `${shownRaw(path)}${suffix}`, "deny", reason);
    return { ok: false, reason, denied: true };
  }

  private failed(
    timeS: number,
    caller: AuditedRun,
    action: AuditAction,
    path: string,
    reason: string,
  ): WorkspaceResult<never> {
    this.audit.append(timeS, caller.actor, action, path, "error", reason);
    return { ok: false, reason, denied: false };
  }
}

/** A link target, screened: its segments (".." kept, "" and "." dropped) and whether it is absolute. */
type TargetCheck =
  | { ok: true; absolute: boolean; segments: string[] }
  | { ok: false; reason: string };

/**
 * Screens a link's target for the character tricks `normalizePath` refuses (control characters,
 * backslashes, colons, percent-encoding unless `percent` is false, invisible and look-alike
 * characters, "~"); `..` and a leading "/" are allowed, since a target names a location the
 * resolver then walks, and the walk decides whether it stays inside.
 */
export function screenTarget(raw: unknown, percent: boolean): TargetCheck {
  if (typeof raw !== "string")
    return { ok: false, reason: `a path must be a string, got ${typeof raw}` };
  if (raw === "") return { ok: false, reason: "empty path" };
  if (raw.length > PATH_LIMITS.maxPathChars) {
    return { ok: false, reason: `path longer than ${PATH_LIMITS.maxPathChars} characters` };
  }
  const bad = PLAIN.test(raw) ? undefined : badCharacter(raw, percent);
  if (bad !== undefined) return { ok: false, reason: bad };
  if (raw.startsWith("~")) return { ok: false, reason: 'home-directory reference "~"' };
  const segments: string[] = [];
  for (const segment of raw.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment.length > PATH_LIMITS.maxSegmentChars) {
      return { ok: false, reason: `segment longer than ${PATH_LIMITS.maxSegmentChars} characters` };
    }
    if (segment !== ".." && (segment.trim() !== segment || segment.endsWith("."))) {
      return { ok: false, reason: "segment a file system would trim" };
    }
    segments.push(segment);
  }
  if (segments.length > 2 * PATH_LIMITS.maxDepth) {
    return { ok: false, reason: `path deeper than ${2 * PATH_LIMITS.maxDepth} segments` };
  }
  return { ok: true, absolute: raw.startsWith("/"), segments };
}

/** Whether absolute `names` lie on the path from the tree root to the run's root, or inside that root. */
function onRootPath(names: string[], run: string): boolean {
  if (names.length === 0) return true;
  if (names[0] !== "runs") return false;
  return names.length === 1 || names[1] === run;
}

/** Whether `segments` from `at` hold a segment that is not "" or ".". */
function hasSegments(segments: string[], at: number): boolean {
  for (let i = at; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment !== "" && segment !== ".") return true;
  }
  return false;
}

function pushSegment(pending: string[], segment: string): void {
  if (segment !== "" && segment !== ".") pending.push(segment);
}

function lookupDir(dir: Dir | null, name: string): Dir | null {
  const next = dir?.entries.get(name);
  return next !== undefined && next.kind === DIR ? next : null;
}

/** Marks a change under a run root (directories above the roots have none). */
function touch(dir: Dir): void {
  if (dir.root !== null) dir.root.version++;
}

/** Decodes percent-encoding until nothing changes (double encodings included); bad encodings stay. */
function decodeFully(segment: string): string {
  for (let i = 0; i < 4; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return segment;
    }
    if (decoded === segment) return segment;
    segment = decoded;
  }
  return segment;
}

function collect(dir: Dir, prefix: string, out: string[], filesOnly: boolean): void {
  for (const [name, entry] of dir.entries) {
    if (entry.kind === DIR) collect(entry, `${prefix}${name}/`, out, filesOnly);
    else if (!filesOnly || entry.kind === FILE) out.push(`${prefix}${name}`);
  }
}

function collectFiles(dir: Dir, prefix: string, out: [string, string][]): void {
  for (const [name, entry] of dir.entries) {
    if (entry.kind === DIR) collectFiles(entry, `${prefix}${name}/`, out);
    else if (entry.kind === FILE) out.push([`${prefix}${name}`, entry.data]);
  }
}

function shownRaw(path: unknown): string {
  return typeof path === "string" ? path.slice(0, TARGET_CHARS_MAX) : String(path);
}
