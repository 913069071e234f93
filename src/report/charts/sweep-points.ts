/**
 * Sweep points as chart rows, keyed by what was swept: the x of a point is its value on the
 * first axis in base units (the axis titled with its path and unit); with more axes, each
 * combination of the other axes' values is a group the charts draw as a row of panels (small
 * multiples). A categorical axis (values that are no quantity) is an ordinal x in grid order.
 */
import type { Estimate, PolicySummary, Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import { axisTitle, axisValueAt, type SweepAxisView, sweepAxes } from "../sweep-axes.ts";
import { pointLabel } from "../verdict.ts";
import { policyScales } from "./theme.ts";
import type { LayerItem } from "./types.ts";

/** An x or y encoding of a sweep chart. */
export type PositionDef = {
  field: string;
  type: "quantitative" | "ordinal";
  title: string;
  scale?: { domain?: number[]; zero?: boolean };
  sort?: string[];
  axis?: { labelAngle: number };
};

/** One policy at one sweep point. */
export interface SweepRow {
  policy: string;
  /** The point as "path=value, path=value" (values as written). */
  point: string;
  /** The point's index in grid order. */
  index: number;
  /** The point's value on the first axis, in base units (a string on a categorical axis). */
  x: number | string;
  /** The other axes' values as "path=value, ..."; "" with one axis. */
  group: string;
  summary: PolicySummary;
}

/** A sweep's rows with the x encoding and the groups (rows of panels) they fall in. */
export interface SweepFrame {
  axis: SweepAxisView;
  x: PositionDef;
  /** Groups in grid order; [""] with one axis. */
  groups: string[];
  rows: SweepRow[];
}

/** The sweep's rows in grid order, keyed by the first axis; undefined without a sweep. */
export function sweepFrame(results: Results): SweepFrame | undefined {
  const axes = sweepAxes(results);
  const points = results.sweep?.points ?? [];
  if (axes.length === 0 || points.length === 0) return undefined;
  const axis = axes[0]!;
  const rows: SweepRow[] = [];
  const groups: string[] = [];
  for (const [index, point] of points.entries()) {
    const rest = Object.fromEntries(
      Object.entries(point.point).filter(([path]) => path !== axis.path),
    );
    const group = pointLabel(rest);
    if (!groups.includes(group)) groups.push(group);
    for (const [policy, p] of Object.entries(point.policies)) {
      rows.push({
        policy,
        point: pointLabel(point.point),
        index,
        x: axisValueAt(axis, point.point),
        group,
        summary: p.summary,
      });
    }
  }
  const x: PositionDef = axis.numeric
    ? { field: "x", type: "quantitative", title: axisTitle(axis), scale: { zero: false } }
    : {
        field: "x",
        type: "ordinal",
        title: axisTitle(axis),
        sort: axis.values.map(String),
        axis: { labelAngle: 0 },
      };
  return { axis, x, groups, rows };
}

/** The 95% interval of an estimate as `{ low, high }`; nulls without one (fewer than two replications). */
export function band(estimate: Estimate | undefined): { low: number | null; high: number | null } {
  const ci = estimate?.ci95;
  if (ci === null || ci === undefined || !isNum(ci[0]) || !isNum(ci[1])) {
    return { low: null, high: null };
  }
  return { low: ci[0], high: ci[1] };
}

/** Policy names of a sweep in first-seen order (results.policies first, for shared colours). */
export function sweepPolicies(results: Results): string[] {
  const names = Object.keys(results.policies);
  for (const point of results.sweep?.points ?? []) {
    for (const policy of Object.keys(point.policies)) {
      if (!names.includes(policy)) names.push(policy);
    }
  }
  return names;
}

/**
 * The 95% band of each policy: an area between `low` and `high` on a quantitative x, a vertical
 * bar on an ordinal one; rows without an interval are left out. No legend of its own (a
 * `legend: null` on a layer's colour would hide the lines' legend too, so the band uses fill).
 */
export function policyBandLayer(
  x: PositionDef,
  y: PositionDef,
  policies: readonly string[],
): LayerItem {
  const scales = policyScales(policies);
  // Fill (area) or stroke (bar), not colour, so the band stays out of the policies' legend.
  const paint = { field: "policy", type: "nominal" as const, title: "policy", scale: scales.color };
  return {
    transform: [{ filter: "isValid(datum.low) && isValid(datum.high)" }],
    mark:
      x.type === "quantitative"
        ? { type: "area", fillOpacity: 0.18 }
        : { type: "rule", strokeWidth: 6, strokeOpacity: 0.35 },
    encoding: {
      x,
      y: { ...y, field: "low" },
      y2: { field: "high" },
      ...(x.type === "quantitative" ? { fill: paint } : { stroke: paint }),
    },
  };
}

/**
 * A line per policy with a point at each sweep point: colour and dash on the lines, colour and
 * shape on the points, one legend of all three (every layer's colour titled "policy", so they
 * merge).
 */
export function policyLineLayers(
  x: PositionDef,
  y: PositionDef,
  policies: readonly string[],
): LayerItem[] {
  const scales = policyScales(policies);
  return [
    {
      mark: { type: "line" },
      encoding: {
        x,
        y,
        color: {
          field: "policy",
          type: "nominal",
          title: "policy",
          scale: scales.color,
        },
        strokeDash: { field: "policy", type: "nominal", title: "policy", scale: scales.strokeDash },
      },
    },
    {
      mark: { type: "point", filled: true, size: 80, opacity: 1 },
      encoding: {
        x,
        y,
        color: { field: "policy", type: "nominal", title: "policy", scale: scales.color },
        shape: { field: "policy", type: "nominal", title: "policy", scale: scales.shape },
      },
    },
  ];
}

/** A declared SLO bound drawn as a horizontal line. */
export interface SloLine {
  /** The bound in seconds. */
  sloS: number;
  /** "ticket-triage SLO: run ≤ 20 s". */
  label: string;
}

/**
 * The SLO bounds the scenario declares on a metric (`runLatency` or `wait`), one line a
 * distinct bound (jobs with the same bound share it), in the registry's job order.
 */
export function sloLines(results: Results, metric: "runLatencyS" | "waitS"): SloLine[] {
  const byBound = new Map<number, string[]>();
  for (const job of results.registry.jobs) {
    const bound = job.slo?.[metric];
    if (!isNum(bound)) continue;
    byBound.set(bound, [...(byBound.get(bound) ?? []), job.name]);
  }
  const what = metric === "runLatencyS" ? "run" : "wait";
  return [...byBound].map(([sloS, jobs]) => ({
    sloS,
    label: `SLO of ${jobs.join(", ")}: ${what} ≤ ${sloS} s`,
  }));
}

/** The SLO lines as layers: a dashed rule and its label at the right end. */
export function sloLayers(lines: readonly SloLine[]): LayerItem[] {
  if (lines.length === 0) return [];
  const data = { values: lines.map((l) => ({ ...l })) };
  const y = { field: "sloS", type: "quantitative" as const };
  return [
    {
      data,
      mark: { type: "rule", color: "#c00", strokeDash: [6, 3], strokeWidth: 1.5 },
      encoding: { y },
    },
    {
      data,
      mark: { type: "text", align: "right", baseline: "bottom", dy: -2, x: "width", color: "#c00" },
      encoding: { y, text: { field: "label" } },
    },
  ];
}
