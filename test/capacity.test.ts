/**
 * Capacity search (`agentsim capacity`, src/experiment/capacity.ts): the bisection and its
 * decisions against a model whose answer is known exactly, the intervals against a hand
 * computation, and the whole command against queueing theory: M/M/1's mean wait (Wq =
 * lambda / (mu (mu - lambda))) and M/M/c's by Erlang C, computed here independently.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { CapacityResult, CapacitySlo, PolicyResults } from "../src/experiment/index.ts";
import { estimateSlo, parseSlo, searchCapacity } from "../src/experiment/index.ts";
import { runInProcess } from "./support/cli.ts";
import { queueDoc } from "./support/scenarios.ts";

const dir = mkdtempSync(join(tmpdir(), "agentsim-capacity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Results whose `wait.mean` is `value` (all a search reads from them). */
function resultWith(value: number): PolicyResults {
  return { summary: { wait: { mean: value } }, tenants: {}, jobs: {} } as unknown as PolicyResults;
}

/**
 * A model with a known threshold: replication r at x gives f(x) + noise(r), the noise a fixed
 * sequence of mean zero and spread `spread`.
 */
function model(f: (x: number) => number, spread: number) {
  return async (shown: string, from: number, to: number) => {
    const x = Number.parseFloat(shown);
    return Array.from({ length: to - from }, (_, i) => {
      const r = from + i;
      return resultWith(f(x) + spread * Math.sin(1 + r * 2.399));
    });
  };
}

const sloBelow = (value: number): CapacitySlo => ({
  metric: "wait.mean",
  op: "<=",
  value,
  text: `wait.mean<=${value}`,
});

describe("the capacity search", () => {
  it("finds the largest value meeting an increasing metric's SLO to within the resolution, with a third of a grid's cells at most", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.5, max: 9.5, noNaN: true }),
        fc.constantFrom(0.01, 0.05, 0.1),
        async (threshold, resolution) => {
          // f(x) = x, SLO f <= threshold: the true answer is the threshold.
          const result = await searchCapacity({
            path: "x",
            lo: 0,
            hi: 10,
            unit: "",
            integer: false,
            resolution,
            slos: [sloBelow(threshold)],
            policy: "p",
            confidence: 0.95,
            replications: 4,
            maxReplications: 16,
            run: model((x) => x, 0.01),
          });
          expect(result.direction).toBe("largest");
          expect(result.answer).not.toBeNull();
          // Conservative: at or below the truth, and no further than the resolution plus the
          // width the noise leaves undecided (a few hundredths here).
          expect(result.answer!).toBeLessThanOrEqual(threshold + 1e-9);
          expect(threshold - result.answer!).toBeLessThanOrEqual(resolution + 0.05);
          expect(result.cells).toBeLessThanOrEqual(result.gridCells / 3);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("finds the smallest value when the SLO holds only above it (slots), and says when an end still meets it", async () => {
    const base = {
      path: "slots",
      unit: "",
      integer: true,
      resolution: 1,
      policy: "p",
      confidence: 0.95,
      replications: 3,
      maxReplications: 12,
    };
    // Wait falls with slots: 100 / slots <= 4.1 holds from 25 slots up (100 / 24 = 4.17).
    const smallest = await searchCapacity({
      ...base,
      lo: 1,
      hi: 64,
      slos: [sloBelow(4.1)],
      run: model((x) => 100 / x, 0.001),
    });
    expect(smallest.direction).toBe("smallest");
    expect(smallest.answer).toBe(25);
    expect(smallest.atEnd).toBeNull();
    const top = await searchCapacity({
      ...base,
      lo: 1,
      hi: 10,
      slos: [sloBelow(100)],
      run: model((x) => x, 0.001),
    });
    expect([top.answer, top.atEnd, top.probes.length]).toEqual([10, "top", 2]);
    const none = await searchCapacity({
      ...base,
      lo: 1,
      hi: 10,
      slos: [sloBelow(0.5)],
      run: model((x) => x, 0.001),
    });
    expect([none.answer, none.direction]).toEqual([null, null]);
  });

  it("adds replications while an interval straddles the bound, and counts a probe still undecided as missing", async () => {
    const seen: number[] = [];
    const result: CapacityResult = await searchCapacity({
      path: "x",
      lo: 0,
      hi: 10,
      unit: "",
      integer: false,
      resolution: 0.5,
      slos: [sloBelow(5)],
      policy: "p",
      confidence: 0.95,
      replications: 2,
      maxReplications: 8,
      // Much noise: probes near 5 cannot be decided with 8 replications.
      run: async (shown, from, to) => {
        seen.push(to - from);
        return model((x) => x, 3)(shown, from, to);
      },
    });
    const undecided = result.probes.filter((p) => !p.decided);
    expect(undecided.length).toBeGreaterThan(0);
    for (const p of undecided) {
      expect(p.meets).toBe(false);
      expect(p.replications).toBe(8);
    }
    // Replications grow 2 -> 4 -> 8: the later batches only add the new replications.
    expect(seen).toContain(2);
    expect(Math.max(...seen)).toBeLessThanOrEqual(4);
  });
});

describe("a probe's interval", () => {
  it("is the Student t interval of the replications' values", () => {
    // Values 1, 2, 3: mean 2, s = 1, t(0.975, 2) = 4.302653 (tables), half = 4.302653 / sqrt 3.
    const estimate = estimateSlo(sloBelow(10), [1, 2, 3].map(resultWith), 0.95);
    expect(estimate.estimate).toBe(2);
    expect(estimate.interval[0]).toBeCloseTo(2 - 4.302653 / Math.sqrt(3), 5);
    expect(estimate.interval[1]).toBeCloseTo(2 + 4.302653 / Math.sqrt(3), 5);
    expect(estimate.meets).toBe(true);
    expect(estimateSlo(sloBelow(2), [1, 2, 3].map(resultWith), 0.95).meets).toBeNull();
    expect(estimateSlo(sloBelow(-5), [1, 2, 3].map(resultWith), 0.95).meets).toBe(false);
    // At least: met when the lower end (2 - 2.484 = -0.484) is above the bound.
    const atLeast = (value: number) => ({ ...sloBelow(value), op: ">=" as const });
    expect(estimateSlo(atLeast(-1), [1, 2, 3].map(resultWith), 0.95).meets).toBe(true);
    expect(estimateSlo(atLeast(0), [1, 2, 3].map(resultWith), 0.95).meets).toBeNull();
    expect(estimateSlo(atLeast(5), [1, 2, 3].map(resultWith), 0.95).meets).toBe(false);
  });

  it("reads SLO bounds with units", () => {
    expect(parseSlo("runLatency.p95<=60s")).toMatchObject({
      metric: "runLatency.p95",
      op: "<=",
      value: 60,
    });
    expect(parseSlo("wait.p99 <= 500ms").value).toBeCloseTo(0.5, 12);
    expect(parseSlo("sloAttainment>=95%").value).toBeCloseTo(0.95, 12);
    expect(parseSlo("sloAttainment>=0.9")).toMatchObject({ op: ">=", value: 0.9 });
    for (const bad of ["wait.mean<4s", "wait.mean<=", "<=4s", "wait.mean<=fast"]) {
      expect(() => parseSlo(bad), bad).toThrow(/--slo/);
    }
  });
});

// -- The command against queueing theory -------------------------------------------------------

/** A single-tenant queue: `slots` servers, exponential service of mean 1 s, Poisson arrivals. */
function queueScenario(name: string, slots: number, horizonS: number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(queueDoc({ name, slots, horizonS })));
  return file;
}

/** Erlang C: the mean wait in queue of M/M/c with arrival rate `lambda` and service rate 1. */
function erlangCWait(c: number, lambda: number): number {
  const a = lambda; // offered load in erlangs (mu = 1)
  let sum = 0;
  let term = 1;
  for (let k = 0; k < c; k++) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const last = (term * a) / c; // a^c / c!
  const rho = a / c;
  const pWait = last / (1 - rho) / (sum + last / (1 - rho));
  return pWait / (c - a);
}

/** The arrival rate at which `erlangCWait` reaches `wait`, by bisection. */
function erlangCRate(c: number, wait: number): number {
  let lo = 0.001;
  let hi = c - 1e-9;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (erlangCWait(c, mid) <= wait) lo = mid;
    else hi = mid;
  }
  return lo;
}

async function capacityJson(args: string[]) {
  const ran = await runInProcess([
    "capacity",
    ...args,
    "--json",
    "--out",
    join(dir, `out-${args.length}-${Math.random()}`),
  ]);
  return {
    ...ran,
    results: ran.code <= 1 && ran.stdout !== "" ? JSON.parse(ran.stdout) : undefined,
  };
}

describe("agentsim capacity against queueing theory", () => {
  it("M/M/1 with mean service 1 s and wait.mean<=4s: an arrival rate of 0.8/s to within the resolution", async () => {
    // Wq = lambda / (1 - lambda) <= 4  <=>  lambda <= 0.8.
    const theory = 4 / 5;
    const file = queueScenario("mm1", 1, 20000);
    const ran = await capacityJson([
      file,
      "--vary",
      "jobs.customer.arrivals.rate=0.3/s..0.95/s",
      "--slo",
      "wait.mean<=4s",
      "--resolution",
      "0.02",
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const capacity = ran.results.capacity as CapacityResult;
    expect(capacity.direction).toBe("largest");
    expect(Math.abs(capacity.answer! - theory)).toBeLessThanOrEqual(0.02);
  }, 120_000);

  it("M/M/3 and wait.mean<=0.5s: the rate Erlang C gives, to within the resolution", async () => {
    const theory = erlangCRate(3, 0.5);
    expect(erlangCWait(3, theory)).toBeCloseTo(0.5, 6);
    const file = queueScenario("mm3", 3, 16000);
    const ran = await capacityJson([
      file,
      "--vary",
      "jobs.customer.arrivals.rate=0.5/s..2.9/s",
      "--slo",
      "wait.mean<=0.5s",
      "--resolution",
      "0.05",
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const capacity = ran.results.capacity as CapacityResult;
    expect(Math.abs(capacity.answer! - theory)).toBeLessThanOrEqual(0.05);
  }, 120_000);
});

describe("agentsim capacity on bad input", () => {
  const file = () => queueScenario("small", 2, 600);

  it("exit 2 naming the flag: a path that does not exist, a range of the wrong unit, an unknown metric, no SLO", async () => {
    const cases: [string[], RegExp][] = [
      [["--vary", "jobs.nobody.arrivals.rate=0.1/s..1/s", "--slo", "wait.mean<=4s"], /--vary/],
      [["--vary", "jobs.customer.arrivals.rate=1s..5s", "--slo", "wait.mean<=4s"], /rate/],
      [["--vary", "jobs.customer.arrivals.rate=0.1/s..1/s:4", "--slo", "wait.mean<=4s"], /--vary/],
      [
        ["--vary", "jobs.customer.arrivals.rate=0.1/s..1/s", "--slo", "wait.meen<=4s"],
        /wait\.mean/,
      ],
      [["--vary", "jobs.customer.arrivals.rate=0.1/s..1/s"], /--slo/],
      [
        [
          "--vary",
          "jobs.customer.arrivals.rate=0.1/s..1/s",
          "--slo",
          "wait.mean<=4s",
          "--confidence",
          "2",
        ],
        /--confidence/,
      ],
    ];
    for (const [args, names] of cases) {
      const ran = await runInProcess(["capacity", file(), ...args, "--out", join(dir, "bad")]);
      expect(ran.code, `${args.join(" ")}\n${ran.stderr}`).toBe(2);
      expect(ran.stderr).toMatch(names);
      expect(ran.stderr).not.toMatch(/^\s+at /m);
    }
  }, 60_000);

  it("exit 1 when no value of the range meets the SLO, saying so", async () => {
    const ran = await runInProcess([
      "capacity",
      file(),
      "--vary",
      "jobs.customer.arrivals.rate=0.5/s..1.5/s",
      "--slo",
      "wait.mean<=0.001s",
      "--out",
      join(dir, "none"),
    ]);
    expect(ran.code, ran.stderr).toBe(1);
    expect(ran.stdout).toMatch(
      /No value of jobs\.customer\.arrivals\.rate in 0\.5\/s\.\.1\.5\/s meets every SLO/,
    );
    const results = JSON.parse(readFileSync(join(dir, "none", "results.json"), "utf8"));
    expect(results.capacity.answer).toBeNull();
  }, 60_000);
});
