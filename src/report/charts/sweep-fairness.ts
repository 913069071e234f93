/** Chart: Jain's fairness index against offered load across a sweep, per policy. */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import { policyLineLayers, sweepPolicies, sweepRows } from "./sweep-points.ts";
import { CONFIG, HEIGHT, SCHEMA, WIDTH } from "./theme.ts";
import type { ChartSpec } from "./types.ts";

/** The fairness-vs-load chart; undefined without a sweep. */
export function sweepFairnessChart(results: Results): ChartSpec | undefined {
  const values = sweepRows(results)
    .map((r) => ({
      policy: r.policy,
      point: r.point,
      load: r.load,
      jain: r.summary.fairness?.jain,
    }))
    .filter((v) => isNum(v.jain));
  if (values.length === 0) return undefined;
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: "Fairness as offered load grows",
      subtitle:
        "Jain's index of weighted service among backlogged tenants (1 = shared as declared)",
    },
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    layer: policyLineLayers(
      { field: "load", type: "quantitative", title: "offered load (fraction of capacity)" },
      {
        field: "jain",
        type: "quantitative",
        title: "Jain's fairness index",
        scale: { domain: [0, 1] },
      },
      sweepPolicies(results),
    ),
  };
  return {
    name: "sweep-fairness",
    title: "Jain's index vs offered load",
    caption:
      "A fair-share scheduler should hold its index near 1 as load grows; FIFO follows demand, " +
      "so its index falls as the noisy tenant's share of arrivals grows.",
    spec,
  };
}
