// Preloaded by bench/sweep.bench.ts into the agentsim processes it spawns (`node --import`):
// at exit, writes the process's CPU time (every thread's: the main thread, the workers, V8's
// garbage-collection and compiler helpers) as JSON to the file AGENTSIM_BENCH_CPU_FILE names.
import { writeFileSync } from "node:fs";

const file = process.env.AGENTSIM_BENCH_CPU_FILE;
if (file) {
  process.on("exit", () => writeFileSync(file, JSON.stringify(process.cpuUsage())));
}
