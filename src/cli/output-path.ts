/**
 * Output paths checked before any work: a folder (`--out`) or a file (`--audit`, a shard's
 * partial) must be named, must not be something else already (a file where a folder is needed,
 * a folder or a device where a file is needed), and must lie under a folder, or under a path
 * where folders can be created. Whether the place is writable is learnt by writing there: the
 * staging (staging.ts) creates its temporary folders at once, before the simulation starts.
 */
import { realpathSync, type Stats, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileError, fileErrorReason, ScenarioError } from "../input/index.ts";

/** What an output path must be. */
export type TargetKind = "folder" | "file";

/** A checked output path. */
export interface Target {
  /** The path as the user gave it, for messages. */
  shown: string;
  /** The absolute path, the symbolic links of its existing part resolved. */
  path: string;
  /** The option that named it (`--out`, `--audit`). */
  flag: string;
  kind: TargetKind;
  /** Whether a folder (or file) is there already. */
  exists: boolean;
}

/** What a target of each kind is expected to be, for messages. */
export const EXPECTED: Record<TargetKind, string> = {
  folder: "a folder to write in (or a path where one can be created)",
  file: "a regular file to write (or a path where one can be created)",
};

/**
 * Checks an output path without writing anything; a bad one throws `ScenarioError` naming the
 * path, the flag and the reason (exit 2).
 */
export function checkTarget(shown: string, flag: string, kind: TargetKind): Target {
  if (shown === "") {
    throw new ScenarioError(flag, kind === "folder" ? "a folder path" : "a file path", "", {
      foundShown: false,
    });
  }
  const path = canonicalPath(shown, flag, kind);
  if (dirname(path) === path) {
    throw new ScenarioError(flag, `${EXPECTED[kind]}, not the root of the file system`, path, {
      file: shown,
      foundShown: true,
    });
  }
  const stats = statOrNothing(path, shown, flag, kind);
  const right = stats === undefined || (kind === "folder" ? stats.isDirectory() : stats.isFile());
  if (!right) {
    throw new ScenarioError(flag, EXPECTED[kind], kindOf(stats!), {
      file: shown,
      foundShown: true,
    });
  }
  return { shown, path, flag, kind, exists: stats !== undefined };
}

/** A file's kind in words: "a file", "a folder", "a character device (such as /dev/null)". */
export function kindOf(stats: Stats): string {
  if (stats.isFile()) return "a file";
  if (stats.isDirectory()) return "a folder";
  if (stats.isCharacterDevice())
    return "a character device (such as /dev/null), not a regular file";
  if (stats.isBlockDevice()) return "a block device, not a regular file";
  if (stats.isFIFO()) return "a named pipe, not a regular file";
  if (stats.isSocket()) return "a socket, not a regular file";
  return "something other than a regular file or folder";
}

// The absolute path with the symbolic links of its existing part resolved, so that a folder
// reached through a link is replaced where it is. A path through a file ("notes.txt/report")
// is refused here, with the file named.
function canonicalPath(shown: string, flag: string, kind: TargetKind): string {
  let head = resolve(shown);
  const rest: string[] = [];
  for (;;) {
    const stats = statOrNothing(head, shown, flag, kind);
    if (stats === undefined) {
      const up = dirname(head);
      if (up === head) return resolve(shown);
      rest.unshift(basename(head));
      head = up;
      continue;
    }
    if (rest.length > 0 && !stats.isDirectory()) {
      throw new ScenarioError(
        flag,
        EXPECTED[kind],
        `a path under ${head}, which is ${kindOf(stats)}`,
        {
          file: shown,
          foundShown: true,
        },
      );
    }
    try {
      return join(realpathSync(head), ...rest);
    } catch (error) {
      throw fileError(shown, EXPECTED[kind], error, flag);
    }
  }
}

// The path's stats, or undefined when nothing is there (or a part of the path is a file, which
// the caller finds on its way up); any other failure is bad input in words.
function statOrNothing(path: string, shown: string, flag: string, kind: TargetKind) {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ScenarioError(flag, EXPECTED[kind], `${fileErrorReason(error)} (${path})`, {
      file: shown,
      foundShown: true,
    });
  }
}
