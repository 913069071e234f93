/**
 * The whole runtime against queueing theory: single-turn runs, exponential (or constant)
 * whole-turn latency, c slots and FIFO make an M/M/c (or M/D/1) queue, so the runtime's
 * measured wait must match Erlang C (or Pollaczek-Khinchine): the runtime adds no hidden delay.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../src/cell/simulate.ts";
import { Histogram } from "../src/metrics/histogram.ts";
import { meanWithCi95 } from "../src/metrics/stat.ts";
import { replicationSeed } from "../src/sim/rng.ts";
import { theory } from "./support/queues.ts";
import { mmcScenario } from "./support/scenarios.ts";

function replicate(
  model: { lambda: number; mu: number; servers: number; service: "exponential" | "deterministic" },
  replications: number,
  horizonS: number,
) {
  const scenario = mmcScenario({
    lambda: model.lambda,
    mu: model.mu,
    servers: model.servers,
    horizonS,
    warmupS: horizonS / 20,
    service:
      model.service === "deterministic"
        ? { dist: "constant", value: 1 / model.mu }
        : { dist: "exponential", mean: 1 / model.mu },
  });
  const waits: number[] = [];
  const utilizations: number[] = [];
  const littles: number[] = [];
  for (let r = 0; r < replications; r++) {
    const cell = simulate(scenario, { policy: "fifo", seed: replicationSeed(11, r) });
    waits.push(Histogram.fromJSON(cell.wait).mean);
    utilizations.push(cell.utilization);
    littles.push(cell.littlesLaw.relativeError);
    expect(cell.counts.inFlight).toBe(0);
    expect(cell.saturation.saturated).toBe(false);
    expect(cell.saturation.steady).toBe(true);
    // One tenant: nobody to be unfair to, so fairness is not measurable rather than a perfect 1.
    expect(cell.fairness.jain).toBeNull();
  }
  return { wait: meanWithCi95(waits), utilization: meanWithCi95(utilizations), littles };
}

describe("the runtime as a queue", () => {
  it.each([
    { name: "M/M/1", lambda: 0.7, mu: 1, servers: 1, service: "exponential" as const },
    { name: "M/M/4", lambda: 3, mu: 1, servers: 4, service: "exponential" as const },
    { name: "M/D/1", lambda: 0.7, mu: 1, servers: 1, service: "deterministic" as const },
  ])("$name: the mean wait matches theory within the 95% interval", (model) => {
    const expected = theory(model);
    const measured = replicate(model, 10, 40_000);
    const [low, high] = measured.wait.ci95!;
    console.log(
      `${model.name} through the runtime: wait theory ${expected.waitS.toFixed(4)} s, simulated ${measured.wait.mean.toFixed(4)} s, 95% CI [${low.toFixed(4)}, ${high.toFixed(4)}]; utilization theory ${expected.utilization.toFixed(4)}, simulated ${measured.utilization.mean.toFixed(4)}`,
    );
    expect(low).toBeLessThanOrEqual(expected.waitS);
    expect(high).toBeGreaterThanOrEqual(expected.waitS);
    // An interval wide enough to hold anything proves nothing: its half-width must be under 5%
    // of the theoretical wait, as the kernel's theory test requires.
    expect((high - low) / 2 / expected.waitS, `${model.name}: CI half-width / theory`).toBeLessThan(
      0.05,
    );
    const [uLow, uHigh] = measured.utilization.ci95!;
    expect(uLow).toBeLessThanOrEqual(expected.utilization + 0.002);
    expect(uHigh).toBeGreaterThanOrEqual(expected.utilization - 0.002);
    // Little's law holds on the recorder's own numbers (a self-check of the metrics).
    for (const error of measured.littles) expect(error).toBeLessThan(0.02);
  });
});
