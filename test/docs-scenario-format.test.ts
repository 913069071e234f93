/**
 * docs/scenario-format.md is generated from the scenario schema by `npm run docs`
 * (scripts/scenario-format.ts): regenerating it must give the committed file, so the reference
 * cannot drift from the schema that validates scenarios.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCENARIO_FORMAT_FILE, scenarioFormatMarkdown } from "../scripts/scenario-format.ts";
import { scenarioJsonSchema } from "../src/scenario/index.ts";

describe("the scenario format reference", () => {
  const generated = scenarioFormatMarkdown();

  it("is what `npm run docs` generates from the schema", () => {
    // Shows the committed file equals a fresh generation (run `npm run docs` when it does not).
    expect(readFileSync(SCENARIO_FORMAT_FILE, "utf8")).toBe(generated);
  });

  it("lists every top-level field with a type, a default and an example", () => {
    // Shows one row per field of the schema's top level, no cell of the three left empty.
    const fields = Object.keys((scenarioJsonSchema() as { properties: object }).properties);
    const top = generated.split("## Top level")[1]!.split("\n## ")[0]!;
    for (const field of fields) {
      const row = top.split("\n").find((line) => line.startsWith(`| \`${field}\` |`));
      expect(row, field).toBeDefined();
      const [, , type, def, , example] = row!.split(/(?<!\\)\|/).map((c) => c.trim());
      expect(
        [type, def, example].every((c) => c !== ""),
        `${field}: ${row}`,
      ).toBe(true);
    }
  });

  it("says which fields are required", () => {
    // Shows the schema's required top-level fields marked "required" and no other.
    const top = generated.split("## Top level")[1]!.split("\n## ")[0]!;
    const rows = top
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) => line.split(/(?<!\\)\|/).map((c) => c.trim()));
    const required = rows.filter((cells) => cells[3] === "required").map((cells) => cells[1]);
    expect(required).toEqual(["`horizon`", "`endpoints`", "`tenants`", "`jobs`"]);
  });
});
