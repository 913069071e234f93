/**
 * Workspace isolation, tested where it is enforced: every run's root lies in one shared tree, so
 * an escape could succeed if the resolver let it. Random interleavings of several runs' reads,
 * writes, lists, deletes and links (with attack paths and link recipes from the trick grammar)
 * must never touch another root, and each run must see exactly what a naive reference model (a
 * separate Map per run) says. Each weakening of the resolver must make the same property fail
 * with an escape.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuditTrail } from "../src/audit/index.ts";
import type { ResolverWeakening, WorkspaceResult } from "../src/runtime/workspace.ts";
import { normalizePath, screenTarget, Workspaces } from "../src/runtime/workspace.ts";
import { PROPERTY_TIMEOUT_MS, RUNS } from "./support/property-runs.ts";

/** Run ids, some the prefix of another ("a" of "ab", "run-1" of "run-10"), as in "job#1" and "job#12". */
const RUN_IDS = ["a", "ab", "run-1", "run-10"] as const;

/** Benign segments: file names, link names, and other runs' ids (a plain path may name them). */
const segment = fc.constantFrom("x", "notes.txt", "d", "l1", "l2", "up", "a", "ab", "run-1");
const plain = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("x", "d/x", "l1", "l1/x", "v/x") },
  { weight: 1, arbitrary: fc.constantFrom("notes.txt", "l2", "d/up/x", "a/x", "run-1/x") },
  {
    weight: 1,
    arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/")),
  },
);

/** The trick grammar: a prefix, a name (another run's, the caller's own, or plain), a suffix. */
const trickPrefix = fc.constantFrom(
  "../",
  "../../",
  "../../runs/",
  "/",
  "/runs/",
  "//runs//",
  "/runs/{self}/../",
  "./",
  "d/../../",
  "~/",
  "..\\",
  "\\runs\\",
  "%2e%2e/",
  "%2e%2e%2f",
  "..%2f",
  "%2E%2E%5C",
  "%252e%252e/",
  "%252e%252e%252f",
  "\uff0e\uff0e/",
  "..\uff0f",
  "\uff0e\uff0e\uff0f",
  "\u2025/",
  "..\u2215",
  "\u200b../",
  ".\u200b./",
  "..\u0000/",
  ".. /",
  "C:/",
  "file:///runs/",
  "",
);
const trickName = fc.constantFrom("{victim}", "{self}", "{self}b", "{self}0", "x", "runs");
const trickSuffix = fc.constantFrom("", "/x", "/d/x", "/notes.txt", "\u0000", "/.", "/", "/..");
const trick = fc
  .tuple(trickPrefix, trickName, trickSuffix)
  .map(([prefix, name, suffix]) => `${prefix}${name}${suffix}`);

/** A user path: plain, a trick, or noise. */
const path = fc.oneof(
  { weight: 5, arbitrary: plain },
  { weight: 4, arbitrary: trick },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
);

/** A link target: inside (plain, relative with "..", absolute to one's own root) or a trick. */
const target = fc.oneof(
  { weight: 3, arbitrary: plain },
  {
    weight: 2,
    arbitrary: fc.constantFrom("..", "../x", "d/..", "/runs/{self}/x", "/runs/{self}", "l1/x"),
  },
  { weight: 4, arbitrary: trick },
);

/** Multi-step attacks a random sequence would rarely assemble: each is a list of plain ops. */
const RECIPES: readonly (readonly Step[])[] = [
  // A link up to the root, then ".." through it: the walk must be physical, not lexical.
  [
    { kind: "link", path: "d/up", target: ".." },
    { kind: "link", path: "l1", target: "d/up/../{victim}/x" },
    { kind: "read", path: "l1" },
    { kind: "write", path: "l1" },
  ],
  // A chain of links whose last hop leaves.
  [
    { kind: "link", path: "l2", target: "/runs/{victim}/x" },
    { kind: "link", path: "l1", target: "l2" },
    { kind: "read", path: "l1" },
  ],
  // A link to another root as a directory.
  [
    { kind: "link", path: "v", target: "/runs/{victim}" },
    { kind: "read", path: "v/x" },
    { kind: "list", path: "v" },
    { kind: "write", path: "v/d/x" },
  ],
  // A link to a sibling whose name has the caller's as a prefix.
  [
    { kind: "link", path: "l1", target: "/runs/{self}b/x" },
    { kind: "read", path: "l1" },
    { kind: "link", path: "l2", target: "/runs/{self}0" },
    { kind: "list", path: "l2" },
  ],
  // Encoded ".." in a link's target.
  [
    { kind: "link", path: "l1", target: "%2e%2e/{victim}/x" },
    { kind: "read", path: "l1" },
    { kind: "write", path: "l1" },
  ],
];

type Kind = "read" | "write" | "delete" | "list" | "link";
interface Step {
  kind: Kind;
  path: string;
  target?: string;
}
/** One operation of one run; `{self}` and `{victim}` in paths are replaced when it runs. */
interface Op extends Step {
  run: number;
  victim: number;
}

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom<Kind>("read", "write", "write", "delete", "list"), path }),
  fc.record({ kind: fc.constant<Kind>("link"), path, target }),
);
const ops: fc.Arbitrary<Op[]> = fc
  .array(
    fc.tuple(
      fc.nat({ max: RUN_IDS.length - 1 }),
      fc.nat({ max: RUN_IDS.length - 1 }),
      fc.oneof(
        { weight: 6, arbitrary: step.map((s) => [s]) },
        { weight: 1, arbitrary: fc.constantFrom(...RECIPES) },
      ),
    ),
    { minLength: 4, maxLength: 30, size: "max" },
  )
  .map((chunks) =>
    chunks.flatMap(([run, victim, steps]) => steps.map((s) => ({ ...s, run, victim }))),
  );

/** Replaces `{self}` and `{victim}` with run ids. */
function fill(text: string, self: string, victim: string): string {
  return text.replaceAll("{self}", self).replaceAll("{victim}", victim);
}

// ---------------------------------------------------------------------------------------------
// The reference model: a separate Map per run, from run-relative path to a file or a link; a
// directory is any proper prefix of a key. It resolves paths naively, on names, not on a tree.

type ModelEntry = { file: string } | { link: string };
type Outcome = { ok: true; value: unknown } | { ok: false; denied: boolean; outside?: boolean };
type Resolved = { ok: true; names: string[] } | { ok: false; denied: boolean; outside?: boolean };

class Model {
  readonly spaces = new Map<string, Map<string, ModelEntry>>();
  constructor(readonly runs: readonly string[]) {
    for (const run of runs) this.spaces.set(run, new Map());
  }

  apply(run: string, step: Step, data: string): Outcome {
    const files = this.spaces.get(run)!;
    const start = this.userPath(run, step.path, step.kind === "list");
    if (!start.ok) return start;
    const followLast = step.kind === "read" || step.kind === "write" || step.kind === "list";
    const at = this.walk(run, ["runs", run], start.names, followLast);
    if (!at.ok) return at;
    const key = at.names.slice(2).join("/");
    const kind = this.kindOf(run, at.names);
    switch (step.kind) {
      case "read":
        return kind === "file"
          ? { ok: true, value: (files.get(key) as { file: string }).file }
          : { ok: false, denied: false };
      case "write": {
        if (kind === "dir" || this.blocked(run, at.names)) return { ok: false, denied: false };
        files.set(key, { file: data });
        return { ok: true, value: key };
      }
      case "delete":
        if (kind !== "file" && kind !== "link") return { ok: false, denied: false };
        files.delete(key);
        return { ok: true, value: key };
      case "list": {
        if (kind !== "dir") return { ok: true, value: [] };
        const prefix = key === "" ? "" : `${key}/`;
        return { ok: true, value: [...files.keys()].filter((k) => k.startsWith(prefix)).sort() };
      }
      case "link": {
        if (kind !== "missing") return { ok: false, denied: false };
        const t = screenTarget(step.target, true);
        if (!t.ok) return { ok: false, denied: true };
        const from = t.absolute ? [] : at.names.slice(0, -1);
        const aimed = this.walk(run, from, t.segments, true);
        if (!aimed.ok) return aimed;
        if (this.blocked(run, at.names)) return { ok: false, denied: false };
        files.set(key, { link: step.target! });
        return { ok: true, value: key };
      }
    }
  }

  /** The screened segments of a user path, or its refusal. */
  private userPath(run: string, raw: string, allowRoot: boolean): Resolved {
    const checked = normalizePath(raw === "" && allowRoot ? "." : raw, allowRoot);
    if (!checked.ok) return { ok: false, denied: true };
    const first = checked.path.split("/")[0]!;
    if (first !== run && this.runs.includes(first)) return { ok: false, denied: true };
    return { ok: true, names: checked.path === "" ? [] : checked.path.split("/") };
  }

  private kindOf(run: string, names: string[]): "file" | "link" | "dir" | "missing" {
    if (names.length === 2) return "dir";
    const key = names.slice(2).join("/");
    const entry = this.spaces.get(run)!.get(key);
    if (entry !== undefined) return "file" in entry ? "file" : "link";
    for (const k of this.spaces.get(run)!.keys()) if (k.startsWith(`${key}/`)) return "dir";
    return "missing";
  }

  /** Whether a file or link stands where a directory above `names` would have to be. */
  private blocked(run: string, names: string[]): boolean {
    for (let n = 3; n < names.length; n++) {
      const kind = this.kindOf(run, names.slice(0, n));
      if (kind === "file" || kind === "link") return true;
    }
    return false;
  }

  /** Walks from `start`; anything but the way down to the run's root or inside it is outside. */
  private walk(run: string, start: string[], segments: string[], followLast: boolean): Resolved {
    const names = [...start];
    const todo = segments.filter((s) => s !== "" && s !== ".");
    let hops = 0;
    const onWay = () =>
      names.length === 0 || (names[0] === "runs" && (names.length === 1 || names[1] === run));
    while (todo.length > 0) {
      const s = todo.shift()!;
      if (s === "..") {
        names.pop();
        if (!onWay()) return { ok: false, denied: true, outside: true };
        continue;
      }
      if (names.length < 2) {
        if (s !== (names.length === 0 ? "runs" : run)) {
          return { ok: false, denied: true, outside: true };
        }
        names.push(s);
        continue;
      }
      if (this.kindOf(run, names) === "file") return { ok: false, denied: false };
      const key = [...names.slice(2), s].join("/");
      const entry = this.spaces.get(run)!.get(key);
      if (entry !== undefined && "link" in entry && (todo.length > 0 || followLast)) {
        if (++hops > 40) return { ok: false, denied: false };
        const t = screenTarget(entry.link, true);
        if (!t.ok) return { ok: false, denied: true };
        if (t.absolute) names.length = 0;
        todo.unshift(...t.segments);
        continue;
      }
      names.push(s);
    }
    if (names.length < 2) return { ok: false, denied: true, outside: true };
    return { ok: true, names };
  }

  files(run: string): Map<string, string> {
    const out: [string, string][] = [];
    for (const [k, e] of this.spaces.get(run)!) if ("file" in e) out.push([k, e.file]);
    return new Map(out.sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

// ---------------------------------------------------------------------------------------------

/** Runs `ops` on fresh workspaces (optionally weakened); throws "escape: ..." on the first breach. */
function execute(
  runs: readonly string[],
  list: readonly Op[],
  options: { weaken?: ResolverWeakening; only?: string } = {},
) {
  const trail = new AuditTrail();
  const ws = new Workspaces(trail, { weakening: options.weaken });
  const callers = runs.map((run) => {
    ws.open(run);
    return { run, actor: trail.actor({ run, job: "job", tenant: "t", authorizedBy: "boss" }) };
  });
  const results: WorkspaceResult<unknown>[] = [];
  list.forEach((o, i) => {
    const caller = callers[o.run % runs.length]!;
    if (options.only !== undefined && caller.run !== options.only) return;
    const victim = runs[o.victim % runs.length]!;
    const before = runs.map((r) => [ws.changes(r), JSON.stringify([...ws.files(r)])] as const);
    const result = apply(ws, caller, o, victim, i);
    results.push(result);
    // Independent of the resolver: data is tagged with its writer, changes are counted in the tree.
    if (result.ok && o.kind === "read" && !String(result.value).startsWith(`${caller.run}:`)) {
      throw new Error(`escape: ${caller.run} read ${JSON.stringify(result.value)} via ${o.path}`);
    }
    if (result.ok && o.kind === "list") {
      const outside = (result.value as string[]).find((p) => p.startsWith("/"));
      if (outside !== undefined) throw new Error(`escape: ${caller.run} listed ${outside}`);
    }
    runs.forEach((r, k) => {
      if (r === caller.run) return;
      const [changes, files] = before[k]!;
      if (ws.changes(r) !== changes || JSON.stringify([...ws.files(r)]) !== files) {
        throw new Error(`escape: ${caller.run} changed ${r}'s workspace via ${o.kind} ${o.path}`);
      }
    });
  });
  return { ws, trail, results };
}

function apply(
  ws: Workspaces,
  caller: { run: string; actor: number },
  o: Op,
  victim: string,
  i: number,
): WorkspaceResult<unknown> {
  const p = fill(o.path, caller.run, victim);
  switch (o.kind) {
    case "read":
      return ws.read(i, caller, p);
    case "write":
      return ws.write(i, caller, p, `${caller.run}:${i}`);
    case "delete":
      return ws.delete(i, caller, p);
    case "list":
      return ws.list(i, caller, p);
    case "link":
      return ws.link(i, caller, p, fill(o.target!, caller.run, victim));
  }
}

/**
 * The property: no escape (checked on every operation, independently of the resolver), and,
 * unless `escapesOnly`, every result as the model says and each run as if it ran alone. The
 * weakened runs check escapes only, so that what fast-check shrinks to is an escape.
 */
function nonInterference(weaken?: ResolverWeakening, escapesOnly = false, seen?: Seen) {
  return fc.property(fc.integer({ min: 2, max: RUN_IDS.length }), ops, (runCount, list) => {
    const runs = RUN_IDS.slice(0, runCount);
    const { ws, trail, results } = execute(runs, list, { weaken });
    const model = new Model(runs);
    list.forEach((o, i) => {
      const run = runs[o.run % runs.length]!;
      const victim = runs[o.victim % runs.length]!;
      const s = { ...o, path: fill(o.path, run, victim) };
      if (o.target !== undefined) s.target = fill(o.target, run, victim);
      const expected = model.apply(run, s, `${run}:${i}`);
      const actual = results[i]!;
      if (!expected.ok && expected.outside && actual.ok) {
        throw new Error(`escape: ${run} ${o.kind} ${s.path} ${s.target ?? ""} was allowed`);
      }
      if (escapesOnly) return;
      if (seen !== undefined) count(seen, o, expected, actual);
      const where = `op ${i}: ${run} ${o.kind} ${JSON.stringify(s.path)} ${s.target ?? ""}`;
      if (expected.ok) expect(actual, where).toEqual(expected);
      else expect(actual, where).toMatchObject({ ok: false, denied: expected.denied });
    });
    if (escapesOnly) return;
    for (const run of runs) {
      expect(ws.files(run)).toEqual(model.files(run));
      // The same run's operations alone give the same results and the same files.
      const alone = execute(runs, list, { weaken, only: run });
      expect(alone.ws.files(run)).toEqual(ws.files(run));
      expect(alone.results).toEqual(
        results.filter((_, i) => runs[list[i]!.run % runs.length] === run),
      );
    }
    // Every operation left exactly one record, on behalf of the run that made it.
    const records = trail.records();
    expect(records).toHaveLength(list.length);
    records.forEach((r, i) => {
      expect(r.run).toBe(runs[list[i]!.run % runs.length]);
      if (r.decision === "deny" || r.decision === "error") expect(r.detail).not.toBe("");
    });
  });
}

/** What the generated operations exercised, so a passing property is known not to be vacuous. */
interface Seen {
  linksMade: number;
  readsThroughLinks: number;
  outsideRefused: number;
  okReads: number;
}

function count(seen: Seen, o: Op, expected: Outcome, actual: WorkspaceResult<unknown>): void {
  if (o.kind === "link" && actual.ok) seen.linksMade++;
  if (o.kind === "read" && actual.ok) {
    seen.okReads++;
    if (/^(l1|l2|v|d\/up)(\/|$)/.test(o.path)) seen.readsThroughLinks++;
  }
  if (!expected.ok && expected.outside) seen.outsideRefused++;
}

describe("workspace non-interference", () => {
  it(
    "shows that under any interleaving, with escape tricks and links, no run touches another's root and each sees what the reference model says",
    () => {
      const seen: Seen = { linksMade: 0, readsThroughLinks: 0, outsideRefused: 0, okReads: 0 };
      fc.assert(nonInterference(undefined, false, seen), { numRuns: RUNS });
      // Not vacuous: links were made and read through, reads succeeded, walks out were refused.
      expect(seen.linksMade).toBeGreaterThan(RUNS / 10);
      expect(seen.readsThroughLinks).toBeGreaterThan(RUNS / 100);
      expect(seen.okReads).toBeGreaterThan(RUNS / 10);
      expect(seen.outsideRefused).toBeGreaterThan(RUNS / 10);
    },
    PROPERTY_TIMEOUT_MS,
  );

  // Each weakening is a real class of resolver bug; the property must find the escape it opens.
  for (const kind of [
    "no-link-resolution",
    "decode-after-check",
    "prefix-no-separator",
  ] as const satisfies readonly ResolverWeakening[]) {
    it(
      `shows that the property finds an escape when the resolver is weakened: ${kind}`,
      () => {
        const details = fc.check(nonInterference(kind, true), { numRuns: RUNS });
        // The counterexample, with its seed and path, so it can be replayed.
        console.log(
          `${kind}: ${fc.defaultReportMessage(details)?.split("\n").slice(0, 6).join("\n")}`,
        );
        expect(details.failed).toBe(true);
        expect(details.seed).toBeTypeOf("number");
        expect(details.counterexamplePath).not.toBeNull();
        expect(String(details.errorInstance)).toMatch(/escape: /);
      },
      PROPERTY_TIMEOUT_MS,
    );
  }
});

describe("the prefix-only resolver (a modelled flaw a scenario can choose)", () => {
  it("shows that it lets '..', absolute paths and links reach another run's root", () => {
    const trail = new AuditTrail();
    const ws = new Workspaces(trail, { resolver: "prefix-only" });
    ws.open("a");
    ws.open("b");
    const a = {
      run: "a",
      actor: trail.actor({ run: "a", job: "j", tenant: "t", authorizedBy: "x" }),
    };
    const b = {
      run: "b",
      actor: trail.actor({ run: "b", job: "j", tenant: "t", authorizedBy: "x" }),
    };
    expect(ws.write(0, b, "secret", "b:1").ok).toBe(true);
    expect(ws.read(1, a, "../b/secret")).toEqual({ ok: true, value: "b:1" });
    expect(ws.read(1, a, "/runs/a/../b/secret")).toEqual({ ok: true, value: "b:1" });
    expect(ws.link(2, a, "l", "../b").ok).toBe(true);
    const before = ws.changes("b");
    expect(ws.write(3, a, "l/planted", "a:3").ok).toBe(true);
    expect(ws.changes("b")).toBe(before + 1);
    // The same requests under the strict resolver are refused.
    const strict = new Workspaces(trail);
    strict.open("a");
    strict.open("b");
    expect(strict.read(4, a, "../b/secret")).toMatchObject({ ok: false, denied: true });
    expect(strict.read(4, a, "/runs/a/../b/secret")).toMatchObject({ ok: false, denied: true });
    expect(strict.link(4, a, "l", "../b")).toMatchObject({ ok: false, denied: true });
  });
});
