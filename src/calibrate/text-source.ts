/**
 * A log file as text, in chunks, with bounded memory: a regular file only (input/files.ts
 * refuses directories, FIFOs and devices before a byte is read), unpacked when it is gzip (by
 * its name or its first bytes), decoded as UTF-8 across chunk boundaries.
 */
import { closeSync, createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { fileErrorReason, openRegularFile, readChunk, ScenarioError } from "../input/index.ts";

const CHUNK_BYTES = 1 << 20;

/** The text of `path`, chunk by chunk; `expected` describes the file in errors. */
export async function* textChunks(path: string, expected: string): AsyncGenerator<string> {
  const file = openRegularFile(path, expected);
  const decoder = new StringDecoder("utf8");
  let closed = false;
  try {
    const first = Buffer.allocUnsafe(CHUNK_BYTES);
    const bytes = readChunk(file, path, first);
    const gzip = path.endsWith(".gz") || (bytes >= 2 && first[0] === 0x1f && first[1] === 0x8b);
    // A byte order mark (spreadsheets write one before a CSV header) is not part of the text.
    let bom = true;
    const text = (chunk: Buffer) => {
      const decoded = decoder.write(chunk);
      if (!bom || decoded === "") return decoded;
      bom = false;
      return decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
    };
    if (!gzip) {
      let chunk = first.subarray(0, bytes);
      while (chunk.length > 0) {
        yield text(chunk);
        const next = Buffer.allocUnsafe(CHUNK_BYTES);
        chunk = next.subarray(0, readChunk(file, path, next));
      }
      yield decoder.end();
      return;
    }
    // Gzip: the bytes already read go in first, then the stream reads on from the descriptor.
    const gunzip = createGunzip();
    const stream = createReadStream("", { fd: file.fd, autoClose: true });
    closed = true;
    stream.on("error", (error) => gunzip.destroy(error));
    gunzip.write(first.subarray(0, bytes));
    stream.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield text(chunk as Buffer);
    } catch (error) {
      throw new ScenarioError("", `${expected} (gzip that unpacks)`, fileErrorReason(error), {
        file: path,
        foundShown: true,
      });
    } finally {
      stream.destroy();
    }
    yield decoder.end();
  } finally {
    if (!closed) closeSync(file.fd);
  }
}

/** A line longer than the bound: the reading stops here. */
export class LineTooLong extends Error {
  constructor(
    readonly line: number,
    readonly maxChars: number,
  ) {
    super(`line ${line} is longer than ${maxChars} characters`);
    this.name = "LineTooLong";
  }
}

/** Splits text chunks into lines (LF or CRLF), each handed over with its 1-based number. */
export class LineSplitter {
  private carry = "";
  private line = 0;

  constructor(
    private readonly onLine: (text: string, line: number) => void,
    private readonly maxChars: number,
  ) {}

  /** Reads a chunk; complete lines are handed over. */
  push(chunk: string): void {
    let start = 0;
    let text = chunk;
    if (this.carry !== "") {
      const newline = chunk.indexOf("\n");
      if (newline < 0) {
        this.carry += chunk;
        if (this.carry.length > this.maxChars) throw new LineTooLong(this.line + 1, this.maxChars);
        return;
      }
      this.deliver(this.carry + chunk.slice(0, newline));
      this.carry = "";
      start = newline + 1;
    }
    for (;;) {
      const newline = text.indexOf("\n", start);
      if (newline < 0) break;
      this.deliver(text.slice(start, newline));
      start = newline + 1;
    }
    text = text.slice(start);
    if (text.length > this.maxChars) throw new LineTooLong(this.line + 1, this.maxChars);
    this.carry = text;
  }

  /** The end: a last line without a newline is handed over. */
  end(): void {
    if (this.carry !== "") this.deliver(this.carry);
    this.carry = "";
  }

  private deliver(text: string): void {
    this.line++;
    if (text.length > this.maxChars) throw new LineTooLong(this.line, this.maxChars);
    this.onLine(text.endsWith("\r") ? text.slice(0, -1) : text, this.line);
  }
}
