// Entry of the worker thread that CliSandbox (cli-sandbox.ts) runs commands in, in plain
// JavaScript so Node can load it without a build step: as src/experiment/worker-entry.mjs
// does, it registers tsx in the worker (tsx's hooks are the main thread's only on Node 20) and
// then loads the TypeScript command line. Each message { id, args } runs `agentsim <args>` in
// this thread and is answered { id, code, stdout, stderr, ms }; an exception escaping the
// command line (it should catch everything) ends the worker with an 'error' event.
//
// What a user's terminal would show besides the command's own output is kept too: anything
// written to this thread's process.stdout or process.stderr (a library's console.warn, or a
// process warning, which Node prints there as "(node:123) Warning: ..."), added to the
// command's stdout and stderr.
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { runInProcess } = await import("./cli.ts");

let strayOut = "";
let strayErr = "";
for (const [stream, keep] of [
  [process.stdout, (text) => (strayOut += text)],
  [process.stderr, (text) => (strayErr += text)],
]) {
  stream.write = (chunk, encoding, callback) => {
    keep(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    if (typeof encoding === "function") encoding();
    else if (typeof callback === "function") callback();
    return true;
  };
}
parentPort.on("message", async ({ id, args }) => {
  const start = performance.now();
  strayOut = "";
  strayErr = "";
  const ran = await runInProcess(args);
  const ms = performance.now() - start;
  // Warnings are emitted on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  parentPort.postMessage({
    id,
    code: ran.code,
    stdout: ran.stdout + strayOut,
    stderr: ran.stderr + strayErr,
    ms,
  });
});
parentPort.postMessage({ ready: true });
