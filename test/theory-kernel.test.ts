/**
 * Theory validation of the kernel: M/M/1, M/M/c and M/D/1 queues simulated with processes and a
 * Resource must reproduce their closed forms (Erlang C, Pollaczek-Khinchine) for the mean wait,
 * the mean number in system and the utilization, and satisfy Little's law on every sample path.
 *
 * Each model runs REPLICATIONS independent replications (seeds from `replicationSeed`) of
 * CUSTOMERS customers, the first WARMUP left out. The 95% Student t interval across
 * replications must be narrower than 3% of the theoretical value on each side AND contain it.
 * The root seed is fixed, so the run is exact and repeatable; with twelve 95% intervals an
 * unlucky seed misses one about half the time, which is why the seed was fixed before looking.
 */
import { describe, expect, it } from "vitest";
import { normalQuantile, replicationSeed } from "../src/sim/index.ts";
import { type QueueModel, type QueueResult, simulateQueue, theory } from "./support/queues.ts";

const ROOT_SEED = 1;
const LONG = process.env.AGENTSIM_LONG !== undefined;
const REPLICATIONS = LONG ? 40 : 20;
const CUSTOMERS = LONG ? 1_000_000 : 400_000;
const WARMUP = CUSTOMERS / 20;
/** Largest accepted CI half-width, relative to the theoretical value. */
const HALF_WIDTH_MAX = 0.03;
/** Largest accepted gap between L and lambda x W on one sample path (boundary effects only). */
const LITTLE_GAP_MAX = 0.01;

type ModelShape = Pick<QueueModel, "lambda" | "mu" | "servers" | "service">;

const MODELS: { name: string; model: ModelShape }[] = [
  { name: "M/M/1 rho=0.5", model: { lambda: 0.5, mu: 1, servers: 1, service: "exponential" } },
  { name: "M/M/1 rho=0.8", model: { lambda: 0.8, mu: 1, servers: 1, service: "exponential" } },
  { name: "M/M/4 rho=0.85", model: { lambda: 3.4, mu: 1, servers: 4, service: "exponential" } },
  { name: "M/D/1 rho=0.7", model: { lambda: 0.7, mu: 1, servers: 1, service: "deterministic" } },
];

/** The 0.975 quantile of Student t with `df` degrees of freedom (Cornish-Fisher, A&S 26.7.5). */
function t975(df: number): number {
  const z = normalQuantile(0.975);
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

interface Interval {
  mean: number;
  halfWidth: number;
}

function interval(values: number[]): Interval {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, halfWidth: (t975(n - 1) * Math.sqrt(variance)) / Math.sqrt(n) };
}

function replicate(model: ModelShape): QueueResult[] {
  const results: QueueResult[] = [];
  for (let r = 0; r < REPLICATIONS; r++) {
    const seed = replicationSeed(ROOT_SEED, r);
    results.push(simulateQueue({ ...model, customers: CUSTOMERS, warmup: WARMUP, seed }));
  }
  return results;
}

const rows: Record<string, string | number>[] = [];

function row(model: string, metric: string, truth: number, ci: Interval): void {
  rows.push({
    model,
    metric,
    theory: Number(truth.toFixed(5)),
    simulated: Number(ci.mean.toFixed(5)),
    "ci95 low": Number((ci.mean - ci.halfWidth).toFixed(5)),
    "ci95 high": Number((ci.mean + ci.halfWidth).toFixed(5)),
    "half-width %": Number(((ci.halfWidth / truth) * 100).toFixed(2)),
  });
}

describe("kernel against queueing theory", () => {
  for (const { name, model } of MODELS) {
    it(`${name}: mean wait, number in system and utilization match the closed form; L = lambda W`, () => {
      // The simulated means fall in tight 95% intervals around the closed forms.
      const truth = theory(model);
      const results = replicate(model);
      const checks: [string, number, Interval][] = [
        ["wait Wq (s)", truth.waitS, interval(results.map((r) => r.meanWaitS))],
        ["in system L", truth.inSystem, interval(results.map((r) => r.meanInSystem))],
        ["utilization", truth.utilization, interval(results.map((r) => r.utilization))],
      ];
      const littleLambdaW = interval(results.map((r) => r.arrivalRate * r.meanSystemS));
      for (const [metric, value, ci] of checks) row(name, metric, value, ci);
      row(name, "lambda x W (Little)", truth.inSystem, littleLambdaW);
      for (const [metric, value, ci] of checks) {
        expect(ci.halfWidth / value, `${name} ${metric}: CI half-width / theory`).toBeLessThan(
          HALF_WIDTH_MAX,
        );
        expect(
          Math.abs(ci.mean - value),
          `${name} ${metric}: |mean - theory| within the half-width`,
        ).toBeLessThanOrEqual(ci.halfWidth);
      }
      // Little's law holds on each sample path with the measured arrival rate.
      for (const r of results) {
        const gap = Math.abs(r.meanInSystem - r.arrivalRate * r.meanSystemS) / r.meanInSystem;
        expect(gap, `${name}: |L - lambda W| / L`).toBeLessThan(LITTLE_GAP_MAX);
      }
    });
  }

  it("prints the table of theory against simulation", () => {
    // The table is the figure quoted in reports; it shows what the assertions above compared.
    console.log(
      `${REPLICATIONS} replications x ${CUSTOMERS} customers (first ${WARMUP} left out), root seed ${ROOT_SEED}`,
    );
    console.table(rows);
    expect(rows.length).toBe(MODELS.length * 4);
  });
});
