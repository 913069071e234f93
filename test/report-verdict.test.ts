/**
 * The verdict, the paired-differences tables and the steady-state wording on results built by
 * hand, so every expected value is counted here rather than computed by the code under test:
 * a winner only with clear paired differences, a tie otherwise, no interval with one
 * replication, the quiet tenant by demand, every pair of policies in summary.md and the cockpit.
 */
import { describe, expect, it } from "vitest";
import { compareTable } from "../src/cli/table.ts";
import type {
  Comparison,
  PolicyResults,
  PolicySummary,
  Results,
  Stat,
  TenantResults,
} from "../src/experiment/results.ts";
import { cockpitHtml, quietTenant, summaryMarkdown, verdictOf } from "../src/report/index.ts";

const NO_COLOR = { color: false };

function stat(value: number, n = 5): Stat {
  return {
    mean: value,
    p50: value,
    p95: value,
    p99: value,
    max: value,
    ci95: null,
    truncated: false,
    n,
  };
}

const COUNTS = { submitted: 100, completed: 100, failed: 0, rejected: 0, inFlight: 0 };
const CALLS = {
  attempts: 300,
  ok: 300,
  errors: 0,
  timeouts: 0,
  rateLimited: 0,
  unavailable: 0,
  retries: 0,
  aborts: 0,
  compactions: 0,
  toolCalls: 0,
  toolErrors: 0,
};

interface TenantSpec {
  waitP99S: number;
  demand: number;
  submitted?: number;
  serviceShare?: number;
}

function tenant(spec: TenantSpec): TenantResults {
  return {
    weight: 1,
    demand: spec.demand,
    fairShare: spec.demand,
    serviceShare: spec.serviceShare ?? 0.5,
    wait: stat(spec.waitP99S),
    runLatency: stat(spec.waitP99S + 1),
    counts: { ...COUNTS, submitted: spec.submitted ?? 100, completed: spec.submitted ?? 100 },
    headOfLineBlockedS: 0,
    intervals: {},
  };
}

function summary(waitP99S: number, steady = true): PolicySummary {
  return {
    wait: stat(waitP99S),
    turnLatency: stat(waitP99S + 1),
    runLatency: stat(waitP99S + 2),
    throughput: { runsPerSecond: 1, tokensPerSecond: 100 },
    utilization: 0.5,
    fairness: { jain: 0.9, maxServiceGap: 10, jainReplications: 5 },
    counts: { ...COUNTS },
    wastedTokens: 0,
    sloAttainment: null,
    saturation: {
      saturated: !steady,
      steady,
      bottleneck: null,
      resources: [
        { resource: "slots", name: "llm", offered: 6, limit: 8, unit: "slot-s/s", load: 0.75 },
      ],
      failedFraction: 0,
      offeredPerS: 6,
      capacityPerS: 8,
      arrivalsPerS: 1,
      completionsPerS: 1,
      reason: steady ? "" : "slots on llm: offered 9 slot-s/s against a limit of 8",
      notSteady: steady ? 0 : 2,
      worstReplication: steady ? null : 3,
    },
    littlesLaw: { meanWaiting: 0, lambdaW: 0, relativeError: 0 },
    priority: { inversions: 0, blockedByLowerS: 0 },
    calls: { ...CALLS },
    endpoints: {},
    governance: { denials: 0 },
    isolation: { attempts: 0, refused: 0, succeeded: 0 },
    audit: { records: 0, unaudited: 0, withoutAuthority: 0, verified: null },
    intervals: {},
  };
}

function policy(tenants: Record<string, TenantSpec>, steady = true): PolicyResults {
  const waits = Object.values(tenants).map((t) => t.waitP99S);
  return {
    summary: summary(Math.max(...waits), steady),
    tenants: Object.fromEntries(Object.entries(tenants).map(([n, t]) => [n, tenant(t)])),
    jobs: {},
    replications: [],
    charts: {
      waitCdf: [],
      timeseries: {
        bucketS: 1,
        queueLength: [],
        queueMax: [],
        serviceByTenant: {},
        busySlots: [],
      },
      timeline: [],
      outages: [],
    },
  };
}

function comparison(
  metric: string,
  a: string,
  b: string,
  diff: number,
  ci95: [number, number] | null,
  n = 5,
): Comparison {
  const clear = ci95 !== null && (ci95[0] > 0 || ci95[1] < 0);
  return { metric, a, b, n, diff, ci95, clear };
}

function results(
  policies: Record<string, PolicyResults>,
  comparisons: Comparison[],
  replications = 5,
): Results {
  const tenantNames = Object.keys(Object.values(policies)[0]!.tenants);
  return {
    scenario: "hand-made",
    seed: 1,
    replications,
    version: "0.0.0",
    description: "",
    window: { fromS: 0, toS: 100 },
    policies,
    comparisons,
    registry: {
      tenants: tenantNames.map((name) => ({ name, weight: 1 })),
      jobs: [],
      endpoints: [{ name: "llm", slots: 8 }],
    },
    traces: [],
  };
}

// support asks for far less than batch under every policy: it is the quiet tenant.
const TWO_TENANTS = (supportWait: number) => ({
  support: { waitP99S: supportWait, demand: 1_000 },
  batch: { waitP99S: 300, demand: 50_000 },
});

describe("the verdict", () => {
  it("names no best policy when the paired difference's interval holds 0: the policies tie", () => {
    const r = results(
      {
        fifo: policy(TWO_TENANTS(333)),
        priority: policy(TWO_TENANTS(4.56)),
        "fair-share": policy(TWO_TENANTS(5.02)),
      },
      [
        comparison("tenants.support.wait.p99", "fifo", "priority", -328.44, [-400, -250]),
        comparison("tenants.support.wait.p99", "fifo", "fair-share", -327.98, [-400, -250]),
        comparison("tenants.support.wait.p99", "priority", "fair-share", 0.46, [-0.61, 1.53]),
      ],
    );
    const v = verdictOf(r);
    expect(v.quietTenant).toBe("support");
    expect(v.best).toBeUndefined();
    expect(v.tied).toEqual(["priority", "fair-share"]);
    expect(v.sentence).toContain(
      "priority and fair-share: no clear difference over 5 replications",
    );
    expect(v.sentence).toContain("fair-share − priority +0.460 s, 95% CI [-0.610, 1.53]");
    expect(v.sentence).toContain("both clearly better than fifo (333 s)");
    expect(v.sentence).not.toMatch(/serves .* best/);
  });

  it("names the single best policy when its paired difference with each other one is clear", () => {
    const r = results(
      {
        fifo: policy(TWO_TENANTS(333)),
        priority: policy(TWO_TENANTS(4.56)),
        "fair-share": policy(TWO_TENANTS(5.02)),
      },
      [
        comparison("tenants.support.wait.p99", "fifo", "priority", -328.44, [-400, -250]),
        comparison("tenants.support.wait.p99", "fifo", "fair-share", -327.98, [-400, -250]),
        // fair-share − priority: clearly positive, so priority is clearly better.
        comparison("tenants.support.wait.p99", "priority", "fair-share", 0.46, [0.2, 0.72]),
      ],
    );
    const v = verdictOf(r);
    expect(v.best).toBe("priority");
    expect(v.tied).toEqual([]);
    expect(v.sentence).toMatch(/^priority serves the quiet tenant "support" best/);
    expect(v.sentence).toContain("over 5 replications");
  });

  it("names no best policy with one replication, whatever the point estimates say", () => {
    const r = results(
      { fifo: policy(TWO_TENANTS(333)), priority: policy(TWO_TENANTS(4.56)) },
      [comparison("tenants.support.wait.p99", "fifo", "priority", -328.44, null, 1)],
      1,
    );
    const v = verdictOf(r);
    expect(v.best).toBeUndefined();
    expect(v.sentence).toContain("One replication: no interval, so no policy is named best");
  });

  it("takes the quiet tenant by demand, not by runs submitted or service received", () => {
    // "chatty" submits 25 times as many runs as "bulk" and, starved, bulk got the smaller share
    // of service — but chatty's short turns ask for a ninth of bulk's demand.
    const tenants = {
      chatty: { waitP99S: 2, demand: 100_000, submitted: 5_000, serviceShare: 0.6 },
      bulk: { waitP99S: 90, demand: 900_000, submitted: 200, serviceShare: 0.4 },
    };
    const r = results({ fifo: policy(tenants), "fair-share": policy(tenants) }, []);
    expect(quietTenant(r)).toBe("chatty");
    // And the other way round: the tenant with the fewest runs asks for the least.
    const reversed = {
      many: { waitP99S: 2, demand: 800_000, submitted: 5_000, serviceShare: 0.3 },
      few: { waitP99S: 90, demand: 20_000, submitted: 200, serviceShare: 0.7 },
    };
    expect(quietTenant(results({ fifo: policy(reversed) }, []))).toBe("few");
  });

  it("claims no quiet tenant when the tenants' demands are equal, and judges all turns instead", () => {
    const tenants = {
      left: { waitP99S: 2, demand: 500_000, submitted: 100 },
      right: { waitP99S: 3, demand: 500_000, submitted: 9_000 },
    };
    const r = results({ fifo: policy(tenants), "fair-share": policy(tenants) }, []);
    expect(quietTenant(r)).toBeUndefined();
    const v = verdictOf(r);
    expect(v.metric).toBe("wait.p99");
    expect(v.sentence).toContain("No quiet tenant");
    expect(v.sentence).not.toContain("the quiet tenant");
  });
});

describe("every pair of policies in the outputs", () => {
  const names = ["fifo", "priority", "fair-share", "edf"];
  const pairs: [string, string][] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) pairs.push([names[i]!, names[j]!]);
  }
  const metrics = ["wait.p99", "runLatency.p99", "tenants.support.wait.p99"];
  const r = results(
    Object.fromEntries(names.map((p, i) => [p, policy(TWO_TENANTS(10 + i))])),
    metrics.flatMap((m) => pairs.map(([a, b]) => comparison(m, a, b, 1, [0.5, 1.5]))),
  );

  it("lists k(k − 1)/2 = 6 pairs a metric in summary.md and the cockpit, with n", () => {
    expect(pairs).toHaveLength(6);
    const md = summaryMarkdown(r);
    const html = cockpitHtml(r);
    for (const metric of metrics) {
      const unit = metric.includes("wait") || metric.includes("Latency") ? " (s)" : "";
      const rows = md.split("\n").filter((l) => l.startsWith(`| ${metric}${unit} |`));
      expect(rows, metric).toHaveLength(6);
      for (const [a, b] of pairs) {
        expect(md).toContain(
          `| ${metric}${unit} | ${a} | ${b} | 5 | +1.00 | [0.500, 1.50] | **yes** |`,
        );
        expect(html).toContain(`<td>${metric}${unit}</td><td>${a}</td><td>${b}</td>`);
      }
    }
  });

  it("shows each policy against the leader in the terminal, and says where all pairs are", () => {
    const text = compareTable(NO_COLOR, r);
    expect(text).toContain("priority - fifo");
    expect(text).toContain("edf - fifo");
    expect(text).toContain("all 6 pairs are in summary.md and results.json");
  });
});

describe("one replication", () => {
  const r = results(
    { fifo: policy(TWO_TENANTS(333)), priority: policy(TWO_TENANTS(4.56)) },
    [
      comparison("wait.p99", "fifo", "priority", -328, null, 1),
      comparison("tenants.support.wait.p99", "fifo", "priority", -328.44, null, 1),
    ],
    1,
  );

  it("prints no interval and calls nothing clear, in summary.md, the cockpit and the terminal", () => {
    const md = summaryMarkdown(r);
    expect(md).toContain(
      "| wait.p99 (s) | fifo | priority | 1 | -328 | one replication: no interval | no |",
    );
    expect(md).not.toContain("**yes**");
    const html = cockpitHtml(r);
    expect(html).toContain(">one replication: no interval</td><td>no</td>");
    expect(html).not.toContain("<b>yes</b>");
    const text = compareTable(NO_COLOR, r);
    expect(text).toContain("-328 (no interval)");
    expect(text).toContain("one replication: no interval, so nothing is clear");
    expect(text).not.toMatch(/\] \*/);
  });
});

describe("steady state", () => {
  it("claims nothing about steady state when the results do not say (results.json of an older agentsim)", () => {
    const old = results({ fifo: policy(TWO_TENANTS(2)) }, []);
    const saturation = old.policies.fifo!.summary.saturation as { steady?: boolean };
    delete saturation.steady;
    for (const text of [summaryMarkdown(old), cockpitHtml(old), compareTable(NO_COLOR, old)]) {
      expect(text).not.toContain("No policy saturated");
    }
  });

  it("says that no policy saturated only when every policy is steady", () => {
    const steady = results({ fifo: policy(TWO_TENANTS(2)), priority: policy(TWO_TENANTS(3)) }, []);
    const sentence = "No policy saturated the endpoints";
    expect(summaryMarkdown(steady)).toContain(sentence);
    expect(cockpitHtml(steady)).toContain(sentence);
    expect(compareTable(NO_COLOR, steady)).toContain(sentence);
    const one = results(
      { fifo: policy(TWO_TENANTS(2)), priority: policy(TWO_TENANTS(3), false) },
      [],
    );
    for (const text of [summaryMarkdown(one), cockpitHtml(one), compareTable(NO_COLOR, one)]) {
      expect(text).not.toContain(sentence);
      expect(text).not.toMatch(/the figures are steady-state values/);
      expect(text).toContain(
        "priority is not steady state: slots on llm: offered 9 slot-s/s against a limit of 8 (replication 4; 2 of 5 replications not steady)",
      );
    }
  });
});
