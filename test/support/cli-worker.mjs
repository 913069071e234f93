// Entry of the worker thread that CliSandbox (cli-sandbox.ts) runs commands in, in plain
// JavaScript so Node can load it without a build step: as src/experiment/worker-entry.mjs
// does, it registers tsx in the worker (tsx's hooks are the main thread's only on Node 20) and
// then loads the TypeScript command line. Each message { id, args } runs `agentsim <args>` in
// this thread and is answered { id, code, stdout, stderr, ms }; an exception escaping the
// command line (it should catch everything) ends the worker with an 'error' event.
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { runInProcess } = await import("./cli.ts");

parentPort.on("message", async ({ id, args }) => {
  const start = performance.now();
  const ran = await runInProcess(args);
  parentPort.postMessage({ id, ...ran, ms: performance.now() - start });
});
parentPort.postMessage({ ready: true });
