/**
 * Outputs written all-or-nothing. A command stages everything it writes under temporary names
 * beside the targets — a report folder as a sibling folder `.<name>.agentsim-tmp-<pid>-XXXXXX`,
 * a file (audit trail, shard partial) inside a folder `.agentsim-tmp-<pid>-XXXXXX` of its own
 * folder, under its own name — and puts them in place together once the work is complete
 * (`commit`): files by one rename each, a folder by renaming the old one aside, the new one in,
 * and removing the old. Until then what was there is untouched, and `abort` (an error, an
 * interrupt) removes the staged copies and leaves it so. Every path is checked, and its
 * temporary folder created, when it is staged: before the simulation starts.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, sep } from "node:path";
import { fileErrorReason, ScenarioError } from "../input/index.ts";
import { acquireLock, tempPrefix } from "./out-lock.ts";
import { checkTarget, EXPECTED, type Target } from "./output-path.ts";

/** Options of `StagedOutputs.folder`. */
export interface FolderConstraints {
  /**
   * Entries of the folder being replaced to keep in the new one, when the new one has none of
   * that name (e.g. the partial files `merge` read); default none.
   */
  carryOver?: (name: string) => boolean;
}

interface StagedFolder {
  target: Target;
  lock: string;
  staged?: string;
  carryOver?: (name: string) => boolean;
}

interface StagedFile {
  target: Target;
  staged: string;
  /** Whether it is staged inside a staged folder (and so put in place with it). */
  inFolder: boolean;
}

type State = "open" | "committed" | "aborted";

// The stagings open in this process, for `interruptOutputs`, and the paths put in place.
const open = new Set<StagedOutputs>();
const written: string[] = [];

/** The outputs of one command, staged until `commit`. */
export class StagedOutputs {
  private readonly folders: StagedFolder[] = [];
  private readonly files: StagedFile[] = [];
  /** Folder → the temporary folder its staged files are in. */
  private readonly tempDirs = new Map<string, string>();
  /** Temporary folders for the work itself (`scratch`), removed when done either way. */
  private readonly scratches: string[] = [];
  /** Folders created for the targets: [the first created, the deepest], removed on abort. */
  private readonly created: [string, string][] = [];
  private state: State = "open";

  /** Starts staging the outputs of `command` (named in the lock, for a second command). */
  constructor(readonly command: string) {
    open.add(this);
  }

  /**
   * Stages the folder `shown` (replaced as a whole at commit) and returns the temporary folder
   * to write into. Refuses (exit 2) a bad path, a folder another command is writing (see
   * out-lock.ts), and an existing folder agentsim did not write, which replacing would delete.
   */
  folder(shown: string, flag: string, options: FolderConstraints = {}): string {
    this.mustBeOpen();
    const target = checkTarget(shown, flag, "folder");
    if (target.exists) mustBeReplaceable(target);
    if (this.folders.some((f) => f.target.path === target.path)) {
      throw new ScenarioError(flag, "a folder named once", shown, { foundShown: false });
    }
    const parent = dirname(target.path);
    this.createFolder(parent, target);
    const entry: StagedFolder = { target, lock: acquireLock(target, this.command) };
    if (options.carryOver !== undefined) entry.carryOver = options.carryOver;
    this.folders.push(entry);
    const prefix = join(parent, `${tempPrefix(target.path)}tmp-${process.pid}-`);
    const mode = target.exists ? statSync(target.path).mode & 0o7777 : undefined;
    entry.staged = this.attempt(target, `creating a folder in ${parent}`, () =>
      makeTempFolder(prefix, mode),
    );
    return entry.staged;
  }

  /**
   * Checks that `shown` is a folder, or can be created, without staging it: the folder a shard
   * adds its partial file to (other shards write theirs beside it). Creates it if missing.
   */
  folderToAddTo(shown: string, flag: string): string {
    this.mustBeOpen();
    const target = checkTarget(shown, flag, "folder");
    this.createFolder(target.path, target);
    return target.path;
  }

  /**
   * Stages the file `shown` and returns the path to write it at: inside a folder staged here
   * when it lies in one (it then comes with the folder), otherwise in a temporary folder beside
   * it, under its own name (a writer that records the file's name records the right one).
   */
  file(shown: string, flag: string): string {
    this.mustBeOpen();
    const target = checkTarget(shown, flag, "file");
    if (this.files.some((f) => f.target.path === target.path)) {
      throw new ScenarioError(flag, "a file named once", shown, { foundShown: false });
    }
    for (const folder of this.folders) {
      if (target.path === folder.target.path) {
        throw new ScenarioError(flag, `a file apart from the ${folder.target.flag} folder`, shown, {
          foundShown: false,
        });
      }
      if (target.path.startsWith(`${folder.target.path}${sep}`)) {
        const staged = join(folder.staged!, relative(folder.target.path, target.path));
        this.attempt(target, `creating ${dirname(staged)}`, () =>
          mkdirSync(dirname(staged), { recursive: true }),
        );
        this.files.push({ target, staged, inFolder: true });
        return staged;
      }
    }
    const parent = dirname(target.path);
    this.createFolder(parent, target);
    let temp = this.tempDirs.get(parent);
    if (temp === undefined) {
      const prefix = join(parent, `.agentsim-tmp-${process.pid}-`);
      temp = this.attempt(target, `creating a folder in ${parent}`, () => makeTempFolder(prefix));
      this.tempDirs.set(parent, temp);
    }
    const staged = join(temp, basename(target.path));
    this.files.push({ target, staged, inFolder: false });
    return staged;
  }

  /**
   * A new temporary folder in the system's temporary folder for files the work needs only while
   * it runs (check's audited trails); removed at commit or abort, an interrupt included.
   */
  scratch(): string {
    this.mustBeOpen();
    const dir = mkdtempSync(join(tmpdir(), "agentsim-"));
    this.scratches.push(dir);
    return dir;
  }

  /**
   * Puts every staged output in place: files, then folders. Each step is a rename within one
   * folder, and all of them run without yielding to the event loop, so an interrupt comes
   * before them or after them. A failure (a file system that refuses a rename) is exit 2 with
   * the path and the reason; what was put in place before it stays.
   */
  commit(): void {
    this.mustBeOpen();
    try {
      for (const file of this.files) {
        // A file the work did not produce (a shard without the audited cell) is not written.
        if (file.inFolder || !existsSync(file.staged)) continue;
        this.attempt(file.target, "moving it into place", () =>
          renameSync(file.staged, file.target.path),
        );
        written.push(file.target.shown);
      }
      for (const folder of this.folders) {
        this.replaceFolder(folder);
        written.push(folder.target.shown);
      }
      this.state = "committed";
    } finally {
      this.close();
    }
  }

  /** Removes every staged copy, leaving the targets as they were; never throws. */
  abort(): void {
    if (this.state !== "open") return;
    this.state = "aborted";
    this.close();
    for (const [first, deepest] of this.created.reverse()) removeEmptyFolders(first, deepest);
  }

  /** The targets, as given, with what was or is there: for the message of an interrupt. */
  describe(): { written: string[]; notWritten: string[] } {
    const targets = [
      ...this.files.filter((f) => !f.inFolder).map((f) => f.target),
      ...this.folders.map((f) => f.target),
    ];
    if (this.state === "committed") return { written: targets.map((t) => t.shown), notWritten: [] };
    return {
      written: [],
      notWritten: targets.map(
        (t) =>
          `${t.shown} (${t.exists ? `the ${t.kind} there is unchanged` : `no ${t.kind} was created`})`,
      ),
    };
  }

  // Staged copies and temporary folders removed, locks released (after a commit, only the
  // temporary folders of files remain, empty).
  private close(): void {
    for (const temp of [...this.tempDirs.values(), ...this.scratches]) removeQuietly(temp);
    for (const folder of this.folders) {
      if (folder.staged !== undefined) removeQuietly(folder.staged);
      removeQuietly(folder.lock);
    }
    open.delete(this);
  }

  private replaceFolder(folder: StagedFolder): void {
    const { target } = folder;
    const staged = folder.staged!;
    if (!target.exists) {
      this.attempt(target, "moving it into place", () => renameSync(staged, target.path));
      return;
    }
    const carried = carryOver(target.path, staged, folder.carryOver);
    const old = join(dirname(staged), basename(staged).replace("agentsim-tmp-", "agentsim-old-"));
    this.attempt(target, "moving the previous folder aside", () => renameSync(target.path, old));
    try {
      renameSync(staged, target.path);
    } catch (error) {
      renameSync(old, target.path);
      for (const name of carried) renameSync(join(staged, name), join(target.path, name));
      throw this.failure(target, "moving it into place", error);
    }
    removeQuietly(old);
  }

  private createFolder(folder: string, target: Target): void {
    const first = this.attempt(target, `creating ${folder}`, () =>
      mkdirSync(folder, { recursive: true }),
    );
    if (first !== undefined) this.created.push([first, folder]);
  }

  // Runs a file operation for `target`; a failure is exit 2 with the path and the reason.
  private attempt<T>(target: Target, doing: string, operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw this.failure(target, doing, error);
    }
  }

  private failure(target: Target, doing: string, error: unknown): ScenarioError {
    return new ScenarioError(
      target.flag,
      EXPECTED[target.kind],
      `${fileErrorReason(error)} (${doing})`,
      {
        file: target.shown,
        foundShown: true,
      },
    );
  }

  private mustBeOpen(): void {
    if (this.state !== "open") throw new Error(`StagedOutputs: already ${this.state}`);
  }
}

/**
 * Runs `work` with a new staging for `command`: its outputs are put in place when it returns,
 * and removed, leaving what was there before, if it throws.
 */
export async function staged<T>(
  command: string,
  work: (outputs: StagedOutputs) => Promise<T>,
): Promise<T> {
  const outputs = new StagedOutputs(command);
  try {
    const value = await work(outputs);
    outputs.commit();
    return value;
  } catch (error) {
    outputs.abort();
    throw error;
  }
}

/**
 * Ends every staging still open (an interrupt: the command will not finish) and says what was
 * and was not written, for the message printed before exiting.
 */
export function interruptOutputs(): { written: string[]; notWritten: string[] } {
  const notWritten: string[] = [];
  for (const staging of [...open]) {
    notWritten.push(...staging.describe().notWritten);
    staging.abort();
  }
  return { written: [...written], notWritten };
}

// An existing folder is replaced as a whole, so it must be one agentsim wrote (it holds
// results.json or a shard's partial file) or be empty: `--out ~` must not delete a home.
function mustBeReplaceable(target: Target): void {
  let names: string[];
  try {
    names = readdirSync(target.path);
  } catch (error) {
    throw new ScenarioError(
      target.flag,
      EXPECTED.folder,
      `${fileErrorReason(error)} (reading it)`,
      {
        file: target.shown,
        foundShown: true,
      },
    );
  }
  const ours = names.some((n) => n === "results.json" || /^partial-\d+-of-\d+\.json$/.test(n));
  if (names.length === 0 || ours) return;
  const some = names
    .slice(0, 3)
    .map((n) => JSON.stringify(n))
    .join(", ");
  throw new ScenarioError(
    target.flag,
    "a new or empty folder, or one agentsim wrote (with results.json): the folder is replaced as a whole",
    `a folder of ${names.length} other entries (${some}${names.length > 3 ? ", ..." : ""}); choose another ${target.flag}`,
    { file: target.shown, foundShown: true },
  );
}

// Moves the entries of `from` that `keep` accepts, and that `to` lacks, into `to`.
function carryOver(from: string, to: string, keep?: (name: string) => boolean): string[] {
  if (keep === undefined) return [];
  const moved: string[] = [];
  for (const name of readdirSync(from)) {
    if (!keep(name) || readdirSync(to).includes(name)) continue;
    renameSync(join(from, name), join(to, name));
    moved.push(name);
  }
  return moved;
}

// A new folder `prefix` + a random suffix. Unlike mkdtemp's (mode 0700), its mode is that of
// any folder the user creates (0777 less the umask), or `mode`, the folder it will replace.
function makeTempFolder(prefix: string, mode?: number): string {
  for (let attempt = 0; ; attempt++) {
    const path = `${prefix}${randomBytes(6).toString("hex")}`;
    try {
      mkdirSync(path);
    } catch (error) {
      if ((error as { code?: unknown }).code === "EEXIST" && attempt < 5) continue;
      throw error;
    }
    if (mode !== undefined) chmodSync(path, mode);
    return path;
  }
}

// Removes a file or folder if there; a worker thread may still be writing a file in it, which
// a retry outlasts. A failure leaves it: cleaning up must not hide the error being reported.
function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 10 });
  } catch {
    // Left in place.
  }
}

// Removes `deepest` and its parents up to `first`, as long as they are empty.
function removeEmptyFolders(first: string, deepest: string): void {
  for (let dir = deepest; ; dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
    if (dir === first || dirname(dir) === dir) return;
  }
}
