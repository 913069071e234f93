import { readFileSync } from "node:fs";

/** agentsim's version (package.json's `version`), which every trail's genesis record binds. */
export const AGENTSIM_VERSION: string = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version;
