/**
 * The bundled scenario library (scenarios/*.yaml): every file follows the library's conventions,
 * loads, runs one replication of each of its policies (one point of a sweep) with its
 * end-of-cell invariants holding (runCell throws otherwise), gives byte-identical results when
 * run again, and shows the headline its comment claims where the claim is robust to one
 * replication. The cells are those `agentsim compare` runs first (replicationSeed(seed, 0)).
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareScenario, runCell } from "../src/cell/prepare.ts";
import { cellShapeErrors } from "../src/experiment/cell-schema.ts";
import { canonicalResult } from "../src/experiment/runner.ts";
import { Histogram, type HistogramJSON } from "../src/metrics/histogram.ts";
import type { CellResult } from "../src/runtime/result.ts";
import {
  loadScenarioFile,
  readScenarioDocument,
  type Scenario,
  scenarioJsonSchema,
} from "../src/scenario/index.ts";
import { replicationSeed } from "../src/sim/rng.ts";

const ROOT = resolve(import.meta.dirname, "..");
const DIR = resolve(ROOT, "scenarios");
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const SCHEMA_LINE = "# yaml-language-server: $schema=../schema/scenario.schema.json";

const p99 = (h: HistogramJSON) => Histogram.fromJSON(h).quantile(0.99);

interface Ran {
  scenario: Scenario;
  /** Replication 0 of each policy, by label. */
  cells: Record<string, CellResult>;
  /** The same cells run a second time, as JSON. */
  again: Record<string, string>;
}

const ran = new Map<string, Promise<Ran>>();

/** Runs a bundled scenario's first replication of every policy twice (memoized per file). */
function run(file: string): Promise<Ran> {
  let pending = ran.get(file);
  if (pending === undefined) {
    pending = simulateTwice(file);
    ran.set(file, pending);
  }
  return pending;
}

async function simulateTwice(file: string): Promise<Ran> {
  const path = resolve(DIR, file);
  const declared = loadScenarioFile(path);
  // A sweep runs at one point: its last, the most loaded of a capacity sweep.
  const vary = declared.sweep.map((axis) => ({ path: axis.path, value: axis.values.at(-1)! }));
  const scenario = vary.length === 0 ? declared : loadScenarioFile(path, { vary });
  const prepared = await prepareScenario(scenario);
  const seed = replicationSeed(scenario.seed, 0);
  const cells: Record<string, CellResult> = {};
  const again: Record<string, string> = {};
  for (const policy of scenario.policies) {
    const spec = { policy: policy.label, seed, replication: 0 };
    cells[policy.label] = runCell(prepared, spec).result;
    again[policy.label] = JSON.stringify(runCell(prepared, spec).result);
  }
  return { scenario, cells, again };
}

describe("the bundled scenarios", () => {
  it("include the default scenario and the library the issue lists", () => {
    // Shows the files `agentsim compare` and the README point at exist.
    expect(FILES).toEqual(
      expect.arrayContaining([
        "noisy-neighbor.yaml",
        "priority-inversion.yaml",
        "endpoint-outage.yaml",
        "rate-limit-storm.yaml",
        "hog.yaml",
        "mixed-tenants-weighted.yaml",
        "trace-azure-code.yaml",
        "trace-azure-conv.yaml",
        "agent-sessions.yaml",
        "adversarial.yaml",
        "capacity-planning.yaml",
      ]),
    );
  });

  it("point editors at a schema file that matches the scenario format", () => {
    // Shows schema/scenario.schema.json is scenarioJsonSchema() as `agentsim schema` prints it.
    const committed = readFileSync(resolve(ROOT, "schema/scenario.schema.json"), "utf8");
    expect(committed).toBe(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
  });

  for (const file of FILES) {
    describe(file, () => {
      it("follows the library's conventions", () => {
        // Shows the schema line, the comment saying what to expect, and the fields a file of
        // the library declares rather than leaves to defaults.
        const text = readFileSync(resolve(DIR, file), "utf8");
        expect(text.split("\n")[0]).toBe(SCHEMA_LINE);
        expect(text).toMatch(/^# Expect/m);
        const raw = readScenarioDocument(resolve(DIR, file)) as Record<string, unknown>;
        expect(raw.name).toBe(basename(file, ".yaml"));
        expect(typeof raw.description).toBe("string");
        expect((raw.description as string).trim().length).toBeGreaterThan(20);
        expect(Array.isArray(raw.policies) && raw.policies.length > 0).toBe(true);
        expect(typeof raw.replications).toBe("number");
      });

      it("gives cells whose shape merge accepts in a partial file", async () => {
        // Shows the schema merge checks cell results against (cell-schema.ts) fits every real
        // cell, nulls from non-finite values included, so valid shards are never refused.
        const { cells } = await run(file);
        for (const [policy, cell] of Object.entries(cells)) {
          const problems = cellShapeErrors(canonicalResult(cell), "result", file);
          expect(
            problems.map((p) => p.message),
            policy,
          ).toEqual([]);
        }
      });

      it("runs each policy with its invariants holding, the same way twice", async () => {
        // Shows the cells complete (runCell throws on a broken invariant) and are a pure
        // function of (scenario, policy, seed).
        const { scenario, cells, again } = await run(file);
        for (const policy of scenario.policies) {
          const cell = cells[policy.label]!;
          expect(cell.invariants).toEqual({
            conservation: true,
            slotsWithinCapacity: true,
            auditVerified: true,
            auditComplete: true,
          });
          expect(cell.counts.submitted).toBeGreaterThan(0);
          expect(cell.counts.completed).toBeGreaterThan(0);
          expect(again[policy.label]).toBe(JSON.stringify(cell));
        }
      });
    });
  }
});

describe("the headlines the bundled scenarios claim", () => {
  it("noisy-neighbor: fair-share and priority keep support's p99 wait far below FIFO's", async () => {
    // Shows the default scenario's story on one replication: a small ratio, not a close call.
    const { cells } = await run("noisy-neighbor.yaml");
    const wait = (policy: string) => p99(cells[policy]!.tenants.support!.wait);
    expect(wait("fair-share")).toBeLessThan(wait("fifo") / 10);
    expect(wait("priority")).toBeLessThan(wait("fifo") / 10);
    expect(wait("fair-share")).toBeLessThan(15);
    for (const cell of Object.values(cells)) expect(cell.saturation.saturated).toBe(true);
  });

  it("noisy-neighbor: support asks for less than half, so serving it first is max-min fair", async () => {
    // Shows Jain's index over max-min fair shares from its definition: support's demand is
    // below half the service, so its fair share is all of its demand and batch's the rest. A
    // policy that serves support's turns ahead of batch's gives it its demand (up to the
    // window's edges), so every tenant's service over its fair share is 1 and the index is 1;
    // FIFO makes support queue behind the flood, so it gets less and the index is lower.
    const { cells } = await run("noisy-neighbor.yaml");
    for (const policy of ["fair-share", "priority"]) {
      const cell = cells[policy]!;
      const support = cell.tenants.support!;
      const total = Object.values(cell.tenants).reduce((sum, t) => sum + t.service, 0);
      expect(support.demand).toBeLessThan(total / 2);
      expect(Math.abs(support.service / support.demand - 1)).toBeLessThan(0.05);
      expect(cell.fairness.jain!).toBeGreaterThan(0.99);
    }
    const fifo = cells.fifo!;
    expect(fifo.tenants.support!.service / fifo.tenants.support!.demand).toBeLessThan(0.9);
    expect(fifo.fairness.jain!).toBeLessThan(cells["fair-share"]!.fairness.jain!);
  });

  it("mixed-tenants-weighted: fair-share divides the service 3:1, FIFO and round-robin do not", async () => {
    // Shows each policy's shares against what it should give with both tenants backlogged and
    // the same program: fair-share the weights (3:1), round-robin one turn each (1:1), FIFO the
    // order of arrival, i.e. the arrival rates (gold 0.75/s, bronze 1.1/s). Jain's index is
    // computed from its definition at those shares: both tenants ask for more than their
    // weighted portion, so their max-min fair shares are 0.75 and 0.25 of the service.
    const { scenario, cells } = await run("mixed-tenants-weighted.yaml");
    const rate = (tenant: string) => {
      const job = scenario.jobs.find((j) => j.tenant === tenant)!;
      return (job.arrivals as { ratePerS: number }).ratePerS;
    };
    const fifoGold = rate("gold") / (rate("gold") + rate("bronze"));
    expect(fifoGold).toBeCloseTo(0.75 / 1.85, 6);
    const jainAt = (gold: number) => {
      const x = [gold / 0.75, (1 - gold) / 0.25];
      return (x[0]! + x[1]!) ** 2 / (2 * (x[0]! ** 2 + x[1]! ** 2));
    };
    expect(jainAt(0.5)).toBeCloseTo(0.8, 10);
    const gold = (policy: string) => cells[policy]!.tenants.gold!.serviceShare;
    const jain = (policy: string) => cells[policy]!.fairness.jain!;
    expect(Math.abs(gold("fair-share") - 0.75)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(cells["fair-share"]!.tenants.bronze!.serviceShare - 0.25)).toBeLessThanOrEqual(
      0.01,
    );
    expect(jain("fair-share")).toBeGreaterThan(0.99);
    expect(Math.abs(gold("round-robin") - 0.5)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(jain("round-robin") - jainAt(0.5))).toBeLessThanOrEqual(0.05);
    expect(Math.abs(gold("fifo") - fifoGold)).toBeLessThanOrEqual(0.06);
    expect(Math.abs(jain("fifo") - jainAt(fifoGold))).toBeLessThanOrEqual(0.05);
  });

  it("adversarial: every escape refused, every action audited, the damage traced to its authorizer", async () => {
    // Shows isolation, audit completeness and the store's blast radius naming who authorized
    // the job whose runs wrote garbage.
    const { scenario, cells } = await run("adversarial.yaml");
    const writer = scenario.jobs.find((job) => job.behaviour?.garbageWrites !== undefined)!;
    for (const cell of Object.values(cells)) {
      expect(cell.isolation.attempts).toBeGreaterThan(0);
      expect(cell.isolation.refused).toBe(cell.isolation.attempts);
      expect(cell.isolation.succeeded).toBe(0);
      expect(cell.audit.unaudited).toBe(0);
      expect(cell.audit.withoutAuthority).toBe(0);
      const radius = cell.store.blastRadius!;
      expect(radius.versions).toBeGreaterThan(0);
      expect(radius.authorizers).toEqual([writer.governance.authorizedBy]);
      for (const run of radius.writers) expect(run.startsWith(`${writer.name}#`)).toBe(true);
      expect(cell.governance.byReason["tool outside grant"]).toBeGreaterThan(0);
      expect(cell.governance.byReason["token budget"]).toBeGreaterThan(0);
    }
  });

  it("rate-limit-storm: calls are refused with 429 and retried, and no more pass than the limit allows", async () => {
    // Shows the storm: rate-limited attempts, the retries that follow them and runs failed
    // after their last attempt; the attempts let through (neither 429 nor 503) stay within the
    // request bucket (the declared requests per minute over the cell, plus one full bucket of
    // one second's worth); and turns wait in the queue while the endpoint is paused after a 429.
    const { scenario, cells } = await run("rate-limit-storm.yaml");
    const limit = scenario.endpoints[0]!.rateLimit!.requestsPerS!;
    expect(limit).toBeCloseTo(120 / 60, 10);
    for (const cell of Object.values(cells)) {
      expect(cell.calls.rateLimited).toBeGreaterThan(0);
      expect(cell.calls.retries).toBeGreaterThan(0);
      expect(cell.counts.failed).toBeGreaterThan(0);
      const admitted = cell.calls.attempts - cell.calls.rateLimited - cell.calls.unavailable;
      expect(admitted).toBeLessThanOrEqual(limit * cell.endS + Math.max(1, limit));
      expect(p99(cell.wait)).toBeGreaterThan(0);
    }
  });

  it("hog: fair-share protects the well-behaved tenant better than FIFO", async () => {
    // Shows the tenant without misbehaving jobs waits far less at p99 under fair-share.
    const { scenario, cells } = await run("hog.yaml");
    const hogs = new Set(scenario.jobs.filter((j) => j.behaviour?.tokenHog).map((j) => j.tenant));
    const other = scenario.tenants.find((t) => !hogs.has(t.name))!.name;
    const wait = (policy: string) => p99(cells[policy]!.tenants[other]!.wait);
    expect(wait("fair-share")).toBeLessThan(wait("fifo") / 2);
  });
});
