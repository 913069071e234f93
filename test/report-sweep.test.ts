/**
 * Sweeps keyed by what was swept: cells.csv of a sweep (a row per point, policy, replication and
 * tenant, a column per axis in base units), axis values and units, the terminal tables' p95
 * columns, and the sweep verdict. Expected values are counted or recomputed here from the
 * fixtures' own numbers (the sweep fixture is `agentsim sweep test/fixtures/noisy-neighbor.yaml
 * --vary jobs.nightly-summaries.arrivals.rate=0.05/s,0.1/s,0.2/s,0.4/s --replications 3 --seed 7
 * --json`), not by the code under test.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareTable, sweepTable } from "../src/cli/table.ts";
import type { Results } from "../src/experiment/results.ts";
import {
  CELLS_CSV_COLUMNS,
  cellsCsv,
  chartSpecs,
  cockpitHtml,
  renderSvg,
  summaryMarkdown,
  sweepVerdictOf,
} from "../src/report/index.ts";
import { axisView } from "../src/report/sweep-axes.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Results;
const sweep = fixture("results-sample-sweep.json");
const comparison = fixture("results-sample.json");
const NO_COLOR = { color: false };
const AXIS = "jobs.nightly-summaries.arrivals.rate";

/** `digits` significant digits; whole numbers from 10^digits on (how the terminal prints). */
const sig = (x: number, digits = 3) =>
  Math.abs(x) >= 10 ** digits ? String(Math.round(x)) : String(Number(x.toPrecision(digits)));

/** A CSV without quoted fields (none of these has one) as header and rows. */
function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const [head, ...lines] = text.trimEnd().split("\n");
  return { header: head!.split(","), rows: lines.map((l) => l.split(",")) };
}

describe("cells.csv of a sweep", () => {
  const { header, rows } = parseCsv(cellsCsv(sweep));

  it("has a row per point, policy, replication and tenant", () => {
    // Counted from the command that made the fixture: 4 rates x 3 policies x 3 replications,
    // and the scenario's two tenants (support, batch).
    expect(rows).toHaveLength(4 * 3 * 3 * 2);
    const col = (name: string) => header.indexOf(name);
    const keys = new Set(
      rows.map((r) =>
        [r[col(AXIS)], r[col("policy")], r[col("replication")], r[col("tenant")]].join("|"),
      ),
    );
    expect(keys.size).toBe(rows.length);
  });

  it("names a column by the axis path, holding the rate per second, after scenario and sweep_point", () => {
    expect(header.slice(0, 4)).toEqual(["scenario", "sweep_point", AXIS, "policy"]);
    expect(header.slice(3)).toEqual(CELLS_CSV_COLUMNS.slice(1).map(([name]) => name));
    const rates = rows.map((r) => Number(r[2]));
    // "0.05/s".."0.4/s" as written on the command line, per second; 18 rows a point.
    for (const [i, rate] of [0.05, 0.1, 0.2, 0.4].entries()) {
      expect(rates.slice(i * 18, (i + 1) * 18)).toEqual(new Array(18).fill(rate));
      expect(rows.slice(i * 18, (i + 1) * 18).every((r) => r[1] === String(i))).toBe(true);
    }
  });

  it("holds each point's own figures, not the first point's", () => {
    const col = (name: string) => header.indexOf(name);
    sweep.sweep!.points.forEach((point, i) => {
      const rep = point.policies["fair-share"]!.replications![2]!;
      const row = rows.find(
        (r) =>
          r[col("sweep_point")] === String(i) &&
          r[col("policy")] === "fair-share" &&
          r[col("replication")] === "2" &&
          r[col("tenant")] === "support",
      )!;
      expect(Number(row[col("wait_p99_s")])).toBe(rep.tenants.support!.waitP99);
      expect(Number(row[col("seed")])).toBe(rep.seed);
    });
    // The points differ: the batch tenant's demand grows with its arrival rate.
    const demand = (i: number) =>
      rows
        .filter((r) => r[col("sweep_point")] === String(i) && r[col("tenant")] === "batch")
        .reduce((sum, r) => sum + Number(r[col("demand")]), 0);
    expect(demand(3)).toBeGreaterThan(demand(0) * 2);
  });

  it("leaves a comparison's cells.csv with the documented columns", () => {
    const { header: compareHeader, rows: compareRows } = parseCsv(cellsCsv(comparison));
    expect(compareHeader).toEqual(CELLS_CSV_COLUMNS.map(([name]) => name));
    // 3 policies x replications x 2 tenants.
    expect(compareRows).toHaveLength(3 * comparison.replications * 2);
  });
});

describe("sweep axes", () => {
  it("converts values with units to base units and names the unit", () => {
    expect(axisView("a.timeout", ["300ms", "2s", "1m"])).toMatchObject({
      values: [0.3, 2, 60],
      unit: "seconds",
      numeric: true,
    });
    expect(axisView("jobs.x.arrivals.rate", ["120/m", "0.5/s", "3600/h"])).toMatchObject({
      values: [2, 0.5, 1],
      unit: "per second",
    });
    expect(axisView("jobs.x.turns.outputTokens", ["8k", "1.5k", "2M"])).toMatchObject({
      values: [8000, 1500, 2_000_000],
      unit: "tokens",
    });
    expect(axisView("endpoints.0.failures.errorRate", ["2%", "10%"])).toMatchObject({
      values: [0.02, 0.1],
      unit: "fraction",
    });
    expect(axisView("endpoints.0.slots", [4, 8, 16])).toMatchObject({
      values: [4, 8, 16],
      unit: "slots",
    });
    expect(axisView("jobs.x.turns.count", ["exp(2)", "3"])).toMatchObject({
      values: ["exp(2)", "3"],
      numeric: false,
    });
  });
});

describe("terminal tables", () => {
  /** The cells of the table line that starts with `label`, split on runs of two spaces. */
  const cells = (text: string, label: RegExp) =>
    text
      .split("\n")
      .find((l) => label.test(l))!
      .trim()
      .split(/\s{2,}/);

  it("show p95 beside p50 and p99 in compare", () => {
    const text = compareTable(NO_COLOR, comparison);
    const header = cells(text, /^policy\s+wait p50/);
    expect(header).toEqual([
      "policy",
      "wait p50",
      "wait p95",
      "wait p99",
      "run p50",
      "run p95",
      "run p99",
      "runs/s",
      "jain",
      "SLO",
    ]);
    const fifo = cells(text, /^fifo\s/);
    const e = comparison.policies.fifo!.summary.intervals!["runLatency.p95"]!;
    const [low, high] = e.ci95!;
    // Three significant digits of the mean, two of the half-width, as the table prints them.
    expect(fifo[header.indexOf("run p95")]).toBe(`${sig(e.mean)} ±${sig((high - low) / 2, 2)}`);
  });

  it("show p95 in the sweep table, a row per point and policy, and end with the sweep verdict", () => {
    const text = sweepTable(NO_COLOR, sweep);
    const header = cells(text, /^point\s+policy/);
    expect(header.slice(1, 8)).toEqual([
      "policy",
      "wait p50",
      "wait p95",
      "wait p99",
      "run p50",
      "run p95",
      "run p99",
    ]);
    expect(text.split("\n").filter((l) => /^rate=/.test(l))).toHaveLength(4 * 3);
    const row = cells(text, /^rate=0\.4\/s\s+priority/);
    const mean = sweep.sweep!.points[3]!.policies.priority!.summary.intervals!["wait.p95"]!.mean;
    expect(row[header.indexOf("wait p95")]!.split(" ")[0]).toBe(sig(mean));
    expect(text).toContain(`Verdict: Sweep of ${AXIS} from 0.05/s to 0.4/s`);
  });
});

describe("the sweep verdict", () => {
  const verdict = sweepVerdictOf(sweep)!;

  it("judges every point on the sweep's quiet tenant, the one with the least mean demand over all points", () => {
    const demand = (tenant: string) => {
      const values = sweep.sweep!.points.flatMap((p) =>
        Object.values(p.policies).map((q) => q.tenants[tenant]!.demand),
      );
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    const quiet = demand("support") < demand("batch") ? "support" : "batch";
    expect(verdict.quietTenant).toBe(quiet);
    expect(verdict.points.map((p) => p.label)).toEqual(["0.05/s", "0.1/s", "0.2/s", "0.4/s"]);
  });

  it("keeps the sweep's quiet tenant when the first point alone would name another", () => {
    const changed = structuredClone(sweep);
    // At the first point support now asks for almost nothing; over the sweep batch still asks
    // for less on average (its demand at the three higher rates is far below support's).
    for (const p of Object.values(changed.sweep!.points[0]!.policies))
      p.tenants.support!.demand = 1;
    const mean = (tenant: string) => {
      const values = changed.sweep!.points.flatMap((pt) =>
        Object.values(pt.policies).map((q) => q.tenants[tenant]!.demand),
      );
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    expect(mean("batch")).toBeLessThan(mean("support"));
    expect(sweepVerdictOf(changed)!.quietTenant).toBe("batch");
  });

  it("names a best policy at a point only when its paired differences with every other are clear", () => {
    // Student t critical value for 2 degrees of freedom (3 replications), 97.5th percentile.
    const T2 = 4.302652729911275;
    const tenant = verdict.quietTenant!;
    sweep.sweep!.points.forEach((point, i) => {
      const waits = Object.fromEntries(
        Object.entries(point.policies).map(([policy, p]) => [
          policy,
          p.replications!.map((r) => r.tenants[tenant]!.waitP99),
        ]),
      );
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const leader = Object.keys(waits).sort((a, b) => mean(waits[a]!) - mean(waits[b]!))[0]!;
      // The leader is clearly better than another when the interval of (other - leader) > 0.
      const clearlyWorse = Object.keys(waits)
        .filter((p) => p !== leader)
        .filter((p) => {
          const d = waits[p]!.map((w, k) => w - waits[leader]![k]!);
          const m = mean(d);
          const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1));
          return m - (T2 * sd) / Math.sqrt(d.length) > 0;
        });
      const v = verdict.points[i]!.verdict;
      if (clearlyWorse.length === Object.keys(waits).length - 1) {
        expect(v.best, point.point[AXIS] as string).toBe(leader);
      } else {
        expect(v.best, point.point[AXIS] as string).toBeUndefined();
        expect(v.tied[0]).toBe(leader);
        expect(new Set(v.tied)).toEqual(
          new Set(Object.keys(waits).filter((p) => !clearlyWorse.includes(p))),
        );
      }
    });
  });

  it("says where each policy stops being steady, from the points' steady flags", () => {
    const steady = (policy: string) =>
      sweep.sweep!.points.map((p) => p.policies[policy]!.summary.saturation.steady);
    // In this fixture every policy is steady at the two lowest rates and not above.
    for (const policy of ["fifo", "priority", "fair-share"]) {
      expect(steady(policy)).toEqual([true, true, false, false]);
    }
    expect(verdict.lines).toContain(
      "Steadiness: fifo, priority and fair-share are steady up to 0.1/s and not steady from 0.2/s on.",
    );
    expect(verdict.points.map((p) => p.notSteady.length)).toEqual([0, 0, 3, 3]);
  });

  it("opens summary.md and the cockpit of a sweep, with a sentence a point", () => {
    const md = summaryMarkdown(sweep);
    const section = md.slice(
      md.indexOf("## Verdict"),
      md.indexOf("\n## ", md.indexOf("## Verdict") + 1),
    );
    for (const rate of ["0.05/s", "0.1/s", "0.2/s", "0.4/s"])
      expect(section).toContain(`- At ${rate}: `);
    expect(section).toContain(`**Sweep of ${AXIS} from 0.05/s to 0.4/s`);
    const html = cockpitHtml(sweep);
    const glance = html.slice(
      html.indexOf('<section id="summary">'),
      html.indexOf("</section>", html.indexOf('<section id="summary">')),
    );
    // At a glance: a row per point and policy, labelled with its point.
    expect(glance.match(/<tr><td>jobs\.nightly-summaries\.arrivals\.rate=/g)).toHaveLength(4 * 3);
    expect(html).toContain('<ul id="sweep-verdict">');
  });

  it("gives a sweep of one policy that policy's figure at each point, without comparing it to itself", () => {
    const one = structuredClone(sweep);
    for (const point of one.sweep!.points) point.policies = { fifo: point.policies.fifo! };
    one.policies = { fifo: one.policies.fifo! };
    const v = sweepVerdictOf(one)!;
    const tenant = v.quietTenant!;
    one.sweep!.points.forEach((point, i) => {
      const waitP99 = point.policies.fifo!.tenants[tenant]!.wait.p99;
      const label = String(point.point[AXIS]);
      const digits = waitP99 < 1 ? 3 : waitP99 < 10 ? 2 : waitP99 < 100 ? 1 : 0;
      const shown = waitP99.toFixed(digits);
      expect(v.points[i]!.text).toMatch(
        new RegExp(`^At ${label.replace(".", "\\.")}: fifo ${shown} s[.;]`),
      );
    });
    expect(v.sentence).not.toMatch(/tie|clearly|best/);
  });

  it("is absent for a comparison, whose verdict is unchanged", () => {
    expect(sweepVerdictOf(comparison)).toBeUndefined();
    expect(summaryMarkdown(comparison)).not.toContain("Sweep of");
  });
});

describe("sweep charts of two axes", () => {
  // The fixture's points, each twice: at endpoints.0.slots = 8 and 16 (the last axis varies
  // fastest), the same figures at both (only the layout is under test).
  const twoAxes: Results = {
    ...sweep,
    sweep: {
      axes: [...sweep.sweep!.axes, { path: "endpoints.0.slots", values: [8, 16] }],
      points: sweep.sweep!.points.flatMap((p) =>
        [8, 16].map((slots) => ({ ...p, point: { ...p.point, "endpoints.0.slots": slots } })),
      ),
    },
  };

  it("draw one row of panels for each value of the second axis, x still the first axis", async () => {
    const chart = chartSpecs(twoAxes).find((c) => c.name === "sweep-latency")!;
    const spec = chart.spec as unknown as {
      facet: { row: { sort: string[] } };
      data: { values: { x: number; group: string }[] };
    };
    expect(spec.facet.row.sort).toEqual(["endpoints.0.slots=8", "endpoints.0.slots=16"]);
    expect([...new Set(spec.data.values.map((v) => v.x))]).toEqual([0.05, 0.1, 0.2, 0.4]);
    const svg = await renderSvg(chart.spec, { idPrefix: chart.name });
    const lines = [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)].reduce(
      (n, m) => n + (m[1]!.match(/<path\b/g) ?? []).length,
      0,
    );
    expect(lines).toBe(3 * 2 * 2); // policies x percentiles x slot values
  });
});

describe("a sweep's charts of one set of results", () => {
  it("say in their titles that they are of the first point; a comparison's do not", () => {
    const first = `first sweep point only: ${AXIS}=0.05/s`; // the fixture's first rate
    for (const chart of chartSpecs(sweep)) {
      const labelled = JSON.stringify(chart.spec.title).includes(first);
      expect(labelled, chart.name).toBe(!chart.name.startsWith("sweep-"));
      expect(chart.title.includes(first), chart.name).toBe(!chart.name.startsWith("sweep-"));
    }
    for (const chart of chartSpecs(comparison)) {
      expect(JSON.stringify(chart.spec.title), chart.name).not.toContain("sweep point");
    }
  });
});

describe("a sweep over values that are no quantity", () => {
  it("plots them as categories in grid order, the band a bar at each", async () => {
    const names = ["lognormal(1s)", "exp(2s)", "const(3s)", "exp(5s)"];
    const categorical: Results = {
      ...sweep,
      sweep: {
        axes: [{ path: "jobs.x.think", values: names }],
        points: sweep.sweep!.points.map((p, i) => ({ ...p, point: { "jobs.x.think": names[i]! } })),
      },
    };
    const chart = chartSpecs(categorical).find((c) => c.name === "sweep-latency")!;
    const x = JSON.stringify(chart.spec).match(
      /"x":\{"field":"x","type":"(\w+)"[^}]*"sort":(\[[^\]]*\])/,
    )!;
    expect(x[1]).toBe("ordinal");
    expect(JSON.parse(x[2]!)).toEqual(names);
    const svg = await renderSvg(chart.spec, { idPrefix: chart.name });
    const rules = [...svg.matchAll(/<g class="mark-rule role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)].reduce(
      (n, m) => n + (m[1]!.match(/<line\b/g) ?? []).length,
      0,
    );
    // A bar per policy, point and panel (3 x 4 x 2; every point has 3 replications), and the SLO line in each panel.
    expect(rules).toBe(3 * 4 * 2 + 2);
  });
});

describe("percentile SLOs across a sweep", () => {
  // The fixture with a percentile SLO on ticket-triage judged by hand at each point: the
  // estimate, interval and verdict are set here, so the expected sentence and marks follow
  // from these lines alone.
  const HOLDS: Record<string, (boolean | null)[]> = {
    fifo: [true, true, false, false],
    priority: [true, true, true, true],
    "fair-share": [true, null, false, true],
  };
  const withSlo: Results = structuredClone(sweep);
  withSlo.sweep!.points.forEach((point, i) => {
    for (const [policy, p] of Object.entries(point.policies)) {
      const holds = HOLDS[policy]![i]!;
      const mean = holds === true ? 40 : holds === false ? 90 : 60;
      p.jobs!["ticket-triage"]!.percentileSlos = [
        {
          metric: "runLatency.p95",
          boundS: 60,
          estimate: { mean, ci95: [mean - 5, mean + 5], truncated: false, n: 3 },
          holds,
        },
      ];
    }
  });

  it("says where each policy meets, misses or cannot decide each SLO", () => {
    const line = sweepVerdictOf(withSlo)!.lines.find((l) => l.startsWith("SLO ticket-triage"));
    expect(line).toBe(
      "SLO ticket-triage runLatency.p95 ≤ 60 s: fifo holds up to 0.1/s and misses it from 0.2/s on; " +
        "priority holds at every point; fair-share holds at 0.05/s and 0.4/s, misses it at 0.2/s, " +
        "undecided at 0.1/s (the interval straddles the bound, or one replication).",
    );
    expect(sweepVerdictOf(sweep)!.lines.some((l) => l.startsWith("SLO ticket-triage"))).toBe(false);
  });

  it("draws each SLO's estimate per policy with its band and the bound as a line", async () => {
    expect(chartSpecs(sweep).map((c) => c.name)).not.toContain("sweep-slo");
    const chart = chartSpecs(withSlo).find((c) => c.name === "sweep-slo")!;
    const values = (chart.spec as unknown as { data: { values: Record<string, unknown>[] } }).data
      .values;
    const estimates = values.filter((v) => v.kind === "estimate");
    expect(estimates).toHaveLength(4 * 3);
    expect(estimates.find((v) => v.policy === "fifo" && v.x === 0.4)).toMatchObject({
      valueS: 90,
      low: 85,
      high: 95,
    });
    const svg = await renderSvg(chart.spec, { idPrefix: chart.name });
    const count = (type: string) =>
      [
        ...svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, "gs")),
      ].reduce((n, m) => n + (m[1]!.match(/<(path|line)\b/g) ?? []).length, 0);
    expect(count("line")).toBe(3);
    expect(count("area")).toBe(3);
    expect(count("rule")).toBe(1); // the bound, 60 s
    expect(svg).toContain("ticket-triage: runLatency.p95 ≤ 60 s");
  });
});
