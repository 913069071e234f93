import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScenarioError } from "../src/input/errors.ts";
import {
  applyVary,
  expandGrid,
  parseScenario,
  parseVary,
  pointLabel,
  readScenarioDocument,
} from "../src/scenario/index.ts";

type Raw = any;

const DOC = readScenarioDocument(resolve(import.meta.dirname, "fixtures/noisy-neighbor.yaml"));

/** The single message of the ScenarioError thrown by `run`. */
function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.report();
  }
  throw new Error("expected a ScenarioError");
}

describe("parseVary", () => {
  it("reads DESIGN.md's range, keeping the unit of the low bound", () => {
    // Shows 0.5/s..4/s:8 as eight evenly spaced rates written in /s.
    expect(parseVary("jobs.ticket-triage.arrivals.rate=0.5/s..4/s:8")).toEqual({
      path: "jobs.ticket-triage.arrivals.rate",
      values: ["0.5/s", "1/s", "1.5/s", "2/s", "2.5/s", "3/s", "3.5/s", "4/s"],
    });
  });

  it("converts the high bound into the low bound's unit, and keeps bare numbers numbers", () => {
    // Shows mixed units of one kind and unitless ranges.
    expect(parseVary("horizon=300ms..2s:3").values).toEqual(["300ms", "1150ms", "2000ms"]);
    expect(parseVary("x=30/m..1/s:2").values).toEqual(["30/m", "60/m"]);
    expect(parseVary("endpoints.0.slots=1..8:8").values).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseVary("a=1k..3k:3").values).toEqual(["1k", "2k", "3k"]);
    expect(parseVary("a=10..1:4").values).toEqual([10, 7, 4, 1]);
  });

  it("reads lists, numbers as numbers and the rest as strings", () => {
    // Shows a comma list with mixed forms.
    expect(parseVary("endpoints.llm.slots=4,8,16")).toEqual({
      path: "endpoints.llm.slots",
      values: [4, 8, 16],
    });
    expect(parseVary("policies.0=fifo, fair-share").values).toEqual(["fifo", "fair-share"]);
    expect(parseVary("runtime.retry.backoff.base=100ms").values).toEqual(["100ms"]);
  });

  it("refuses bad syntax, naming the flag", () => {
    // Shows each malformed flag gives one `--vary: expected ..., got "<flag>"` line.
    for (const flag of [
      "",
      "rate",
      "=1,2",
      "a..b=1",
      "a=",
      "a=1,,2",
      "a=1..2:1",
      "a=1..2:0",
      "a=1s..2/s:3",
      "a=1x..2:3",
      "a=1..2:1.5",
      "a=1..2:x",
    ]) {
      const text = message(() => parseVary(flag));
      expect(text, flag).toMatch(/^--vary: expected /);
      expect(text, flag).toContain(`got ${JSON.stringify(flag)}`);
    }
    expect(message(() => parseVary("a=1..2:1"))).toContain("a count from 2 to 100,000");
  });

  it("spaces any range linearly, ending exactly at its bounds", () => {
    // Shows count values from lo to hi with equal steps, for random bounds and counts.
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 2, max: 50 }),
        (lo, hi, count) => {
          const values = parseVary(`p=${lo}..${hi}:${count}`).values as number[];
          expect(values).toHaveLength(count);
          expect(values[0]).toBe(lo);
          expect(values[count - 1]).toBeCloseTo(hi, 9);
          const step = (hi - lo) / (count - 1);
          values.forEach((v, i) => {
            expect(v).toBeCloseTo(lo + i * step, 6);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("applyVary", () => {
  it("sets a field selected by names and indices, without touching the input", () => {
    // Shows name and index selection and that the original document is unchanged.
    const varied = applyVary(DOC, "jobs.ticket-triage.arrivals.rate", "2/s") as Raw;
    expect(varied.jobs[0].arrivals.rate).toBe("2/s");
    expect((DOC as Raw).jobs[0].arrivals.rate).toBe("0.3/s");
    const bySlot = applyVary(DOC, "endpoints.0.slots", 16) as Raw;
    expect(bySlot.endpoints[0].slots).toBe(16);
    expect(parseScenario(varied).jobs[0]!.arrivals).toEqual({ process: "poisson", ratePerS: 2 });
  });

  it("adds a last field the document leaves out", () => {
    // Shows a sweep over a defaulted field (drain) without writing it in the file first.
    const varied = applyVary(DOC, "drain", "2h") as Raw;
    expect(parseScenario(varied).drainS).toBe(7200);
  });

  it("lists what is available where a path goes wrong", () => {
    // Shows unknown names, indices and fields named with the choices at that level.
    expect(message(() => applyVary(DOC, "jobs.ticket-triag.arrivals.rate", 1))).toBe(
      '--vary jobs.ticket-triag.arrivals.rate: expected a name or index of an element under "jobs": ticket-triage, nightly-summaries, got "ticket-triag"',
    );
    expect(message(() => applyVary(DOC, "endpoints.3.slots", 1))).toContain(
      'under "endpoints": llm, got "3"',
    );
    expect(message(() => applyVary(DOC, "runtim.retry.attempts", 1))).toContain(
      "expected a field under the document: name, description, seed, horizon",
    );
    expect(message(() => applyVary(DOC, "seed.x", 1))).toBe(
      '--vary seed.x: expected a mapping or list at "seed", got 7',
    );
  });

  it("never throws anything but ScenarioError for any path", () => {
    // Shows arbitrary dotted paths either apply or are refused cleanly.
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom(
              "jobs",
              "0",
              "1",
              "ticket-triage",
              "arrivals",
              "rate",
              "name",
              "__proto__",
              "constructor",
            ),
            fc.string({ maxLength: 5 }),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        (segments) => {
          try {
            applyVary(DOC, segments.join("."), 1);
          } catch (error) {
            expect(error).toBeInstanceOf(ScenarioError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("expandGrid", () => {
  it("gives the cartesian product, last axis fastest", () => {
    // Shows the deterministic order of sweep points.
    const points = expandGrid([
      { path: "a", values: [1, 2] },
      { path: "b.c", values: ["x", "y", "z"] },
    ]);
    expect(points.map(pointLabel)).toEqual([
      "a=1 c=x",
      "a=1 c=y",
      "a=1 c=z",
      "a=2 c=x",
      "a=2 c=y",
      "a=2 c=z",
    ]);
    expect(points[4]).toEqual([
      { path: "a", value: 2 },
      { path: "b.c", value: "y" },
    ]);
    expect(expandGrid([])).toEqual([[]]);
  });

  it("has as many points as the product of the axis sizes", () => {
    // Shows the grid size for random axes.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }), (sizes) => {
        const axes = sizes.map((n, i) => ({
          path: `p${i}`,
          values: Array.from({ length: n }, (_, j) => j),
        }));
        const points = expandGrid(axes);
        expect(points).toHaveLength(sizes.reduce((a, b) => a * b, 1));
        expect(new Set(points.map((p) => JSON.stringify(p))).size).toBe(points.length);
      }),
      { numRuns: 100 },
    );
  });
});

describe("applyVary and prototypes", () => {
  it("never writes through __proto__ or constructor", () => {
    // Shows a hostile path sets an own field (refused later by validation), not a prototype.
    const varied = applyVary(DOC, "__proto__", { polluted: true }) as Record<string, unknown>;
    expect(Object.hasOwn(varied, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => applyVary(DOC, "__proto__.polluted", 1)).toThrow(ScenarioError);
    expect(() => applyVary(DOC, "constructor.prototype.polluted", 1)).toThrow(ScenarioError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(message(() => parseScenario(varied))).toContain("__proto__: expected one of the fields");
  });
});
