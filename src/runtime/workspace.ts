import type { AuditAction } from "./audit/actions.ts";
import type { AuditedRun, AuditSink } from "./audit/sink.ts";

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
  if (typeof raw !== "string") return refuse(`a path must be a string, got ${typeof raw}`);
  if (raw === "") return refuse("empty path");
  if (raw.length > PATH_LIMITS.maxPathChars) {
    return refuse(`path longer than ${PATH_LIMITS.maxPathChars} characters`);
  }
  const bad = PLAIN.test(raw) ? undefined : badCharacter(raw);
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
  return { ok: true, path: segments.join("/") };
}

function badCharacter(raw: string): string | undefined {
  const control = CONTROL.exec(raw);
  if (control !== null) return `control character ${codePoint(control[0])}`;
  if (raw.includes("\\")) return "backslash (a Windows separator)";
  if (raw.includes(":")) return "colon (drive letters, alternate data streams, URL schemes)";
  if (PERCENT.test(raw)) return "percent-encoded character";
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

/**
 * Every run's private namespace: a flat map from normalized paths to contents (directories are
 * implied by prefixes). Each operation names the calling run, works only in that run's
 * namespace, and is audited through the sink, allowed or denied: an operation that completes
 * is `ok`, a refused path is `deny` with its reason, a missing file is `error`. Besides the
 * `normalizePath` refusals, a path whose first segment is another opened run's id is refused,
 * so nothing in one run's files can pass for another run's location.
 */
export class Workspaces {
  private readonly spaces = new Map<string, Map<string, string>>();
  /** Every run ever opened (kept after close, so its name stays reserved). */
  private readonly runs = new Set<string>();

  /** Workspaces auditing every operation to `audit`. */
  constructor(private readonly audit: AuditSink) {}

  /** Creates the run's empty namespace; opening a run twice is misuse. */
  open(run: string): void {
    if (this.runs.has(run))
      throw new Error(`Workspaces.open: run ${JSON.stringify(run)} was already opened`);
    this.runs.add(run);
    this.spaces.set(run, new Map());
  }

  /** Drops the run's files when it ends; its name stays reserved. */
  close(run: string): void {
    this.namespace("close", run);
    this.spaces.delete(run);
  }

  /** Reads a file of the caller's workspace. */
  read(timeS: number, caller: AuditedRun, path: string): WorkspaceResult<string> {
    const files = this.namespace("read", caller.run);
    const checked = this.check(timeS, caller, "workspace.read", path);
    if (!checked.ok) return checked;
    const data = files.get(checked.path);
    if (data === undefined) return this.missing(timeS, caller, "workspace.read", checked.path);
    this.audit.append(timeS, caller.actor, "workspace.read", checked.path, "ok");
    return { ok: true, value: data };
  }

  /** Writes (creates or replaces) a file of the caller's workspace; returns its normalized path. */
  write(timeS: number, caller: AuditedRun, path: string, data: string): WorkspaceResult<string> {
    const files = this.namespace("write", caller.run);
    if (typeof data !== "string") throw new TypeError("Workspaces.write: data must be a string");
    const checked = this.check(timeS, caller, "workspace.write", path);
    if (!checked.ok) return checked;
    files.set(checked.path, data);
    this.audit.append(timeS, caller.actor, "workspace.write", checked.path, "ok");
    return { ok: true, value: checked.path };
  }

  /** Deletes a file of the caller's workspace; returns its normalized path. */
  delete(timeS: number, caller: AuditedRun, path: string): WorkspaceResult<string> {
    const files = this.namespace("delete", caller.run);
    const checked = this.check(timeS, caller, "workspace.delete", path);
    if (!checked.ok) return checked;
    if (!files.delete(checked.path)) {
      return this.missing(timeS, caller, "workspace.delete", checked.path);
    }
    this.audit.append(timeS, caller.actor, "workspace.delete", checked.path, "ok");
    return { ok: true, value: checked.path };
  }

  /** The caller's file paths under `dir` (default the root), at any depth, sorted. */
  list(timeS: number, caller: AuditedRun, dir = ""): WorkspaceResult<string[]> {
    const files = this.namespace("list", caller.run);
    const checked = this.check(timeS, caller, "workspace.list", dir === "" ? "." : dir, true);
    if (!checked.ok) return checked;
    const prefix = checked.path === "" ? "" : `${checked.path}/`;
    const paths = [...files.keys()].filter((p) => p.startsWith(prefix)).sort();
    this.audit.append(timeS, caller.actor, "workspace.list", checked.path, "ok");
    return { ok: true, value: paths };
  }

  /** A copy of a run's files, path to contents, sorted by path (for checks and reports). */
  files(run: string): Map<string, string> {
    const files = this.namespace("files", run);
    return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private namespace(operation: string, run: string): Map<string, string> {
    const files = this.spaces.get(run);
    if (files === undefined) {
      throw new Error(`Workspaces.${operation}: run ${JSON.stringify(run)} has no open workspace`);
    }
    return files;
  }

  /** Normalizes and checks a path for the caller; a refusal is audited as `deny`. */
  private check(
    timeS: number,
    caller: AuditedRun,
    action: AuditAction,
    path: string,
    allowRoot = false,
  ): { ok: true; path: string } | { ok: false; reason: string; denied: boolean } {
    let checked = normalizePath(path, allowRoot);
    if (checked.ok) {
      const first = checked.path.split("/", 1)[0]!;
      if (first !== caller.run && this.runs.has(first)) {
        checked = refuse(`names another run's namespace (${JSON.stringify(first)})`);
      }
    }
    if (checked.ok) return checked;
    const target = typeof path === "string" ? path.slice(0, TARGET_CHARS_MAX) : String(path);
    this.audit.append(timeS, caller.actor, action, target, "deny", checked.reason);
    return { ok: false, reason: checked.reason, denied: true };
  }

  private missing(
    timeS: number,
    caller: AuditedRun,
    action: AuditAction,
    path: string,
  ): WorkspaceResult<never> {
    const reason = "no such file";
    this.audit.append(timeS, caller.actor, action, path, "error", reason);
    return { ok: false, reason, denied: false };
  }
}
