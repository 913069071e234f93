import { ScenarioError } from "../../input/index.ts";

/** Option keys every policy accepts and ignores (the results label is the experiment's). */
const SHARED_KEYS = ["label"];

/** Throws a ScenarioError for an option key that `policy` does not know, listing the known ones. */
export function checkOptionKeys(
  policy: string,
  options: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key) || SHARED_KEYS.includes(key)) continue;
    const expected =
      known.length === 0
        ? "no options"
        : `one of the options ${known.map((k) => `"${k}"`).join(", ")}`;
    throw new ScenarioError(`${policy}.${key}`, expected, `an unknown option "${key}"`, {
      foundShown: true,
    });
  }
}

/** Reads a finite number option of at least `min`, or `fallback` when absent. */
export function numberOption(
  policy: string,
  options: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  unit: string,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new ScenarioError(`${policy}.${key}`, `a number >= ${min} (${unit})`, value);
  }
  return value;
}

/** Reads a string option that must be one of `choices`, or the first choice when absent. */
export function choiceOption<C extends string>(
  policy: string,
  options: Record<string, unknown>,
  key: string,
  choices: readonly C[],
): C {
  const value = options[key];
  if (value === undefined) return choices[0]!;
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw new ScenarioError(
      `${policy}.${key}`,
      `one of ${choices.map((c) => `"${c}"`).join(", ")}`,
      value,
    );
  }
  return value as C;
}

/** Throws (a runtime bug, not bad input) unless `value` is a number that is not NaN. */
export function checkKey(policy: string, field: string, value: number, seq: number): void {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new Error(
      `${policy}.enqueue: turn ${seq} has ${field} ${String(value)}, expected a number`,
    );
  }
}
