import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readScenarioDocument, scenarioJsonSchema } from "../src/scenario/index.ts";

type Raw = any;

type Schema = Record<string, unknown>;

/**
 * A small JSON Schema (2020-12) validator covering the keywords zod emits for the scenario
 * schema; returns the paths where `value` does not fit.
 */
function validate(schema: Schema, value: unknown, root: Schema, at = "$"): string[] {
  if (typeof schema.$ref === "string") {
    const target = schema.$ref
      .replace(/^#\//, "")
      .split("/")
      .reduce<unknown>((node, key) => (node as Schema)[key], root);
    const { $ref: _, ...rest } = schema;
    return [...validate(target as Schema, value, root, at), ...validate(rest, value, root, at)];
  }
  const errors: string[] = [];
  const fail = (why: string) => errors.push(`${at}: ${why}`);
  if (
    schema.anyOf &&
    !(schema.anyOf as Schema[]).some((s) => validate(s, value, root, at).length === 0)
  )
    fail("no anyOf branch fits");
  if (
    schema.oneOf &&
    (schema.oneOf as Schema[]).filter((s) => validate(s, value, root, at).length === 0).length !== 1
  )
    fail("not exactly one oneOf branch fits");
  if (schema.const !== undefined && value !== schema.const) fail(`not ${String(schema.const)}`);
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) fail("not in enum");
  const types = schema.type === undefined ? undefined : ([] as unknown[]).concat(schema.type);
  if (types && !types.some((type) => fitsType(type as string, value)))
    return [...errors, `${at}: not of type ${types.join("|")}`];
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) fail("below minimum");
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum)
      fail("not above exclusiveMinimum");
    if (typeof schema.maximum === "number" && value > schema.maximum) fail("above maximum");
  }
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value))
      fail(`does not match ${schema.pattern}`);
    if (typeof schema.minLength === "number" && value.length < schema.minLength) fail("too short");
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      fail("too few items");
    if (schema.items)
      value.forEach((item, i) => {
        errors.push(...validate(schema.items as Schema, item, root, `${at}[${i}]`));
      });
  } else if (typeof value === "object" && value !== null) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[])
      if (!(key in value)) fail(`missing ${key}`);
    for (const [key, item] of Object.entries(value)) {
      if (properties[key]) errors.push(...validate(properties[key]!, item, root, `${at}.${key}`));
      else if (schema.additionalProperties === false) fail(`unknown key ${key}`);
      else if (typeof schema.additionalProperties === "object") {
        errors.push(...validate(schema.additionalProperties as Schema, item, root, `${at}.${key}`));
      }
    }
  }
  return errors;
}

function fitsType(type: string, value: unknown): boolean {
  switch (type) {
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}

const schema = scenarioJsonSchema();
const example = readScenarioDocument(
  resolve(import.meta.dirname, "fixtures/noisy-neighbor.yaml"),
) as Schema;

describe("scenarioJsonSchema", () => {
  it("is valid JSON that survives a round trip", () => {
    // Shows the export serializes without loss (no functions, no undefined, no cycles).
    const text = JSON.stringify(schema);
    expect(JSON.parse(text)).toEqual(schema);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.title).toBe("agentsim scenario (v1)");
  });

  it("has a property, with a description, for every top-level key of the example", () => {
    // Shows editors can autocomplete each top-level field DESIGN.md uses, and the extra ones.
    const properties = schema.properties as Record<string, Schema>;
    for (const key of Object.keys(example)) {
      expect(properties[key], key).toBeDefined();
      expect(typeof properties[key]!.description, key).toBe("string");
    }
    for (const key of ["drain", "sweep", "checks", "tools", "runtime"])
      expect(properties[key]).toBeDefined();
    expect(schema.required).toEqual(["horizon", "endpoints", "tenants", "jobs"]);
  });

  it("validates the example's shape, and the trace example's", () => {
    // Shows the example documents fit the exported schema as they are written.
    expect(validate(schema, example, schema)).toEqual([]);
    const traces = readScenarioDocument(resolve(import.meta.dirname, "fixtures/trace-replay.yaml"));
    expect(validate(schema, traces, schema)).toEqual([]);
  });

  it("accepts both strings and numbers where units apply", () => {
    // Shows durations, rates, tokens and distributions accept "300ms"-style strings and numbers.
    const withNumbers = structuredClone(example) as Raw;
    withNumbers.horizon = 1200;
    withNumbers.warmup = "2 m";
    withNumbers.endpoints[0].latency.perOutputToken = 0.015;
    withNumbers.endpoints[0].failures.timeout = 60;
    withNumbers.jobs[0].arrivals.rate = 0.3;
    withNumbers.jobs[1].turns.promptTokens = "8k";
    withNumbers.runtime.contextWindow = "32k";
    withNumbers.tools[0].errorRate = "2%";
    expect(validate(schema, withNumbers, schema)).toEqual([]);
  });

  it("rejects what the loader rejects at the same places", () => {
    // Shows unknown keys, negative durations, unknown distributions and bad enums are flagged.
    const bad = structuredClone(example) as Raw;
    bad.horizonn = "20m";
    bad.warmup = "-2m";
    bad.endpoints[0].latency.ttft = { dist: "gamma", k: 2 };
    bad.jobs[0].arrivals.process = "poison";
    bad.jobs[0].governance.riskClass = "extreme";
    const paths = validate(schema, bad, schema).map((line) => line.split(":")[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        "$",
        "$.warmup",
        "$.endpoints[0].latency",
        "$.jobs[0].arrivals",
        "$.jobs[0].governance.riskClass",
      ]),
    );
  });
});
