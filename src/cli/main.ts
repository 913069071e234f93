/**
 * The agentsim executable: the only module that reads argv and the environment, writes to the
 * terminal and sets the exit code. Everything else receives an `Io`.
 */
import { Presets, SingleBar } from "cli-progress";
import type { Io } from "./io.ts";
import { runCli } from "./program.ts";

const noColor = (process.env.NO_COLOR ?? "") !== "";

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
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  },
};

// A closed pipe (`agentsim audit query ... | head`) ends the output quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), io, {
  debug: (process.env.AGENTSIM_DEBUG ?? "") !== "",
  settings: { workersOnly: process.env.AGENTSIM_WORKERS === "only" },
});
