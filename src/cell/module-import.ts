/**
 * Importing a user's policy module from any folder, whatever its package.json says.
 *
 * Node decides a file's module format from the nearest package.json: a `.ts` or `.js` file in a
 * folder without one, or with `"type": "commonjs"` (what `npm init -y` writes), is CommonJS.
 * A policy written as the README shows (`import ... from "agentsim"; export default ...`) is an
 * ES module, so Node's CommonJS loader, handed that file by the ES module loader, requires it as
 * an ES module while the ES module loader is still loading it: Node fails with an internal
 * error (ERR_REQUIRE_CYCLE_MODULE, or an internal assertion under a query URL) that asks the
 * user to report a Node bug. And the bundled command has no TypeScript loader at all.
 *
 * So the module is compiled with esbuild (a dependency already, for the command's own bundle)
 * into one ES module, which is then imported: the user's own files (the module and what it
 * imports by relative path) are bundled in, as ES modules or CommonJS by their syntax, and
 * TypeScript types are stripped. `agentsim` is the running agentsim itself (the command's
 * bundle, or the sources this file is part of), so a policy shares its classes and costs no
 * second load; other packages stay external, resolved from the module's folder. A syntax error
 * is reported with its file, line and column.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { threadId } from "node:worker_threads";
import type { Plugin } from "esbuild";

/** Where the command's bundle publishes the URL of its public API (see bin/bundle.mjs). */
const API_ENTRY_KEY = Symbol.for("agentsim.apiEntry");

/** agentsim's src/ folder, whose index.ts is the public API when running from the sources. */
const SOURCE_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * What a module knows of its own file. (A regular expression: the command's bundle rewrites
 * the plain text of the first in its own sources, this file included.)
 */
const IMPORT_META = /\bimport\.meta\.(url|filename|dirname)\b/g;

/** Files Node cannot import without a TypeScript loader. */
const TYPESCRIPT = /\.[cm]?tsx?$/;

/** A module that esbuild could not compile; the message is one line with file:line:col. */
export class ModuleCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModuleCompileError";
  }
}

/**
 * Imports the policy module at the absolute path `file` as an ES module and returns its
 * namespace. A CommonJS module's `module.exports` is its namespace. Throws ModuleCompileError
 * for a file that does not compile, and whatever the module throws while it is evaluated.
 */
export async function importPolicyModule(file: string): Promise<Record<string, unknown>> {
  return evaluatePolicyModule(await compilePolicyModule(file));
}

/**
 * Compiles the policy module at the absolute path `file` (see `importPolicyModule`) into a
 * file of its own and returns that file's URL, for `evaluatePolicyModule`. Runs none of the
 * module's code. Throws ModuleCompileError for a file that does not compile.
 */
export async function compilePolicyModule(file: string): Promise<string> {
  if (!existsSync(file)) throw new Error(`Cannot find module ${file}`);
  const compiled = await compile(file);
  // A file, named by its content, rather than a data: URL: its imports of agentsim's sources
  // then go through the loader of the code that imports it (tsx, or vitest's).
  const out = join(
    tmpdir(),
    `agentsim-policies-${process.getuid?.() ?? 0}`,
    `${basename(file, extname(file))}-${hash(compiled)}.mjs`,
  );
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true });
    // Written beside, then renamed: two processes compiling the same module do not mix bytes.
    const writing = `${out}.${process.pid}.${threadId}`;
    writeFileSync(writing, compiled);
    renameSync(writing, out);
  }
  return pathToFileURL(out).href;
}

/**
 * Imports a module compiled by `compilePolicyModule`, which runs its top-level code, and
 * returns its namespace (a CommonJS module's `module.exports`). Throws whatever the module
 * throws.
 */
export async function evaluatePolicyModule(url: string): Promise<Record<string, unknown>> {
  const namespace = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  return commonJsExports(namespace) ?? namespace;
}

async function compile(file: string): Promise<string> {
  const esbuild = await import("esbuild");
  const api = (globalThis as Record<symbol, unknown>)[API_ENTRY_KEY] as string | undefined;
  try {
    const result = await esbuild.build({
      entryPoints: [file],
      absWorkingDir: dirname(file),
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      sourcemap: "inline",
      logLevel: "silent",
      plugins: [policyImports(api)],
    });
    return result.outputFiles[0]!.text;
  } catch (error) {
    const errors = (error as { errors?: import("esbuild").Message[] }).errors;
    if (errors === undefined || errors.length === 0) throw error;
    throw new ModuleCompileError(describeMessage(errors[0]!, file));
  }
}

/**
 * Resolves what the module imports. `agentsim` is the running agentsim (`api`, the bundle's
 * public API, else src/index.ts). A package, or a file of agentsim's sources, stays external
 * under its absolute URL, except TypeScript that the running process cannot import (from the
 * bundle, which has no TypeScript loader): that is bundled in like the user's own files.
 */
function policyImports(api: string | undefined): Plugin {
  const external = (path: string) => ({ path: pathToFileURL(path).href, external: true });
  return {
    name: "agentsim-policy-imports",
    setup(build) {
      build.onResolve({ filter: /^agentsim$/ }, () => ({
        path: api ?? pathToFileURL(join(SOURCE_DIR, "index.ts")).href,
        external: true,
      }));
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === "inner") return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: "inner",
        });
        if (found.errors.length > 0) return { errors: found.errors };
        if (found.external) return { path: found.path, external: true };
        const shared =
          found.path.includes(`${sep}node_modules${sep}`) ||
          found.path.startsWith(SOURCE_DIR + sep);
        if (!shared || (api !== undefined && TYPESCRIPT.test(found.path)))
          return { path: found.path };
        return external(found.path);
      });
      // Each of the user's files keeps its own import.meta.url, as if it had been imported
      // itself (the bundle lives in a temporary folder).
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const meta: Record<string, string> = {
          url: pathToFileURL(args.path).href,
          filename: args.path,
          dirname: dirname(args.path),
        };
        const contents = readFileSync(args.path, "utf8").replace(IMPORT_META, (_, key: string) =>
          JSON.stringify(meta[key]),
        );
        return { contents, loader: TYPESCRIPT.test(args.path) ? "ts" : "js" };
      });
    },
  };
}

/** One line: the file (when not the module itself), line:column, and esbuild's text. */
function describeMessage(message: import("esbuild").Message, file: string): string {
  const at = message.location;
  if (at === null) return message.text;
  const where = at.file === basename(file) || at.file === file ? "" : `${at.file}:`;
  const kind = /^(Expected|Unexpected|Unterminated)/.test(message.text) ? "syntax error" : "error";
  return `${kind} at ${where}${at.line}:${at.column + 1}: ${message.text}`;
}

/** The `module.exports` of a module that esbuild wrapped from CommonJS, else undefined. */
function commonJsExports(namespace: Record<string, unknown>): Record<string, unknown> | undefined {
  const keys = Object.keys(namespace);
  const value = namespace.default;
  if (keys.length !== 1 || typeof value !== "object" || value === null) return undefined;
  return value as Record<string, unknown>;
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
