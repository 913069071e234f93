/**
 * What commands may do to the outside world, supplied by main.ts (the only module that touches
 * process.stdout, process.stderr, argv or the exit code): write text, show progress, colour.
 */

/** A progress display for a number of cells. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** The command line's input and output. */
export interface Io {
  /** Writes to standard output (text as given, no newline added). */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether standard output may be coloured (a terminal, and NO_COLOR unset). */
  color: boolean;
  /** A progress bar on standard error when it is a terminal; undefined otherwise. */
  progress(total: number, label: string): Progress | undefined;
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39] };

/** Styles text with ANSI codes when `io.color` allows it. */
export function paint(io: Pick<Io, "color">, style: keyof typeof CODES, text: string): string {
  if (!io.color) return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** Runs `work` with a progress bar for `total` cells, unless `quiet`. */
export async function withProgress<T>(
  io: Io,
  total: number,
  label: string,
  quiet: boolean,
  work: (onProgress?: (done: number) => void) => Promise<T>,
): Promise<T> {
  const bar = quiet ? undefined : io.progress(total, label);
  try {
    return await work(bar === undefined ? undefined : (done) => bar.update(done));
  } finally {
    bar?.stop();
  }
}

/** How the experiment commands use threads (from the environment, read by main.ts). */
export interface RunSettings {
  /**
   * Run every cell on worker threads, starting them at once (AGENTSIM_WORKERS=only): a way
   * to exercise the pool; by default the main thread runs cells too and workers start only
   * when the work is long enough to repay them.
   */
  workersOnly?: boolean;
}
