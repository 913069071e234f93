import { readRegularTextFile, ScenarioError } from "../input/index.ts";

/**
 * The largest JSON file read (results.json, a shard's partial): 500 MiB, below the longest
 * string JavaScript can hold, so a larger file is refused by its size before it is read.
 */
export const MAX_JSON_FILE_BYTES = 500 * 2 ** 20;

/**
 * Reads and parses a JSON file; a missing, unreadable, non-regular (a directory, a FIFO, a
 * device), too large or malformed file is a ScenarioError naming it and the reason in words.
 */
export function readJsonFile(file: string, expected = "a readable JSON file"): unknown {
  const text = readRegularTextFile(file, expected, MAX_JSON_FILE_BYTES);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ScenarioError("", "valid JSON", (error as Error).message, { file, foundShown: true });
  }
}
