// `agentsim calibrate` on 1,000,000 request rows (issue 14's target: under 10 s), as a user runs
// it: the whole command in a fresh process (start-up, reading, the in-flight sweep, every fit,
// the YAML written), on a JSONL log and on the same rows as CSV, drawn from the known model of
// the calibration tests (test/support/request-log.ts, seeded) with 1,000,000 requests.
// Measured: wall time, CPU time and peak resident memory (maxRSS) of the process; the rounds
// interleave the two formats and the figures are medians.
// Run: npm run bench -- calibrate   (or: node --import tsx bench/calibrate.bench.ts)
// AGENTSIM_BENCH_ROUNDS=k: rounds (default 3). AGENTSIM_BENCH_ROWS=n: rows (default 1,000,000).

import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateLog, KNOWN_MODEL } from "../test/support/request-log.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROUNDS = Number(process.env.AGENTSIM_BENCH_ROUNDS ?? 3);
const ROWS = Number(process.env.AGENTSIM_BENCH_ROWS ?? 1_000_000);
const TARGET_S = 10;

const dir = mkdtempSync(join(tmpdir(), "agentsim-bench-calibrate-"));
try {
  const jsonl = join(dir, "requests.jsonl");
  const csv = join(dir, "requests.csv");
  const started = performance.now();
  const jsonFd = openSync(jsonl, "w");
  const csvFd = openSync(csv, "w");
  writeSync(csvFd, "timestamp,promptTokens,outputTokens,ttftMs,durationMs,status\n");
  let jsonBatch: string[] = [];
  let csvBatch: string[] = [];
  const flush = () => {
    writeSync(jsonFd, jsonBatch.join(""));
    writeSync(csvFd, csvBatch.join(""));
    jsonBatch = [];
    csvBatch = [];
  };
  generateLog({ ...KNOWN_MODEL, requests: ROWS }, (row) => {
    jsonBatch.push(`${JSON.stringify(row)}\n`);
    csvBatch.push(
      `${row.timestamp},${row.promptTokens},${row.outputTokens},${row.ttftMs ?? ""},${row.durationMs},${row.status}\n`,
    );
    if (jsonBatch.length >= 10_000) flush();
  });
  flush();
  closeSync(jsonFd);
  closeSync(csvFd);
  const mib = (file: string) => (statSync(file).size / 2 ** 20).toFixed(0);
  console.log(
    `generated ${ROWS.toLocaleString("en-US")} rows in ${((performance.now() - started) / 1000).toFixed(1)} s: JSONL ${mib(jsonl)} MiB, CSV ${mib(csv)} MiB`,
  );

  const measured: Record<string, { wallS: number; cpuS: number; rssMiB: number }[]> = {
    jsonl: [],
    csv: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [format, file] of [
      ["jsonl", jsonl],
      ["csv", csv],
    ] as const) {
      const usageFile = join(dir, "usage.json");
      const t0 = performance.now();
      const child = spawnSync(
        process.execPath,
        [
          "--import",
          join(root, "bench/support/usage-at-exit.mjs"),
          join(root, "bin/agentsim.js"),
          "calibrate",
          file,
          "--out",
          join(dir, `endpoint-${format}.yaml`),
        ],
        {
          cwd: root,
          env: { ...process.env, AGENTSIM_BENCH_USAGE_FILE: usageFile },
          encoding: "utf8",
        },
      );
      const wallS = (performance.now() - t0) / 1000;
      if (child.status !== 0) throw new Error(`calibrate ${format} failed: ${child.stderr}`);
      const usage = JSON.parse(readFileSync(usageFile, "utf8"));
      measured[format]!.push({
        wallS,
        cpuS: (usage.cpu.user + usage.cpu.system) / 1e6,
        rssMiB: usage.maxRssKiB / 1024,
      });
      if (round === 0 && format === "jsonl")
        console.log(child.stdout.split("\n").slice(0, 5).join("\n"));
    }
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows = Object.entries(measured).map(([format, runs]) => ({
    format,
    rows: ROWS,
    "wall s (median)": median(runs.map((r) => r.wallS)).toFixed(2),
    "wall s (each)": runs.map((r) => r.wallS.toFixed(2)).join(" "),
    "cpu s (median)": median(runs.map((r) => r.cpuS)).toFixed(2),
    "peak RSS MiB (median)": median(runs.map((r) => r.rssMiB)).toFixed(0),
    "rows/s": Math.round(ROWS / median(runs.map((r) => r.wallS))).toLocaleString("en-US"),
  }));
  console.table(rows);
  const worst = Math.max(...Object.values(measured).flatMap((runs) => runs.map((r) => r.wallS)));
  console.log(
    `target: ${ROWS.toLocaleString("en-US")} rows in under ${TARGET_S} s: ${worst < TARGET_S ? "met" : "NOT met"} (slowest run ${worst.toFixed(2)} s)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
