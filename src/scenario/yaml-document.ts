/**
 * YAML (or JSON) text into a raw document, with what the text may ask of the parser bounded
 * before it is asked:
 *
 * - nesting: at most `MAX_DEPTH` levels, checked on the parser's token tree before the
 *   document is composed (which recurses: a few thousand levels exhaust the stack, and V8 may
 *   then abort instead of throwing). The parser itself builds flow collections without
 *   recursion but recurses once a level as it closes block collections (a list of lists 3,000
 *   levels deep, "- - - ... 1" followed by a key, exhausted the stack), so the columns of
 *   indentation and indicators before a line's content, which bound its block nesting
 *   (`MAX_BLOCK_COLUMN`), and the depth of flow collections are checked first, on the lexer's
 *   tokens;
 * - alias expansion: at most `MAX_DOCUMENT_NODES` nodes (mappings, lists, scalars) once every
 *   alias is counted as the nodes it stands for, so 999 aliases of a 100,000-element list are
 *   refused before anything walks them. The `yaml` package's own `maxAliasCount` is turned
 *   off: it bounds something else (the uses of one anchor times the aliases nested in it,
 *   multiplied again at every level), which lets a flat list aliased 999 times pass a bound of
 *   1000, and refused with a bare "ReferenceError" a document of 2-wide aliases 12 levels deep
 *   that expands to 24,000 values. `toJS` itself gives an alias the anchor's value (shared, not
 *   copied), so its work is the document's; what expansion costs is every later walk of the
 *   value (the schema, the digest), which the node bound bounds;
 * - duplicate keys: checked here in linear time (the package's `uniqueKeys` compares every pair
 *   of keys of a mapping: 16,000 keys took 7 s);
 * - recursive aliases (a value containing itself) and aliases with no anchor before them are
 *   refused.
 */
import {
  Composer,
  CST,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
  YAMLParseError,
} from "yaml";
import { ScenarioError, scenarioErrors } from "../input/index.ts";
import { formatBound } from "./bounds.ts";

/** The deepest nesting of mappings and lists a document may have, aliases expanded. */
export const MAX_DEPTH = 64;

/** The most nodes a document may make, aliases expanded: 200,000 (a scenario makes hundreds). */
export const MAX_DOCUMENT_NODES = 200_000;

/**
 * The most columns of indentation and block indicators ("- ", "? ", ": ") before a line's
 * content: 512, room for `MAX_DEPTH` levels indented by 8. Each level of block nesting takes a
 * column at least, so this bounds the parser's recursion well below what exhausts the stack
 * (measured: 2,000 levels parse, 3,000 do not).
 */
export const MAX_BLOCK_COLUMN = 512;

const EXPECTED_YAML = "valid YAML or JSON";

/** Parses YAML or JSON text into a raw document; `file` names it in errors. */
export function parseYamlDocument(text: string, file?: string): unknown {
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `line ${line}:${col}`;
  };
  const problem = (offset: number, expected: string, found: string) =>
    new ScenarioError(at(offset), expected, found, { file, foundShown: true });
  const nested = lexicalNesting(text);
  if (nested !== undefined) {
    const columns = ` (at most ${MAX_BLOCK_COLUMN} columns of indentation and "- " before a line's content)`;
    throw new ScenarioError(
      `line ${nested.line}:${nested.column}`,
      `a document nested at most ${MAX_DEPTH} levels deep${nested.kind === "block" ? columns : ""}`,
      "deeper nesting",
      { file, foundShown: true },
    );
  }
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const deep = tooDeep(tokens);
  if (deep !== undefined) {
    throw problem(deep, `a document nested at most ${MAX_DEPTH} levels deep`, "deeper nesting");
  }
  const doc = firstDocument(tokens, text.length);
  const syntaxErrors = doc.errors.map((error) => {
    const what = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    return problem(error.pos[0], EXPECTED_YAML, what);
  });
  if (syntaxErrors.length > 0) throw scenarioErrors(syntaxErrors);
  const shape = new ShapeCheck();
  shape.check(doc.contents);
  const found = shape.problem;
  if (found !== undefined) {
    if (found.kind === "cycle") {
      throw new ScenarioError(
        found.path,
        "a value that does not contain itself (a recursive alias)",
        "a cycle",
        { file, foundShown: true },
      );
    }
    if (found.kind === "duplicate") {
      throw problem(
        found.offset,
        EXPECTED_YAML,
        `a duplicate key ${found.key} (map keys must be unique)`,
      );
    }
    if (found.kind === "unresolved") {
      throw problem(
        found.offset,
        EXPECTED_YAML,
        `an alias *${found.name} with no anchor &${found.name} before it`,
      );
    }
    if (found.kind === "nodes") {
      throw problem(
        found.offset,
        `a document of at most ${formatBound(MAX_DOCUMENT_NODES)} values once its aliases are expanded`,
        `${amount(found.total)} values (the alias here stands for ${amount(found.largest)})`,
      );
    }
    throw problem(
      found.offset,
      `a document nested at most ${MAX_DEPTH} levels deep once its aliases are expanded`,
      "deeper nesting",
    );
  }
  return doc.toJS({ maxAliasCount: -1 });
}

/** The first document of the token stream (a second one is an error, as `parseDocument` has). */
function firstDocument(tokens: CST.Token[], length: number): Document.Parsed {
  // logLevel "error": the package would print a process warning ("(node:123) Warning: Keys
  // with collection values will be stringified") on the user's terminal for a key such as
  // `? [a]`; the key is stringified, and the schema refuses it as an unknown field.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false, logLevel: "error" });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (doc === undefined) {
      doc = next;
      continue;
    }
    const [start, end] = next.range;
    doc.errors.push(
      new YAMLParseError([start, end], "MULTIPLE_DOCS", "Source contains multiple documents"),
    );
    break;
  }
  return doc!;
}

/** The offset of a token nested deeper than `MAX_DEPTH`, if any (no recursion). */
function tooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: [CST.Token, number][] = [];
  for (const token of tokens)
    if (token.type === "document" && token.value) stack.push([token.value, 1]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) return token.offset;
    if (!("items" in token)) continue;
    for (const item of token.items) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return undefined;
}

/** Lexer tokens that stand for no text of the source (modes and markers). */
const MARKERS = new Set(["doc-mode", "flow-error-end"]);

/** Tokens that may come before a line's content: indentation and block indicators. */
const LEADING = new Set(["space", "seq-item-ind", "explicit-key-ind", "map-value-ind"]);

/** Where the lexer found nesting too deep to parse (line and column from 1), and which kind. */
interface TooDeep {
  line: number;
  column: number;
  kind: "block" | "flow";
}

/**
 * The first place where the text nests deeper than the parser may be asked to go, found on the
 * lexer's tokens (the lexer is a loop): a line whose content starts past `MAX_BLOCK_COLUMN`,
 * or a flow collection opened inside `MAX_DEPTH` others (which the token-tree check would
 * refuse too, but only after the parser's second or so on 400 KB of brackets). A block
 * scalar's or a multi-line plain scalar's lines are one token.
 */
function lexicalNesting(text: string): TooDeep | undefined {
  let line = 1;
  let column = 0;
  let leading = true;
  let scalar = false;
  let flow = 0;
  for (const source of new Lexer().lex(text)) {
    // The token after the scalar marker is a scalar whatever its first character (a block
    // scalar's text may start with spaces).
    const type = scalar ? null : CST.tokenType(source);
    scalar = source === CST.SCALAR;
    if (scalar || (type !== null && MARKERS.has(type) && source.length === 1)) continue;
    if (type === "newline") {
      line++;
      column = 0;
      leading = true;
      continue;
    }
    if (leading && type !== null && LEADING.has(type)) {
      if (column + source.length > MAX_BLOCK_COLUMN) {
        return { line, column: MAX_BLOCK_COLUMN + 1, kind: "block" };
      }
    } else {
      leading = false;
    }
    if (type === "flow-map-start" || type === "flow-seq-start") {
      if (++flow > MAX_DEPTH) return { line, column: column + 1, kind: "flow" };
    } else if ((type === "flow-map-end" || type === "flow-seq-end") && flow > 0) {
      flow--;
    }
    const newline = source.lastIndexOf("\n");
    if (newline < 0) {
      column += source.length;
    } else {
      for (const ch of source) if (ch === "\n") line++;
      column = source.length - newline - 1;
    }
  }
  return undefined;
}

/** What a node makes once its aliases are expanded: nodes, and levels of nesting. */
interface Measure {
  nodes: number;
  height: number;
}

type ShapeProblem =
  | { kind: "nodes"; offset: number; total: number; largest: number }
  | { kind: "depth"; offset: number }
  | { kind: "duplicate"; offset: number; key: string }
  | { kind: "unresolved"; offset: number; name: string }
  | { kind: "cycle"; path: string };

/**
 * Walks a composed document once, in document order (so an alias's anchor is measured before
 * the alias), recursing at most `MAX_DEPTH` levels (the token check bounds the tree's depth).
 * An alias counts as the nodes and height of its anchor's value; sizes that grow exponentially
 * (aliases of aliases) stay numbers, at worst Infinity.
 */
class ShapeCheck {
  problem: ShapeProblem | undefined;
  // The latest node with each anchor name, and its measure once its walk is done.
  private readonly anchors = new Map<string, unknown>();
  private readonly measures = new Map<unknown, Measure>();
  // The alias that expands to the most nodes, named when the document makes too many.
  private largest = { nodes: 0, offset: 0 };

  /** Checks a document's root; `problem` holds the first problem found. */
  check(root: unknown): void {
    const total = this.measure(root, "", 1);
    if (this.problem === undefined && total.nodes > MAX_DOCUMENT_NODES) {
      const { offset, nodes } = this.largest;
      this.problem = { kind: "nodes", offset, total: total.nodes, largest: nodes };
    }
  }

  private measure(node: unknown, path: string, depth: number): Measure {
    const none = { nodes: 0, height: 0 };
    if (this.problem !== undefined || node === null || node === undefined) return none;
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      const target = this.anchors.get(node.source);
      // No anchor of that name before it (the composer does not report it; toJS throws).
      if (target === undefined) {
        this.problem = { kind: "unresolved", offset, name: node.source };
        return none;
      }
      const known = this.measures.get(target);
      if (known === undefined) {
        this.problem = { kind: "cycle", path };
        return none;
      }
      if (depth - 1 + known.height > MAX_DEPTH) this.problem = { kind: "depth", offset };
      if (known.nodes > this.largest.nodes) this.largest = { nodes: known.nodes, offset };
      return known;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor !== undefined) this.anchors.set(anchor, node);
    let nodes = 1;
    let height = 0;
    const child = (value: unknown, childPath: string) => {
      const m = this.measure(value, childPath, depth + 1);
      nodes += m.nodes;
      height = Math.max(height, m.height);
    };
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        const label = isScalar(key) ? String(key.value) : "?";
        if (isScalar(key)) {
          const name = `${typeof key.value}:${label}`;
          if (keys.has(name)) {
            const offset = key.range?.[0] ?? 0;
            this.problem = { kind: "duplicate", offset, key: JSON.stringify(label) };
            return none;
          }
          keys.add(name);
        }
        child(key, path);
        child(pair.value, path === "" ? label : `${path}.${label}`);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        child(item, `${path}[${i}]`);
      });
    }
    const measure = { nodes, height: height + 1 };
    if (anchor !== undefined) this.measures.set(node, measure);
    return measure;
  }
}

// A count for a message: exact up to a billion, then in powers of ten (aliases of aliases grow
// exponentially).
function amount(n: number): string {
  if (!Number.isFinite(n)) return "more than 10^308";
  return n < 1e9 ? formatBound(n) : n.toExponential(1).replace("e+", " x 10^");
}
