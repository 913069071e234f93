// A bundle of the TypeScript sources for the agentsim command and its worker threads.
//
// Running src/ through tsx costs every command about 0.3 s before it starts (each of some 80
// modules resolved and transformed through loader hooks on another thread), and every worker
// thread the same again. So the command runs an esbuild bundle of src/cli/main.ts and of the
// worker handler instead, built once into node_modules/.cache/agentsim/<hash>/ and used as long
// as the sources are unchanged: the hash covers every file under src/, tsconfig.json, esbuild's
// version and this file. Building takes about 0.15 s. Packages stay external (they resolve from
// node_modules as usual), and each module keeps its own `import.meta.url`, so files it finds
// relative to itself (package.json, the default scenario, fonts) are found as from src/.
//
// Anything that goes wrong (no esbuild, a read-only folder) returns undefined, and the caller
// runs the sources through tsx instead; AGENTSIM_NO_BUNDLE=1 asks for that.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const ENTRIES = {
  cli: "src/cli/main.ts",
  worker: "src/experiment/worker.ts",
  charts: "src/report/chart-worker.ts",
  index: "src/index.ts",
};

/** Where a bundle's worker entry is published for src/experiment/pool.ts. */
export const WORKER_ENTRY_KEY = Symbol.for("agentsim.workerEntry");

/** Where a bundle's chart thread entry is published for src/report/chart-thread.ts. */
export const CHART_ENTRY_KEY = Symbol.for("agentsim.chartEntry");

// Every file of the bundle publishes the URL of the bundle's public API (src/index.ts), in the
// thread that loads it, main or worker: a user's policy module that imports "agentsim" gets
// this very agentsim (src/cell/module-import.ts), not the sources a second time.
const PUBLISH_API = `globalThis[Symbol.for("agentsim.apiEntry")] ??= new URL("./index.js", import.meta.url).href;`;

/**
 * The bundle's entry URLs ({ cli, worker, charts }), built if the sources changed since the last
 * build, or undefined when the sources should run through tsx.
 */
export async function bundle() {
  if ((process.env.AGENTSIM_NO_BUNDLE ?? "") !== "") return undefined;
  try {
    // esbuild's version from its package.json: importing esbuild costs a command ~20 ms at
    // start, needed only when the bundle is built.
    const version = createRequire(import.meta.url)("esbuild/package.json").version;
    const dir = join(ROOT, "node_modules", ".cache", "agentsim", sourceHash(version));
    const entries = () => ({
      cli: pathToFileURL(join(dir, "cli.js")).href,
      worker: pathToFileURL(join(dir, "worker.js")).href,
      charts: pathToFileURL(join(dir, "charts.js")).href,
    });
    if (existsSync(join(dir, "worker.js"))) return entries();
    const esbuild = await import("esbuild");
    // Built beside, then renamed into place: two commands building at once do not mix files.
    const building = `${dir}.${process.pid}.${Date.now()}`;
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ENTRIES,
      outdir: building,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      sourcemap: "linked",
      banner: { js: PUBLISH_API },
      logLevel: "silent",
      plugins: [keepImportMetaUrl],
    });
    mkdirSync(dirname(dir), { recursive: true });
    try {
      renameSync(building, dir);
    } catch {
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(join(dir, "worker.js"))) return undefined;
    }
    return entries();
  } catch {
    return undefined;
  }
}

/** Each module's `import.meta.url` stays its source file's URL inside the bundle. */
const keepImportMetaUrl = {
  name: "keep-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: text.replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
};

function sourceHash(esbuildVersion) {
  const hash = createHash("sha256");
  // The bundle keeps each module's own file URL (see keepImportMetaUrl), so it is only good for
  // this folder: a clone moved or copied elsewhere (node_modules with it) builds its own.
  hash.update(`${esbuildVersion}\0${process.version}\0${ROOT}\0`);
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(readFileSync(join(ROOT, "tsconfig.json")));
  const files = readdirSync(join(ROOT, "src"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) {
    hash.update(`${file.slice(ROOT.length)}\0`);
    hash.update(readFileSync(file));
  }
  return hash.digest("hex").slice(0, 20);
}
