import { realpathSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { Command } from "commander";
import { mergePartials } from "../../experiment/index.ts";
import { printResults } from "../experiment-command.ts";
import type { Io } from "../io.ts";
import { readJsonFile } from "../json-file.ts";
import { defaultOutDir, writeResults } from "../output.ts";
import { type StagedOutputs, staged } from "../staging.ts";

/** `agentsim merge <partial.json...>`: join the shards of an experiment. */
export function registerMerge(program: Command, io: Io, exit: (code: number) => void): void {
  program
    .command("merge")
    .argument("<partial.json...>", "the partial-i-of-n.json files of every shard")
    .description(
      "join shards (--shard i/n) into results.json, checking they are of one experiment and cover every cell once",
    )
    .option("--out <dir>", "output folder (default: the one the unsharded run would use)")
    .option("--json", "print results.json to standard output instead of the table")
    .option("--png", "also render the charts as PNG")
    .option("--no-png", "do not render PNG charts")
    .addHelpText(
      "after",
      `
Examples:
  $ agentsim merge reports/my-fifo-priority-fair-share-7-sweep/partial-*.json
  $ agentsim merge shard-*/partial-*-of-8.json --out reports/my-sweep
  (the shards: agentsim sweep my.yaml --vary endpoints.0.slots=4,8 --shard i/3, for i = 1, 2, 3)`,
    )
    .action(async (files: string[], options: { out?: string; json?: boolean; png?: boolean }) => {
      const { results, written, sweep } = await staged("merge", async (outputs) => {
        // An --out given is checked before the partials are read; the default one needs them.
        let dir = options.out === undefined ? undefined : stageOut(outputs, options.out, files);
        const { experiment, results } = mergePartials(
          files.map((file) => ({ file, data: readJsonFile(file) })),
        );
        const sweep = experiment.command === "sweep";
        const outDir =
          options.out ??
          defaultOutDir(results.scenario, experiment.policies, experiment.seed, sweep);
        dir ??= stageOut(outputs, outDir, files);
        const written = await writeResults(dir, results, { png: options.png, finalDir: outDir });
        return { results, written, sweep };
      });
      printResults(io, results, written, options.json === true, sweep);
      exit(0);
    });
}

// The output folder, staged: the partial files read from the folder it replaces are kept (the
// default folder is the one the shards wrote to).
function stageOut(outputs: StagedOutputs, outDir: string, partials: readonly string[]): string {
  const here = (file: string) => {
    try {
      return dirname(realpathSync(file)) === realpathSync(outDir);
    } catch {
      return false;
    }
  };
  const kept = new Set(partials.filter(here).map((file) => basename(file)));
  return outputs.folder(outDir, "--out", { carryOver: (name) => kept.has(name) });
}
