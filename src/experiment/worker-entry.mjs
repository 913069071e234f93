// Entry of the pool's worker threads, in plain JavaScript so Node can load it without a build
// step. tsx registers its loader only on the main thread (a worker started with
// `--import tsx` gets no hooks on Node 20), so each worker registers tsx itself and then loads
// the TypeScript handler.
import { register } from "tsx/esm/api";

register();
const { default: runTask } = await import("./worker.ts");

export default runTask;
