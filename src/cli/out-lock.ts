/**
 * The lock of an output folder: a file `.<name>.agentsim-lock` beside the folder, created
 * exclusively (O_EXCL) by the command that writes the folder and removed when it is done. A
 * second command aimed at the same folder refuses at once (exit 2), naming the holder, rather
 * than wait: a simulation may take hours, and a refusal before any work costs nothing. A lock
 * whose holder has died on this machine (killed with SIGKILL, a power cut) is taken over, and
 * that holder's temporary folders beside the target are removed.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileErrorReason, ScenarioError } from "../input/index.ts";
import type { Target } from "./output-path.ts";

/** Who holds a lock, as its file says. */
interface Holder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** A lock file being written by its holder is trusted this long before it is called stale. */
const UNREADABLE_GRACE_MS = 10_000;

/** The prefix of the temporary entries (staging, old copy) of a folder's writers. */
export function tempPrefix(folder: string): string {
  return `.${basename(folder)}.agentsim-`;
}

/** Takes the lock of folder `target` for `command`; returns the lock file's path. */
export function acquireLock(target: Target, command: string): string {
  const lock = join(dirname(target.path), `${tempPrefix(target.path)}lock`);
  const mine: Holder = {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lock, `${JSON.stringify(mine)}\n`, { flag: "wx" });
      return lock;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") {
        throw new ScenarioError(
          target.flag,
          "a folder whose parent can be written to",
          `${fileErrorReason(error)} (creating ${lock})`,
          { file: target.shown, foundShown: true },
        );
      }
    }
    const holder = readHolder(lock);
    if (holder === "gone") continue;
    if (holder === "busy" || alive(holder)) throw busy(target, lock, holder);
    takeOver(target, lock, holder);
  }
  throw busy(target, lock, readHolder(lock));
}

// The lock's holder; "gone" if the file disappeared, "busy" if it cannot be read yet (its
// holder is writing it) or cannot be read at all, the latter unless it is old.
function readHolder(lock: string): Holder | "gone" | "busy" {
  let text: string;
  try {
    text = readFileSync(lock, "utf8");
  } catch (error) {
    return (error as { code?: unknown }).code === "ENOENT" ? "gone" : "busy";
  }
  try {
    const held = JSON.parse(text) as Partial<Holder>;
    if (Number.isSafeInteger(held.pid) && typeof held.host === "string") {
      return {
        pid: held.pid!,
        host: held.host,
        command: String(held.command ?? "?"),
        since: String(held.since ?? "?"),
      };
    }
  } catch {
    // Unreadable: judged by its age below.
  }
  try {
    const ageMs = Date.now() - statSync(lock).mtimeMs;
    return ageMs < UNREADABLE_GRACE_MS
      ? "busy"
      : { pid: -1, host: hostname(), command: "?", since: "?" };
  } catch {
    return "gone";
  }
}

// Whether the holder may still be running: always, when it is on another machine (a shared
// file system) since its process cannot be looked up from here.
function alive(holder: Holder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM";
  }
}

function busy(target: Target, lock: string, holder: Holder | "gone" | "busy"): ScenarioError {
  const who =
    typeof holder === "object"
      ? `agentsim ${holder.command} (process ${holder.pid}${holder.host === hostname() ? "" : ` on ${holder.host}`}, since ${holder.since})`
      : "another agentsim command";
  return new ScenarioError(
    target.flag,
    "a folder no other command is writing",
    `one being written by ${who}; wait for it to end or choose another ${target.flag} (if no such command runs, delete ${lock})`,
    { file: target.shown, foundShown: true },
  );
}

// A dead holder's lock is removed, with the temporary folders it left beside the target.
function takeOver(target: Target, lock: string, holder: Holder): void {
  const parent = dirname(target.path);
  const prefix = tempPrefix(target.path);
  for (const name of readdirSync(parent)) {
    if (
      name.startsWith(`${prefix}tmp-${holder.pid}-`) ||
      name.startsWith(`${prefix}old-${holder.pid}-`)
    ) {
      rmSync(join(parent, name), { recursive: true, force: true });
    }
  }
  rmSync(lock, { force: true });
}
