/**
 * Where results go: the output folder's default name, results.json and the report (src/report,
 * loaded only by the commands that write one), the per-policy audit file names, partial files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import type { Results } from "../experiment/index.ts";
import { fileErrorReason, isSystemError, ScenarioError } from "../input/index.ts";
import { checkTarget } from "./output-path.ts";

/** results.json's text: two-space indented, one trailing newline (the same bytes every time). */
export function resultsText(results: unknown): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}

/** The default output folder: `reports/<scenario>-<policies joined by "-">-<seed>[-sweep]`. */
export function defaultOutDir(
  scenario: string,
  policies: readonly string[],
  seed: number,
  sweep = false,
): string {
  const name = [scenario, ...policies, String(seed)].join("-").replace(/[^\w.+-]+/g, "_");
  return join("reports", sweep ? `${name}-sweep` : name);
}

/** The audit file of one policy for `--audit FILE` on compare: FILE's name + `-<policy>`. */
export function auditPathFor(file: string, policy: string): string {
  const extension = extname(file);
  const stem = basename(file, extension);
  return join(dirname(file), `${stem}-${policy.replace(/[^\w.+-]+/g, "_")}${extension}`);
}

/**
 * The audit file of each policy for `--audit FILE`: `run` writes FILE, `compare` FILE's name +
 * `-<policy>` (`auditPathFor`). Labels that clean up to one file name ("a b" and "a_b"), or to
 * names that differ only in case ("A" and "a": one file on the case-insensitive file systems of
 * macOS and Windows, and wherever the trails are copied to), would write one file from two
 * threads: they are refused here, before any work, listing them.
 */
export function auditFiles(
  command: string,
  file: string | undefined,
  policies: readonly string[],
): Record<string, string> | undefined {
  if (file === undefined) return undefined;
  // compare derives a file per policy from FILE, but FILE itself must name a file too: "." or
  // /dev/null would put the trails beside the folder, or in /dev.
  const absolute = checkTarget(file, "--audit", "file").path;
  const files: Record<string, string> = {};
  const byName = new Map<string, string[]>();
  for (const policy of policies) {
    const path = command === "run" ? absolute : auditPathFor(absolute, policy);
    files[policy] = path;
    const name = path.toLowerCase();
    byName.set(name, [...(byName.get(name) ?? []), policy]);
  }
  const clashes = [...byName.values()].filter((labels) => labels.length > 1);
  if (clashes.length > 0) {
    const gives = (labels: string[]) => {
      const paths = [...new Set(labels.map((label) => files[label]!))];
      return paths.length === 1
        ? `which all give ${paths[0]}`
        : `which give ${paths.join(" and ")}, one file where case is not told apart`;
    };
    throw new ScenarioError(
      "--audit",
      "policy labels that give distinct audit file names, in any case (characters other than letters, digits, '.', '+' and '-' become '_'); rename the policies in the scenario",
      clashes
        .map(
          (labels) =>
            `labels ${labels.map((l) => JSON.stringify(l)).join(" and ")}, ${gives(labels)}`,
        )
        .join("; "),
      { foundShown: true },
    );
  }
  return files;
}

/** Options of `writeResults`. */
export interface WriteOptions {
  /** Policy → audit.jsonl to show in the report (the path once in place); default none. */
  auditJsonl?: Record<string, string>;
  /** Policy → where that file is read from while staged; default its `auditJsonl` path. */
  auditReadFrom?: Record<string, string>;
  png?: boolean;
  /** The folder's path once in place (`dir` may be its staged copy), for the paths returned. */
  finalDir?: string;
}

/** The outcome of writing: the files written, and a warning if the report failed. */
export interface Written {
  dir: string;
  files: string[];
  warning?: string;
}

/**
 * Writes results.json into `dir`, then the report around it (summary, charts, HTML) with
 * src/report's `writeReport`. A report that fails to render is a warning: results.json, the
 * contract, is written first either way. A file that cannot be written (no space left, ...)
 * is not a rendering problem: it is exit 2, naming the file (by its final path) and why.
 */
export async function writeResults(
  dir: string,
  results: Results,
  options: WriteOptions = {},
): Promise<Written> {
  const finalDir = options.finalDir ?? dir;
  const shown = (path: string) => join(finalDir, relative(dir, path));
  const resultsFile = join(dir, "results.json");
  writing(finalDir, dir, () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(resultsFile, resultsText(results));
  });
  let files: string[];
  try {
    // Loaded here, not at the top: vega and the renderer cost commands without a report time.
    const { writeReport } = await import("../report/index.ts");
    files = await writeReport(dir, results, {
      ...(options.auditJsonl === undefined ? {} : { auditJsonl: options.auditJsonl }),
      ...(options.auditReadFrom === undefined ? {} : { auditReadFrom: options.auditReadFrom }),
      ...(options.png === undefined ? {} : { png: options.png }),
    });
  } catch (error) {
    if (isSystemError(error)) throw writeFailure(finalDir, dir, error);
    const message = error instanceof Error ? error.message : String(error);
    return {
      dir: finalDir,
      files: [shown(resultsFile)],
      warning: `the report could not be rendered: ${message}`,
    };
  }
  // results.json is ours: the contract's bytes, whatever the report wrote.
  writing(finalDir, dir, () => writeFileSync(resultsFile, resultsText(results)));
  const all = files.includes(resultsFile) ? files : [resultsFile, ...files];
  return { dir: finalDir, files: all.map(shown) };
}

// Runs a write into (a staged copy of) `finalDir`; a file error is exit 2 naming the folder.
function writing(finalDir: string, dir: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    throw writeFailure(finalDir, dir, error);
  }
}

function writeFailure(finalDir: string, dir: string, error: unknown): ScenarioError {
  const path = (error as { path?: unknown }).path;
  const where = typeof path === "string" ? ` (writing ${relative(dir, path) || "the folder"})` : "";
  return new ScenarioError(
    "--out",
    "a folder the report can be written to",
    `${fileErrorReason(error)}${where}`,
    {
      file: finalDir,
      foundShown: true,
    },
  );
}

/**
 * Loads the report layer and gets the chart libraries ready while the cells run, which
 * `threads` threads do at once. With two cores to spare, on the chart thread
 * (report/chart-thread.ts): it loads them and warms up while the cells run, here or on
 * workers, and the charts then cost the command about half what they would after the cells.
 * Otherwise the libraries load here (while the cells run on workers this thread is idle): a
 * cell's thread keeps a second core busy with V8's collector and compiler, and on the 2-core
 * machine one cell of the M/M/1 bench beside the chart thread took 1.86 s of wall time against
 * 2.00 s without it, but 3.12 s of CPU against 2.52 s (medians of 7 interleaved runs). A
 * failure is ignored here: `writeResults` meets it again and reports it.
 */
export async function preloadReport(threads: number): Promise<void> {
  try {
    const report = await import("../report/index.ts");
    if (threads + 2 <= availableParallelism()) report.startChartThread();
    else void report.preloadCharts();
  } catch {
    // writeResults imports the layer again and says what is wrong.
  }
}

/**
 * Writes a JSON file (creating its folder) and returns its path; a file error is exit 2 naming
 * `shownAs` (the file's final path when `path` is its staged copy; default `path`).
 */
export function writeJson(path: string, value: unknown, shownAs = path): string {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, resultsText(value));
  } catch (error) {
    throw new ScenarioError("--out", "a file that can be written", fileErrorReason(error), {
      file: shownAs,
      foundShown: true,
    });
  }
  return path;
}
