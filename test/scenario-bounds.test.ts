/**
 * What a scenario file may ask of the reader is bounded, and said: every size in the schema has
 * an upper bound that the JSON Schema (and so docs/scenario-format.md) states and validation
 * enforces; a seed is a safe integer; a scenario file is a regular file of at most 512 KiB in
 * UTF-8 (other encodings are named "not UTF-8"); YAML nesting, alias expansion and duplicate
 * keys are checked without recursion or quadratic work.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cellsOf } from "../src/experiment/cells.ts";
import { ScenarioError } from "../src/input/errors.ts";
import {
  decodeScenarioBytes,
  expandGrid,
  loadScenarioFile,
  parseScenario,
  parseScenarioText,
  parseVary,
  scenarioJsonSchema,
} from "../src/scenario/index.ts";

type Doc = Record<string, any>;

function doc(edit: (d: Doc) => void = () => {}): Doc {
  const d: Doc = {
    horizon: "1m",
    endpoints: [{ name: "llm", slots: 2, latency: "1s" }],
    tenants: [{ name: "t" }],
    jobs: [
      {
        name: "j",
        tenant: "t",
        governance: { owner: "o", authorizedBy: "a" },
        arrivals: { process: "poisson", rate: "1/s" },
        turns: { count: 3, promptTokens: 100, outputTokens: 10 },
      },
    ],
  };
  edit(d);
  return d;
}

/** The report of the ScenarioError `run` throws. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).report();
  }
  throw new Error("expected a ScenarioError");
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-bounds-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("every size has an upper bound", () => {
  it("in the JSON Schema: every integer, number, unit quantity and list outside distributions", () => {
    // Shows no field of the published schema that is a count, a quantity or a list goes
    // without a maximum (docs/scenario-format.md is generated from it); distributions, free
    // texts and free-form maps (policy options, tenantBy.map) are bounded by the file's size.
    const unbounded: string[] = [];
    const visit = (node: any, path: string) => {
      if (typeof node !== "object" || node === null) return;
      if (node.$ref !== undefined) return;
      const numeric = (v: any) => v?.type === "integer" || v?.type === "number";
      if (numeric(node) && node.maximum === undefined && node.const === undefined) {
        unbounded.push(path);
      }
      if (Array.isArray(node.anyOf)) {
        const number = node.anyOf.find(numeric);
        const unit = node.anyOf.some((v: any) => v.type === "string" && v.pattern);
        if (unit && number !== undefined && number.maximum === undefined) unbounded.push(path);
      }
      if (node.type === "array" && node.maxItems === undefined) unbounded.push(path);
      for (const [key, value] of Object.entries(node.properties ?? {})) {
        visit(value, path === "" ? key : `${path}.${key}`);
      }
      if (node.items !== undefined) visit(node.items, `${path}[]`);
      for (const form of node.anyOf ?? []) if (form.type !== "number") visit(form, path);
      for (const form of node.oneOf ?? []) visit(form, path);
    };
    visit(scenarioJsonSchema(), "");
    expect(unbounded).toEqual([]);
  });

  it("enforced: at the bound accepted, above it refused with the bound named", () => {
    // Shows a sample of the bounds, one of each kind, on both sides of the limit.
    const cases: [string, (d: Doc, v: unknown) => void, unknown, unknown, string][] = [
      ["slots", (d, v) => (d.endpoints[0].slots = v), 100_000, 100_001, "at most 100,000"],
      ["replications", (d, v) => (d.replications = v), 10_000, 10_001, "at most 10,000"],
      ["rate", (d, v) => (d.jobs[0].arrivals.rate = v), "10000/s", "10001/s", "at most 10000/s"],
      ["horizon", (d, v) => (d.horizon = v), "8760h", "8761h", "at most 8760h"],
      [
        "contextWindow",
        (d, v) => (d.runtime = { contextWindow: v }),
        "1000M",
        "1001M",
        "at most 1,000,000,000",
      ],
      [
        "weight",
        (d, v) => (d.tenants[0].weight = v),
        1e6,
        1.5e6,
        "a positive number, at most 1,000,000",
      ],
      ["priority", (d, v) => (d.jobs[0].priority = v), -1e9, -2e9, "at least -1,000,000,000"],
      [
        "tenants",
        (d, v) => {
          d.tenants = Array.from({ length: v as number }, (_, i) => ({ name: `t${i}` }));
          d.tenants[0].name = "t";
        },
        1000,
        1001,
        "a list of at most 1,000 items",
      ],
      [
        "outages",
        (d, v) => {
          const outages = Array.from({ length: v as number }, (_, i) => ({ at: i, for: 0.5 }));
          d.endpoints[0].failures = { outages };
        },
        1000,
        1001,
        "a list of at most 1,000 items",
      ],
    ];
    for (const [name, set, ok, over, bound] of cases) {
      expect(() => parseScenario(doc((d) => set(d, ok))), name).not.toThrow();
      expect(
        refusal(() => parseScenario(doc((d) => set(d, over)))),
        name,
      ).toContain(bound);
    }
  });

  it("a turn count's mean, the grid of a sweep and the cells of an experiment", () => {
    // Shows the bounds that no single field states: 1,000,000 turns a run on average, 100,000
    // sweep points, and --vary's range count (its message said "count >= 2" before).
    expect(
      refusal(() =>
        parseScenario(doc((d) => (d.jobs[0].turns.count = { dist: "exponential", mean: 2e6 }))),
      ),
    ).toContain("jobs[0].turns.count: expected a distribution whose mean is at most 1,000,000");
    const axis = { path: "replications", values: Array.from({ length: 1000 }, (_, i) => i + 1) };
    expect(refusal(() => expandGrid([axis, axis]))).toContain(
      "a grid of at most 100,000 points (the product of the axes' value counts), got 1,000 x 1,000 = 1,000,000 points",
    );
    const hundred = { path: "replications", values: Array.from({ length: 100 }, (_, i) => i + 1) };
    const cells = { policies: ["a", "b"], replications: 10_000, seed: 1, axes: [hundred] };
    expect(refusal(() => cellsOf(cells))).toContain(
      "replications: expected at most 1,000,000 cells (sweep points x policies x replications), got 100 x 2 x 10,000 = 2,000,000 cells",
    );
    expect(cellsOf({ ...cells, axes: [] })).toHaveLength(20_000);
    expect(refusal(() => parseVary("endpoints.0.slots=1..8:1000000"))).toContain(
      "a range lo..hi:count with a count from 2 to 100,000",
    );
  });
});

describe("seeds are safe integers", () => {
  it("up to 2^53 - 1 in the file, as a number or a string; above it refused, never rounded", () => {
    // Shows 9007199254740991 kept exactly, and 2^53 and 2^53 + 1 (which YAML reads as 2^53)
    // refused with the bound.
    expect(parseScenario(doc((d) => (d.seed = 9007199254740991))).seed).toBe(9007199254740991);
    const yaml = (seed: string) =>
      parseScenario(parseScenarioText(`{seed: ${seed}, ${JSON.stringify(doc()).slice(1)}`));
    expect(yaml("9007199254740991").seed).toBe(Number.MAX_SAFE_INTEGER);
    for (const seed of ["9007199254740992", "9007199254740993", '"9007199254740993"', "1e300"]) {
      expect(
        refusal(() => yaml(seed)),
        seed,
      ).toMatch(/^seed: expected a non-negative integer, at most 9,007,199,254,740,991, got /);
    }
  });
});

describe("scenario files", () => {
  const file = (name: string, bytes: Buffer | string) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const text = JSON.stringify(doc());

  it("are regular files of at most 512 KiB", () => {
    // Shows a folder, a device and a file one byte over the bound refused before reading.
    expect(refusal(() => loadScenarioFile(dir))).toMatch(
      /expected a readable scenario file \(a regular file\), got a directory/,
    );
    expect(refusal(() => loadScenarioFile("/dev/null"))).toMatch(/got a character device/);
    const big = file("big.yaml", `# ${"x".repeat(512 * 1024 - 2)}\n`);
    expect(refusal(() => loadScenarioFile(big))).toMatch(
      /big\.yaml: expected a scenario file of at most 512 KiB \(524,288 bytes\), got 524,289 bytes/,
    );
    const fits = file("fits.yaml", `${text}\n#${"x".repeat(512 * 1024 - text.length - 3)}\n`);
    expect(loadScenarioFile(fits).horizonS).toBe(60);
    expect(refusal(() => loadScenarioFile(join(dir, "none.yaml")))).toMatch(
      /expected a readable scenario file \(a regular file\), got no such file \(ENOENT\)/,
    );
  });

  it("are UTF-8: UTF-16, UTF-32, NUL bytes and Latin-1 are named as not UTF-8", () => {
    // Shows each encoding by its byte order mark, UTF-16 without one by its NUL bytes, a
    // Latin-1 "é" with its line and byte, and UTF-8 with or without a mark accepted.
    const cases: [Buffer, RegExp][] = [
      [
        Buffer.from(`\ufeff${text}`, "utf16le"),
        /got UTF-16 little-endian text, not UTF-8 \(by its byte order mark\)/,
      ],
      [
        Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]),
        /got UTF-16 big-endian text, not UTF-8/,
      ],
      [
        Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.alloc(8)]),
        /got UTF-32 little-endian text, not UTF-8/,
      ],
      [
        Buffer.from(text, "utf16le"),
        /got a NUL byte at line 1, byte 2 of the line, not UTF-8 text: binary data, or UTF-16 text without a byte order mark/,
      ],
      [
        Buffer.from(`# caf\u00e9\n${text}`, "latin1"),
        /got byte 0xE9 at line 1, byte 6 of the line, not UTF-8 \(Latin-1 or Windows-1252 text\?\)/,
      ],
      [
        Buffer.from(`${text}\n# \xef`, "latin1"),
        /got byte 0xEF at line 2, byte 3 of the line, not UTF-8/,
      ],
    ];
    for (const [bytes, message] of cases) {
      const path = file("encoded.yaml", bytes);
      expect(refusal(() => loadScenarioFile(path))).toMatch(message);
      expect(refusal(() => loadScenarioFile(path))).toMatch(
        /^.*encoded\.yaml: expected a UTF-8 text file, got /,
      );
    }
    expect(decodeScenarioBytes(Buffer.from(`\ufeff# caf\u00e9 \ufffd\n`, "utf8"))).toBe(
      "# caf\u00e9 \ufffd\n",
    );
    expect(refusal(() => decodeScenarioBytes(Buffer.from([0x61, 0xef, 0xbf, 0x0a])))).toMatch(
      /byte 0xEF at line 1, byte 2 of the line/,
    );
  });

  it("have bounded nesting, alias expansion and keys checked in linear time", () => {
    // Shows 10,000 nested lists refused by depth (the composer would exhaust the stack),
    // aliases of aliases ("billion laughs") refused by what they expand to, 20,000 keys of one
    // mapping with a duplicate found quickly, and a modest alias accepted.
    const start = performance.now();
    expect(
      refusal(() => parseScenarioText(`a: ${"[".repeat(10_000)}${"]".repeat(10_000)}`)),
    ).toMatch(
      /^line 1:\d+: expected a document nested at most 64 levels deep, got deeper nesting$/,
    );
    // Block lists closed by a dedent: the parser recurses a level each (3,000 exhausted the
    // stack, an internal error), so their columns are bounded before it runs; 63 mappings
    // indented by 8 (496 columns) and a block scalar's text indented by 600 are not refused.
    expect(refusal(() => parseScenarioText(`a:\n  ${"- ".repeat(3000)}1\nb: 2\n`))).toBe(
      'line 2:513: expected a document nested at most 64 levels deep (at most 512 columns of indentation and "- " before a line\'s content), got deeper nesting',
    );
    const indented = Array.from({ length: 63 }, (_, i) => `${" ".repeat(8 * i)}a${i}:`);
    expect(
      parseScenarioText(`${indented.join("\n")} 1\nb: |\n${" ".repeat(600)}text\n`),
    ).toHaveProperty("b");
    const laughs = ["a: &a [1,1,1,1,1,1,1,1,1,1]"];
    for (const [from, to] of ["ab", "bc", "cd", "de", "ef", "fg"]) {
      laughs.push(`${to}: &${to} [${Array(10).fill(`*${from}`).join(",")}]`);
    }
    expect(refusal(() => parseScenarioText(laughs.join("\n")))).toMatch(
      /expected a document of at most 200,000 values once its aliases are expanded, got 12,345,685 values \(the alias here stands for 1,111,111\)/,
    );
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`);
    expect(refusal(() => parseScenarioText(`{${keys.join(",")}, k7: 2}`))).toMatch(
      /expected valid YAML or JSON, got a duplicate key "k7" \(map keys must be unique\)/,
    );
    expect(performance.now() - start).toBeLessThan(5000);
    // Aliases of aliases within the bound are a document like any other: 2 wide and 12 levels
    // deep is 24,570 values (the yaml package's own alias guard refused it with a bare
    // "ReferenceError"); 16 levels deep is over the bound.
    const twoWide = (levels: number) => {
      const lines = ["l0: &l0 [lol, lol]"];
      for (let k = 1; k < levels; k++) lines.push(`l${k}: &l${k} [*l${k - 1}, *l${k - 1}]`);
      return `${lines.join("\n")}\nx: *l${levels - 1}`;
    };
    const expanded = parseScenarioText(twoWide(12)) as Record<string, unknown>;
    expect(JSON.stringify(expanded.x).match(/lol/g)).toHaveLength(2 ** 12);
    expect(refusal(() => parseScenarioText(twoWide(16)))).toMatch(
      /^line 17:4: expected a document of at most 200,000 values once its aliases are expanded, got 393,213 values \(the alias here stands for 131,071\)$/,
    );
    expect(parseScenarioText("x: &d {dist: constant, value: 1}\ny: [*d, *d]")).toEqual({
      x: { dist: "constant", value: 1 },
      y: [
        { dist: "constant", value: 1 },
        { dist: "constant", value: 1 },
      ],
    });
  });
});
