/**
 * The one error type for bad input: a scenario field, a CLI flag, a trace or audit file.
 * It names where the problem is (file and field path), what was expected and what was found,
 * so the command line can print one clear line and exit with code 2.
 */
export class ScenarioError extends Error {
  /** The file the bad input came from, when known. */
  readonly file: string | undefined;
  /** The field path, e.g. `jobs[1].arrivals.rate`; empty for the document itself. */
  readonly path: string;
  /** What a valid value looks like, e.g. `a positive rate such as "2/s"`. */
  readonly expected: string;
  /** What was actually given, rendered for a human. */
  readonly found: string;
  /** Further problems found in the same input (validation lists all of them at once). */
  readonly others: ScenarioError[];

  constructor(
    path: string,
    expected: string,
    found: unknown,
    options: { file?: string; others?: ScenarioError[]; foundShown?: boolean } = {},
  ) {
    // One problem is one line: a newline inside a key or a found value is shown escaped.
    const shown = oneLine(options.foundShown ? String(found) : show(found));
    path = oneLine(path);
    super(formatIssue(options.file, path, expected, shown));
    this.name = "ScenarioError";
    this.file = options.file;
    this.path = path;
    this.expected = expected;
    this.found = shown;
    this.others = options.others ?? [];
  }

  /** The same problem, attributed to a file (loaders call this once they know the file name). */
  inFile(file: string): ScenarioError {
    return new ScenarioError(this.path, this.expected, this.found, {
      file,
      foundShown: true,
      others: this.others.map((e) => e.inFile(file)),
    });
  }

  /** Every problem, one a line: this one first, then the others. */
  report(): string {
    return [this.message, ...this.others.map((e) => e.message)].join("\n");
  }
}

/**
 * Bad input that is well formed but over what this run may spend: an estimated or measured
 * cost (runs in flight, model calls, memory) over the budget. Its first line reads like any
 * other problem (file, field, expected, found); the lines after it give the estimate and the
 * ways to proceed.
 */
export class BudgetError extends ScenarioError {
  /** The lines after the first: the figures behind it and what to do. */
  readonly details: readonly string[];

  constructor(
    path: string,
    expected: string,
    found: string,
    details: readonly string[],
    options: { file?: string } = {},
  ) {
    super(path, expected, found, { file: options.file, foundShown: true });
    this.name = "BudgetError";
    this.details = details;
    this.message = [this.message, ...details.map((line) => `  ${line}`)].join("\n");
  }

  override inFile(file: string): BudgetError {
    return new BudgetError(this.path, this.expected, this.found, this.details, { file });
  }
}

/** Joins several problems into one error whose `report()` lists them all. */
export function scenarioErrors(errors: ScenarioError[]): ScenarioError {
  if (errors.length === 0) throw new Error("scenarioErrors: expected at least one error");
  const [first, ...rest] = errors;
  return new ScenarioError(first!.path, first!.expected, first!.found, {
    file: first!.file,
    foundShown: true,
    others: [...first!.others, ...rest],
  });
}

function oneLine(text: string): string {
  return text.replace(/\r/g, "\\r").replace(/\n/g, "\\n");
}

function formatIssue(file: string | undefined, path: string, expected: string, found: string) {
  const where = [file, path].filter((part) => part !== undefined && part !== "").join(": ");
  return `${where === "" ? "" : `${where}: `}expected ${expected}, got ${found}`;
}

/** Renders a found value for a message: strings quoted, objects as short JSON. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value === null) return "null";
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
