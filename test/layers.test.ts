/**
 * The layers of docs/design.md, enforced. Every import in src/ is read (with TypeScript's
 * parser, so comments and strings do not count) and checked against two rules:
 *
 * (a) a file imports another folder only through that folder's `index.ts`, which says what the
 *     folder offers the others (STYLE.md habit 2);
 * (b) an import between folders follows an edge of `LAYERS`, the table in docs/design.md:
 *     dependencies point down the diagram. An edge marked "types" admits `import type` /
 *     `export type` only, which leave no trace at run time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

type Edge = "values" | "types";

/** Who may import whom: folder -> folder it imports -> what it may import from there. */
const LAYERS: Record<string, Record<string, Edge>> = {
  sim: {},
  metrics: {},
  input: { sim: "values" },
  audit: { input: "values" },
  workload: { sim: "values", input: "values", scenario: "types" },
  scenario: { sim: "values", input: "values", workload: "values" },
  runtime: {
    sim: "values",
    input: "values",
    audit: "values",
    metrics: "values",
    workload: "values",
    scenario: "types",
  },
  cell: {
    sim: "values",
    input: "values",
    audit: "values",
    metrics: "values",
    workload: "values",
    scenario: "types",
    runtime: "values",
  },
  experiment: {
    sim: "values",
    input: "values",
    audit: "values",
    metrics: "values",
    scenario: "values",
    runtime: "values",
    cell: "values",
  },
  calibrate: { sim: "values", input: "values" },
  report: {
    input: "values",
    audit: "values",
    metrics: "values",
    runtime: "types",
    experiment: "types",
  },
  cli: {
    sim: "values",
    input: "values",
    audit: "values",
    metrics: "values",
    workload: "values",
    scenario: "values",
    runtime: "values",
    cell: "values",
    experiment: "values",
    report: "values",
    calibrate: "values",
  },
};

/**
 * Imports of another folder's own file instead of its index.ts, each with its reason. Empty:
 * every folder's index.ts offers what the others use.
 */
const THROUGH_A_FILE: ReadonlyArray<{ from: string; to: string; why: string }> = [];

/** One import of a file in src/: where it points (repository-relative) and whether it is a type. */
interface Import {
  readonly file: string;
  readonly target: string;
  readonly typeOnly: boolean;
}

/** The relative imports and re-exports (static and dynamic) of one source text. */
function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    if (!specifier.startsWith(".")) return;
    const target = normalize(join(dirname(file), specifier))
      .split(sep)
      .join("/");
    found.push({ file, target, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.importClause?.isTypeOnly ?? false);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal)) add(literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The top folder of src/ a path is in, or undefined for src/index.ts (the public API). */
function folderOf(path: string): string | undefined {
  const parts = path.split("/");
  return parts.length > 2 ? parts[1] : undefined;
}

/** What breaks the rules among these imports, one line each. */
function violations(imports: readonly Import[]): string[] {
  const problems: string[] = [];
  for (const { file, target, typeOnly } of imports) {
    const from = folderOf(file);
    const to = folderOf(target);
    // src/index.ts is the library's table of contents: it may list any folder's index.
    if (to === undefined || from === to) continue;
    const index = `src/${to}/index.ts`;
    if (
      target !== index &&
      !THROUGH_A_FILE.some((allowed) => allowed.from === file && allowed.to === target)
    ) {
      problems.push(`${file} imports ${target}, not ${index}`);
    }
    if (from === undefined) continue;
    const layer = LAYERS[from];
    if (layer === undefined) {
      problems.push(`${file}: folder src/${from}/ is not in the layer table`);
      continue;
    }
    const edge = layer[to];
    if (edge === undefined)
      problems.push(`${file} imports src/${to}/: ${from} may not import ${to}`);
    else if (edge === "types" && !typeOnly) {
      problems.push(`${file} imports values from src/${to}/: ${from} may import its types only`);
    }
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe("the layers", () => {
  const root = join(import.meta.dirname, "..");
  const files = sourceFiles(join(root, "src")).map((path) =>
    relative(root, path).split(sep).join("/"),
  );

  it("has every import in src/ go through a folder's index.ts and down the layer table", () => {
    const imports = files.flatMap((file) =>
      importsOf(file, readFileSync(join(root, file), "utf8")),
    );
    expect(imports.length).toBeGreaterThan(100);
    expect(violations(imports)).toEqual([]);
  });

  it("names every folder of src/ in the table", () => {
    const folders = new Set(files.map(folderOf).filter((folder) => folder !== undefined));
    expect([...folders].sort()).toEqual(Object.keys(LAYERS).sort());
  });

  it("refuses an import past an index, one up the diagram and a value across a types edge", () => {
    const text = [
      'import { AuditTrail } from "../audit/index.ts";',
      'import { Histogram } from "../metrics/index.ts";',
      'import type { Scenario } from "../scenario/index.ts";',
      'export { runCell } from "../cell/index.ts";',
      'const lazy = () => import("../report/index.ts");',
    ].join("\n");
    expect(violations(importsOf("src/sim/made-up.ts", text))).toEqual([
      "src/sim/made-up.ts imports src/audit/: sim may not import audit",
      "src/sim/made-up.ts imports src/metrics/: sim may not import metrics",
      "src/sim/made-up.ts imports src/scenario/: sim may not import scenario",
      "src/sim/made-up.ts imports src/cell/: sim may not import cell",
      "src/sim/made-up.ts imports src/report/: sim may not import report",
    ]);
    expect(
      violations(
        importsOf("src/runtime/made-up.ts", 'import { sampler } from "../sim/sample.ts";'),
      ),
    ).toEqual(["src/runtime/made-up.ts imports src/sim/sample.ts, not src/sim/index.ts"]);
    expect(
      violations(
        importsOf(
          "src/workload/made-up.ts",
          'import { scenarioSchema } from "../scenario/index.ts";',
        ),
      ),
    ).toEqual([
      "src/workload/made-up.ts imports values from src/scenario/: workload may import its types only",
    ]);
    expect(
      violations(
        importsOf(
          "src/runtime/made-up.ts",
          'import type { Scenario } from "../scenario/index.ts";',
        ),
      ),
    ).toEqual([]);
  });
});
