/**
 * The agentsim executable: the only module that reads argv and the environment, writes to the
 * terminal and sets the exit code. Everything else receives an `Io`.
 */
import { Presets, SingleBar } from "cli-progress";
import { fileErrorReason } from "../input/index.ts";
import type { Io } from "./io.ts";
import { EXIT, interruptMessage, runCli } from "./program.ts";

const noColor = (process.env.NO_COLOR ?? "") !== "";
// The progress bar on the terminal, if one is shown: an interrupt stops it (restoring the cursor).
let shownBar: SingleBar | undefined;

const io: Io = {
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
  color: process.stdout.isTTY === true && !noColor,
  progress(total, label) {
    if (process.stderr.isTTY !== true) return undefined;
    const bar = new SingleBar(
      {
        stream: process.stderr,
        format: `${label} [{bar}] {value}/{total} cells, {eta_formatted} left`,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    shownBar = bar;
    return {
      update: (done) => bar.update(done),
      stop: () => {
        bar.stop();
        shownBar = undefined;
      },
    };
  },
};

// A closed pipe (`agentsim audit query ... | head`) ends the output quietly; any other failure
// to write it (a full disk behind `> file`) is exit 2 with the reason.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(EXIT.ok);
  process.stderr.write(`agentsim: standard output: ${fileErrorReason(error)}\n`);
  process.exit(EXIT.badInput);
});

// Ctrl-C or a `kill`: the staged outputs are removed (what was there before stays as it was),
// the message says what was and was not written, and the exit ends the worker threads. A
// handler runs when this thread's event loop turns, so a cell running on this thread finishes
// first: cells of any length run on workers, and this thread only ever runs short ones.
for (const [signal, code] of [
  ["SIGINT", EXIT.interrupted],
  ["SIGTERM", EXIT.terminated],
] as const) {
  process.on(signal, () => {
    shownBar?.stop();
    process.stderr.write(interruptMessage(signal));
    process.exit(code);
  });
}

process.exitCode = await runCli(process.argv.slice(2), io, {
  debug: (process.env.AGENTSIM_DEBUG ?? "") !== "",
  settings: { workersOnly: process.env.AGENTSIM_WORKERS === "only" },
});
