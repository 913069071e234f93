import { readFileSync } from "node:fs";
import { compile } from "vega-lite";
import { beforeAll, describe, expect, it } from "vitest";
import type { Results } from "../src/experiment/results.ts";
import type { ChartSpec } from "../src/report/index.ts";
import { chartSpecs, pngFonts, renderPng, renderSvg } from "../src/report/index.ts";

const comparison = JSON.parse(
  readFileSync(new URL("./fixtures/results-sample.json", import.meta.url), "utf8"),
) as Results;
const sweep = JSON.parse(
  readFileSync(new URL("./fixtures/results-sample-sweep.json", import.meta.url), "utf8"),
) as Results;

/** Items of the marks of one type (line, rect, area, symbol, rule, text) in a vega SVG. */
function markItems(svg: string, type: string): number {
  let n = 0;
  for (const m of svg.matchAll(/<g class="mark-(\w+) role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)) {
    if (m[1] === type) n += (m[2]!.match(/<(path|line|text)\b/g) ?? []).length;
  }
  return n;
}

/** Texts of the axis titles of a vega SVG. */
function axisTitles(svg: string): string[] {
  return [
    ...svg.matchAll(/class="mark-text role-axis-title"[^>]*><text[^>]*>([^<]*)<\/text>/g),
  ].map((m) => m[1]!);
}

/** Font sizes (px) used by the SVG's text. */
function fontSizes(svg: string): number[] {
  return [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((m) => Number(m[1]));
}

/** Data rows of a (single-dataset) chart spec. */
function rows(chart: ChartSpec): Record<string, unknown>[] {
  return (chart.spec as { data: { values: Record<string, unknown>[] } }).data.values;
}

const svgs = new Map<string, string>();
const charts = [...chartSpecs(sweep)];

beforeAll(async () => {
  for (const chart of charts)
    svgs.set(chart.name, await renderSvg(chart.spec, { idPrefix: chart.name }));
});

describe("chart specs", () => {
  it("shows that a comparison gets six charts and a sweep adds the two sweep charts", () => {
    expect(chartSpecs(comparison).map((c) => c.name)).toEqual([
      "wait-cdf",
      "latency-percentiles",
      "service-share",
      "queue-length",
      "slot-timeline",
      "slo-attainment",
    ]);
    expect(charts.map((c) => c.name)).toEqual([
      ...chartSpecs(comparison).map((c) => c.name),
      "sweep-latency",
      "sweep-fairness",
    ]);
  });

  it("shows that every spec compiles with vega-lite without warnings and carries a title", () => {
    for (const chart of charts) {
      const warnings: string[] = [];
      const record = (...a: unknown[]) => {
        warnings.push(a.join(" "));
        return logger;
      };
      const logger = {
        level: () => logger,
        error: record,
        warn: record,
        info: () => logger,
        debug: () => logger,
      };
      const vega = compile(chart.spec, { logger: logger as never }).spec;
      expect(vega.marks?.length ?? 0, chart.name).toBeGreaterThan(0);
      expect(warnings, chart.name).toEqual([]);
      expect(chart.title.length, chart.name).toBeGreaterThan(0);
      expect(chart.caption.length, chart.name).toBeGreaterThan(20);
    }
  });

  it("shows that the same results give byte-identical specs", () => {
    expect(JSON.stringify(chartSpecs(sweep))).toBe(JSON.stringify(charts));
  });

  it("shows that policies keep one colour, dash and shape in every chart (Okabe–Ito)", () => {
    const text = JSON.stringify(charts.map((c) => c.spec));
    const domains = [
      ...text.matchAll(/"domain":\["fifo","priority","fair-share"\],"range":\[([^\]]*)/g),
    ];
    const colours = domains.map((m) => m[1]).filter((r) => r!.startsWith('"#'));
    expect(colours.length).toBeGreaterThan(4);
    expect(new Set(colours)).toEqual(new Set(['"#0072B2","#E69F00","#009E73"']));
    expect(text).toContain('"range":[[1,0],[7,3],[2,2]]');
  });
});

describe("rendered SVG", () => {
  it("shows that the wait CDF draws one line per policy with its axis titles", () => {
    const svg = svgs.get("wait-cdf")!;
    expect(markItems(svg, "line")).toBe(3);
    expect(axisTitles(svg)).toEqual([
      "wait before dispatch (s)",
      "fraction of turns waiting at most x",
    ]);
  });

  it("shows that the percentile chart has a point and an interval bar per policy, metric and percentile", () => {
    const svg = svgs.get("latency-percentiles")!;
    expect(markItems(svg, "symbol")).toBe(27);
    expect(markItems(svg, "rule")).toBe(27);
    expect(axisTitles(svg)).toContain("seconds (s)");
  });

  it("shows that service share stacks an area per tenant in each policy's panel, outages shaded", () => {
    const svg = svgs.get("service-share")!;
    expect(markItems(svg, "area")).toBe(3 * 2);
    // One rect per outage window of the results (the first replication's) in each of three panels.
    const outages = sweep.policies.fifo!.charts.outages.length;
    expect(outages).toBeGreaterThan(0);
    expect(markItems(svg, "rect")).toBe(3 * outages);
    expect(axisTitles(svg)).toEqual(
      expect.arrayContaining(["simulated time (s)", "share of service"]),
    );
  });

  it("shows that queue length draws a line per policy over the outage windows and the warmup rule", () => {
    const svg = svgs.get("queue-length")!;
    expect(markItems(svg, "line")).toBe(3);
    expect(markItems(svg, "rect")).toBe(sweep.policies.fifo!.charts.outages.length);
    expect(markItems(svg, "rule")).toBe(1);
    expect(svg).toContain("llm outage");
    expect(svg).toContain("warmup ends");
  });

  it("shows that the slot timeline draws a bar per turn in the span, on one row per slot", () => {
    const chart = charts.find((c) => c.name === "slot-timeline")!;
    const turns = rows(chart).filter((r) => r.kind === "turn");
    const outages = rows(chart).filter((r) => r.kind === "outage");
    expect(turns.length).toBeGreaterThan(100);
    const svg = svgs.get("slot-timeline")!;
    expect(markItems(svg, "rect")).toBe(turns.length + outages.length);
    for (let slot = 0; slot < 8; slot++) expect(svg).toContain(`>llm ${slot}</text>`);
    expect(axisTitles(svg)).toEqual(expect.arrayContaining(["simulated time (s)", "slot"]));
  });

  it("shows that SLO attainment has a labelled bar per policy for the job with an SLO", () => {
    const svg = svgs.get("slo-attainment")!;
    expect(markItems(svg, "rect")).toBe(3);
    expect(markItems(svg, "text")).toBe(3);
    expect(svg).toContain("ticket-triage (run ≤ 20 s)");
  });

  it("shows that the sweep charts draw a line, points and a 95% band per policy against the swept rate, with a legend", () => {
    const latency = svgs.get("sweep-latency")!;
    expect(markItems(latency, "line")).toBe(3 * 2); // 3 policies x 2 panels (p50, p95)
    expect(markItems(latency, "symbol")).toBe(4 * 3 * 2); // 4 points
    expect(markItems(latency, "area")).toBe(3 * 2); // a band per policy and panel
    const fairness = svgs.get("sweep-fairness")!;
    expect(markItems(fairness, "line")).toBe(3);
    expect(markItems(fairness, "symbol")).toBe(4 * 3);
    expect(markItems(fairness, "area")).toBe(3);
    for (const svg of [latency, fairness]) {
      expect(axisTitles(svg)).toContain("jobs.nightly-summaries.arrivals.rate (per second)");
      expect(axisTitles(svg)).not.toContain("offered load (fraction of capacity)");
      const legend = [...svg.matchAll(/role-legend-label[^>]*>(.*?)<\/g>/gs)].flatMap((m) =>
        [...m[1]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]),
      );
      expect(legend).toEqual(["fifo", "priority", "fair-share"]);
    }
  });

  it("shows that the sweep latency chart marks the declared run-latency SLO in each panel", () => {
    const latency = svgs.get("sweep-latency")!;
    // The fixture's scenario declares one SLO: ticket-triage, run latency within 20 s.
    expect(markItems(latency, "rule")).toBe(2);
    expect(markItems(latency, "text")).toBe(2);
    expect(latency.match(/>SLO of ticket-triage: run ≤ 20 s</g)?.length).toBe(2);
  });

  it("shows that the sweep charts plot each point at its swept value in base units, the band being the point's interval", () => {
    const latency = charts.find((c) => c.name === "sweep-latency")!;
    const data = rows(latency);
    // The sweep's values as written on the command line: 0.05/s, 0.1/s, 0.2/s and 0.4/s.
    expect([...new Set(data.map((r) => r.x))]).toEqual([0.05, 0.1, 0.2, 0.4]);
    expect(data).toHaveLength(4 * 3 * 2);
    for (const r of data) {
      const point = sweep.sweep!.points.find((p) => Object.values(p.point)[0] === `${r.x}/s`)!;
      const summary = point.policies[r.policy as string]!.summary;
      const percentile = (r.percentile as string).split(" ").pop() as "p50" | "p95";
      expect(r.latencyS).toBe(summary.runLatency[percentile]);
      const ci = summary.intervals![`runLatency.${percentile}`]!.ci95!;
      expect([r.low, r.high]).toEqual(ci);
      expect(r.low as number).toBeLessThanOrEqual(r.latencyS as number);
      expect(r.high as number).toBeGreaterThanOrEqual(r.latencyS as number);
    }
  });

  it("shows that every chart's text is at least 11 px", () => {
    for (const [name, svg] of svgs) {
      const sizes = fontSizes(svg);
      expect(sizes.length, name).toBeGreaterThan(0);
      expect(Math.min(...sizes), name).toBeGreaterThanOrEqual(11);
    }
  });

  it("shows that rendering is deterministic and ids are prefixed, so SVGs inline together", async () => {
    for (const chart of charts) {
      const again = await renderSvg(chart.spec, { idPrefix: chart.name });
      expect(again, chart.name).toBe(svgs.get(chart.name));
      for (const m of again.matchAll(/\sid="([^"]+)"/g))
        expect(m[1]!.startsWith(`${chart.name}-`)).toBe(true);
    }
  });
});

describe("SVG ids", () => {
  it("shows that clip-path ids (from vega's process-wide counter) repeat exactly and carry the prefix", async () => {
    const spec = {
      data: {
        values: [
          { x: 1, y: 1 },
          { x: 5, y: 3 },
        ],
      },
      mark: { type: "line" as const, clip: true },
      encoding: {
        x: { field: "x", type: "quantitative" as const, scale: { domain: [0, 3] } },
        y: { field: "y", type: "quantitative" as const },
      },
    };
    const first = await renderSvg(spec, { idPrefix: "a" });
    await renderSvg(spec, { idPrefix: "b" });
    const again = await renderSvg(spec, { idPrefix: "a" });
    expect(first).toMatch(/<clipPath id="a-clip1">/);
    expect(first).toContain('clip-path="url(#a-clip1)"');
    expect(again).toBe(first);
  });
});

describe("PNG", () => {
  it("shows that each chart rasterizes to a non-trivial PNG", async () => {
    for (const [name, svg] of svgs) {
      const png = await renderPng(svg);
      expect([...png.subarray(0, 8)], name).toEqual([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
      ]);
      expect(png.length, name).toBeGreaterThan(20_000);
    }
  });

  it("shows that resvg finds a font, so PNG text is drawn", async () => {
    const fonts = pngFonts();
    if (fonts.files.length === 0) {
      console.warn(
        "\n!!! report-charts: no DejaVu or Liberation font found; PNG text relies on system fonts " +
          "(install fonts-dejavu-core) !!!\n",
      );
    }
    const page = (text: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="#fff"/>` +
      `<text x="10" y="28" font-family="DejaVu Sans, sans-serif" font-size="20px">${text}</text></svg>`;
    const withText = await renderPng(page("Wait p99"));
    const blank = await renderPng(page(""));
    expect(Buffer.compare(withText, blank)).not.toBe(0);
  });
});
