/**
 * A seeded generator of malformed scenario files, as bytes: fast-check arbitraries of plain data
 * (so a failure prints its seed, its path and a case that reads as what was done), rendered
 * into a file by `renderCase`. A case starts from one of three small, valid scenarios (short
 * horizons, so that a mutant that is still valid simulates in well under a second) and applies
 * mutations at any depth of the document, then to its YAML text, then to its bytes; or it is a
 * whole file of its own (garbage, an alias bomb, deep nesting, a file just over the size
 * limit), or a path that is not a regular file at all.
 *
 * What it makes: deleted fields, wrong types, extreme numbers and units (0, -1, 1e9, 1e308,
 * 2^53 + 1, NaN, ".inf", "1e308s", "10001/s"), unknown keys (and __proto__, constructor),
 * duplicate names (an item of a named list repeated, or one item given another's name),
 * duplicate YAML keys, shared values (YAML anchors and aliases), alias bombs (billion laughs,
 * and a wide list aliased many times) in place of a field or as the file, fields broken for
 * certain (whose refusal must name them), nesting past the
 * limit (flow and block), YAML tags and multiple documents, JSON instead of YAML, random text
 * edits, truncation, random bytes, a NUL byte, invalid UTF-8 sequences, UTF-16 and UTF-32 with
 * and without a byte order mark, Latin-1, an empty or blank file, files at and just over the
 * size limit, trace files that are malformed, missing, a folder, a device or a gzip bomb, and a
 * scenario path that is missing, a folder, a FIFO, a device or a dangling link.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { BOUNDS } from "../../src/scenario/bounds.ts";
import { MAX_SCENARIO_BYTES } from "../../src/scenario/source.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const FIXTURES = join(ROOT, "test/fixtures");

/** The valid scenarios cases start from. */
export type BaseName = "noisy" | "traces" | "sweep";

type Doc = Record<string, unknown>;
type Path = (string | number)[];

/** The noisy-neighbor fixture, shortened: 3 policies x 1 replication of 2 minutes. */
function noisy(): Doc {
  const doc = parse(readFileSync(join(FIXTURES, "noisy-neighbor.yaml"), "utf8")) as Doc;
  doc.horizon = "2m";
  doc.warmup = "20s";
  doc.replications = 1;
  return doc;
}

/** Two jobs replaying the small trace fixtures (copied beside the case files by `prepareDir`). */
function traces(): Doc {
  const governance = () => ({ owner: "platform", authorizedBy: "cto" });
  return {
    name: "traces",
    horizon: "2m",
    replications: 1,
    policies: ["fifo", "fair-share"],
    endpoints: [
      {
        name: "llm",
        slots: 4,
        latency: { dist: "exponential", mean: "1s" },
        models: ["Model A", "Model B", "Model C"],
      },
    ],
    tenants: [{ name: "web" }, { name: "agents" }, { name: "weekend" }],
    jobs: [
      {
        name: "azure",
        tenant: "web",
        governance: governance(),
        arrivals: { process: "trace", file: "azure-small.csv", format: "azure-llm-csv" },
      },
      {
        name: "sessions",
        tenant: "agents",
        governance: governance(),
        arrivals: {
          process: "trace",
          file: "sessions-small.jsonl",
          format: "agent-sessions-jsonl",
          runPer: "userTurn",
          tenantBy: { field: "date", map: { "2026-06-06": "weekend" } },
        },
      },
    ],
  };
}

/** noisy with a declared sweep (compare runs the file as written; validate estimates both). */
function sweep(): Doc {
  const doc = noisy();
  doc.policies = ["fifo", "fair-share"];
  doc.sweep = [{ path: "endpoints.llm.slots", values: [4, 8] }];
  return doc;
}

const BASES: Record<BaseName, () => Doc> = { noisy, traces, sweep };

/**
 * Files the cases' trace fields may name, made in `dir` by `prepareDir`: the valid fixtures,
 * malformed ones, a gzip bomb (a few KB that unpack to 64 MiB of one line), a folder and a FIFO
 * (made by the test, which may lack mkfifo), and paths that are not files.
 */
export const TRACE_NAMES = [
  "azure-small.csv",
  "sessions-small.jsonl",
  "sessions-small.jsonl.gz",
  "azure-bad.csv",
  "sessions-bad.jsonl",
  "bomb.jsonl.gz",
  "not-gzip.jsonl.gz",
  "missing.csv",
  "a-folder",
  "a-fifo.csv",
  ".",
  "/dev/zero",
  "/dev/null",
  "",
] as const;

/** Writes the files the cases refer to into `dir`. */
export function prepareDir(dir: string): void {
  for (const name of [
    "azure-small.csv",
    "azure-bad.csv",
    "sessions-small.jsonl",
    "sessions-small.jsonl.gz",
    "sessions-bad.jsonl",
  ]) {
    copyFileSync(join(FIXTURES, name), join(dir, name));
  }
  writeFileSync(join(dir, "bomb.jsonl.gz"), gzipSync(Buffer.alloc(64 * 2 ** 20, 0x20)));
  writeFileSync(join(dir, "not-gzip.jsonl.gz"), "plain text, not gzip\n");
  mkdirSync(join(dir, "a-folder"), { recursive: true });
}

// -- Values -----------------------------------------------------------------------------------

/** Numbers at and past every edge. */
const extremeNumbers = [
  0,
  -0,
  -1,
  0.5,
  1e-320,
  1e9,
  -1e9,
  1e21,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53 + 1,
  Number.MAX_SAFE_INTEGER,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];

/** Every bound of the format, at it and just past it, and the smallest legal amounts. */
const boundNumbers = [
  ...new Set(Object.values(BOUNDS).flatMap((bound) => [bound, bound + 1])),
  1,
  2,
  0.001,
];

/**
 * Legal values at the edges of what a leaf of each kind may be: a number, a duration, a rate.
 * Most keep the scenario valid and make it expensive (a year of arrivals, 100,000 slots), which
 * is where the budget must refuse and the guards must hold.
 */
const legalExtremes = {
  number: [0, 1, 2, 0.001, 0.999, 100, 10_000, 100_000, 1_000_000, 1e9],
  duration: ["1ms", "0.001s", "1s", "1h", "1d", "30d", "365d", "8760h"],
  rate: ["0.0001/s", "1/h", "1/s", "100/s", "1000/s", "10000/s", "600000/min"],
};

/** The kind of a leaf, by its value in the base scenario. */
function leafKind(v: unknown): keyof typeof legalExtremes | undefined {
  if (typeof v === "number") return "number";
  if (typeof v !== "string") return undefined;
  if (/^[\d.]+\/(s|min|h)$/.test(v)) return "rate";
  if (/^[\d.]+(ms|s|m|h|d)$/.test(v)) return "duration";
  return undefined;
}

/** Strings that look like numbers, durations, rates and sizes, at and past their edges. */
const extremeStrings = [
  "1e9",
  "1e308",
  "9007199254740993",
  "NaN",
  ".nan",
  "Infinity",
  ".inf",
  "-.inf",
  "1_000",
  "0x10",
  "0o17",
  "1:30",
  "1e308s",
  "1e9h",
  "366d",
  "365d",
  "8761h",
  "31536001s",
  "1e-320s",
  "-0s",
  "0s",
  "5mins",
  "10 s",
  " 5m",
  "5M",
  "1e3ms",
  "5s5s",
  "１０s",
  "10001/s",
  "10000/s",
  "0.0001/s",
  "1ms",
  "1e-9s",
  "1e9/s",
  "1e308/min",
  "0/s",
  "1e-320/s",
  "-1/s",
  "2/d",
  "1/s/s",
];

/** Wrong types and odd names. */
const oddValues: unknown[] = [
  null,
  true,
  false,
  "",
  " ",
  "x",
  "a b",
  "a.b",
  "../x",
  "é",
  "__proto__",
  "constructor",
  "toString",
  "fifo",
  "llm",
  "support",
  "crm-search",
  "./missing-policy.ts",
  "x".repeat(5000),
  [],
  {},
  [1],
  [null],
  { a: 1 },
  { dist: "gamma" },
  { dist: "lognormal", median: "2s", p99: "1s" },
  { dist: "uniform", min: 5, max: 1 },
  { dist: "pareto", alpha: 0.5, min: 1 },
  { dist: "constant", value: 1e308 },
  [{ unexpected: 1 }],
];

/** A value to put somewhere it may not belong. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...extremeNumbers) },
  { weight: 3, arbitrary: fc.constantFrom(...boundNumbers) },
  { weight: 4, arbitrary: fc.constantFrom(...extremeStrings) },
  { weight: 4, arbitrary: fc.constantFrom(...oddValues) },
  { weight: 2, arbitrary: fc.constantFrom(...TRACE_NAMES) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4 }) },
);

const key = fc.oneof(
  fc.constantFrom("extra", "__proto__", "constructor", "prototype", "name", "0", "", "<<", "?"),
  fc.string({ maxLength: 8 }),
);

// -- Steps --------------------------------------------------------------------------------------

/**
 * A change to the document. `at`, `list`, `item`, `other` pick a path, a list or an item by
 * index (modulo what the document has when the step runs), so a case stays meaningful while
 * it shrinks.
 */
export type DocStep =
  | { op: "delete"; at: number }
  | { op: "set"; at: number; value: unknown }
  | { op: "addKey"; at: number; key: string; value: unknown }
  | { op: "duplicateItem"; list: number; item: number }
  | { op: "sameName"; list: number; item: number; other: number }
  | { op: "share"; at: number; from: number }
  | { op: "extreme"; at: number; pick: number }
  | { op: "traceFile"; job: number; name: (typeof TRACE_NAMES)[number] }
  | { op: "bombAt"; at: number; width: number; levels: number }
  | { op: "deepAt"; at: number; depth: number; style: "flow-seq" | "flow-map" | "block-seq" };

/** A change to the YAML text. */
export type TextStep =
  | { op: "duplicateKey"; line: number }
  | { op: "splice"; at: number; cut: number; insert: string }
  | { op: "truncate"; at: number }
  | { op: "tag"; line: number; tag: string }
  | { op: "secondDocument" }
  | { op: "pad"; over: number };

/** A change to the bytes. */
export type ByteStep =
  | { op: "encode"; as: Encoding }
  | { op: "insertBytes"; at: number; bytes: number[] };

type Encoding =
  | "utf8-bom"
  | "utf16le"
  | "utf16le-bom"
  | "utf16be"
  | "utf16be-bom"
  | "utf32le-bom"
  | "latin1";

/** A case: a mutated base scenario, a file of its own, or a path that is not a regular file. */
export type FuzzCase =
  | {
      kind: "mutant";
      base: BaseName;
      json: boolean;
      doc: DocStep[];
      text: TextStep[];
      bytes: ByteStep[];
    }
  | { kind: "whole"; file: WholeFile }
  | { kind: "path"; what: "missing" | "folder" | "fifo" | "device" | "dangling-link" | "loop" }
  | BrokenField;

/**
 * One field of the noisy base certainly broken (deleted, or set to a value it cannot take):
 * the message must name the field's top-level key.
 */
export interface BrokenField {
  kind: "broken";
  path: Path;
  /** The value set; the field is deleted when there is none. */
  value?: unknown;
}

export type WholeFile =
  | { what: "random"; bytes: number[] }
  | { what: "text"; text: string }
  | { what: "blank"; text: string }
  | { what: "billion-laughs"; width: number; levels: number }
  | { what: "wide-aliases"; elements: number; aliases: number }
  | { what: "deep"; depth: number; style: "flow-seq" | "flow-map" | "block-seq" | "block-map" }
  | { what: "huge"; over: number };

const pick = fc.nat({ max: 10_000 });

const docStep: fc.Arbitrary<DocStep> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("delete" as const), at: pick }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("set" as const), at: pick, value }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("addKey" as const), at: pick, key, value }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("duplicateItem" as const), list: pick, item: pick }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("sameName" as const),
      list: pick,
      item: pick,
      other: pick,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("share" as const), at: pick, from: pick }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("extreme" as const), at: pick, pick }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("traceFile" as const),
      job: pick,
      name: fc.constantFrom(...TRACE_NAMES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("bombAt" as const),
      at: pick,
      width: fc.integer({ min: 2, max: 12 }),
      levels: fc.integer({ min: 1, max: 12 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("deepAt" as const),
      at: pick,
      depth: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.constantFrom(1000, 100_000)),
      style: fc.constantFrom("flow-seq" as const, "flow-map" as const, "block-seq" as const),
    }),
  },
);

const textStep: fc.Arbitrary<TextStep> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("duplicateKey" as const), line: pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("splice" as const),
      at: pick,
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
          "*nosuch",
          "<<: *a",
          "\t",
          "\n  ",
          '"',
          "'",
          "? ",
          "|",
          ">-",
          "%YAML 1.1\n---\n",
          "%TAG ! tag:x,2000:\n---\n",
          "\r",
          "\u2028",
          "\ufeff",
          "\u0085",
        ),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate" as const), at: pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("tag" as const),
      line: pick,
      tag: fc.constantFrom(
        "!!binary",
        "!!timestamp",
        "!!set",
        "!!omap",
        "!!pairs",
        "!!float",
        "!!int",
        "!!str",
        "!!map",
        "!!seq",
        "!!null",
        "!!bool",
        "!!python/object:os.system",
        "!!js/function",
        "!foo",
        "!<tag:yaml.org,2002:str>",
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "secondDocument" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("pad" as const),
      over: fc.constantFrom(-1000, -1, 0, 1, 2, 1000),
    }),
  },
);

const byteStep: fc.Arbitrary<ByteStep> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("encode" as const),
      as: fc.constantFrom<Encoding>(
        "utf8-bom",
        "utf16le",
        "utf16le-bom",
        "utf16be",
        "utf16be-bom",
        "utf32le-bom",
        "latin1",
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("insertBytes" as const),
      at: pick,
      bytes: fc.oneof(
        fc.constantFrom<number[]>(
          [0x00],
          [0xff],
          [0xfe, 0xff],
          [0xc0, 0xaf],
          [0xed, 0xa0, 0x80],
          [0xf4, 0x90, 0x80, 0x80],
          [0xe9],
          [0x93, 0x94],
          [0xe2, 0x82],
          [0x1b, 0x5b, 0x32, 0x4a],
          [0x7f],
        ),
        fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 8 }),
      ),
    }),
  },
);

const wholeFile: fc.Arbitrary<WholeFile> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      what: fc.constant("random" as const),
      bytes: fc.array(fc.nat({ max: 255 }), { maxLength: 2048 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      what: fc.constant("text" as const),
      text: fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 60, unit: "binary" }),
        fc.constantFrom(
          "a: [",
          "{{",
          "jobs:\n\t- x",
          "- 1\n- 2",
          "null",
          "42",
          "~",
          '"just a string"',
          "name: [unclosed",
          "&a [*a]",
          "&a {x: *a}",
          "a: &a\n  b: *a",
          "%%%",
          "---\n---\n",
          "...",
          "? [a]\n: b",
          "{}",
          "[]",
          "horizon: 1m",
          "<<: {horizon: 1m}",
        ),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      what: fc.constant("blank" as const),
      text: fc.constantFrom("", " ", "\n", "\n\n\n", "# only a comment\n", "---\n", "\ufeff"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      what: fc.constant("billion-laughs" as const),
      width: fc.integer({ min: 2, max: 12 }),
      levels: fc.integer({ min: 1, max: 12 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      what: fc.constant("wide-aliases" as const),
      elements: fc.constantFrom(1000, 10_000, 60_000),
      aliases: fc.constantFrom(2, 10, 100, 999),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      what: fc.constant("deep" as const),
      depth: fc.oneof(fc.integer({ min: 60, max: 70 }), fc.constantFrom(1000, 10_000, 200_000)),
      style: fc.constantFrom(
        "flow-seq" as const,
        "flow-map" as const,
        "block-seq" as const,
        "block-map" as const,
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      what: fc.constant("huge" as const),
      over: fc.constantFrom(1, 1000, 10 * 2 ** 20),
    }),
  },
);

/** Fields of the noisy base broken for certain, with the top-level key the message names. */
export const brokenField: fc.Arbitrary<BrokenField> = fc.oneof(
  fc
    .constantFrom("horizon", "endpoints", "tenants", "jobs")
    .map((field) => ({ kind: "broken" as const, path: [field] })),
  fc
    .constantFrom<unknown>(0, -1, 1.5, "many", Number.NaN, null, [], {})
    .map((value) => ({ kind: "broken" as const, path: ["endpoints", 0, "slots"], value })),
  fc
    .stringMatching(/^[a-z]{1,8}$/)
    .filter((t) => t !== "support" && t !== "batch")
    .map((value) => ({ kind: "broken" as const, path: ["jobs", 1, "tenant"], value })),
  fc
    .constantFrom<unknown>("5 parsecs", "-3m", "m5", "", "3mm", -10, Number.NaN)
    .map((value) => ({ kind: "broken" as const, path: ["horizon"], value })),
  fc
    .constantFrom<unknown>("-1/s", "2/d", 0, "fast", "1/s/s", -0.5)
    .map((value) => ({ kind: "broken" as const, path: ["jobs", 0, "arrivals", "rate"], value })),
  fc.constantFrom("crm-serch", "nothing").map((value) => ({
    kind: "broken" as const,
    path: ["jobs", 0, "turns", "toolCalls", "tool"],
    value,
  })),
);

/** Every kind of case, mutants most often. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("mutant" as const),
      base: fc.constantFrom<BaseName>("noisy", "noisy", "traces", "sweep"),
      json: fc.constantFrom(false, false, false, true),
      doc: fc.array(docStep, { minLength: 1, maxLength: 4 }),
      text: fc.oneof(
        { weight: 3, arbitrary: fc.constant<TextStep[]>([]) },
        { weight: 1, arbitrary: fc.array(textStep, { minLength: 1, maxLength: 2 }) },
      ),
      bytes: fc.oneof(
        { weight: 4, arbitrary: fc.constant<ByteStep[]>([]) },
        { weight: 1, arbitrary: fc.array(byteStep, { minLength: 1, maxLength: 2 }) },
      ),
    }),
  },
  {
    // Legal values only, at their edges: mostly valid and expensive scenarios.
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("mutant" as const),
      base: fc.constantFrom<BaseName>("noisy", "noisy", "traces", "sweep"),
      json: fc.constant(false),
      doc: fc.array(fc.record({ op: fc.constant("extreme" as const), at: pick, pick }), {
        minLength: 1,
        maxLength: 3,
      }),
      text: fc.constant<TextStep[]>([]),
      bytes: fc.constant<ByteStep[]>([]),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("whole" as const), file: wholeFile }) },
  { weight: 1, arbitrary: brokenField },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("path" as const),
      what: fc.constantFrom(
        "missing" as const,
        "folder" as const,
        "fifo" as const,
        "device" as const,
        "dangling-link" as const,
        "loop" as const,
      ),
    }),
  },
);

// -- Rendering ----------------------------------------------------------------------------------

/** What a case makes: a file's bytes (or a path's kind), and what was done, in words. */
export interface Rendered {
  /** The bytes of the scenario file; undefined for a case of kind "path". */
  bytes?: Uint8Array;
  /** For a "path" case, what the path must be. */
  path?: Extract<FuzzCase, { kind: "path" }>["what"];
  /** What was done, one step a line. */
  label: string;
  /** What the message must name besides the file (a broken field's top-level key). */
  names?: string;
}

/** Renders a case into the file it stands for. */
export function renderCase(c: FuzzCase): Rendered {
  if (c.kind === "path") return { path: c.what, label: `a path that is ${c.what}` };
  if (c.kind === "broken") {
    const doc = noisy();
    const field = String(c.path[0]);
    if ("value" in c) put(doc, c.path, c.value);
    else delete doc[field];
    const label = `${"value" in c ? "set" : "delete"} ${pathText(c.path)}${"value" in c ? ` = ${show(c.value)}` : ""}`;
    return { bytes: Buffer.from(stringify(doc)), label, names: field };
  }
  if (c.kind === "whole") return renderWhole(c.file);
  const done: string[] = [`base ${c.base}`];
  let doc: unknown = BASES[c.base]();
  const inserts: Inserts = { values: new Map(), heads: [] };
  for (const step of c.doc) doc = applyDocStep(doc, step, done, inserts);
  let text = c.json ? (JSON.stringify(doc, null, 1) ?? "") : (stringify(doc) ?? "");
  if (c.json) done.push("written as JSON");
  for (const [sentinel, replacement] of inserts.values) text = text.replace(sentinel, replacement);
  // Anchors of alias bombs come first, as keys of a block mapping (JSON has none).
  if (!c.json && isObject(doc)) text = inserts.heads.join("") + text;
  for (const step of c.text) text = applyTextStep(text, step, done);
  let bytes: Uint8Array = Buffer.from(text, "utf8");
  for (const step of c.bytes) bytes = applyByteStep(bytes, text, step, done);
  return { bytes, label: done.join("\n") };
}

function renderWhole(file: WholeFile): Rendered {
  switch (file.what) {
    case "random":
      return { bytes: Uint8Array.from(file.bytes), label: `${file.bytes.length} random bytes` };
    case "text":
      return { bytes: Buffer.from(file.text, "utf8"), label: `text ${show(file.text)}` };
    case "blank":
      return { bytes: Buffer.from(file.text, "utf8"), label: `blank ${show(file.text)}` };
    case "billion-laughs": {
      const text = `${laughs(file.width, file.levels, "l")}horizon: *l${file.levels - 1}\n`;
      return {
        bytes: Buffer.from(text),
        label: `billion laughs, ${file.width} wide, ${file.levels} levels`,
      };
    }
    case "wide-aliases": {
      const list = `[${Array.from({ length: file.elements }, () => "1").join(",")}]`;
      const uses = Array.from({ length: file.aliases }, () => "*w").join(", ");
      return {
        bytes: Buffer.from(`wide: &w ${list}\nmany: [${uses}]\n`),
        label: `a list of ${file.elements} aliased ${file.aliases} times`,
      };
    }
    case "deep":
      return {
        bytes: Buffer.from(deep(file.depth, file.style, 0)),
        label: `nested ${file.depth} deep, ${file.style}`,
      };
    case "huge": {
      const head = "horizon: 1m\n# ";
      const size = MAX_SCENARIO_BYTES + file.over;
      return {
        bytes: Buffer.from(head + "x".repeat(Math.max(0, size - head.length))),
        label: `a file ${file.over} bytes over the size limit`,
      };
    }
  }
}

/** Anchored lists of `width` aliases of the previous level, `levels` deep, as top-level keys. */
function laughs(width: number, levels: number, name: string): string {
  let text = `${name}0: &${name}0 [${Array.from({ length: width }, () => '"lol"').join(", ")}]\n`;
  for (let level = 1; level < levels; level++) {
    const uses = Array.from({ length: width }, () => `*${name}${level - 1}`).join(", ");
    text += `${name}${level}: &${name}${level} [${uses}]\n`;
  }
  return text;
}

/** A value nested `depth` levels, written at an indentation of `indent` spaces. */
function deep(depth: number, style: string, indent: number): string {
  switch (style) {
    case "flow-seq":
      return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
    case "flow-map":
      return `${"{a: ".repeat(depth)}1${"}".repeat(depth)}`;
    case "block-seq":
      // "- - - 1" is a list of a list of a list: one line, any depth.
      return `\n${" ".repeat(indent + 2)}${"- ".repeat(depth)}1`;
    default: {
      // Block mappings need their indentation: bounded by the file size.
      const levels = Math.min(depth, 700);
      let text = "";
      for (let i = 0; i < levels; i++) text += `${" ".repeat(indent + i)}a:\n`;
      return `${text}${" ".repeat(indent + levels)}1\n`;
    }
  }
}

/** Every path into a value, containers included (the root is []). */
function pathsOf(value: unknown, at: Path = [], found: Path[] = []): Path[] {
  found.push(at);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      pathsOf(item, [...at, i], found);
    });
  } else if (isObject(value)) {
    for (const [k, item] of Object.entries(value)) pathsOf(item, [...at, k], found);
  }
  return found;
}

/** The paths of lists whose items are mappings with a `name` (or are names: policies). */
function namedLists(doc: unknown): Path[] {
  return pathsOf(doc).filter((path) => {
    const list = get(doc, path);
    return (
      Array.isArray(list) &&
      list.length > 0 &&
      list.every((item) => typeof item === "string" || (isObject(item) && "name" in item))
    );
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function get(doc: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, k) => (node as Record<PropertyKey, unknown>)?.[k], doc);
}

/** Sets `path` of `doc` to `v` (the root too); returns the document. */
function put(doc: unknown, path: Path, v: unknown): unknown {
  if (path.length === 0) return v;
  const parent = get(doc, path.slice(0, -1));
  if (typeof parent !== "object" || parent === null) return doc;
  Object.defineProperty(parent, path[path.length - 1]!, {
    value: v,
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return doc;
}

/** Text put in place of sentinel values once the document is YAML, and lines put first. */
interface Inserts {
  values: Map<string, string>;
  heads: string[];
}

function applyDocStep(doc: unknown, step: DocStep, done: string[], inserts: Inserts): unknown {
  const paths = pathsOf(doc);
  const at = (n: number) => paths[n % paths.length]!;
  switch (step.op) {
    case "delete": {
      const path = at(step.at);
      const parent = get(doc, path.slice(0, -1));
      const last = path[path.length - 1];
      done.push(`delete ${pathText(path)}`);
      if (path.length === 0) return undefined;
      if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
      else if (isObject(parent)) delete parent[last as string];
      return doc;
    }
    case "set": {
      const path = at(step.at);
      done.push(`set ${pathText(path)} = ${show(step.value)}`);
      return put(doc, path, structuredCloneLoose(step.value));
    }
    case "addKey": {
      const path = at(step.at);
      const target = get(doc, path);
      if (!isObject(target)) {
        done.push(`set ${pathText(path)} = {${show(step.key)}: ${show(step.value)}}`);
        return put(doc, path, { [step.key]: structuredCloneLoose(step.value) });
      }
      done.push(`add key ${show(step.key)} = ${show(step.value)} at ${pathText(path)}`);
      put(target, [step.key], structuredCloneLoose(step.value));
      return doc;
    }
    case "duplicateItem": {
      const lists = namedLists(doc);
      if (lists.length === 0) return doc;
      const path = lists[step.list % lists.length]!;
      const list = get(doc, path) as unknown[];
      const i = step.item % list.length;
      list.splice(i + 1, 0, structuredCloneLoose(list[i]));
      done.push(`repeat ${pathText([...path, i])}`);
      return doc;
    }
    case "sameName": {
      const lists = namedLists(doc);
      if (lists.length === 0) return doc;
      const path = lists[step.list % lists.length]!;
      const list = get(doc, path) as unknown[];
      if (list.length < 2) return doc;
      const i = step.item % list.length;
      const j = (i + 1 + (step.other % (list.length - 1))) % list.length;
      const nameOf = (item: unknown) => (isObject(item) ? item.name : item);
      if (isObject(list[i])) (list[i] as Record<string, unknown>).name = nameOf(list[j]);
      else list[i] = nameOf(list[j]);
      done.push(`name ${pathText([...path, i])} as ${pathText([...path, j])}`);
      return doc;
    }
    case "share": {
      // One object in two places: the YAML has an anchor and an alias.
      const from = at(step.from);
      const path = at(step.at);
      const shared = get(doc, from);
      if (typeof shared !== "object" || shared === null) return doc;
      // Not inside the value itself (by identity: an earlier share may have put it elsewhere).
      for (let i = 0; i <= path.length; i++) if (get(doc, path.slice(0, i)) === shared) return doc;
      done.push(`share ${pathText(from)} at ${pathText(path)}`);
      return put(doc, path, shared);
    }
    case "extreme": {
      const leaves = paths.filter((path) => leafKind(get(doc, path)) !== undefined);
      if (leaves.length === 0) return doc;
      const path = leaves[step.at % leaves.length]!;
      const pool = legalExtremes[leafKind(get(doc, path))!];
      const v = pool[step.pick % pool.length]!;
      done.push(`set ${pathText(path)} = ${show(v)} (legal)`);
      return put(doc, path, v);
    }
    case "traceFile": {
      // A job's trace file, or (a job with other arrivals) a field it does not take.
      const jobs = isObject(doc) && Array.isArray(doc.jobs) ? doc.jobs : [];
      const job = jobs[step.job % Math.max(1, jobs.length)];
      if (!isObject(job) || !isObject(job.arrivals)) return doc;
      done.push(`trace file of jobs[${step.job % jobs.length}] = ${show(step.name)}`);
      job.arrivals.file = step.name;
      return doc;
    }
    case "bombAt": {
      const path = at(step.at);
      const n = inserts.values.size;
      const name = `b${n}_`;
      done.push(`billion laughs at ${pathText(path)}, ${step.width} wide, ${step.levels} levels`);
      inserts.values.set(`zzsentinel${n}zz`, `*${name}${step.levels - 1}`);
      inserts.heads.push(laughs(step.width, step.levels, name));
      return put(doc, path, `zzsentinel${n}zz`);
    }
    case "deepAt": {
      const path = at(step.at);
      const n = inserts.values.size;
      done.push(`nesting ${step.depth} deep (${step.style}) at ${pathText(path)}`);
      const indent = 2 * Math.max(0, path.length - 1);
      inserts.values.set(`zzsentinel${n}zz`, deep(step.depth, step.style, indent));
      return put(doc, path, `zzsentinel${n}zz`);
    }
  }
}

function applyTextStep(text: string, step: TextStep, done: string[]): string {
  const lines = text.split("\n");
  switch (step.op) {
    case "duplicateKey": {
      const keyLines = lines
        .map((line, i) => ({ line, i }))
        .filter(({ line }) => /^\s*(- )?[^\s#:-][^:]*:(\s|$)/.test(line));
      if (keyLines.length === 0) return text;
      const { line, i } = keyLines[step.line % keyLines.length]!;
      // "  - name: x" repeats its key inside the same mapping: "    name: x".
      const copy = line.replace(/^(\s*)- /, "$1  ");
      lines.splice(i + 1, 0, copy);
      done.push(`duplicate key line ${i + 1}: ${show(copy.trim())}`);
      return lines.join("\n");
    }
    case "splice": {
      const at = step.at % (text.length + 1);
      done.push(`at ${at} replace ${step.cut} chars with ${show(step.insert)}`);
      return text.slice(0, at) + step.insert + text.slice(at + step.cut);
    }
    case "truncate": {
      const at = step.at % (text.length + 1);
      done.push(`truncate at ${at} of ${text.length}`);
      return text.slice(0, at);
    }
    case "tag": {
      const i = step.line % lines.length;
      const m = /^(\s*(?:- )?[^:]*:\s)(.*)$/.exec(lines[i]!);
      if (m === null) return text;
      lines[i] = `${m[1]}${step.tag} ${m[2]}`;
      done.push(`tag line ${i + 1} ${step.tag}`);
      return lines.join("\n");
    }
    case "secondDocument":
      done.push("a second document");
      return `${text}\n---\n${text}`;
    case "pad": {
      const size = Buffer.byteLength(text) + 3;
      const want = MAX_SCENARIO_BYTES + step.over;
      done.push(`padded with a comment to ${step.over} bytes past the size limit`);
      return `${text}\n# ${"x".repeat(Math.max(0, want - size))}`;
    }
  }
}

function applyByteStep(bytes: Uint8Array, text: string, step: ByteStep, done: string[]) {
  switch (step.op) {
    case "insertBytes": {
      const at = step.at % (bytes.length + 1);
      done.push(`insert bytes ${step.bytes.map((b) => b.toString(16)).join(" ")} at ${at}`);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(step.bytes), bytes.subarray(at)]);
    }
    case "encode": {
      done.push(`encoded as ${step.as}`);
      const le = Buffer.from(text, "utf16le");
      switch (step.as) {
        case "utf8-bom":
          return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
        case "utf16le":
          return le;
        case "utf16le-bom":
          return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
        case "utf16be":
          return le.swap16();
        case "utf16be-bom":
          return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]);
        case "utf32le-bom": {
          const out = Buffer.alloc(4 + 4 * [...text].length);
          out.set([0xff, 0xfe, 0, 0]);
          [...text].forEach((ch, i) => {
            out.writeUInt32LE(ch.codePointAt(0)!, 4 + 4 * i);
          });
          return out;
        }
        case "latin1":
          // With an accent in the description, so that the bytes are not ASCII.
          return Buffer.from(
            text.replace(/^description: /m, "description: café, naïve "),
            "latin1",
          );
      }
    }
  }
}

/** A value cloned where it can be (fast-check's values may hold anything). */
function structuredCloneLoose(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}

function pathText(path: Path): string {
  if (path.length === 0) return "the root";
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** A value in a label, cut short. */
export function show(v: unknown): string {
  let text: string;
  if (typeof v === "number") text = Object.is(v, -0) ? "-0" : String(v);
  else if (v === undefined) text = "undefined";
  else {
    try {
      text = JSON.stringify(v) ?? String(v);
    } catch {
      text = String(v);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
