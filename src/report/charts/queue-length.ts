/** Chart: turns waiting over time per policy, outage windows shaded, the warmup marked. */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import { outageRows } from "./outages.ts";
import { CONFIG, HEIGHT, policyScales, SCHEMA, WIDTH } from "./theme.ts";
import type { ChartSpec, LayerItem } from "./types.ts";

/** The queue-length chart; undefined when no policy kept a time series. */
export function queueLengthChart(results: Results): ChartSpec | undefined {
  const policies = Object.keys(results.policies).filter((p) =>
    Array.isArray(results.policies[p]!.charts?.timeseries?.queueLength),
  );
  if (policies.length === 0) return undefined;
  const lines = policies.flatMap((policy) => {
    const series = results.policies[policy]!.charts.timeseries;
    return series.queueLength.map((waiting, b) => ({
      policy,
      timeS: b * series.bucketS,
      waiting: isNum(waiting) ? waiting : null,
    }));
  });
  const outages = outageRows(results).map((o) => ({ ...o, label: `${o.endpoint} outage` }));
  const warmupS = results.window?.fromS;
  const scales = policyScales(policies);
  const layer: LayerItem[] = [];
  if (outages.length > 0) {
    layer.push(
      {
        data: { values: outages },
        mark: { type: "rect", color: "#9a9a9a", opacity: 0.3 },
        encoding: { x: { field: "fromS", type: "quantitative" }, x2: { field: "toS" } },
      },
      textAtTop(outages, "fromS", 4),
    );
  }
  if (isNum(warmupS) && warmupS > 0) {
    layer.push(
      {
        data: { values: [{ timeS: warmupS, label: "warmup ends" }] },
        mark: { type: "rule", color: "#555", strokeDash: [3, 3] },
        encoding: { x: { field: "timeS", type: "quantitative" } },
      },
      textAtTop([{ timeS: warmupS, label: "warmup ends" }], "timeS", 18),
    );
  }
  layer.push({
    data: { values: lines },
    mark: { type: "line", interpolate: "step-after" },
    encoding: {
      x: { field: "timeS", type: "quantitative", title: "simulated time (s)" },
      y: { field: "waiting", type: "quantitative", title: "turns waiting (time-averaged)" },
      color: { field: "policy", type: "nominal", title: "policy", scale: scales.color },
      strokeDash: { field: "policy", type: "nominal", title: "policy", scale: scales.strokeDash },
    },
  });
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: "Queue length over time",
      subtitle: "Turns waiting for a slot, averaged over each bucket and over replications",
    },
    width: WIDTH,
    height: HEIGHT,
    layer,
  };
  return {
    name: "queue-length",
    title: "Queue length with outage windows",
    caption:
      "A queue that keeps rising to the end of the horizon means the endpoint is saturated: " +
      "latencies then depend on how long the scenario ran. Shaded: endpoint outages.",
    spec,
  };
}

/** A layer writing each row's `label` at the top of the plot, at x = the row's `xField`. */
function textAtTop(values: object[], xField: string, dy: number): LayerItem {
  return {
    data: { values },
    mark: {
      type: "text",
      align: "left",
      baseline: "top",
      dx: 4,
      dy,
      fontSize: 12,
      color: "#333",
    },
    encoding: {
      x: { field: xField, type: "quantitative" },
      y: { value: 0 },
      text: { field: "label" },
    },
  };
}
