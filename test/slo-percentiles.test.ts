/**
 * Percentile SLOs (`slo: { runLatency: { p95: 60s } }`): the scenario forms, the verdict in
 * results.json against queueing theory, and `check` gating on it. The queue is M/M/1 with
 * lambda 0.5/s and mu 1/s, whose sojourn time is exponential with rate mu - lambda (p95 =
 * ln 20 / 0.5 = 5.99 s) and whose wait exceeds t with probability rho e^-(mu - lambda) t (p99 =
 * ln 50 / 0.5 = 7.82 s): theory, not the simulator, says which bounds hold.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ScenarioError } from "../src/input/index.ts";
import { parseScenario } from "../src/scenario/index.ts";
import { runInProcess } from "./support/cli.ts";
import { queueDoc } from "./support/scenarios.ts";

const dir = mkdtempSync(join(tmpdir(), "agentsim-slo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const P95_SOJOURN = Math.log(20) / 0.5;
const P99_WAIT = Math.log(0.5 / 0.01) / 0.5;

function mm1(slo: unknown) {
  return queueDoc({
    name: "slo-mm1",
    seed: 5,
    slots: 1,
    horizonS: 4000,
    replications: 6,
    job: slo === undefined ? {} : { slo },
  });
}

function file(name: string, doc: unknown): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(doc));
  return path;
}

describe("percentile SLOs in a scenario", () => {
  it("reads a bound per run, percentiles, or both, and refuses what is neither", () => {
    const job = (slo: unknown) => parseScenario(mm1(slo)).jobs[0]!.slo;
    expect(job({ runLatency: "20s" })).toEqual({ runLatencyS: 20 });
    expect(job({ runLatency: { p95: "60s", each: "90s" }, wait: { p99: "2s" } })).toEqual({
      runLatencyS: 90,
      percentiles: [
        { metric: "runLatency", percentile: 95, boundS: 60 },
        { metric: "wait", percentile: 99, boundS: 2 },
      ],
    });
    for (const [slo, path] of [
      [{ runLatency: {} }, "jobs[0].slo.runLatency"],
      [{ runLatency: { p96: "1s" } }, "jobs[0].slo.runLatency.p96"],
      [{ wait: { p99: "-1s" } }, "jobs[0].slo.wait.p99"],
      [{ wait: { p99: "fast" } }, "jobs[0].slo.wait.p99"],
    ] as const) {
      expect(() => job(slo), JSON.stringify(slo)).toThrow(ScenarioError);
      try {
        job(slo);
      } catch (error) {
        expect((error as ScenarioError).message).toContain(path);
      }
    }
  });
});

describe("percentile SLOs in results and check", () => {
  it("holds or is missed as theory says, with the estimate's interval around theory's value", async () => {
    const path = file("mm1", mm1({ runLatency: { p95: "8s" }, wait: { p99: "1s" } }));
    const ran = await runInProcess([
      "compare",
      path,
      "--json",
      "--no-png",
      "--out",
      join(dir, "run"),
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const slos = JSON.parse(ran.stdout).policies.fifo.jobs.customer.percentileSlos;
    expect(slos.map((s: { metric: string }) => s.metric)).toEqual(["runLatency.p95", "wait.p99"]);
    const [p95, p99] = slos;
    expect(p95.estimate.ci95[0]).toBeLessThanOrEqual(P95_SOJOURN);
    expect(p95.estimate.ci95[1]).toBeGreaterThanOrEqual(P95_SOJOURN);
    expect(p95.holds).toBe(true); // theory 5.99 s <= 8 s
    expect(p99.estimate.ci95[0]).toBeLessThanOrEqual(P99_WAIT);
    expect(p99.estimate.ci95[1]).toBeGreaterThanOrEqual(P99_WAIT);
    expect(p99.holds).toBe(false); // theory 7.82 s > 1 s
  }, 60_000);

  it("check fails on a missed percentile SLO and passes when every one holds", async () => {
    const missed = await runInProcess([
      "check",
      file("missed", mm1({ runLatency: { p95: "8s" }, wait: { p99: "1s" } })),
    ]);
    expect(missed.code, missed.stderr).toBe(1);
    expect(missed.stdout).toMatch(/FAIL {2}percentile SLOs: missed: customer wait\.p99 <= 1 s/);
    const held = await runInProcess([
      "check",
      file("held", mm1({ runLatency: { p95: "8s" }, wait: { p99: "12s" } })),
      "--json",
    ]);
    expect(held.code, held.stderr).toBe(0);
    const slo = JSON.parse(held.stdout).tests.slo;
    expect(slo).toMatchObject({ status: "pass", judged: 2, held: 2, missed: 0 });
    // A scenario without percentile SLOs keeps check's three tests.
    const none = await runInProcess(["check", file("none", mm1(undefined)), "--json"]);
    expect(Object.keys(JSON.parse(none.stdout).tests)).toEqual([
      "arbitration",
      "isolation",
      "audit",
    ]);
  }, 120_000);
});
