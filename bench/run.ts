// Runs the benchmarks: every bench/*.bench.ts, each in its own child process.
//
// Convention: a benchmark file is a script. Executed on its own, it runs its measurements
// (tinybench) and prints its tables to stdout; it exports nothing and takes no arguments. A file
// that fails should throw (or exit non-zero); the others still run, and this runner then exits 1.
// Each file runs as `node --import tsx --expose-gc bench/<name>.bench.ts`, so the suites do not
// share a heap or JIT state, and a suite can call `globalThis.gc()` to measure retained memory.
//
// Usage: npm run bench                 every suite, in alphabetical order
//        npm run bench -- kernel       the suites whose file name contains "kernel"
//        npm run bench -- audit sched  several filters: a suite runs if any of them matches

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const SUFFIX = ".bench.ts";

const filters = process.argv.slice(2).filter((arg) => arg !== "--");
const suites = readdirSync(benchDir)
  .filter((file) => file.endsWith(SUFFIX))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

if (suites.length === 0) {
  const known = readdirSync(benchDir).filter((file) => file.endsWith(SUFFIX));
  console.error(`bench: no suite matches ${filters.join(", ")}; suites: ${known.join(", ")}`);
  process.exit(2);
}

const failed: string[] = [];
for (const file of suites) {
  const name = file.slice(0, -SUFFIX.length);
  console.log(`\n=== ${name} (${file}) ===`);
  const started = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", "--expose-gc", join(benchDir, file)],
    { stdio: "inherit", cwd: join(benchDir, "..") },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const ok = child.status === 0;
  if (!ok) failed.push(name);
  const how = ok
    ? "done"
    : `FAILED (${child.error?.message ?? `exit ${child.status ?? child.signal}`})`;
  console.log(`=== ${name}: ${how} in ${seconds.toFixed(1)} s ===`);
}

if (failed.length > 0) {
  console.error(
    `\nbench: ${failed.length} of ${suites.length} suites failed: ${failed.join(", ")}`,
  );
  process.exit(1);
}
