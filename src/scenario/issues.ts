/**
 * Zod issues turned into `ScenarioError`s that read like the rest of agentsim's messages:
 * `jobs[1].arrivals.rate: expected a positive rate such as "2/s", got "-1"`. The schema marks the
 * messages it writes itself (an expected phrase, or the known fields of a mapping) so they can be
 * told apart from zod's defaults.
 */
import type { z } from "zod";
import { ScenarioError, show, unknownFieldError } from "../input/index.ts";

/** Prefix of a message that is an "expected ..." phrase written by the schema. */
export const EXPECTED_MARK = "\u0001";
/** Prefix of a message that lists a mapping's known fields, comma-separated. */
export const FIELDS_MARK = "\u0002";

/** A path's segments as zod reports them. */
export type PathSegments = readonly PropertyKey[];

/** Renders segments as agentsim writes paths: `jobs[1].arrivals.rate`. */
export function formatPath(segments: PathSegments): string {
  let path = "";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else path += path === "" ? String(segment) : `.${String(segment)}`;
  }
  return path;
}

/** The inverse of `formatPath`: `"values[2].x"` -> `["values", 2, "x"]`. */
export function splitPath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  }
  return segments;
}

/** The value at a path of a raw document (undefined where the path leads nowhere). */
export function valueAt(raw: unknown, segments: PathSegments): unknown {
  let node = raw;
  for (const segment of segments) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

/** One or more errors for one zod issue, attributed to paths of `raw` (the document parsed). */
export function issueErrors(issue: z.core.$ZodIssue, raw: unknown): ScenarioError[] {
  const path = formatPath(issue.path);
  const found = valueAt(raw, issue.path);
  const message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const known = message.startsWith(FIELDS_MARK) ? message.slice(1).split(",") : [];
    return issue.keys.map((key) => unknownFieldError(path, key, known));
  }
  if (issue.code === "custom" && issue.params?.expected !== undefined) {
    return [
      new ScenarioError(path, String(issue.params.expected), String(issue.params.found), {
        foundShown: true,
      }),
    ];
  }
  if (message.startsWith(EXPECTED_MARK)) {
    return [new ScenarioError(path, message.slice(1), found)];
  }
  return [new ScenarioError(path, expectedOf(issue), found)];
}

/** All the errors of a failed parse, in the order zod found them. */
export function zodErrors(error: z.ZodError, raw: unknown): ScenarioError[] {
  return error.issues.flatMap((issue) => issueErrors(issue, raw));
}

// A phrase for zod's own issues, for fields where the schema did not write one.
function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return TYPE_PHRASE[issue.expected] ?? `a value of type ${issue.expected}`;
    case "invalid_value":
      return `one of ${issue.values.map((value) => show(value)).join(", ")}`;
    case "invalid_union":
      if (issue.discriminator !== undefined && "options" in issue && issue.options) {
        return `one of ${issue.options.map((value) => show(value)).join(", ")}`;
      }
      return "one of the forms this field accepts";
    case "too_small":
      return issue.origin === "array"
        ? `a list of at least ${issue.minimum} item${issue.minimum === 1 ? "" : "s"}`
        : issue.origin === "string"
          ? "a non-empty string"
          : `a number ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array"
        ? `a list of at most ${issue.maximum} items`
        : `a value ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
    case "invalid_format":
      return issue.pattern ? `a string matching ${issue.pattern}` : `a ${issue.format}`;
    default:
      return issue.message;
  }
}

const TYPE_PHRASE: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "a mapping of fields",
  record: "a mapping of fields",
};
