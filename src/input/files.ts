/**
 * Opening input files defensively: only a regular file is read (a directory, a FIFO, a device
 * such as /dev/zero or a socket is refused before a byte is read, so nothing blocks or runs
 * forever), and every failure is a `ScenarioError` naming the path and the reason in words.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { ScenarioError } from "./errors.ts";

/** An open regular file: its descriptor and its size in bytes when opened. */
export interface OpenedFile {
  readonly fd: number;
  readonly sizeBytes: number;
}

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer, so it can be
// refused; it changes nothing for a regular file. (Windows has no such flag, nor FIFOs to open.)
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Reasons in words for the error codes file access can give; others are shown as they come. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  ENOTDIR: "a part of the path is not a folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "a directory, not a file",
  ELOOP: "too many symbolic links (a loop?)",
  ENAMETOOLONG: "the name is too long",
  EMFILE: "too many files open",
  ENFILE: "too many files open",
  EIO: "an input/output error of the device",
  ENXIO: "no such device",
  ENODEV: "no such device",
  EBUSY: "the file is busy",
  EAGAIN: "the file is not ready to be read",
  ETIMEDOUT: "the file system timed out",
  ESTALE: "a stale network file handle",
  EOVERFLOW: "too large to read",
  ENOMEM: "out of memory",
  // Writing (output folders, audit trails, partial files).
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "a read-only file system",
  EEXIST: "already exists",
  EXDEV: "on another file system",
  ENOTEMPTY: "a folder that is not empty",
  EFBIG: "the file is too large",
};

/**
 * The reason a file operation failed, in words (with the code, for searching); for a code not
 * listed, the description Node.js gives ("ECODE: description, syscall path").
 */
export function fileErrorReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return error instanceof Error ? error.message : String(error);
  const message = error instanceof Error ? error.message : "";
  const words = REASONS[code] ?? /^E[A-Z0-9]+: ([^,]+)/.exec(message)?.[1];
  return words === undefined ? `system error ${code}` : `${words} (${code})`;
}

/** Whether `error` is a Node.js system error of a file operation (it has an errno code). */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && /^E[A-Z0-9]+$/.test(code);
}

/**
 * A failed file operation as bad input: `<file>: [<flag>: ]expected <expected>, got <reason>`,
 * the reason in words. `flag` is the option that named the file (`--out`, `--audit`), if any.
 */
export function fileError(
  file: string,
  expected: string,
  error: unknown,
  flag = "",
): ScenarioError {
  return new ScenarioError(flag, expected, fileErrorReason(error), { file, foundShown: true });
}

/** What a path that is not a regular file is, in words. */
function kindOf(stats: ReturnType<typeof fstatSync>): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Opens `path` for reading if it is a regular file, else throws `ScenarioError` naming it,
 * `expected` (e.g. "a readable JSONL audit file") and the reason in words: missing,
 * unreadable, a directory, a FIFO, a device.
 */
export function openRegularFile(path: string, expected: string): OpenedFile {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw new ScenarioError("", expected, fileErrorReason(error), {
      file: path,
      foundShown: true,
    });
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw new ScenarioError("", expected, kindOf(stats), { file: path, foundShown: true });
    }
    return { fd, sizeBytes: stats.size };
  } catch (error) {
    closeSync(fd);
    if (error instanceof ScenarioError) throw error;
    throw new ScenarioError("", expected, fileErrorReason(error), {
      file: path,
      foundShown: true,
    });
  }
}

/** `readSync` whose failure is a `ScenarioError` naming the file and the reason in words. */
export function readChunk(file: OpenedFile, path: string, buffer: Uint8Array): number {
  try {
    return readSync(file.fd, buffer, 0, buffer.length, null);
  } catch (error) {
    throw new ScenarioError("", "a file that can be read to its end", fileErrorReason(error), {
      file: path,
      foundShown: true,
    });
  }
}

/**
 * Reads a whole regular file of at most `maxBytes` as UTF-8 text; anything else (a larger
 * file, a directory, a device) throws `ScenarioError` naming it.
 */
export function readRegularTextFile(path: string, expected: string, maxBytes: number): string {
  return readRegularFileBytes(path, expected, maxBytes).toString("utf8");
}

/**
 * Reads a whole regular file of at most `maxBytes`; anything else (a larger file, a directory,
 * a FIFO, a device such as /dev/zero, which would never end) throws `ScenarioError` naming it,
 * with the reason in words.
 */
export function readRegularFileBytes(path: string, expected: string, maxBytes: number): Buffer {
  const file = openRegularFile(path, expected);
  try {
    if (file.sizeBytes > maxBytes) {
      throw new ScenarioError(
        "",
        `${expected} of at most ${formatBytes(maxBytes)}`,
        `${formatBytes(file.sizeBytes)}`,
        { file: path, foundShown: true },
      );
    }
    // Read to the end rather than trusting the size: the file may grow or shrink meanwhile,
    // and the bound is kept either way.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(1 << 24, maxBytes + 1 - total));
      const bytes = readChunk(file, path, buffer);
      if (bytes === 0) break;
      total += bytes;
      if (total > maxBytes) {
        throw new ScenarioError("", `${expected} of at most ${formatBytes(maxBytes)}`, "more", {
          file: path,
          foundShown: true,
        });
      }
      chunks.push(buffer.subarray(0, bytes));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(file.fd);
  }
}

/** A size in bytes for a message: "64 KiB", "500 MiB", "3.8 MiB", "12,345 bytes". */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ["GiB", 2 ** 30],
    ["MiB", 2 ** 20],
    ["KiB", 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
    if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  }
  return `${bytes.toLocaleString("en-US")} bytes`;
}
