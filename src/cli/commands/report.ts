import { realpathSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import type { Results } from "../../experiment/index.ts";
import { ScenarioError } from "../../input/index.ts";
import type { Io } from "../io.ts";
import { readJsonFile } from "../json-file.ts";
import { writeResults } from "../output.ts";
import { staged } from "../staging.ts";

/** `agentsim report <results.json>`: render the report again from results.json. */
export function registerReport(program: Command, io: Io, exit: (code: number) => void): void {
  program
    .command("report")
    .argument("<results.json>", "results written by compare, run, sweep or merge")
    .description("render the report (summary, charts, HTML) again from results.json")
    .option("--out <dir>", "output folder (default: the folder of results.json)")
    .option("--png", "also render the charts as PNG")
    .option("--no-png", "do not render PNG charts")
    .option("--audit <policy=file...>", "audit trails to show, as policy=path")
    .addHelpText(
      "after",
      `
Example:
  $ agentsim report reports/noisy-neighbor-fifo-priority-fair-share-7/results.json --out /tmp/report`,
    )
    .action(async (file: string, options: { out?: string; png?: boolean; audit?: string[] }) => {
      const results = readJsonFile(file) as Results;
      for (const field of ["scenario", "policies", "comparisons"] as const) {
        if (typeof results !== "object" || results === null || !(field in results)) {
          throw new ScenarioError(
            field,
            "results.json as written by agentsim (the results contract)",
            "nothing",
            { file },
          );
        }
      }
      const auditJsonl = auditPairs(options.audit);
      const outDir = options.out ?? dirname(file);
      const written = await staged("report", async (outputs) => {
        // Rendered again in place, the folder keeps what the report does not write (audit
        // trails, partial files); its charts are all drawn again.
        const inPlace = sameFolder(outDir, dirname(file));
        const dir = outputs.folder(outDir, "--out", {
          ...(inPlace ? { carryOver: (name: string) => name !== "charts" } : {}),
        });
        return writeResults(dir, results, {
          ...(auditJsonl === undefined ? {} : { auditJsonl }),
          png: options.png,
          finalDir: outDir,
        });
      });
      if (written.warning !== undefined) io.err(`warning: ${written.warning}\n`);
      io.out(`Report written to ${written.dir} (${written.files.length} files)\n`);
      exit(0);
    });
}

function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function auditPairs(pairs: string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new ScenarioError("--audit", "policy=path/to/audit.jsonl", pair);
    map[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return map;
}
