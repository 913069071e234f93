import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScenarioError } from "../src/input/errors.ts";
import { type DistUnit, parseDistribution, Z99 } from "../src/input/parse-dist.ts";
import {
  formatDuration,
  parseCount,
  parseDuration,
  parseNumber,
  parseProbability,
  parseRate,
  parseTokens,
} from "../src/input/units.ts";
import type { DistSpec } from "../src/sim/dist.ts";

/** The messages of a ScenarioError thrown by `run`, one per problem. */
function messages(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).report().split("\n");
  }
  throw new Error("expected a ScenarioError");
}

describe("parseDuration", () => {
  it("reads every unit and bare numbers as seconds", () => {
    // Shows each accepted form and its value in seconds.
    expect(parseDuration("300ms", "x")).toBe(0.3);
    expect(parseDuration("2s", "x")).toBe(2);
    expect(parseDuration("1.5s", "x")).toBe(1.5);
    expect(parseDuration("5m", "x")).toBe(300);
    expect(parseDuration("1h", "x")).toBe(3600);
    expect(parseDuration("2 min", "x")).toBe(120);
    expect(parseDuration(" 10 ", "x")).toBe(10);
    expect(parseDuration(0, "x")).toBe(0);
    expect(parseDuration(2.5, "x")).toBe(2.5);
    expect(parseDuration(".5s", "x")).toBe(0.5);
  });

  it("refuses negative, NaN, infinite and malformed values with the path", () => {
    // Shows that each bad value names the field and what was expected.
    for (const bad of [
      "-1s",
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "abc",
      "5 parsecs",
      "1e999s",
      "",
      true,
      null,
      undefined,
      [],
      {},
    ]) {
      const [message] = messages(() => parseDuration(bad, "endpoints[0].failures.timeout"));
      expect(message).toMatch(
        /^endpoints\[0\]\.failures\.timeout: expected a non-negative duration such as "300ms"/,
      );
    }
    expect(messages(() => parseDuration(0, "horizon", { positive: true }))[0]).toBe(
      'horizon: expected a positive duration such as "300ms" or "2s", got 0',
    );
  });

  it("reads back what formatDuration writes, within rounding", () => {
    // Shows that formatted durations parse to about the same number of seconds.
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1e6, noNaN: true }), (seconds) => {
        const back = parseDuration(formatDuration(seconds), "x");
        expect(Math.abs(back - seconds) / seconds).toBeLessThan(1e-5);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws anything but a ScenarioError, whatever it is given", () => {
    // Shows that arbitrary input is either a duration or a ScenarioError.
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.anything()), (raw) => {
        try {
          expect(parseDuration(raw, "x")).toBeGreaterThanOrEqual(0);
        } catch (error) {
          expect(error).toBeInstanceOf(ScenarioError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("parseRate", () => {
  it("reads per-second, per-minute and per-hour rates", () => {
    // Shows each rate form converted to events per second.
    expect(parseRate("2/s", "x")).toBe(2);
    expect(parseRate("120/m", "x")).toBe(2);
    expect(parseRate("3/h", "x")).toBeCloseTo(3 / 3600, 15);
    expect(parseRate("0.3/s", "x")).toBe(0.3);
    expect(parseRate(0.5, "x")).toBe(0.5);
    expect(parseRate("4", "x")).toBe(4);
    expect(parseRate("6 / min", "x")).toBe(0.1);
  });

  it("refuses zero, negative and malformed rates in DESIGN.md's words", () => {
    // Shows the message DESIGN.md gives as its example.
    expect(messages(() => parseRate("-1", "jobs[1].arrivals.rate"))).toEqual([
      'jobs[1].arrivals.rate: expected a positive rate such as "2/s", got "-1"',
    ]);
    for (const bad of [
      0,
      "0/s",
      "2/d",
      "fast",
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "2/s/s",
      null,
    ]) {
      expect(() => parseRate(bad, "r")).toThrow(ScenarioError);
    }
  });
});

describe("counts, tokens, probabilities, numbers", () => {
  it("reads counts as non-negative integers", () => {
    // Shows counts accept integers (and digit strings) and refuse the rest.
    expect(parseCount(0, "x")).toBe(0);
    expect(parseCount("12", "x")).toBe(12);
    expect(messages(() => parseCount(0, "endpoints[0].slots", { positive: true }))).toEqual([
      "endpoints[0].slots: expected a positive integer, got 0",
    ]);
    for (const bad of [-1, 1.5, "1.5", "x", Number.NaN, true])
      expect(() => parseCount(bad, "x")).toThrow(ScenarioError);
  });

  it('reads tokens with "k" and "M" suffixes as exact integers', () => {
    // Shows the suffixes documented in units.ts and that 1.1k is exactly 1100.
    expect(parseTokens(1200, "x")).toBe(1200);
    expect(parseTokens("8k", "x")).toBe(8000);
    expect(parseTokens("1.1k", "x")).toBe(1100);
    expect(parseTokens("1.5K", "x")).toBe(1500);
    expect(parseTokens("2M", "x")).toBe(2_000_000);
    for (const bad of ["1.0001k", -5, 2.5, "8kk", "8 tokens", Number.NaN]) {
      expect(() => parseTokens(bad, "x")).toThrow(ScenarioError);
    }
    expect(() => parseTokens(0, "x", { positive: true })).toThrow(
      /positive whole number of tokens/,
    );
  });

  it("reads probabilities as fractions or percentages", () => {
    // Shows the two probability forms and the bounds.
    expect(parseProbability(0.01, "x")).toBe(0.01);
    expect(parseProbability("2%", "x")).toBe(0.02);
    expect(parseProbability("1", "x")).toBe(1);
    for (const bad of [1.01, -0.1, "150%", "often", Number.NaN])
      expect(() => parseProbability(bad, "x")).toThrow(ScenarioError);
  });

  it("reads bounded numbers and says the bounds", () => {
    // Shows bound phrases in messages.
    expect(parseNumber(0.5, "x", { min: 0, max: 1 })).toBe(0.5);
    expect(messages(() => parseNumber(2, "checks.minJain", { min: 0, max: 1 }))).toEqual([
      "checks.minJain: expected a number between 0 and 1, got 2",
    ]);
    expect(messages(() => parseNumber(0, "w", { min: 0, exclusiveMin: true }))).toEqual([
      "w: expected a positive number, got 0",
    ]);
  });
});

describe("parseDistribution", () => {
  const at = "endpoints[0].latency.ttft";
  const parse = (raw: unknown, unit: DistUnit = "duration") => parseDistribution(raw, at, unit);

  it("reads constants as numbers or unit strings", () => {
    // Shows a bare constant in each unit.
    expect(parse("15ms")).toEqual({ dist: "constant", value: 0.015 });
    expect(parse(2)).toEqual({ dist: "constant", value: 2 });
    expect(parse("8k", "tokens")).toEqual({ dist: "constant", value: 8000 });
    expect(parse({ dist: "constant", value: "1s" })).toEqual({ dist: "constant", value: 1 });
    expect(parse(0.6, "probability")).toEqual({ dist: "constant", value: 0.6 });
  });

  it("reads every distribution form, with units and aliases", () => {
    // Shows each documented form and its normalized DistSpec.
    const cases: [unknown, DistUnit, DistSpec][] = [
      [{ dist: "uniform", min: 2, max: 5 }, "number", { dist: "uniform", min: 2, max: 5 }],
      [
        { dist: "uniform", min: "100ms", max: "1s" },
        "duration",
        { dist: "uniform", min: 0.1, max: 1 },
      ],
      [{ dist: "exponential", mean: "250ms" }, "duration", { dist: "exponential", mean: 0.25 }],
      [{ dist: "exponential", rate: "4/s" }, "duration", { dist: "exponential", mean: 0.25 }],
      [{ dist: "exponential", rate: 0.01 }, "tokens", { dist: "exponential", mean: 100 }],
      [
        { dist: "normal", mean: "1s", sd: "100ms" },
        "duration",
        { dist: "normal", mean: 1, sd: 0.1, min: 0 },
      ],
      [{ dist: "normal", mean: 1, stddev: 2 }, "number", { dist: "normal", mean: 1, sd: 2 }],
      [
        { dist: "normal", mean: 0.5, sd: 0.1 },
        "probability",
        { dist: "normal", mean: 0.5, sd: 0.1, min: 0, max: 1 },
      ],
      [
        { dist: "normal", mean: 100, sd: 10, min: 50, max: 150 },
        "tokens",
        { dist: "normal", mean: 100, sd: 10, min: 50, max: 150 },
      ],
      [
        { dist: "lognormal", mu: 1, sigma: 0.5 },
        "number",
        { dist: "lognormal", mu: 1, sigma: 0.5 },
      ],
      [
        { dist: "pareto", scale: 1, shape: 1.5 },
        "number",
        { dist: "pareto", scale: 1, shape: 1.5 },
      ],
      [{ dist: "pareto", xm: "2k", alpha: 2 }, "tokens", { dist: "pareto", scale: 2000, shape: 2 }],
      [{ dist: "pareto", min: "1s", shape: 3 }, "duration", { dist: "pareto", scale: 1, shape: 3 }],
      [{ dist: "bernoulli", p: 0.3 }, "number", { dist: "bernoulli", p: 0.3 }],
      [{ dist: "bernoulli", p: "30%" }, "probability", { dist: "bernoulli", p: 0.3 }],
      [
        { dist: "empirical", values: [1, "2k", 3] },
        "tokens",
        { dist: "empirical", values: [1, 2000, 3] },
      ],
      [{ dist: "empirical", values: ["1s", 2] }, "duration", { dist: "empirical", values: [1, 2] }],
    ];
    for (const [raw, unit, spec] of cases) expect(parseDistribution(raw, at, unit)).toEqual(spec);
  });

  it("converts lognormal {median, p99} into mu and sigma", () => {
    // Shows mu = ln(median) and sigma = (ln(p99) - mu) / z99 for DESIGN.md's ttft.
    const spec = parse({ dist: "lognormal", median: "300ms", p99: "2s" });
    expect(spec.dist).toBe("lognormal");
    if (spec.dist !== "lognormal") return;
    expect(spec.mu).toBeCloseTo(Math.log(0.3), 12);
    expect(spec.sigma).toBeCloseTo((Math.log(2) - Math.log(0.3)) / 2.3263478740408408, 12);
    expect(Math.exp(spec.mu + Z99 * spec.sigma)).toBeCloseTo(2, 10);
  });

  it("names the field and the limit of every error", () => {
    // Shows one message per mistake, each naming its field path.
    expect(messages(() => parse({ dist: "lognormal", median: "300ms", p99: "100ms" }))).toEqual([
      `${at}.p99: expected a duration greater than median (300ms), got "100ms"`,
    ]);
    const table: [unknown, DistUnit, RegExp][] = [
      [
        { dist: "gamma" },
        "duration",
        /\.dist: expected one of constant, uniform, exponential, normal, lognormal, pareto, bernoulli, empirical, got "gamma"/,
      ],
      [{ mean: 1 }, "duration", /\.dist: expected one of constant.*got nothing/],
      [
        { dist: "uniform", min: 5, max: 2 },
        "number",
        /\.max: expected a number not less than min \(5\), got 2/,
      ],
      [
        { dist: "uniform", min: 1 },
        "number",
        /\.max: expected a number \(a uniform distribution needs max\), got nothing/,
      ],
      [
        { dist: "exponential" },
        "duration",
        /\.mean: expected either mean or rate \(not both\), got nothing/,
      ],
      [
        { dist: "exponential", mean: 1, rate: 1 },
        "duration",
        /\.rate: expected either mean or rate/,
      ],
      [{ dist: "exponential", mean: 0 }, "duration", /\.mean: expected a positive duration, got 0/],
      [
        { dist: "exponential", rate: "-2/s" },
        "duration",
        /\.rate: expected a positive rate such as "2\/s", got "-2\/s"/,
      ],
      [
        { dist: "normal", mean: 1, sd: -1 },
        "number",
        /\.sd: expected a non-negative spread, got -1/,
      ],
      [
        { dist: "normal", mean: 1, sd: 1, stddev: 1 },
        "number",
        /\.stddev: expected only one of sd and stddev/,
      ],
      [
        { dist: "normal", mean: 1, sd: 1, min: 3, max: 2 },
        "number",
        /\.max: expected a number not less than min \(3\)/,
      ],
      [
        { dist: "lognormal" },
        "tokens",
        /\.median: expected median and p99 \(or mu and sigma\), got nothing/,
      ],
      [
        { dist: "lognormal", mu: 1, median: 3 },
        "number",
        /\.median: expected either \{mu, sigma\} or \{median, p99\}/,
      ],
      [
        { dist: "lognormal", median: 0, p99: 5 },
        "tokens",
        /\.median: expected a positive number of tokens, got 0/,
      ],
      [
        { dist: "lognormal", mu: 1, sigma: -1 },
        "number",
        /\.sigma: expected a number >= 0, got -1/,
      ],
      [
        { dist: "pareto", scale: 1, shape: 0 },
        "number",
        /\.shape: expected a positive number, got 0/,
      ],
      [{ dist: "bernoulli", p: 1.5 }, "number", /\.p: expected a probability between 0 and 1/],
      [
        { dist: "empirical", values: [] },
        "number",
        /\.values: expected a non-empty list of a number values, got \[\]/,
      ],
      [
        { dist: "empirical", values: [1, "x"] },
        "number",
        /\.values\[1\]: expected a finite number, got "x"/,
      ],
      [
        { dist: "exponential", mean: 0.5 },
        "probability",
        /\.dist: expected a distribution bounded in \[0, 1\]/,
      ],
      [
        { dist: "uniform", min: 1, max: 2, mxa: 3 },
        "number",
        /\.mxa: expected one of the fields dist, min, max \(did you mean "max"\?\), got unknown field "mxa"/,
      ],
      [
        "abc",
        "duration",
        /^endpoints\[0\]\.latency\.ttft: expected a non-negative duration such as "300ms", or a distribution such as \{dist: exponential, mean: 250ms\}, got "abc"$/,
      ],
      [[1, 2], "number", /ttft: expected a finite number, or a distribution/],
      [null, "tokens", /ttft: expected a non-negative number of tokens.*got null/],
      [-3, "duration", /ttft: expected a non-negative duration/],
    ];
    for (const [raw, unit, pattern] of table) {
      const all = messages(() => parseDistribution(raw, at, unit));
      expect(
        all.some((message) => pattern.test(message)),
        `${JSON.stringify(raw)} -> ${all.join(" | ")}`,
      ).toBe(true);
    }
  });

  it("reports every problem of one distribution at once", () => {
    // Shows that three mistakes in one object give three messages.
    const all = messages(() => parse({ dist: "uniform", min: "-1s", max: "soon", extra: 1 }));
    expect(all).toHaveLength(3);
    expect(all.map((m) => m.split(":")[0])).toEqual([`${at}.extra`, `${at}.min`, `${at}.max`]);
  });

  it("gives a DistSpec or a ScenarioError for any object with a dist name", () => {
    // Shows that fuzzed distribution objects never escape as another exception.
    const field = fc.oneof(
      fc.double(),
      fc.string(),
      fc.constantFrom("1s", "2k", "50%", "-1"),
      fc.anything(),
    );
    const raw = fc.record(
      {
        dist: fc.constantFrom(
          "constant",
          "uniform",
          "exponential",
          "normal",
          "lognormal",
          "pareto",
          "bernoulli",
          "empirical",
          "nope",
        ),
        value: field,
        min: field,
        max: field,
        mean: field,
        rate: field,
        sd: field,
        mu: field,
        sigma: field,
        median: field,
        p99: field,
        scale: field,
        shape: field,
        p: field,
        values: fc.oneof(fc.array(field), field),
      },
      { requiredKeys: ["dist"] },
    );
    fc.assert(
      fc.property(
        raw,
        fc.constantFrom<DistUnit>("duration", "tokens", "number", "probability"),
        (r, unit) => {
          try {
            const spec = parseDistribution(r, "d", unit);
            expect(
              Object.values(spec)
                .flat()
                .every((v) => typeof v === "string" || Number.isFinite(v)),
            ).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(ScenarioError);
            expect((error as ScenarioError).path.startsWith("d")).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
