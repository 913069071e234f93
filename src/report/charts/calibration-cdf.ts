/**
 * Chart: a calibrated quantity's CDF as the log shows it against the fitted model's, so a
 * reader sees where the fit departs from the data (usually the tail). Its data is plain points,
 * not a calibration, so the report layer needs nothing of calibrate/.
 */
import type { TopLevelSpec } from "vega-lite";
import { CONFIG, HEIGHT, OKABE_ITO, SCHEMA, WIDTH } from "./theme.ts";

/** One quantity: its name, the fitted family, and its CDF points (x in seconds). */
export interface CalibrationCurve {
  quantity: string;
  fitted: string;
  ks: number;
  points: readonly { x: number; observed: number; fitted: number }[];
}

/** The observed-vs-fitted CDF chart, one panel a quantity. */
export function calibrationCdfChart(curves: readonly CalibrationCurve[]): TopLevelSpec {
  const values = curves.flatMap((curve) =>
    curve.points.flatMap((p) => [
      { quantity: curve.quantity, series: "observed (log)", xS: p.x, fraction: p.observed },
      { quantity: curve.quantity, series: "fitted model", xS: p.x, fraction: p.fitted },
    ]),
  );
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: "Calibration: the log against the fitted model",
      subtitle: curves.map((c) => `${c.quantity}: ${c.fitted}, KS ${c.ks.toFixed(4)}`),
    },
    data: { values },
    facet: {
      row: {
        field: "quantity",
        type: "nominal",
        title: null,
        sort: curves.map((c) => c.quantity),
      },
    },
    resolve: { scale: { x: "independent" } },
    spec: {
      width: WIDTH,
      height: Math.round(HEIGHT * 0.8),
      mark: { type: "line", interpolate: "linear" },
      encoding: {
        x: { field: "xS", type: "quantitative", title: "seconds" },
        y: {
          field: "fraction",
          type: "quantitative",
          title: "fraction at most x",
          scale: { domain: [0, 1] },
          axis: { format: "%" },
        },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: {
            domain: ["observed (log)", "fitted model"],
            range: [OKABE_ITO[1], OKABE_ITO[0]],
          },
        },
        strokeDash: {
          field: "series",
          type: "nominal",
          title: null,
          scale: {
            range: [
              [7, 3],
              [1, 0],
            ],
          },
        },
      },
    },
  } as TopLevelSpec;
}
