import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuditTrail } from "../src/audit/index.ts";
import { ScenarioError } from "../src/input/errors.ts";
import type { Governance } from "../src/runtime/governance.ts";
import { AccessManager, scopeCovers, validateGovernance } from "../src/runtime/governance.ts";
import { Store } from "../src/runtime/store.ts";
import { Workspaces } from "../src/runtime/workspace.ts";
import { PROPERTY_TIMEOUT_MS, RUNS } from "./support/property-runs.ts";

const valid = {
  owner: "support-ops",
  authorizedBy: "head-of-support",
  purpose: "route tickets",
  riskClass: "limited",
  tools: ["crm-search"],
  dataScopes: ["tickets"],
};

function problems(value: unknown): string[] {
  try {
    validateGovernance(value, "jobs[0].governance", "noisy.yaml");
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.report().split("\n");
  }
  throw new Error("expected a ScenarioError");
}

describe("validateGovernance", () => {
  it("shows that a complete declaration loads, with tools and dataScopes defaulting to none", () => {
    expect(validateGovernance(valid, "g")).toEqual(valid);
    const { tools: _t, dataScopes: _d, ...bare } = valid;
    expect(validateGovernance({ ...bare, tokenBudget: 5000 }, "g")).toEqual({
      ...bare,
      tools: [],
      dataScopes: [],
      tokenBudget: 5000,
    });
  });

  it("shows that a job without owner or authorizedBy is a ScenarioError naming file and field", () => {
    const { owner: _o, authorizedBy: _a, ...rest } = valid;
    expect(problems(rest)).toEqual([
      "noisy.yaml: jobs[0].governance.owner: expected a non-empty owner (who answers for the job), got nothing",
      "noisy.yaml: jobs[0].governance.authorizedBy: expected a non-empty authorizedBy (who authorized the job), got nothing",
    ]);
    expect(problems({ ...valid, authorizedBy: "   " })).toEqual([
      'noisy.yaml: jobs[0].governance.authorizedBy: expected a non-empty authorizedBy (who authorized the job), got "   "',
    ]);
  });

  it("shows that each other bad field is named with what was expected", () => {
    expect(problems({ ...valid, riskClass: "extreme" })[0]).toMatch(
      /riskClass: expected one of minimal, limited, high, got "extreme"/,
    );
    expect(problems({ ...valid, tokenBudget: -1 })[0]).toMatch(
      /tokenBudget: expected a positive whole number of tokens, got -1/,
    );
    expect(problems({ ...valid, tokenBudget: 1.5 })[0]).toMatch(
      /tokenBudget: expected a positive whole number/,
    );
    expect(problems({ ...valid, dataScopes: ["tickets/../accounts"] })[0]).toMatch(
      /dataScopes\[0\]: expected a data scope such as "tickets"/,
    );
    expect(problems({ ...valid, tools: ["crm", ""] })[0]).toMatch(
      /tools\[1\]: expected a tool name, got ""/,
    );
    expect(problems({ ...valid, dataScope: ["x"] })[0]).toMatch(
      /governance\.dataScope: expected no such field/,
    );
    expect(problems("owner: me")[0]).toMatch(
      /jobs\[0\]\.governance: expected governance metadata: an object/,
    );
  });
});

describe("access checks", () => {
  it("shows the scope rule: a scope covers its own key and keys below it at a '/' boundary", () => {
    expect(scopeCovers("tickets", "tickets")).toBe(true);
    expect(scopeCovers("tickets", "tickets/123")).toBe(true);
    expect(scopeCovers("tickets", "tickets/123/notes")).toBe(true);
    expect(scopeCovers("tickets", "tickets-archive/1")).toBe(false);
    expect(scopeCovers("crm/accounts", "crm/accounts/7")).toBe(true);
    expect(scopeCovers("crm/accounts", "crm/leads/7")).toBe(false);
  });

  it("shows that tool, data and model checks allow what the job declares and deny the rest with a reason", () => {
    const manager = new AccessManager(new AuditTrail());
    manager.declare("triage", validateGovernance({ ...valid, tokenBudget: 1000 }, "g"));
    const access = manager.open("triage#1", "triage", "support");
    expect(access.checkTool("crm-search")).toEqual({ allow: true });
    expect(access.checkTool("shell")).toEqual({
      allow: false,
      reason: 'tool "shell" is not granted to job "triage" (tools: crm-search)',
    });
    expect(access.checkData("tickets/9")).toEqual({ allow: true });
    expect(access.checkData("accounts/9")).toEqual({
      allow: false,
      reason: '"accounts/9" is outside job "triage"\'s dataScopes (tickets)',
    });
    expect(access.checkData("tickets/../accounts/9")).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/not a normalized key: parent segment/),
    });
    expect(access.checkData("tickets//9")).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/normalizes to "tickets\/9"/),
    });
    expect(access.checkModelCall(1000)).toEqual({ allow: true });
    access.useTokens(900);
    expect(access.checkModelCall(100)).toEqual({ allow: true });
    expect(access.checkModelCall(101)).toEqual({
      allow: false,
      reason: 'token budget exceeded: 900 used + 101 requested > 1000 for job "triage"',
    });
    expect(() => access.useTokens(-1)).toThrow(/tokens must be finite and >= 0/);
    expect(() => manager.open("x", "unknown", "t")).toThrow(/job "unknown" was not declared/);
    expect(() => manager.declare("triage", valid as Governance)).toThrow(/declared twice/);
  });
});

/** An independent statement of the scope rule, for the property below. */
function covered(scopes: readonly string[], entity: string): boolean {
  return scopes.some((s) => entity === s || entity.startsWith(`${s}/`));
}

const governance = fc.record({
  owner: fc.constantFrom("ops", "analytics"),
  authorizedBy: fc.constantFrom("cfo", "head-of-support", "ciso", "a b"),
  purpose: fc.constant("test"),
  riskClass: fc.constantFrom("minimal", "limited", "high"),
  tools: fc.subarray(["crm", "search", "shell"]),
  dataScopes: fc.subarray(["tickets", "accounts", "crm/leads"]),
  tokenBudget: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
});

type Action =
  | { kind: "tool"; run: number; name: string }
  | { kind: "model"; run: number; tokens: number }
  | { kind: "store"; run: number; write: boolean; entity: string }
  | { kind: "workspace"; run: number; path: string };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("tool"),
    run: fc.nat(),
    name: fc.constantFrom("crm", "search", "shell", "rm"),
  }),
  fc.record({
    kind: fc.constant("model"),
    run: fc.nat(),
    tokens: fc.integer({ min: 0, max: 3000 }),
  }),
  fc.record({
    kind: fc.constant("store"),
    run: fc.nat(),
    write: fc.boolean(),
    entity: fc.constantFrom(
      "tickets/1",
      "accounts/2",
      "crm/leads/3",
      "crm/deals/4",
      "tickets-old/5",
      "tickets/../accounts/2",
      "tickets",
    ),
  }),
  fc.record({
    kind: fc.constant("workspace"),
    run: fc.nat(),
    path: fc.constantFrom("notes", "../x", "%2e%2e/y", "a/b"),
  }),
) as fc.Arbitrary<Action>;

describe("authority at unit level", () => {
  it(
    "shows that every record appended on behalf of a run carries its job's authorizedBy, and every denial its reason",
    () => {
      fc.assert(
        fc.property(
          fc.array(governance, { minLength: 1, maxLength: 3 }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
          fc.array(action, { maxLength: 40 }),
          (govs, runJobs, actions) => {
            const trail = new AuditTrail();
            const manager = new AccessManager(trail);
            govs.forEach((g, j) => {
              manager.declare(`job-${j}`, validateGovernance(g, `jobs[${j}]`));
            });
            const workspaces = new Workspaces(trail);
            const store = new Store(trail);
            const jobOf = new Map<string, number>();
            const runs = runJobs.map((j, r) => {
              const run = `run-${r}`;
              jobOf.set(run, j % govs.length);
              workspaces.open(run);
              return manager.open(run, `job-${j % govs.length}`, `tenant-${r % 2}`);
            });
            const used = runs.map(() => 0);
            actions.forEach((a, t) => {
              const r = a.run % runs.length;
              const access = runs[r]!;
              const gov = govs[jobOf.get(access.run)!]!;
              if (a.kind === "tool") {
                // The runtime's tool path: check, then audit the decision.
                const d = access.checkTool(a.name);
                expect(d.allow).toBe(gov.tools.includes(a.name));
                trail.append(
                  t,
                  access.actor,
                  "tool.call",
                  a.name,
                  d.allow ? "allow" : "deny",
                  d.allow ? "" : d.reason,
                );
              } else if (a.kind === "model") {
                const d = access.checkModelCall(a.tokens);
                expect(d.allow).toBe(
                  gov.tokenBudget === undefined || used[r]! + a.tokens <= gov.tokenBudget,
                );
                trail.append(
                  t,
                  access.actor,
                  "model.call",
                  `turn-${t}`,
                  d.allow ? "allow" : "deny",
                  d.allow ? "" : d.reason,
                );
                if (d.allow) {
                  access.useTokens(a.tokens);
                  used[r]! += a.tokens;
                }
              } else if (a.kind === "store") {
                const result = a.write
                  ? store.write(t, access, a.entity, t)
                  : store.read(t, access, a.entity);
                const allowed = !a.entity.includes("..") && covered(gov.dataScopes, a.entity);
                if (!allowed) expect(result).toMatchObject({ ok: false, denied: true });
                else expect(result.ok === true || !result.denied).toBe(true);
              } else {
                workspaces.write(t, access, a.path, "x");
              }
            });
            const records = trail.records();
            expect(records).toHaveLength(actions.length);
            for (const record of records) {
              const gov = govs[jobOf.get(record.run)!]!;
              expect(record.authorizedBy).toBe(gov.authorizedBy);
              expect(record.job).toBe(`job-${jobOf.get(record.run)}`);
              if (record.decision === "deny" || record.decision === "error")
                expect(record.detail).not.toBe("");
            }
            const counts = trail.counts();
            expect(counts.withoutAuthority).toBe(0);
            expect(counts.denials).toBe(records.filter((r) => r.decision === "deny").length);
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
