/**
 * The command's cached bundle (bin/bundle.mjs) is built for one folder: it keeps each module's
 * own file URL, so a clone moved elsewhere (its node_modules, and the cache in it, moving along,
 * or shared through a link) must build its own rather than run one that points into a folder
 * that is gone. Reproduces that: a copy of the project runs (building its bundle) and is
 * removed; a second copy, at another path with the same sources and the same node_modules, must
 * still run.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const cacheDir = join(root, "node_modules", ".cache", "agentsim");
// On a fresh clone no command may have built a bundle yet: the folder may not exist.
const cached = () => (existsSync(cacheDir) ? readdirSync(cacheDir) : []);
const cachedBefore = new Set(cached());
const scratch = mkdtempSync(join(tmpdir(), "agentsim-bundle-"));

function copyProject(name: string): string {
  const dir = join(scratch, name);
  for (const part of ["bin", "src", "package.json", "tsconfig.json"]) {
    cpSync(join(root, part), join(dir, part), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return dir;
}

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  // The bundles the copies built: the project's own are left as they were.
  for (const entry of cached()) {
    if (!cachedBefore.has(entry)) rmSync(join(cacheDir, entry), { recursive: true, force: true });
  }
});

describe("the command's bundle", () => {
  it("is rebuilt for a project at another path, not borrowed from one that is gone", () => {
    const first = copyProject("first");
    const ran = spawnSync(process.execPath, [join(first, "bin", "agentsim.js"), "--version"], {
      encoding: "utf8",
    });
    expect(ran.status, ran.stderr).toBe(0);
    rmSync(first, { recursive: true, force: true });
    const second = copyProject("second");
    const again = spawnSync(process.execPath, [join(second, "bin", "agentsim.js"), "--version"], {
      encoding: "utf8",
    });
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    expect(again.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 60_000);
});
