/**
 * Memory sizes as the command line takes them (`--max-memory 2G`); messages show sizes with
 * `formatBytes` (files.ts).
 * Units are binary, as Node's own `--max-old-space-size` and most tools that size memory:
 * K = 1024 bytes, M = 1024 K, G = 1024 M, T = 1024 G; "MB", "MiB" and "m" mean the same.
 */

const FACTORS: Record<string, number> = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
const SIZE_RE = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*$/i;

/** Bytes of a size such as "512M", "2G", "1.5GiB" or "1048576"; undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const match = SIZE_RE.exec(text);
  if (match === null) return undefined;
  const bytes = Number(match[1]) * FACTORS[match[2]!.toLowerCase()]!;
  return Number.isFinite(bytes) ? Math.floor(bytes) : undefined;
}

/** A size as `--max-memory` takes it, rounded up to whole units: "9G", "600M". */
export function sizeFlag(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${Math.ceil(gib)}G` : `${Math.max(1, Math.ceil(bytes / 2 ** 20))}M`;
}
