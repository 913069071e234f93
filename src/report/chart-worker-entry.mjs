// Entry of the chart thread when the command runs from the TypeScript sources (vitest, tsx):
// tsx registers its loader only on the main thread on Node 20, so the worker registers it
// itself and then loads the TypeScript worker (as src/experiment/worker-entry.mjs does).
import { register } from "tsx/esm/api";

register();
await import("./chart-worker.ts");
