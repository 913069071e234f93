// Preloaded by bench/calibrate.bench.ts into the agentsim processes it spawns (`node --import`):
// at exit, writes the process's CPU time and peak resident memory (maxRSS, KiB) as JSON to the
// file AGENTSIM_BENCH_USAGE_FILE names.
import { writeFileSync } from "node:fs";

const file = process.env.AGENTSIM_BENCH_USAGE_FILE;
if (file) {
  process.on("exit", () => {
    const { maxRSS } = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ cpu: process.cpuUsage(), maxRssKiB: maxRSS }));
  });
}
