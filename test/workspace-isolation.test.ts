import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuditTrail } from "../src/runtime/audit/index.ts";
import type { WorkspaceResult } from "../src/runtime/workspace.ts";
import { normalizePath, Workspaces } from "../src/runtime/workspace.ts";
import { PROPERTY_TIMEOUT_MS, RUNS } from "./support/property-runs.ts";

const RUN_IDS = ["run-1", "run-2", "tickets", "a"] as const;

/** Benign segments, some of which are other runs' ids (so a plain path can name a namespace). */
const segment = fc.constantFrom("x", "notes.txt", "a", "tickets", "run-2", "run-1", "d", ".cfg");

/** The escape tricks an agent may try, each wrapped around a run id or a plain name. */
const trick = fc
  .tuple(
    fc.constantFrom(
      "../",
      "../../",
      "/",
      "//",
      "~",
      "..\\",
      "%2e%2e/",
      "%2e%2e%2f",
      "%252e%252e/",
      "\uff0e\uff0e/",
      "..\uff0f",
      "\u2025/",
      "\u200b../",
      ".\u200b./",
      "..\u2215",
      "C:/",
      "file://",
      "./",
      "x/../",
      ".. /",
      "",
    ),
    fc.constantFrom(...RUN_IDS, "x"),
    fc.constantFrom("", "/secret", "/notes.txt", "\u0000", "/.", "/"),
  )
  .map(([prefix, name, suffix]) => `${prefix}${name}${suffix}`);

const path = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/")),
  },
  { weight: 3, arbitrary: trick },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 1100 }) },
);

type Op =
  | { kind: "read" | "delete"; run: number; path: string }
  | { kind: "write"; run: number; path: string }
  | { kind: "list"; run: number; path: string };

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("read", "write", "write", "delete", "list"),
  run: fc.nat({ max: RUN_IDS.length - 1 }),
  path,
});

/** Runs `ops` of the runs in `active` against fresh workspaces where all runs are opened. */
function execute(runs: readonly string[], ops: readonly Op[], active: (run: string) => boolean) {
  const trail = new AuditTrail();
  const ws = new Workspaces(trail);
  const callers = runs.map((run) => {
    ws.open(run);
    return { run, actor: trail.actor({ run, job: "job", tenant: "t", authorizedBy: "boss" }) };
  });
  const results: WorkspaceResult<unknown>[] = [];
  ops.forEach((o, i) => {
    const caller = callers[o.run % runs.length]!;
    if (!active(caller.run)) return;
    results.push(apply(ws, caller, o, i));
  });
  return { ws, trail, results };
}

function apply(ws: Workspaces, caller: { run: string; actor: number }, o: Op, i: number) {
  switch (o.kind) {
    case "read":
      return ws.read(i, caller, o.path);
    case "write":
      return ws.write(i, caller, o.path, `${caller.run}:${i}`);
    case "delete":
      return ws.delete(i, caller, o.path);
    case "list":
      return ws.list(i, caller, o.path);
  }
}

describe("workspace non-interference", () => {
  it(
    "shows that under any interleaving, with escape tricks, each run sees only its own writes and ends as if it ran alone",
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: RUN_IDS.length }),
          fc.array(op, { maxLength: 40 }),
          (runCount, ops) => {
            const runs = RUN_IDS.slice(0, runCount);
            const { ws, trail, results } = execute(runs, ops, () => true);
            // The model: a plain Map per run, keyed by the normalized path; a path is refused when
            // it does not normalize or names another run's namespace.
            const model = new Map(runs.map((r) => [r, new Map<string, string>()]));
            let crossReads = 0;
            ops.forEach((o, i) => {
              const run = runs[o.run % runs.length]!;
              const files = model.get(run)!;
              const result = results[i]!;
              // list("") lists the root, like list() with no directory.
              const listRoot = o.kind === "list" && o.path === "";
              const checked = normalizePath(listRoot ? "." : o.path, o.kind === "list");
              const first = checked.ok ? checked.path.split("/")[0]! : "";
              const refused =
                !checked.ok || (first !== run && (runs as readonly string[]).includes(first));
              if (refused) {
                expect(result).toMatchObject({ ok: false, denied: true });
                return;
              }
              const key = checked.path;
              if (o.kind === "read") {
                const expected = files.get(key);
                if (expected === undefined)
                  expect(result).toMatchObject({ ok: false, denied: false });
                else expect(result).toEqual({ ok: true, value: expected });
                if (result.ok && !String(result.value).startsWith(`${run}:`)) crossReads++;
              } else if (o.kind === "write") {
                files.set(key, `${run}:${i}`);
                expect(result).toEqual({ ok: true, value: key });
              } else if (o.kind === "delete") {
                expect(result.ok).toBe(files.delete(key));
              } else {
                const prefix = key === "" ? "" : `${key}/`;
                const listed = [...files.keys()].filter((p) => p.startsWith(prefix)).sort();
                expect(result).toEqual({ ok: true, value: listed });
              }
            });
            expect(crossReads).toBe(0);
            let crossWrites = 0;
            for (const run of runs) {
              const files = ws.files(run);
              expect(files).toEqual(
                new Map([...model.get(run)!].sort(([a], [b]) => (a < b ? -1 : 1))),
              );
              for (const data of files.values()) if (!data.startsWith(`${run}:`)) crossWrites++;
              // The same run's operations alone give the same results and the same final files.
              const alone = execute(runs, ops, (r) => r === run);
              expect(alone.ws.files(run)).toEqual(files);
              const own = results.filter((_, i) => runs[ops[i]!.run % runs.length] === run);
              expect(alone.results).toEqual(own);
            }
            expect(crossWrites).toBe(0);
            // Every operation left exactly one record, on behalf of the run that made it.
            const records = trail.records();
            expect(records).toHaveLength(ops.length);
            records.forEach((r, i) => {
              expect(r.run).toBe(runs[ops[i]!.run % runs.length]);
              if (r.decision === "deny") expect(r.detail).not.toBe("");
            });
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
