/** Chart: run latency (p50 and p95) against offered load across a sweep, per policy. */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import { policyLineLayers, sweepPolicies, sweepRows } from "./sweep-points.ts";
import { CONFIG, SCHEMA } from "./theme.ts";
import type { ChartSpec } from "./types.ts";

/** The latency-vs-load chart; undefined without a sweep. */
export function sweepLatencyChart(results: Results): ChartSpec | undefined {
  const rows = sweepRows(results);
  if (rows.length === 0) return undefined;
  const values = rows
    .flatMap((r) =>
      (["p50", "p95"] as const).map((percentile) => ({
        policy: r.policy,
        point: r.point,
        load: r.load,
        percentile: `run latency ${percentile}`,
        latencyS: r.summary.runLatency?.[percentile],
      })),
    )
    .filter((v) => isNum(v.latencyS));
  const policies = sweepPolicies(results);
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: "Run latency as offered load grows",
      subtitle: "Offered load: slot-seconds demanded per second of capacity (1 = saturated)",
    },
    data: { values },
    facet: { column: { field: "percentile", type: "nominal", title: null } },
    spec: {
      width: 300,
      height: 260,
      layer: [
        {
          data: { values: [{ load: 1 }] },
          mark: { type: "rule", color: "#777", strokeDash: [3, 3] },
          encoding: { x: { field: "load", type: "quantitative" } },
        },
        ...policyLineLayers(
          { field: "load", type: "quantitative", title: "offered load (fraction of capacity)" },
          { field: "latencyS", type: "quantitative", title: "run latency (s)" },
          policies,
        ),
      ],
    },
  };
  return {
    name: "sweep-latency",
    title: "Latency vs offered load",
    caption:
      "Latency stays flat while there is spare capacity and climbs steeply as offered load " +
      "approaches capacity (the dashed line); past it, figures depend on the horizon.",
    spec,
  };
}
