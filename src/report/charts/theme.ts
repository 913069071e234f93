/**
 * The look every chart shares: the Okabe–Ito palette (readable by colour-blind readers), a
 * distinct dash pattern and point shape per policy (readable in greyscale), fonts of at least
 * 11 px, and the fixed order that gives a policy or tenant the same colour in every chart.
 */
import type { Config } from "vega-lite";

/** Okabe–Ito colours, ordered so neighbours differ in lightness as well as hue. */
export const OKABE_ITO = [
  "#0072B2", // blue
  "#E69F00", // orange
  "#009E73", // bluish green
  "#CC79A7", // reddish purple
  "#D55E00", // vermillion
  "#56B4E9", // sky blue
  "#000000", // black
  "#F0E442", // yellow
] as const;

/** Tenant colours: orange and blue first, far apart in lightness, for the stacked and Gantt charts. */
export const TENANT_COLOURS = [
  "#E69F00",
  "#0072B2",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
  "#000000",
] as const;

/** Dash patterns per policy (solid, dashed, dotted, dash-dot, …). */
export const DASHES: number[][] = [
  [1, 0],
  [7, 3],
  [2, 2],
  [9, 3, 2, 3],
  [4, 4],
  [12, 4],
  [1, 3],
];

/** Point shapes per policy. */
export const SHAPES = [
  "circle",
  "square",
  "triangle-up",
  "diamond",
  "cross",
  "triangle-down",
  "triangle-right",
] as const;

/** Fonts, first found wins: DejaVu and Liberation are what Debian ships (and resvg loads). */
export const FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/** The default width of a single-panel chart, in pixels. */
export const WIDTH = 620;

/** The default height of a single-panel chart, in pixels. */
export const HEIGHT = 300;

/** The vega-lite config every chart carries. */
export const CONFIG: Config = {
  font: FONT,
  background: "#ffffff",
  padding: 12,
  title: {
    fontSize: 16,
    fontWeight: "bold",
    anchor: "start",
    subtitleFontSize: 12,
    subtitleColor: "#444",
  },
  axis: {
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: "normal",
    labelColor: "#222",
    titleColor: "#111",
    gridColor: "#e4e4e4",
  },
  header: { labelFontSize: 13, titleFontSize: 13, labelFontWeight: "bold" },
  legend: { labelFontSize: 12, titleFontSize: 12, symbolStrokeWidth: 2.5, symbolSize: 140 },
  text: { fontSize: 12 },
  view: { stroke: "#bbb" },
  line: { strokeWidth: 2.5 },
};

/** The colour, dash and shape scales of policies, in the results' policy order. */
export function policyScales(policies: readonly string[]) {
  return {
    color: {
      domain: [...policies],
      range: policies.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]!),
    },
    strokeDash: {
      domain: [...policies],
      range: policies.map((_, i) => DASHES[i % DASHES.length]!),
    },
    shape: { domain: [...policies], range: policies.map((_, i) => SHAPES[i % SHAPES.length]!) },
  };
}

/** The colour scale of tenants, in the registry's tenant order. */
export function tenantScale(tenants: readonly string[]) {
  return {
    domain: [...tenants],
    range: tenants.map((_, i) => TENANT_COLOURS[i % TENANT_COLOURS.length]!),
  };
}

/** The schema URL each spec declares (never fetched: specs are compiled locally). */
export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
