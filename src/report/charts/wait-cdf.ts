/** Chart: the cumulative distribution of turn wait times, one line per policy. */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import { CONFIG, HEIGHT, policyScales, SCHEMA, WIDTH } from "./theme.ts";
import type { ChartSpec } from "./types.ts";

/** The wait-time CDF chart; undefined when no policy kept CDF points. */
export function waitCdfChart(results: Results): ChartSpec | undefined {
  const policies = Object.keys(results.policies);
  const values = policies.flatMap((policy) =>
    (results.policies[policy]!.charts?.waitCdf ?? [])
      .filter((p) => isNum(p.valueS) && isNum(p.fraction))
      .map((p) => ({ policy, waitS: p.valueS, fraction: p.fraction })),
  );
  if (values.length === 0) return undefined;
  const scales = policyScales(policies);
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: "How long turns wait for an endpoint slot",
      subtitle: "CDF of the wait from ready to dispatch, all replications merged",
    },
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: "line", interpolate: "step-after" },
    encoding: {
      x: { field: "waitS", type: "quantitative", title: "wait before dispatch (s)" },
      y: {
        field: "fraction",
        type: "quantitative",
        title: "fraction of turns waiting at most x",
        scale: { domain: [0, 1] },
        axis: { format: "%" },
      },
      color: { field: "policy", type: "nominal", title: "policy", scale: scales.color },
      strokeDash: { field: "policy", type: "nominal", title: "policy", scale: scales.strokeDash },
    },
  };
  return {
    name: "wait-cdf",
    title: "Wait-time CDF per policy",
    caption:
      "A curve further up and to the left means turns reach a slot sooner. Read the p50 and " +
      "p99 where the curve crosses 50% and 99%.",
    spec,
  };
}
