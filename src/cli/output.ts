/**
 * Where results go: the output folder's default name, results.json and the report (src/report,
 * loaded only by the commands that write one), the per-policy audit file names, partial files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { Results } from "../experiment/index.ts";

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

/** Options of `writeResults`. */
export interface WriteOptions {
  auditJsonl?: Record<string, string>;
  png?: boolean;
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
 * contract, is written first either way.
 */
export async function writeResults(
  dir: string,
  results: Results,
  options: WriteOptions = {},
): Promise<Written> {
  mkdirSync(dir, { recursive: true });
  const resultsFile = join(dir, "results.json");
  writeFileSync(resultsFile, resultsText(results));
  try {
    // Loaded here, not at the top: vega and the renderer cost commands without a report time.
    const { writeReport } = await import("../report/index.ts");
    const files = await writeReport(dir, results, {
      ...(options.auditJsonl === undefined ? {} : { auditJsonl: options.auditJsonl }),
      ...(options.png === undefined ? {} : { png: options.png }),
    });
    // results.json is ours: the contract's bytes, whatever the report wrote.
    writeFileSync(resultsFile, resultsText(results));
    return { dir, files: files.includes(resultsFile) ? files : [resultsFile, ...files] };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { dir, files: [resultsFile], warning: `the report could not be rendered: ${message}` };
  }
}

/**
 * Starts loading the report layer and its chart libraries (about 0.3 s) without waiting for
 * them: while the cells run on worker threads this thread is idle, so the load then costs no
 * time (and run in this thread, it costs what `writeResults` would have paid). A failure is
 * ignored here: `writeResults` meets it again and reports it.
 */
export function preloadReport(): void {
  import("../report/index.ts").then(
    (report) => report.preloadCharts(),
    () => undefined,
  );
}

/** Writes a JSON file (creating its folder) and returns its path. */
export function writeJson(path: string, value: unknown): string {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, resultsText(value));
  return path;
}
