import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScenarioError } from "../src/input/errors.ts";
import { parseScenario, parseScenarioText } from "../src/scenario/index.ts";

const TEXT = readFileSync(resolve(import.meta.dirname, "fixtures/noisy-neighbor.yaml"), "utf8");
const RUNS = process.env.AGENTSIM_LONG ? 5000 : 200;

type Path = (string | number)[];

/** Every path into a value, containers included (the root is []). */
function paths(value: unknown, at: Path = []): Path[] {
  const found: Path[] = [at];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      found.push(...paths(item, [...at, i]));
    });
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) found.push(...paths(item, [...at, key]));
  }
  return found;
}

const BASE = parseScenarioText(TEXT, "fuzz.yaml");
const PATHS = paths(BASE).filter((path) => path.length > 0);

/** Values that are wrong somewhere: wrong types, bad numbers, malformed units, unknown names. */
const badValue = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    -0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e308,
    "-1",
    "-5s",
    "2/d",
    "8kk",
    "300 ms/s",
    "NaN",
    "Infinity",
    "",
    " ",
    "nobody",
    "crm-serch",
    "llm2",
    null,
    true,
    [],
    {},
    { dist: "gamma" },
    { dist: "lognormal", median: "2s", p99: "1s" },
    { dist: "uniform", min: 5, max: 1 },
    [{ unexpected: 1 }],
  ),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.anything({ maxDepth: 2 }),
);

/** One mutation of the document. */
const mutation = fc.record({
  path: fc.constantFrom(...PATHS),
  op: fc.constantFrom("set", "delete", "addKey", "set", "set"),
  value: badValue,
  key: fc.oneof(
    fc.constantFrom("extra", "__proto__", "constructor", "name", "0"),
    fc.string({ maxLength: 6 }),
  ),
});

function mutate(doc: unknown, m: { path: Path; op: string; value: unknown; key: string }): unknown {
  const parent = m.path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)?.[key], doc);
  if (typeof parent !== "object" || parent === null) return doc;
  const last = m.path[m.path.length - 1]!;
  const target = parent as Record<PropertyKey, unknown>;
  if (m.op === "delete") {
    if (Array.isArray(target) && typeof last === "number") target.splice(last, 1);
    else delete target[last];
  } else if (m.op === "addKey") {
    const child = target[last];
    if (typeof child === "object" && child !== null && !Array.isArray(child)) {
      Object.defineProperty(child, m.key, {
        value: m.value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    } else target[last] = m.value;
  } else target[last] = m.value;
  return doc;
}

/** Either a Scenario or a ScenarioError whose every line names the file and a path. */
function checkOutcome(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    const all = [error, ...error.others];
    expect(all.length).toBeGreaterThan(0);
    for (const each of all) {
      expect(each.file).toBe("fuzz.yaml");
      expect(each.message.startsWith("fuzz.yaml: ")).toBe(true);
      expect(each.message).toContain("expected ");
    }
    expect(error.report().split("\n")).toHaveLength(all.length);
  }
}

describe("fuzzed documents", () => {
  it("the unmutated example is valid", () => {
    // Shows the base of the mutations parses cleanly.
    expect(parseScenario(structuredClone(BASE), "fuzz.yaml").name).toBe("noisy-neighbor");
  });

  it("always give a Scenario or a ScenarioError with file and path, never another exception", () => {
    // Shows that wrong types, missing fields, bad numbers and unknown names are all bad input.
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const doc = mutations.reduce((d, m) => mutate(d, m), structuredClone(BASE) as unknown);
        checkOutcome(() => parseScenario(doc, "fuzz.yaml"));
      }),
      { numRuns: RUNS },
    );
  });

  it("report a path for a mistake made at a leaf", () => {
    // Shows that a malformed value at a field is reported at that field or inside it.
    const leaves = PATHS.filter((path) => {
      const value = path.reduce<unknown>(
        (node, key) => (node as Record<PropertyKey, unknown>)[key],
        BASE,
      );
      return typeof value === "number" || typeof value === "string";
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...leaves),
        fc.constantFrom({ wrong: "type" }, [1, 2]),
        (path, value) => {
          const doc = mutate(structuredClone(BASE), { path, op: "set", value, key: "" });
          try {
            parseScenario(doc, "fuzz.yaml");
          } catch (error) {
            if (!(error instanceof ScenarioError)) throw error;
            expect(error.path).not.toBe("");
            return;
          }
          // A few leaves accept any mapping (policy options, a description cannot): none here.
          throw new Error(`expected an error for ${JSON.stringify(path)}`);
        },
      ),
      { numRuns: Math.min(RUNS, 200) },
    );
  });

  it("garbage YAML text gives a ScenarioError naming the file, never a stack trace", () => {
    // Shows that random edits of the example's text never escape as another exception.
    const edit = fc.record({
      at: fc.nat({ max: TEXT.length }),
      cut: fc.nat({ max: 20 }),
      insert: fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom(
          ":",
          "- ",
          "{",
          "}",
          "[",
          "]",
          "&a ",
          "*a",
          "\t",
          "\n  ",
          '"',
          "'",
          "? ",
          "!!binary ",
          "%YAML 1.2\n---\n",
        ),
      ),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 5 }), (edits) => {
        const text = edits.reduce(
          (t, e) => t.slice(0, e.at) + e.insert + t.slice(e.at + e.cut),
          TEXT,
        );
        checkOutcome(() => parseScenario(parseScenarioText(text, "fuzz.yaml"), "fuzz.yaml"));
      }),
      { numRuns: RUNS },
    );
  });

  it("arbitrary text and values give a ScenarioError, never another exception", () => {
    // Shows that inputs unrelated to a scenario are refused cleanly.
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        checkOutcome(() => parseScenario(parseScenarioText(text, "fuzz.yaml"), "fuzz.yaml"));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.anything(), (value) => {
        checkOutcome(() => parseScenario(value, "fuzz.yaml"));
      }),
      { numRuns: RUNS },
    );
  });
});
