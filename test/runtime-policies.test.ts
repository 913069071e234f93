/**
 * Policies through the whole runtime: on DESIGN.md's noisy-neighbor workload fair-share keeps
 * the quiet tenant's p99 wait far below FIFO's and priority keeps the high-priority job's p99
 * wait below FIFO's; strict priority never inverts; FIFO dispatches in ready order.
 */
import { describe, expect, it } from "vitest";
import { prepareScenario, runCell } from "../src/cell/prepare.ts";
import { simulate, simulateCell } from "../src/cell/simulate.ts";
import { Histogram } from "../src/metrics/histogram.ts";
import { loadScenarioFile } from "../src/scenario/index.ts";
import { job, scenario } from "./support/scenarios.ts";

const p99 = (h: Parameters<typeof Histogram.fromJSON>[0]) => Histogram.fromJSON(h).quantile(0.99);

describe("the noisy-neighbor workload of DESIGN.md", async () => {
  const prepared = await prepareScenario(loadScenarioFile("test/fixtures/noisy-neighbor.yaml"));
  const cells = Object.fromEntries(
    ["fifo", "priority", "fair-share"].map((policy) => [
      policy,
      [1, 2, 3].map((seed) => runCell(prepared, { policy, seed, replication: seed }).result),
    ]),
  );

  it("fair-share keeps the quiet tenant's p99 wait far below FIFO's", () => {
    for (let r = 0; r < 3; r++) {
      const fifo = p99(cells.fifo![r]!.tenants.support!.wait);
      const fair = p99(cells["fair-share"]![r]!.tenants.support!.wait);
      console.log(
        `seed ${r + 1}: support p99 wait fifo ${fifo.toFixed(1)} s, fair-share ${fair.toFixed(1)} s`,
      );
      expect(fair).toBeLessThan(fifo / 2);
    }
  });

  it("priority keeps the high-priority job's p99 wait below FIFO's", () => {
    for (let r = 0; r < 3; r++) {
      const fifo = p99(cells.fifo![r]!.jobs["ticket-triage"]!.wait);
      const priority = p99(cells.priority![r]!.jobs["ticket-triage"]!.wait);
      expect(priority).toBeLessThan(fifo);
    }
  });

  it("Jain's index against max-min fair shares: FIFO below 0.9, fair-share above 0.95", () => {
    for (let r = 0; r < 3; r++) {
      const fifo = cells.fifo![r]!.fairness;
      const fair = cells["fair-share"]![r]!.fairness;
      console.log(
        `seed ${r + 1}: jain fifo ${fifo.jain?.toFixed(3)}, fair-share ${fair.jain?.toFixed(3)}; support demand ${fair.tenants[0]!.demand.toFixed(0)}, fair share ${fair.tenants[0]!.fairShare.toFixed(0)}, service fifo ${fifo.tenants[0]!.service.toFixed(0)} fair-share ${fair.tenants[0]!.service.toFixed(0)}`,
      );
      expect(fifo.jain!).toBeLessThan(0.9);
      expect(fair.jain!).toBeGreaterThan(0.95);
    }
  });

  it("every policy sees the very same runs: each run's drawn program, turn by turn (common random numbers)", async () => {
    // Observed from outside the runtime: an observer logs each turn a run's program hands it,
    // so the comparison does not rest on the runtime's own counters.
    const programs = (policy: string) => {
      const log = new Map<string, string[]>();
      runCell(
        prepared,
        { policy, seed: 1, replication: 1 },
        {
          observer: {
            turnPlanned: (run) => {
              const turns = log.get(run.id) ?? [];
              turns.push(
                `${run.planPromptTokens}/${run.planOutputTokens}/${run.planToolCalls.map((c) => c.tool).join("+")}`,
              );
              log.set(run.id, turns);
            },
          },
        },
      );
      return log;
    };
    const [fifo, ...others] = ["fifo", "priority", "fair-share"].map(programs);
    expect(fifo!.size).toBeGreaterThan(500);
    for (const other of others) {
      expect(other!.size).toBe(fifo!.size);
      let compared = 0;
      for (const [id, turns] of fifo!) {
        const theirs = other!.get(id);
        expect(theirs, id).toBeDefined();
        // A run cut short (failed, still in flight) drew a prefix of the same program.
        const n = Math.min(turns.length, theirs!.length);
        expect(theirs!.slice(0, n), id).toEqual(turns.slice(0, n));
        compared += n;
      }
      expect(compared).toBeGreaterThan(1000);
    }
  });
});

describe("strict priority and FIFO through the runtime", () => {
  const contended = scenario({
    horizonS: 300,
    jobs: [0, 1, 2].map((level) =>
      job({
        name: `level${level}`,
        tenant: "t",
        priority: level,
        arrivals: { process: "poisson", ratePerS: 0.4 },
        turns: {
          count: { dist: "uniform", min: 1, max: 4 },
          promptTokens: { dist: "constant", value: 100 },
          outputTokens: { dist: "constant", value: 100 },
          toolCalls: [],
        },
      }),
    ),
  });
  contended.endpoints[0]!.slots = 2;

  it("strict priority never dispatches a lower level while a higher one waits", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const cell = simulate(contended, { policy: "priority", seed });
      expect(cell.priority.inversions).toBe(0);
      const fifo = simulate(contended, { policy: "fifo", seed });
      expect(fifo.priority.inversions).toBeGreaterThan(0);
    }
  });

  it("FIFO dispatches turns in the order they became ready", () => {
    let last = -1;
    let outOfOrder = 0;
    simulateCell(contended, {
      policy: "fifo",
      seed: 9,
      observer: {
        dispatched: ({ seq }) => {
          if (seq < last) outOfOrder++;
          last = seq;
        },
      },
    });
    expect(last).toBeGreaterThan(100);
    expect(outOfOrder).toBe(0);
  });
});

describe("fair-share's service gap through the runtime", () => {
  // Two tenants with weights 2:1, both flooding one 4-slot endpoint; costs are exact (constant
  // tokens), so the scheduler's bound is A_f/w_f + A_g/w_g (see fair-share.ts). The recorder
  // credits service when a turn completes rather than when it is dispatched, which can shift
  // up to c turns in flight: the tested bound adds c x max(A/w).
  const flood = (policy: string) => {
    const tenants = [
      { name: "heavy", weight: 2, prompt: 2000, output: 500, rate: 3 },
      { name: "light", weight: 1, prompt: 300, output: 60, rate: 8 },
    ];
    const s = scenario({
      horizonS: 400,
      warmupS: 50,
      jobs: tenants.map((t) =>
        job({
          name: `${t.name}-job`,
          tenant: t.name,
          arrivals: { process: "poisson", ratePerS: t.rate },
          turns: {
            count: { dist: "constant", value: 1 },
            promptTokens: { dist: "constant", value: t.prompt },
            outputTokens: { dist: "constant", value: t.output },
            toolCalls: [],
          },
        }),
      ),
    });
    s.tenants = tenants.map((t) => ({ name: t.name, weight: t.weight }));
    s.endpoints[0]!.slots = 4;
    s.endpoints[0]!.latency = {
      kind: "tokens",
      ttft: { dist: "constant", value: 0.2 },
      perOutputTokenS: { dist: "constant", value: 0.01 },
      loadSlowdown: 0,
      perPromptTokenS: 0,
    };
    const costs = tenants.map((t) => (t.prompt + 2 * t.output) / t.weight);
    const bound = costs[0]! + costs[1]! + 4 * Math.max(...costs);
    return { cell: simulate(s, { policy, seed: 3 }), bound };
  };

  it("keeps the weighted gap between continuously backlogged tenants within the bound; FIFO does not", () => {
    const fair = flood("fair-share");
    const fifo = flood("fifo");
    console.log(
      `max weighted service gap: fair-share ${fair.cell.fairness.maxServiceGap.toFixed(0)}, fifo ${fifo.cell.fairness.maxServiceGap.toFixed(0)}, bound ${fair.bound}`,
    );
    expect(fair.cell.tenants.heavy!.backloggedFraction).toBeGreaterThan(0.9);
    expect(fair.cell.tenants.light!.backloggedFraction).toBeGreaterThan(0.9);
    expect(fair.cell.fairness.maxServiceGap).toBeLessThanOrEqual(fair.bound);
    expect(fifo.cell.fairness.maxServiceGap).toBeGreaterThan(fair.bound);
  });
});
