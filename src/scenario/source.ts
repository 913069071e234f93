/**
 * A scenario file's text, read defensively: only a regular file (not a folder, a device such as
 * /dev/zero, a pipe or a socket: `openRegularFile` refuses them before a byte is read), at most
 * `MAX_SCENARIO_BYTES`, and UTF-8. A file in another
 * encoding is refused as "not UTF-8" with what it looks like: UTF-16 or UTF-32 by its byte
 * order mark, NUL bytes (binary data, or UTF-16 without a mark), or the first byte sequence
 * that is not valid UTF-8 (Latin-1 and Windows-1252 text), with its line.
 */
import { closeSync } from "node:fs";
import { openRegularFile, readChunk, ScenarioError } from "../input/index.ts";
import { formatBound } from "./bounds.ts";

/**
 * The largest scenario file, in bytes: 512 KiB. Scenarios are a few KB (the bundled ones under
 * 10 KB; a thousand jobs about 300 KB). The YAML parser reads a dense document at about 0.1 to
 * 0.2 MB a second (measured: 7 s for 1 MiB of "[1,1,1,...]"), so this bound keeps the worst
 * case to a few seconds; trace files, which are large, are read apart.
 */
export const MAX_SCENARIO_BYTES = 512 * 1024;

/** The bound as messages and the README state it. */
export const MAX_SCENARIO_SIZE_TEXT = `512 KiB (${formatBound(MAX_SCENARIO_BYTES)} bytes)`;

/** Reads a scenario file as text. Throws ScenarioError naming the file and the problem. */
export function readScenarioText(file: string): string {
  return decodeScenarioBytes(readScenarioBytes(file), file);
}

/** The bytes of a regular file of at most `MAX_SCENARIO_BYTES` (opened as input/files.ts opens). */
export function readScenarioBytes(file: string): Buffer {
  const opened = openRegularFile(file, "a readable scenario file (a regular file)");
  try {
    const tooLarge = (size: string) =>
      new ScenarioError("", `a scenario file of at most ${MAX_SCENARIO_SIZE_TEXT}`, size, {
        file,
        foundShown: true,
      });
    if (opened.sizeBytes > MAX_SCENARIO_BYTES) {
      throw tooLarge(`${formatBound(opened.sizeBytes)} bytes`);
    }
    // Read to the end, one byte past the bound at most: the file may grow while it is read.
    const buffer = Buffer.alloc(MAX_SCENARIO_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readChunk(opened, file, buffer.subarray(length));
      if (read === 0) break;
      length += read;
      if (length > MAX_SCENARIO_BYTES) throw tooLarge("a file that grew past it while read");
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(opened.fd);
  }
}

/** Byte order marks of encodings that are not UTF-8, longest first. */
const MARKS: { bytes: number[]; encoding: string; iconv: string }[] = [
  { bytes: [0xff, 0xfe, 0x00, 0x00], encoding: "UTF-32 little-endian", iconv: "UTF-32LE" },
  { bytes: [0x00, 0x00, 0xfe, 0xff], encoding: "UTF-32 big-endian", iconv: "UTF-32BE" },
  { bytes: [0xff, 0xfe], encoding: "UTF-16 little-endian", iconv: "UTF-16LE" },
  { bytes: [0xfe, 0xff], encoding: "UTF-16 big-endian", iconv: "UTF-16BE" },
];

const EXPECTED_UTF8 = "a UTF-8 text file";

/**
 * The text of a scenario file's bytes, which must be UTF-8 (a UTF-8 byte order mark is
 * dropped). `file` names the source in errors.
 */
export function decodeScenarioBytes(bytes: Uint8Array, file?: string): string {
  const refuse = (found: string) =>
    new ScenarioError("", EXPECTED_UTF8, found, { file, foundShown: true });
  for (const mark of MARKS) {
    if (mark.bytes.every((byte, i) => bytes[i] === byte)) {
      throw refuse(
        `${mark.encoding} text, not UTF-8 (by its byte order mark): convert it, e.g. iconv -f ${mark.iconv} -t UTF-8`,
      );
    }
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw refuse(
      `a NUL byte at ${where(bytes, nul)}, not UTF-8 text: binary data, or UTF-16 text without a byte order mark`,
    );
  }
  // Valid UTF-8 decodes and encodes back to the same bytes; the first byte that does not is
  // the first invalid sequence (an invalid one decodes to U+FFFD, which encodes differently).
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  const again = Buffer.from(text, "utf8");
  const bad = invalidAt(bytes, again);
  if (bad >= 0) {
    const byte = bytes[bad]!.toString(16).toUpperCase().padStart(2, "0");
    throw refuse(
      `byte 0x${byte} at ${where(bytes, bad)}, not UTF-8 (Latin-1 or Windows-1252 text?): convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8`,
    );
  }
  return text.replace(/^\uFEFF/, "");
}

/**
 * The offset of the first invalid sequence of `bytes`, given `again`, their decoding encoded
 * back: where they first differ, moved back to the start of the U+FFFD (EF BF BD) that
 * replaced the sequence when the sequence began with the same bytes (EF 41 becomes EF BF BD 41,
 * which differs only at the 41). -1 when the bytes are valid UTF-8.
 */
function invalidAt(bytes: Uint8Array, again: Uint8Array): number {
  const length = Math.min(bytes.length, again.length);
  let i = 0;
  while (i < length && bytes[i] === again[i]) i++;
  if (i === bytes.length && i === again.length) return -1;
  for (let j = Math.max(0, i - 2); j < i; j++) {
    if (again[j] === 0xef && again[j + 1] === 0xbf && again[j + 2] === 0xbd) return j;
  }
  return i;
}

/** "line 3, byte 7 of the line": where a byte offset is, counting lines from 1. */
function where(bytes: Uint8Array, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return `line ${line}, byte ${offset - start + 1} of the line`;
}
