#!/usr/bin/env node
// The agentsim command, with no build step: it runs a cached esbuild bundle of the TypeScript
// sources (bin/bundle.mjs, rebuilt whenever a source changes), or the sources themselves
// through tsx when no bundle can be had.
import { bundle, CHART_ENTRY_KEY, WORKER_ENTRY_KEY } from "./bundle.mjs";

const entries = await bundle();
if (entries !== undefined) {
  if ((process.env.AGENTSIM_DEBUG ?? "") !== "") process.setSourceMapsEnabled(true);
  globalThis[WORKER_ENTRY_KEY] = entries.worker;
  globalThis[CHART_ENTRY_KEY] = entries.charts;
  await import(entries.cli);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
