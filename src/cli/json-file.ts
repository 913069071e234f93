import { readFileSync } from "node:fs";
import { ScenarioError } from "../input/index.ts";

/** Reads and parses a JSON file; a missing or malformed file is a ScenarioError naming it. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ScenarioError("", "a readable JSON file", code, { file, foundShown: true });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ScenarioError("", "valid JSON", (error as Error).message, { file, foundShown: true });
  }
}
