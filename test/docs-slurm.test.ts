/**
 * docs/scaling.md shows the Slurm job-array script that CI runs on a real cluster
 * (scripts/slurm/ci-cluster.sh submits scripts/slurm/sweep-array.sbatch): the doc must quote
 * that file whole, and the file must turn an array task into the right shard. The cluster itself
 * is exercised by .ci/run, not here.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const sbatchFile = join(root, "scripts/slurm/sweep-array.sbatch");

/** Runs the batch script outside Slurm with a stand-in `npx` that prints its arguments. */
function runTask(env: Record<string, string>): string[] {
  const bin = mkdtempSync(join(tmpdir(), "agentsim-sbatch-"));
  const npx = join(bin, "npx");
  writeFileSync(npx, '#!/bin/sh\nprintf "%s\\n" "$PWD" "$@"\n');
  chmodSync(npx, 0o755);
  const out = execFileSync("bash", [sbatchFile], {
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: "/home/someone",
      SLURM_SUBMIT_DIR: root,
      SLURM_CPUS_PER_TASK: "4",
      ...env,
    },
    encoding: "utf8",
  });
  return out.trimEnd().split("\n");
}

describe("the Slurm job-array script of docs/scaling.md", () => {
  it("is quoted whole in docs/scaling.md", () => {
    // Shows the doc's code block is the file CI runs, byte for byte.
    const doc = readFileSync(join(root, "docs/scaling.md"), "utf8");
    const script = readFileSync(sbatchFile, "utf8");
    expect(script.startsWith("#!/bin/bash\n#SBATCH")).toBe(true);
    expect(doc).toContain(`\`\`\`sh\n${script}\`\`\``);
  });

  it("runs shard task+1 of SWEEP_SHARDS, 16 by default, even for a task rerun alone", () => {
    // Shows `sbatch --array=7` (an array of one task) still runs shard 8 of 16, in the clone.
    const args = runTask({ SLURM_ARRAY_TASK_ID: "7", SLURM_ARRAY_TASK_COUNT: "1" });
    expect(args).toEqual([
      root,
      "agentsim",
      "sweep",
      "scenarios/noisy-neighbor.yaml",
      "--vary",
      "jobs.ticket-triage.arrivals.rate=0.5/s..4/s:8",
      "--replications",
      "20",
      "--jobs",
      "4",
      "--out",
      "/home/someone/results/nn-sweep",
      "--shard",
      "8/16",
    ]);
  });

  it("takes the sweep from the SWEEP_* variables", () => {
    // Shows the overrides CI uses reach the command line unchanged.
    const args = runTask({
      SLURM_ARRAY_TASK_ID: "0",
      SLURM_CPUS_PER_TASK: "1",
      SWEEP_SCENARIO: "scenarios/capacity-planning.yaml",
      SWEEP_VARY: "jobs.chat.arrivals.rate=0.2/s..2/s:4",
      SWEEP_REPLICATIONS: "2",
      SWEEP_SHARDS: "4",
      SWEEP_OUT: "/tmp/shards",
    });
    expect(args.slice(3)).toEqual([
      "scenarios/capacity-planning.yaml",
      "--vary",
      "jobs.chat.arrivals.rate=0.2/s..2/s:4",
      "--replications",
      "2",
      "--jobs",
      "1",
      "--out",
      "/tmp/shards",
      "--shard",
      "1/4",
    ]);
  });
});
