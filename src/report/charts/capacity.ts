/**
 * Chart: a capacity search's evidence, one chart per SLO: the metric's estimate at each probed
 * value with its interval, coloured by whether the probe met the SLO, the SLO's bound as a
 * horizontal line and the answer as a vertical one.
 */
import type { TopLevelSpec } from "vega-lite";
import type { CapacityResult } from "../../experiment/index.ts";
import { CONFIG, HEIGHT, SCHEMA, WIDTH } from "./theme.ts";
import type { ChartSpec, LayerItem } from "./types.ts";

/** The verdicts of a probe's SLO, in legend order, with their colours (Okabe–Ito). */
const VERDICTS = ["meets", "misses", "undecided"] as const;
const VERDICT_COLOURS = ["#009E73", "#D55E00", "#999999"];

/** One chart per SLO of the search. */
export function capacityCharts(capacity: CapacityResult): ChartSpec[] {
  const { axis } = capacity;
  const axisTitle = axis.unit === "" ? axis.path : `${axis.path} (${axis.unit})`;
  return capacity.slos.map((slo, i) => {
    const rows = capacity.probes.map((probe) => {
      const estimate = probe.slos[i]!;
      const finite = Number.isFinite(estimate.interval[0]) && Number.isFinite(estimate.interval[1]);
      return {
        value: probe.value,
        estimate: Number.isFinite(estimate.estimate) ? estimate.estimate : null,
        low: finite ? estimate.interval[0] : null,
        high: finite ? estimate.interval[1] : null,
        verdict: VERDICTS[estimate.meets === true ? 0 : estimate.meets === false ? 1 : 2],
        replications: probe.replications,
      };
    });
    const x = {
      field: "value",
      type: "quantitative" as const,
      title: axisTitle,
      scale: { domain: [axis.lo, axis.hi], nice: false },
    };
    const layers: LayerItem[] = [
      {
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: "low", type: "quantitative", title: slo.metric },
          y2: { field: "high" },
          color: {
            field: "verdict",
            type: "nominal",
            title: "probe",
            scale: { domain: [...VERDICTS], range: VERDICT_COLOURS },
          },
        },
      },
      {
        mark: { type: "point", filled: true, size: 70 },
        encoding: {
          x,
          y: { field: "estimate", type: "quantitative", title: slo.metric },
          color: { field: "verdict", type: "nominal", title: "probe" },
          tooltip: [
            { field: "value", type: "quantitative" },
            { field: "estimate", type: "quantitative" },
            { field: "replications", type: "quantitative" },
          ],
        },
      },
      {
        data: { values: [{ bound: slo.value, label: `SLO ${slo.text}` }] },
        layer: [
          {
            mark: { type: "rule", strokeDash: [6, 4], color: "#222" },
            encoding: { y: { field: "bound", type: "quantitative" } },
          },
          {
            mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#222" },
            encoding: {
              y: { field: "bound", type: "quantitative" },
              x: { datum: axis.lo, type: "quantitative" },
              text: { field: "label" },
            },
          },
        ],
      },
    ];
    if (capacity.answer !== null) {
      layers.push({
        data: { values: [{ answer: capacity.answer, label: `answer ${capacity.answerShown}` }] },
        layer: [
          {
            mark: { type: "rule", color: "#0072B2", strokeWidth: 2 },
            encoding: { x: { field: "answer", type: "quantitative" } },
          },
          {
            mark: { type: "text", align: "left", dx: 4, baseline: "top", color: "#0072B2" },
            encoding: {
              x: { field: "answer", type: "quantitative" },
              y: { value: 4 },
              text: { field: "label" },
            },
          },
        ],
      });
    }
    const spec: TopLevelSpec = {
      $schema: SCHEMA,
      config: CONFIG,
      title: {
        text: `Capacity: ${slo.metric} against ${axis.path}`,
        subtitle: `${capacity.policy}; each probe's mean over its replications with its ${Math.round(capacity.confidence * 100)}% interval`,
      },
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      layer: layers,
    };
    return {
      name: capacity.slos.length === 1 ? "capacity" : `capacity-${i + 1}`,
      title: `Capacity search: ${slo.text}`,
      caption:
        "Each point is a probed value; its bar is the interval that decided it. The dashed line " +
        "is the SLO's bound, the blue line the answer.",
      spec,
    };
  });
}
