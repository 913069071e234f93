/**
 * The bundled examples of `agentsim check` failing (scenarios/check-fails-*.yaml) fail the test
 * they are about, with status `fail`, while the other tests do not fail for unrelated reasons;
 * the bundled default passes what it exercises and says which test it did not exercise; a test
 * not exercised fails the check only with --strict.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCheck } from "../src/experiment/check.ts";
import { planExperiment } from "../src/experiment/plan.ts";
import type { CheckResult, Results } from "../src/experiment/results.ts";
import { runInProcess } from "./support/cli.ts";

const SCENARIOS = resolve(import.meta.dirname, "../scenarios");
const dir = mkdtempSync(join(tmpdir(), "agentsim-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const checked = new Map<string, Promise<{ check: CheckResult; results: Results }>>();

/** `check` of a bundled scenario in this process (memoized per file and replications). */
function check(file: string, replications?: number) {
  const key = `${file}/${replications}`;
  let pending = checked.get(key);
  if (pending === undefined) {
    pending = planExperiment(join(SCENARIOS, file), { replications }).then((plan) =>
      runCheck(plan, { jobs: 1 }),
    );
    checked.set(key, pending);
  }
  return pending;
}

/** The command line in this process, with its output captured. */
const agentsim = runInProcess;

function statuses(c: CheckResult) {
  return {
    arbitration: c.tests.arbitration.status,
    isolation: c.tests.isolation.status,
    audit: c.tests.audit.status,
  };
}

describe("the bundled failing examples", () => {
  it("check-fails-arbitration: FIFO's Jain's index is below minJain; isolation not exercised, audit passes", async () => {
    const { check: c } = await check("check-fails-arbitration.yaml");
    expect(statuses(c)).toEqual({ arbitration: "fail", isolation: "not-exercised", audit: "pass" });
    expect(c.pass).toBe(false);
    const a = c.tests.arbitration;
    expect(a).toMatchObject({ pass: false, policy: "fifo", workConserving: true, minJain: 0.9 });
    // Fairness is the reason: the index is measured and well below the threshold.
    expect(a.jain).not.toBeNull();
    expect(a.jain!).toBeLessThan(0.85);
    expect(a.evidence).toMatch(/^fifo: Jain's index 0\.\d{3} .*< 0\.9; work-conserving/);
    expect(c.tests.isolation).toMatchObject({ pass: null, attempts: 0 });
  });

  it("check-fails-isolation: escapes succeed through the prefix-only resolver; arbitration and audit pass", async () => {
    const { check: c } = await check("check-fails-isolation.yaml");
    expect(statuses(c)).toEqual({ arbitration: "pass", isolation: "fail", audit: "pass" });
    const i = c.tests.isolation;
    expect(i.pass).toBe(false);
    expect(i.succeeded).toBeGreaterThan(0);
    expect(i.refused + i.succeeded).toBeLessThanOrEqual(i.attempts);
    expect(c.tests.audit).toMatchObject({ verified: true, unaudited: 0, withoutAuthority: 0 });
  });

  it("check-fails-audit: no record names its authority; the trail still verifies, arbitration passes", async () => {
    const { check: c } = await check("check-fails-audit.yaml");
    expect(statuses(c)).toEqual({ arbitration: "pass", isolation: "not-exercised", audit: "fail" });
    const a = c.tests.audit;
    expect(a).toMatchObject({ pass: false, verified: true, unaudited: 0 });
    // Every record but the trail's own genesis and seal lacks authority.
    expect(a.withoutAuthority).toBe(a.records - 2);
    expect(a.evidence).toMatch(/file verified against the runtime's head/);
  });

  it("shows each example's comment states what it shows and what check prints", () => {
    for (const [file, line] of [
      ["check-fails-arbitration.yaml", "#   FAIL  arbitration: fifo: Jain's index"],
      ["check-fails-isolation.yaml", "#   FAIL  isolation: "],
      ["check-fails-audit.yaml", "#   FAIL  audit: "],
    ]) {
      const text = readFileSync(join(SCENARIOS, file!), "utf8");
      expect(text, file).toContain(`Run \`agentsim check scenarios/${file}\`; it exits 1`);
      expect(text, file).toContain(line);
    }
  });
});

describe("the bundled default and the adversarial scenario", () => {
  it("noisy-neighbor passes arbitration and audit, and says isolation was not exercised", async () => {
    const { check: c, results } = await check("noisy-neighbor.yaml", 1);
    expect(statuses(c)).toEqual({ arbitration: "pass", isolation: "not-exercised", audit: "pass" });
    expect(c.pass).toBe(true);
    expect(c.tests.isolation.pass).toBeNull();
    // results.json carries the verdicts and the heads of the trails the audit test verified.
    expect(results.check).toEqual(c);
    expect(results.audit!.trails.map((t) => t.policy)).toEqual(["fifo", "priority", "fair-share"]);
    for (const trail of results.audit!.trails) {
      expect(trail.head).toMatch(/^[0-9a-f]{64}$/);
      expect(trail.replication).toBe(0);
    }
  });

  it("adversarial passes every test, each exercised", async () => {
    const { check: c } = await check("adversarial.yaml", 1);
    expect(statuses(c)).toEqual({ arbitration: "pass", isolation: "pass", audit: "pass" });
    expect(c.tests.isolation.attempts).toBeGreaterThan(0);
  });
});

describe("arbitration when fairness cannot be measured", () => {
  it("is not exercised with one tenant with demand (Jain's index null), and says so", async () => {
    const file = join(dir, "one-tenant.yaml");
    writeFileSync(
      file,
      [
        "name: one-tenant",
        "seed: 2",
        "horizon: 3m",
        "replications: 2",
        "policies: [fair-share]",
        "endpoints: [{ name: llm, slots: 2, latency: { dist: exponential, mean: 1s } }]",
        "tenants: [{ name: solo }, { name: idle }]",
        "jobs:",
        "  - name: chat",
        "    tenant: solo",
        "    governance: { owner: o, authorizedBy: a, purpose: p, riskClass: minimal }",
        "    arrivals: { process: poisson, rate: 1/s }",
        "    turns: { count: 2, promptTokens: 300, outputTokens: 100 }",
        "",
      ].join("\n"),
    );
    const plan = await planExperiment(file);
    const { check: c, results } = await runCheck(plan, { jobs: 1 });
    expect(results.policies["fair-share"]!.summary.fairness.jain).toBeNull();
    expect(c.tests.arbitration).toMatchObject({ status: "not-exercised", pass: null, jain: null });
    expect(c.tests.arbitration.evidence).toMatch(
      /^fair-share: fairness not measurable \(one tenant with demand\)/,
    );
    expect(c.pass).toBe(true);
    expect((await runCheck(plan, { jobs: 1, strict: true })).check.pass).toBe(false);
  });
});

describe("agentsim check on the command line", () => {
  it("prints NOT EXERCISED (not a green pass) and exits 0; with --strict the same check exits 1", async () => {
    const file = join(SCENARIOS, "check-fails-audit.yaml");
    const args = ["check", file, "--replications", "1", "--jobs", "1"];
    const plain = await agentsim([...args, "--json"]);
    const json = JSON.parse(plain.stdout) as CheckResult;
    expect(json.tests.isolation).toMatchObject({ status: "not-exercised", pass: null });
    expect(json.tests.audit).toMatchObject({ status: "fail", pass: false });
    expect(plain.code).toBe(1);
    const text = await agentsim(args);
    expect(text.stdout).toMatch(/^NOT EXERCISED {2}isolation: not exercised/m);
    expect(text.stdout).toMatch(/^FAIL {2}audit: /m);
    expect(text.stdout).toMatch(/^PASS {2}arbitration: /m);
    const isolated = join(SCENARIOS, "check-fails-arbitration.yaml");
    const lenient = await agentsim(["check", isolated, "--policies", "fair-share", "--jobs", "1"]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/a test was not exercised \(--strict fails it\)/);
    const strict = await agentsim([
      ...["check", isolated, "--policies", "fair-share", "--jobs", "1", "--strict", "--json"],
    ]);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ pass: false, strict: true });
  });
});
