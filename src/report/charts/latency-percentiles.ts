/** Chart: p50/p95/p99 of wait, turn and run latency per policy, with 95% intervals. */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import { LATENCY_METRICS, METRIC_LABEL, PERCENTILES, percentileEstimate } from "../percentiles.ts";
import { CONFIG, policyScales, SCHEMA } from "./theme.ts";
import type { ChartSpec } from "./types.ts";

/** The percentile chart; undefined without policies. */
export function latencyPercentilesChart(results: Results): ChartSpec | undefined {
  const policies = Object.keys(results.policies);
  if (policies.length === 0) return undefined;
  const values = LATENCY_METRICS.flatMap((metric) =>
    PERCENTILES.flatMap((percentile) =>
      policies.map((policy) => {
        const e = percentileEstimate(results.policies[policy]!, metric, percentile);
        return {
          metric: METRIC_LABEL[metric],
          percentile,
          policy,
          valueS: e.value,
          // Cut at 0 by the experiment layer (a latency cannot be negative); null below two
          // replications, when there is no interval to draw.
          lowS: e.ci95?.[0] ?? null,
          highS: e.ci95?.[1] ?? null,
        };
      }),
    ),
  ).filter((v) => isNum(v.valueS));
  const scales = policyScales(policies);
  const x = {
    field: "percentile",
    type: "nominal" as const,
    title: "percentile",
    sort: [...PERCENTILES],
    axis: { labelAngle: 0 },
  };
  const xOffset = { field: "policy", type: "nominal" as const, sort: policies };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: "Latency percentiles per policy",
      subtitle:
        results.replications < 2
          ? "Points: one replication's values (one replication: no interval)"
          : `Points: mean over ${results.replications} replications; bars: 95% interval (Student t, cut at 0)`,
    },
    data: { values },
    facet: {
      column: {
        field: "metric",
        type: "nominal",
        title: null,
        sort: LATENCY_METRICS.map((m) => METRIC_LABEL[m]),
      },
    },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 190,
      height: 260,
      layer: [
        {
          mark: { type: "rule", strokeWidth: 2 },
          transform: [{ filter: "isValid(datum.lowS) && isValid(datum.highS)" }],
          encoding: {
            x,
            xOffset,
            y: { field: "lowS", type: "quantitative", title: "seconds (s)" },
            y2: { field: "highS" },
            color: { field: "policy", type: "nominal", scale: scales.color, legend: null },
          },
        },
        {
          mark: { type: "point", filled: true, size: 90, stroke: "#000", strokeWidth: 0.8 },
          encoding: {
            x,
            xOffset,
            y: { field: "valueS", type: "quantitative", title: "seconds (s)" },
            color: { field: "policy", type: "nominal", title: "policy", scale: scales.color },
            shape: { field: "policy", type: "nominal", title: "policy", scale: scales.shape },
          },
        },
      ],
    },
  };
  return {
    name: "latency-percentiles",
    title: "Latency percentiles with 95% intervals",
    caption:
      "Each point is a percentile averaged over replications; the bar is its 95% interval " +
      "across replications. Non-overlapping bars are a clear difference; the paired table below " +
      "is the sharper test.",
    spec,
  };
}
