// The M/M/1 queue (lambda 0.8/s, mu 1/s, about 300,000 customers) through agentsim's whole
// runtime from the command line, side by side with the same queue in SimPy (issue 12's target:
// agentsim at least 3x SimPy's customers per second).
// Run: npm run bench -- mm1   (or: node --import tsx bench/mm1.bench.ts)
//
// agentsim: `agentsim run bench/scenarios/mm1.yaml --json --jobs 1 --no-png` (one endpoint with
// one slot, exponential whole-turn latency of mean 1 s, single-turn runs arriving at 0.8/s for
// 375,000 s, FIFO, one replication; the report is written too, as a user's run writes it).
// SimPy: bench/simpy/mm1.py, a source process, a process per customer and a Resource of
// capacity 1. Both are timed as whole processes (start-up, imports and the report included):
// wall time, and CPU time (every thread of the process), which other load on a shared machine
// disturbs less. Rounds interleave the two; the figures are medians over the rounds.
// Then the simulations alone: agentsim's `simulate` call in a fresh process
// (bench/support/simulate-once.ts, cold JIT) against SimPy's own timing of `env.run()`, both
// without start-up, imports or output: what the whole-process figures spend elsewhere is the
// fixed cost of a command (agentsim's report with its charts, Python's start-up).
//
// SimPy is not a dependency: set SIMPY_SRC to the folder that holds SimPy's `simpy` package
// (e.g. an unpacked simpy-4.1.2/src) and have python3 on the PATH; without SIMPY_SRC the bench
// runs agentsim alone and says that it skipped the comparison.
// AGENTSIM_BENCH_ROUNDS=k: rounds (default 3).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const LAMBDA = 0.8;
const MU = 1;
const THEORY_WAIT_S = LAMBDA / MU / (MU - LAMBDA);
const ROUNDS = Number(process.env.AGENTSIM_BENCH_ROUNDS ?? 3);
const simpySrc = process.env.SIMPY_SRC;

interface Measured {
  model: string;
  customers: number;
  meanWaitS: number;
  wallS: number;
  cpuS: number;
  /** The simulation alone (SimPy's `env.run()`, agentsim's `simulate` call). */
  simCpuS?: number;
}

const scratch = mkdtempSync(join(tmpdir(), "agentsim-mm1-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

function agentsim(): Measured {
  const cpuFile = join(scratch, "cpu.json");
  const started = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      "./bench/support/cpu-at-exit.mjs",
      "bin/agentsim.js",
      "run",
      "bench/scenarios/mm1.yaml",
      "--json",
      "--jobs",
      "1",
      "--no-png",
      "--out",
      join(scratch, "report"),
    ],
    {
      cwd: root,
      env: { ...process.env, AGENTSIM_BENCH_CPU_FILE: cpuFile },
      maxBuffer: 1 << 28,
      encoding: "utf8",
    },
  );
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`agentsim run failed: ${child.stderr}`);
  const results = JSON.parse(child.stdout) as {
    policies: Record<
      string,
      { summary: { wait: { mean: number }; counts: { completed: number } } }
    >;
  };
  const summary = results.policies.fifo!.summary;
  const cpu = JSON.parse(readFileSync(cpuFile, "utf8")) as { user: number; system: number };
  return {
    model: "agentsim",
    customers: summary.counts.completed,
    meanWaitS: summary.wait.mean,
    wallS,
    cpuS: (cpu.user + cpu.system) / 1e6,
  };
}

function simpy(src: string): Measured {
  const started = process.hrtime.bigint();
  const child = spawnSync("python3", ["bench/simpy/mm1.py"], {
    cwd: root,
    env: { ...process.env, PYTHONPATH: src },
    encoding: "utf8",
  });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0)
    throw new Error(`SimPy run failed: ${child.error?.message ?? child.stderr}`);
  const out = JSON.parse(child.stdout) as {
    customers: number;
    meanWaitS: number;
    processCpuS: number;
    simCpuS: number;
  };
  return {
    model: "SimPy",
    customers: out.customers,
    meanWaitS: out.meanWaitS,
    wallS,
    cpuS: out.processCpuS,
    simCpuS: out.simCpuS,
  };
}

/** agentsim's simulation alone: the `simulate` call of the same cell, in a fresh process. */
function agentsimSimulation(): number {
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", "bench/support/simulate-once.ts", "bench/scenarios/mm1.yaml"],
    { cwd: root, encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`simulate-once failed: ${child.stderr}`);
  return (JSON.parse(child.stdout) as { cpuS: number }).cpuS;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function row(m: Measured) {
  return {
    model: m.model,
    customers: m.customers,
    "mean wait s": Number(m.meanWaitS.toFixed(3)),
    "theory s": Number(THEORY_WAIT_S.toFixed(3)),
    "wall s": Number(m.wallS.toFixed(2)),
    "cpu s": Number(m.cpuS.toFixed(2)),
    "customers/s (wall)": Math.round(m.customers / m.wallS),
    "customers/s (cpu)": Math.round(m.customers / m.cpuS),
  };
}

// The first command after a source change builds the bundle: not part of any measured run.
spawnSync(process.execPath, ["bin/agentsim.js", "--version"], { cwd: root });

if (simpySrc === undefined || simpySrc === "") {
  console.log(
    "SIMPY_SRC is not set: skipped the comparison with SimPy (set it to the folder holding SimPy's `simpy` package); agentsim alone:",
  );
}
const rows: ReturnType<typeof row>[] = [];
const ratiosWall: number[] = [];
const ratiosCpu: number[] = [];
const ratiosSim: number[] = [];
const simCpu: Record<string, number[]> = { agentsim: [], SimPy: [] };
const runs: Measured[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which model goes first, so a drift of the machine's speed favours neither.
  const order = round % 2 === 0 ? ["agentsim", "simpy"] : ["simpy", "agentsim"];
  const pair: Record<string, Measured> = {};
  for (const which of order) {
    if (which === "agentsim") {
      pair.agentsim = agentsim();
      pair.agentsim.simCpuS = agentsimSimulation();
    } else if (simpySrc) pair.simpy = simpy(simpySrc);
  }
  for (const m of [pair.agentsim, pair.simpy]) {
    if (m === undefined) continue;
    runs.push(m);
    rows.push(row(m));
  }
  if (pair.simpy !== undefined) {
    const a = pair.agentsim!;
    const s = pair.simpy;
    ratiosWall.push(a.customers / a.wallS / (s.customers / s.wallS));
    ratiosCpu.push(a.customers / a.cpuS / (s.customers / s.cpuS));
    ratiosSim.push(a.customers / a.simCpuS! / (s.customers / s.simCpuS!));
  }
  for (const m of [pair.agentsim, pair.simpy]) if (m?.simCpuS) simCpu[m.model]!.push(m.simCpuS);
}
console.log(
  `M/M/1, lambda ${LAMBDA}/s, mu ${MU}/s, whole processes, ${ROUNDS} rounds interleaved:`,
);
console.table(rows);
for (const model of ["agentsim", "SimPy"]) {
  const mine = runs.filter((m) => m.model === model);
  if (mine.length === 0) continue;
  const wait = mine[0]!.meanWaitS;
  const off = Math.abs(wait - THEORY_WAIT_S) / THEORY_WAIT_S;
  console.log(
    `${model}: ${mine[0]!.customers} customers, mean wait ${wait.toFixed(3)} s (theory ${THEORY_WAIT_S.toFixed(3)} s, ${(100 * off).toFixed(1)}% off); median ${Math.round(median(mine.map((m) => m.customers / m.wallS)))} customers/s of wall time, ${Math.round(median(mine.map((m) => m.customers / m.cpuS)))} customers/s of CPU time`,
  );
  // One long run of an M/M/1 at rho 0.8 estimates Wq within a few percent; far off is a bug.
  if (off > 0.1)
    throw new Error(
      `${model}: mean wait ${wait} s is far from theory's ${THEORY_WAIT_S.toFixed(3)} s`,
    );
}
if (ratiosCpu.length > 0) {
  console.log(
    `agentsim / SimPy customers per second: ${median(ratiosCpu).toFixed(2)}x by CPU time, ${median(ratiosWall).toFixed(2)}x by wall time (medians of ${ratiosCpu.length} interleaved pairs; each by CPU: ${ratiosCpu.map((r) => r.toFixed(2)).join(", ")}; target at least 3x)`,
  );
  console.log(
    `The simulations alone (agentsim's simulate call, cold JIT, against SimPy's env.run(); no start-up, imports or output): agentsim ${median(simCpu.agentsim!).toFixed(2)} s, SimPy ${median(simCpu.SimPy!).toFixed(2)} s of CPU: ${median(ratiosSim).toFixed(2)}x (each: ${ratiosSim.map((r) => r.toFixed(2)).join(", ")})`,
  );
} else {
  console.log("SimPy comparison skipped: SIMPY_SRC is not set.");
}
