/**
 * Chart: run latency (p50 and p95) against the swept variable, per policy, with the 95%
 * interval across replications as a band and the scenario's run-latency SLOs as dashed lines.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import {
  band,
  policyBandLayer,
  policyLineLayers,
  sloLayers,
  sloLines,
  sweepFrame,
  sweepPolicies,
} from "./sweep-points.ts";
import { CONFIG, SCHEMA } from "./theme.ts";
import type { ChartSpec } from "./types.ts";

/** The latency-vs-swept-variable chart; undefined without a sweep. */
export function sweepLatencyChart(results: Results): ChartSpec | undefined {
  const frame = sweepFrame(results);
  if (frame === undefined) return undefined;
  const values = frame.rows
    .flatMap((r) =>
      (["p50", "p95"] as const).map((percentile) => ({
        policy: r.policy,
        point: r.point,
        x: r.x,
        group: r.group,
        percentile: `run latency ${percentile}`,
        latencyS: r.summary.runLatency?.[percentile],
        ...band(r.summary.intervals?.[`runLatency.${percentile}`]),
      })),
    )
    .filter((v) => isNum(v.latencyS));
  const policies = sweepPolicies(results);
  const y = { field: "latencyS", type: "quantitative" as const, title: "run latency (s)" };
  const slos = sloLines(results, "runLatencyS");
  const multiple = frame.groups.length > 1;
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: `Run latency against ${frame.axis.path}`,
      subtitle:
        "Mean over replications of each replication's percentile; band: its 95% interval" +
        (slos.length > 0 ? "; dashed red: a declared run-latency SLO" : ""),
    },
    data: { values },
    facet: {
      column: { field: "percentile", type: "nominal", title: null },
      ...(multiple
        ? { row: { field: "group", type: "nominal", title: null, sort: frame.groups } }
        : {}),
    },
    spec: {
      width: 300,
      height: 260,
      layer: [
        policyBandLayer(frame.x, y, policies),
        ...policyLineLayers(frame.x, y, policies),
        ...sloLayers(slos),
      ],
    },
  };
  return {
    name: "sweep-latency",
    title: `Run latency against ${frame.axis.path}`,
    caption:
      "One line a policy, the band its 95% interval across replications. Latency stays flat " +
      "while there is spare capacity and climbs steeply near it; a point past saturation " +
      "(see the sweep table's steady column) depends on the horizon." +
      (multiple ? " One row of panels for each value of the other swept axes." : ""),
    spec,
  };
}
