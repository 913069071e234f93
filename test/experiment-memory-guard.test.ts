/**
 * The memory guard during a run: a cell whose runs in flight pass its share of the budget stops
 * with a BudgetError at the same arrival every time (it counts runs, not bytes), a cell within
 * its budget gives the very result it gives without one, and a worker thread that dies of
 * memory is reported as a BudgetError naming the cell, not as an internal error. check's
 * audited replication is guarded the same way.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { simulate } from "../src/cell/simulate.ts";
import { auditedReplication } from "../src/experiment/check.ts";
import { planExperiment } from "../src/experiment/plan.ts";
import { fitsThisThread, runCells } from "../src/experiment/pool.ts";
import { BudgetError } from "../src/input/errors.ts";
import { parseScenario } from "../src/scenario/index.ts";

const MiB = 2 ** 20;
const ROOT = resolve(import.meta.dirname, "..");

/** A queue that grows by about 10,000 runs a simulated second: 4 slots of 2 s turns. */
function flood(horizon = "1h") {
  return {
    horizon,
    replications: 2,
    policies: ["fifo"],
    endpoints: [{ name: "llm", slots: 4, latency: "2s" }],
    tenants: [{ name: "t" }],
    jobs: [
      {
        name: "flood",
        tenant: "t",
        governance: { owner: "o", authorizedBy: "a" },
        arrivals: { process: "poisson", rate: "10000/s" },
        turns: { count: 3, promptTokens: 100, outputTokens: 10 },
      },
    ],
  };
}

function budgetError(run: () => unknown): BudgetError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BudgetError);
    return error as BudgetError;
  }
  throw new Error("expected a BudgetError");
}

describe("the memory guard of a cell", () => {
  it("stops a growing queue at the same arrival every time, at its share of the budget", () => {
    // Shows 16 MiB alone is 16,384 runs of 1 KiB (the 16,385th stops the cell), shared by
    // two cells 8,192, and the same stop twice; the message names the job's rate, the cell
    // and the ways forward.
    const scenario = parseScenario(flood(), "flood.yaml");
    const options = { policy: "fifo", seed: 3 };
    const alone = budgetError(() =>
      simulate(scenario, { ...options, memory: { totalBytes: 16 * MiB, parallel: 1 } }),
    );
    const again = budgetError(() =>
      simulate(scenario, { ...options, memory: { totalBytes: 16 * MiB, parallel: 1 } }),
    );
    expect(again.report()).toBe(alone.report());
    expect(alone.path).toBe("jobs[0].arrivals.rate");
    expect(alone.found).toMatch(/^16,385 runs in flight at [\d.]+s of simulated time$/);
    expect(alone.details[0]).toContain("(policy fifo, seed 3)");
    expect(alone.details[1]).toMatch(
      /^To proceed: cap the queue with runtime\.admission\.maxWaitingTurns \(e\.g\. 14000\)/,
    );
    const shared = budgetError(() =>
      simulate(scenario, { ...options, memory: { totalBytes: 16 * MiB, parallel: 2 } }),
    );
    expect(shared.found).toMatch(/^8,193 runs in flight/);
    expect(shared.expected).toContain(
      "--max-memory 16 MiB, shared by 2 cells at a time: 8,192 runs",
    );
  });

  it("leaves a cell within its budget as it is without one", () => {
    // Shows the guard changes nothing but where a cell stops: the same result, byte for byte.
    const scenario = parseScenario(flood("2s"), "flood.yaml");
    const options = { policy: "fifo", seed: 3 };
    const guarded = simulate(scenario, {
      ...options,
      memory: { totalBytes: 64 * MiB, parallel: 1 },
    });
    expect(JSON.stringify(guarded)).toBe(JSON.stringify(simulate(scenario, options)));
    expect(guarded.counts.inFlight).toBeGreaterThan(10_000);
  });
});

describe("a worker thread that dies of memory", () => {
  it("is reported as a BudgetError naming the cell, and the pool still shuts down", async () => {
    // Shows a worker with a 64 MiB heap and no guard running the flood: the cell's error says
    // the worker ran out of memory and how to proceed (exit 2 on the command line).
    const dir = mkdtempSync(join(tmpdir(), "agentsim-oom-"));
    try {
      const file = join(dir, "flood.json");
      writeFileSync(file, JSON.stringify(flood()));
      const plan = await planExperiment(file);
      let caught: unknown;
      try {
        await runCells(plan.source, plan.cells, { jobs: 2, workerHeapMb: 64 });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(BudgetError);
      const error = caught as BudgetError;
      expect(error.report()).toMatch(
        /flood\.json: expected cells that fit the memory of their worker thread \(a heap of 64 MiB\), got a worker that ran out of memory running the cell with policy fifo, seed \d+/,
      );
      expect(error.details[1]).toMatch(/^To proceed: .*--max-memory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the audited replication of check", () => {
  it("is guarded as the experiment's cells are, in this thread and on a worker", async () => {
    // Shows check's audited cell (replication 0 again, its trail written to a file) stops at
    // its budget with the cell's BudgetError, as a built-in policy's runs here and a module
    // policy's on a worker thread; it once ran unguarded in both.
    const dir = mkdtempSync(join(tmpdir(), "agentsim-audited-"));
    try {
      const file = join(dir, "flood.json");
      const module = join(ROOT, "examples/policies/shortest-prompt-first.ts");
      writeFileSync(file, JSON.stringify({ ...flood("2m"), policies: ["fifo", module] }));
      const plan = await planExperiment(file);
      const memory = { totalBytes: 16 * MiB, parallel: 1 };
      expect(fitsThisThread(memory)).toBe(true);
      for (const policy of plan.policies) {
        const stopped = await auditedReplication(plan, policy, dir, memory).catch(
          (error: unknown) => error,
        );
        expect(stopped, policy).toBeInstanceOf(BudgetError);
        expect((stopped as BudgetError).found, policy).toMatch(/^16,385 runs in flight at /);
        expect((stopped as BudgetError).details[0], policy).toContain(`(policy ${policy}, seed `);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
