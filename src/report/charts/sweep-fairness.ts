/** Chart: Jain's fairness index against the swept variable, per policy, with its 95% band. */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import {
  band,
  policyBandLayer,
  policyLineLayers,
  sweepFrame,
  sweepPolicies,
} from "./sweep-points.ts";
import { CONFIG, HEIGHT, SCHEMA, WIDTH } from "./theme.ts";
import type { ChartSpec, LayerItem } from "./types.ts";

/** The fairness-vs-swept-variable chart; undefined without a sweep or without a measurable index. */
export function sweepFairnessChart(results: Results): ChartSpec | undefined {
  const frame = sweepFrame(results);
  if (frame === undefined) return undefined;
  const values = frame.rows
    .map((r) => ({
      policy: r.policy,
      point: r.point,
      x: r.x,
      group: r.group,
      jain: r.summary.fairness?.jain,
      ...band(r.summary.intervals?.["fairness.jain"]),
    }))
    .filter((v) => isNum(v.jain));
  if (values.length === 0) return undefined;
  const policies = sweepPolicies(results);
  const y = {
    field: "jain",
    type: "quantitative" as const,
    title: "Jain's fairness index",
    scale: { domain: [0, 1] },
  };
  const layer: LayerItem[] = [
    policyBandLayer(frame.x, y, policies),
    ...policyLineLayers(frame.x, y, policies),
  ];
  const title = {
    text: `Fairness against ${frame.axis.path}`,
    subtitle:
      "Jain's index of weighted service among backlogged tenants (1 = shared as declared); band: 95% interval",
  };
  const spec: TopLevelSpec =
    frame.groups.length > 1
      ? {
          $schema: SCHEMA,
          config: CONFIG,
          title,
          data: { values },
          facet: { row: { field: "group", type: "nominal", title: null, sort: frame.groups } },
          spec: { width: WIDTH, height: HEIGHT, layer },
        }
      : {
          $schema: SCHEMA,
          config: CONFIG,
          title,
          width: WIDTH,
          height: HEIGHT,
          data: { values },
          layer,
        };
  return {
    name: "sweep-fairness",
    title: `Jain's index against ${frame.axis.path}`,
    caption:
      "A fair-share scheduler should hold its index near 1 across the sweep; FIFO follows " +
      "demand, so its index falls as one tenant's share of arrivals grows.",
    spec,
  };
}
