import { closeSync, openSync, writeSync } from "node:fs";
import { ScenarioError } from "../input/index.ts";

/** Characters buffered before a write to disk; the bound on a file-mode trail's memory. */
export const FLUSH_CHARS = 1 << 20;

/**
 * Appends lines to a file with synchronous writes of about `flushChars` characters: a simulation
 * runs without yielding to the event loop, so an asynchronous stream would buffer the whole
 * trail in memory before writing any of it.
 */
export class JsonlFileWriter {
  private fd: number | undefined;
  private buffer = "";

  /** Opens (creates or truncates) `path`; an unwritable path throws `ScenarioError`. */
  constructor(
    readonly path: string,
    private readonly flushChars: number = FLUSH_CHARS,
  ) {
    try {
      this.fd = openSync(path, "w");
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new ScenarioError("", "a writable audit file path", String(code ?? error), {
        file: path,
      });
    }
  }

  /** Buffers one line (a newline is added) and writes the buffer out once it is large. */
  line(text: string): void {
    this.buffer += `${text}\n`;
    if (this.buffer.length >= this.flushChars) this.flush();
  }

  /** Buffers text as it is (whole lines, newlines included). */
  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= this.flushChars) this.flush();
  }

  /** Writes out what is buffered. */
  flush(): void {
    if (this.buffer === "" || this.fd === undefined) return;
    const bytes = Buffer.from(this.buffer, "utf8");
    this.buffer = "";
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written);
  }

  /** Flushes and closes the file; later calls do nothing. */
  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
