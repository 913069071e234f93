import type { Results } from "../experiment/index.ts";

/**
 * results.json as written to a report folder: the results as given, two-space indented, one
 * trailing newline. Key order is the object's own (the experiment layer builds it in a fixed
 * order), so the same results give the same bytes; NaN and infinities become null, as in JSON.
 */
export function resultsJson(results: Results): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}
