import { closeSync, openSync, writeSync } from "node:fs";
import { fileError } from "../input/index.ts";

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

  /**
   * Opens (creates or truncates) `path`. A file error, then or at any later write, throws
   * `ScenarioError` naming the path and the reason in words ("no space left on device").
   */
  constructor(
    readonly path: string,
    private readonly flushChars: number = FLUSH_CHARS,
  ) {
    try {
      this.fd = openSync(path, "w");
    } catch (error) {
      throw fileError(path, "a writable audit file path", error);
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
    try {
      while (written < bytes.length) written += writeSync(this.fd, bytes, written);
    } catch (error) {
      throw fileError(this.path, "an audit file that can be written to the end", error);
    }
  }

  /** Flushes and closes the file; later calls do nothing. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    let failure: unknown;
    try {
      this.flush();
    } catch (error) {
      failure = error;
    }
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch (error) {
      // A network file system may report a failed write only when the file is closed.
      failure ??= fileError(this.path, "an audit file that can be written to the end", error);
    }
    if (failure !== undefined) throw failure;
  }
}
