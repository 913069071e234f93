/**
 * The cost estimate (src/experiment/cost.ts) against figures computed by hand from its
 * formulas on two scenarios, the budget it is held to (budget.ts) with the field it names and
 * the way forward it gives, and the bundled scenarios: every one fits a modest budget, and its
 * estimate takes well under 50 ms.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkBudget, estimateExperiment, planCost, workOf } from "../src/experiment/budget.ts";
import { estimateCell } from "../src/experiment/cost.ts";
import { declaredSweepPlan, planExperiment } from "../src/experiment/plan.ts";
import { BudgetError } from "../src/input/errors.ts";
import { parseScenario, readScenarioDocument } from "../src/scenario/index.ts";
import { saturatedDayDoc } from "./support/scenarios.ts";

const ROOT = resolve(import.meta.dirname, "..");
const GiB = 2 ** 30;

/** The saturated day, parsed. */
function day(edit: (doc: Record<string, any>) => void = () => {}) {
  return parseScenario(saturatedDayDoc(edit), "day.yaml");
}

/**
 * Two pools of slots. Endpoint a (4 slots, token latency with prefill, load slowdown and
 * jitter) serves an open job with tool calls, a token hog and runaways, and a closed loop; b
 * (10 slots) serves a batch job; a trace job replays 10 minutes at twice the speed.
 */
function mixed() {
  const governance = { owner: "o", authorizedBy: "a" };
  return parseScenario(
    {
      horizon: "1h",
      endpoints: [
        {
          name: "a",
          slots: 4,
          latency: {
            ttft: "500ms",
            perOutputToken: "10ms",
            perPromptToken: "1ms",
            loadSlowdown: 0.5,
            jitter: { dist: "uniform", min: 0.9, max: 1.3 },
          },
        },
        { name: "b", slots: 10, latency: { dist: "exponential", mean: "3s" } },
      ],
      tools: [{ name: "search", latency: { dist: "exponential", mean: "200ms" } }],
      runtime: { admission: { maxWaitingTurns: 500 } },
      tenants: [{ name: "t" }, { name: "u" }],
      jobs: [
        {
          name: "chat",
          tenant: "t",
          governance: { ...governance, tools: ["search"] },
          endpoints: ["a"],
          arrivals: { process: "poisson", rate: "2/s" },
          turns: {
            count: { dist: "uniform", min: 1, max: 5 },
            promptTokens: 100,
            outputTokens: 50,
            toolCalls: { tool: "search", probability: 0.5 },
          },
          behaviour: {
            fraction: 0.1,
            tokenHog: { outputMultiplier: 11 },
            runaway: { maxTurns: 23 },
          },
        },
        {
          name: "agents",
          tenant: "u",
          governance,
          endpoints: ["a"],
          arrivals: { process: "closed", users: 3, think: "10s" },
          turns: { count: 2, promptTokens: 100, outputTokens: 50 },
        },
        {
          name: "batch",
          tenant: "u",
          governance,
          endpoints: ["b"],
          arrivals: { process: "constant", rate: "0.5/s" },
          turns: { count: 4, promptTokens: 100, outputTokens: 50 },
        },
        {
          name: "replay",
          tenant: "u",
          governance,
          endpoints: ["b"],
          arrivals: {
            process: "trace",
            file: join(ROOT, "test/fixtures/azure-small.csv"),
            speedup: 2,
            window: { for: "10m" },
          },
        },
      ],
    },
    "mixed.yaml",
  );
}

describe("the cost estimate of a cell, against a hand computation", () => {
  it("a saturated day: runs, calls, runs in flight at the peak", () => {
    // By hand: λ = 100/s, T = 3 turns, s = 2 s, C = 8 slots, H = drain = 86,400 s.
    // Runs 100 x 86,400 = 8,640,000. Work W = 100 x 3 x 2 = 600 slot-s/s > 8: completions
    // C λ / W = 8 x 100 / 600 = 1.3333/s, growth 98.6667/s, 8,524,800 waiting at H, plus
    // λ R = 100 x 6 = 600 in service: 8,525,400. Calls: offered 300 x 86,400 = 25,920,000,
    // served C A / W (H + drain) = 8 x 300 / 600 x 172,800 = 691,200. Result: 32,768 +
    // 2,560 x 2 + 230 x 1,000 = 267,888 bytes.
    const cost = estimateCell(day());
    expect(cost.runs).toBeCloseTo(8_640_000, 6);
    expect(cost.peakRunsInFlight).toBeCloseTo(8_525_400, 3);
    expect(cost.calls).toBeCloseTo(691_200, 6);
    expect(cost.resultBytes).toBe(267_888);
    expect(cost.busiestJob).toBe(0);
    expect(cost.saturated).toMatchObject({ job: 0, endpoints: [0], slots: 8, arrivalsPerS: 100 });
    expect(cost.saturated!.completionsPerS).toBeCloseTo(4 / 3, 9);
    expect(cost.saturated!.growthPerS).toBeCloseTo(100 - 4 / 3, 9);
  });

  it("the day with admission control: the queue stops at maxWaitingTurns", () => {
    // By hand: 600 in service plus at most 1,000 waiting.
    const cost = estimateCell(day((d) => (d.runtime = { admission: { maxWaitingTurns: 1000 } })));
    expect(cost.peakRunsInFlight).toBeCloseTo(1600, 6);
  });

  it("two pools, a closed loop, tools, a hog, runaways and a trace", () => {
    // By hand, job chat: T = 0.9 x 3 + 0.1 x 23 = 5 turns; output 50 x (0.9 + 0.1 x 11) = 100;
    // s = (0.5 + 0.001 x 100 + 100 x 0.01 x 1.5) x 1.1 = 2.31 s; w = 11.55 slot-s; R = 5 x
    // (2.31 + 0.5 x 0.2) = 12.05 s. Closed loop agents: s = (0.5 + 0.1 + 50 x 0.015) x 1.1 =
    // 1.485 s, w = 2.97, cycle 10 + 2.97 = 12.97 s, 3 / 12.97 = 0.231303 runs/s, work 0.686970.
    // Pool a: 4 slots, 3.313030 left; open work 2 x 11.55 = 23.1 > 3.313030: completions
    // 3.313030 x 2 / 23.1 = 0.286842/s, growth 1.713158/s, 6,167 waiting at H capped at 500.
    // Pool b: batch 0.5 x 4 x 3 = 6 slot-s/s < 10 slots. Peak: 2 x 12.05 + 3 + 500 + 0.5 x 12
    // = 533.1. Runs: (2 + 0.231303) x 3,600 + 1,800 + the trace's 600 s / 2 = 300:
    // 10,132.69. Calls: pool a min(10.462606 x 3,600, 4 x 10.462606 x 7,200 / 23.786970) =
    // 12,667.57, pool b 0.5 x 4 x 3,600 = 7,200, the trace 300: 20,167.57. Result: 32,768 +
    // 2,560 x 6 + 230 x 1,000 = 278,128 bytes.
    const cost = estimateCell(mixed());
    expect(cost.peakRunsInFlight).toBeCloseTo(533.1, 6);
    expect(cost.runs).toBeCloseTo(10_132.69, 2);
    expect(cost.calls).toBeCloseTo(20_167.57, 2);
    expect(cost.resultBytes).toBe(278_128);
    expect(cost.busiestJob).toBe(0);
    const s = cost.saturated!;
    expect(s).toMatchObject({ job: 0, endpoints: [0], slots: 4, arrivalsPerS: 2 });
    expect(s.slotsLeft).toBeCloseTo(3.31303, 5);
    expect(s.completionsPerS).toBeCloseTo(0.286842, 5);
    expect(s.growthPerS).toBeCloseTo(1.713158, 5);
  });

  it("an experiment: parallel cells at the peak point plus every result", () => {
    // By hand: 2 cells at a time x 8,525,400 runs x 1,024 bytes + 15 x 267,888 bytes.
    const cost = estimateExperiment([{ scenario: day(), cells: 15 }], 2);
    expect(cost).toMatchObject({ cells: 15, parallel: 2 });
    expect(cost.peakBytes).toBeCloseTo(2 * 8_525_400 * 1024 + 15 * 267_888, -2);
    expect(estimateExperiment([{ scenario: day(), cells: 1 }], 8).parallel).toBe(1);
  });
});

describe("the budget", () => {
  const message = (run: () => void): string => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(BudgetError);
      return (error as BudgetError).report();
    }
    throw new Error("expected a BudgetError");
  };

  it("refuses a growing queue, naming the rate and what fits", () => {
    // Shows the file, the field, the estimate and the ways forward: 3 GiB over 2 cells is
    // 1.5 GiB a cell, 1,572,864 runs of 1 KiB, less 600 in service, at 98.67 more a second:
    // 15,935 s (4.4h) of horizon; 90% of the room, 1,415,036, rounded down to 1,400,000.
    const cost = estimateExperiment([{ scenario: day(), cells: 15 }], 2);
    const text = message(() =>
      checkBudget(cost, { maxMemoryBytes: 3 * GiB, maxCalls: 1e9 }, "day.yaml"),
    );
    expect(text.split("\n")[0]).toBe(
      "day.yaml: jobs[0].arrivals.rate: expected an experiment within the memory budget of 3 GiB (--max-memory), got an estimated 16.3 GiB at the peak",
    );
    expect(text).toContain("grow by 98.7/s for the 24h horizon");
    expect(text).toContain("shorten the horizon (about 4.4h fits)");
    expect(text).toContain("runtime.admission.maxWaitingTurns (e.g. 1400000)");
    expect(text).toContain("--max-memory 18G");
    expect(text).toContain("--force");
    // A budget the estimate fits passes: 15 x 691,200 calls and 16.3 GiB.
    checkBudget(cost, { maxMemoryBytes: 17 * GiB, maxCalls: 1e9 }, "day.yaml");
  });

  it("refuses too much work, and results that do not fit", () => {
    // Shows 15 x 691,200 = 10,368,000 calls and 15 x 8,640,000 arriving runs (each counted as a
    // call) over a budget of a million; 30,000 cells of a minute, whose 2.8 million calls fit 10
    // million but whose set-up (3,000 calls a cell) does not; then a noisy-neighbor of 10,000
    // replications x 3 policies whose results alone (272 KiB a cell) exceed 1 GiB.
    const cost = estimateExperiment([{ scenario: day(), cells: 15 }], 2);
    expect(workOf(cost)).toBe(10_368_000 + 15 * 8_640_000 + 15 * 3000);
    const calls = message(() =>
      checkBudget(cost, { maxMemoryBytes: 64 * GiB, maxCalls: 1e6 }, "day.yaml"),
    );
    expect(calls.split("\n")[0]).toBe(
      "day.yaml: jobs[0].arrivals.rate: expected an experiment of at most 1 million model calls (--max-calls), got an estimated 140 million",
    );
    expect(calls).toContain("a run's arrival as one call more, and a cell's set-up as 3,000");
    expect(calls).toContain("--shard i/n");
    const minute = parseScenario(
      {
        ...parse(readFileSync(join(ROOT, "scenarios/noisy-neighbor.yaml"), "utf8")),
        horizon: "1m",
        warmup: "10s",
      },
      "minute.yaml",
    );
    const small = estimateExperiment([{ scenario: minute, cells: 30_000 }], 2);
    expect(small.calls).toBeLessThan(1e7);
    expect(
      message(() => checkBudget(small, { maxMemoryBytes: 64 * GiB, maxCalls: 1e7 }, "minute.yaml")),
    ).toMatch(
      /^minute\.yaml: jobs\[\d\]\.arrivals\.rate: expected an experiment of at most 10 million model calls \(--max-calls\), got an estimated 9\d million/,
    );
    const noisy = parseScenario(readScenarioDocument(join(ROOT, "scenarios/noisy-neighbor.yaml")));
    const many = estimateExperiment([{ scenario: noisy, cells: 30_000 }], 2);
    const results = message(() =>
      checkBudget(many, { maxMemoryBytes: GiB, maxCalls: 1e12 }, "noisy.yaml"),
    );
    expect(results.split("\n")[0]).toMatch(
      /^noisy\.yaml: replications: expected an experiment within the memory budget of 1 GiB/,
    );
    expect(results).toContain("runtime.timelineTurns");
  });
});

describe("the bundled scenarios", () => {
  const files = readdirSync(join(ROOT, "scenarios")).filter((f) => f.endsWith(".yaml"));

  it("fit a budget of 256 MiB and a billion calls, as compare and as sweep, estimated in under 50 ms", async () => {
    // Shows no bundled scenario is refused (the default budget is larger), and times the
    // estimate itself, of the plans compare and sweep make (and validate estimates), whose
    // scenarios at every sweep point are parsed beforehand.
    const budget = { maxMemoryBytes: 256 * 2 ** 20, maxCalls: 1e9 };
    const timings: string[] = [];
    for (const file of files) {
      const path = join(ROOT, "scenarios", file);
      const compare = await planExperiment(path);
      const sweep = declaredSweepPlan(compare, path);
      for (const plan of sweep === undefined ? [compare] : [compare, sweep]) {
        const start = performance.now();
        const cost = planCost(plan, plan.cells, 2);
        const ms = performance.now() - start;
        checkBudget(cost, budget, file);
        timings.push(`${file} ${ms.toFixed(2)} ms (${plan.points.length} points)`);
        expect(ms, file).toBeLessThan(50);
      }
    }
    console.log(`estimate: ${timings.join(", ")}`);
  });
});
