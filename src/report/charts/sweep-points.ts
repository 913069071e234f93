/** Sweep points as chart rows: the offered load of each point and each policy's summary there. */
import type { PolicySummary, Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import { pointLabel } from "../verdict.ts";
import { policyScales } from "./theme.ts";
import type { LayerItem } from "./types.ts";

/** An x or y encoding of a sweep chart. */
type PositionDef = {
  field: string;
  type: "quantitative";
  title: string;
  scale?: { domain: number[] };
};

/** One policy at one sweep point. */
export interface SweepRow {
  policy: string;
  /** The point as "path=value". */
  point: string;
  /** Offered load as a fraction of endpoint capacity (slot-seconds demanded per slot-second). */
  load: number;
  summary: PolicySummary;
}

/**
 * Rows of a sweep, in grid order. The x of a point is its offered load relative to capacity,
 * averaged over policies (common random numbers make it nearly the same for each): whatever
 * the sweep varied, that is the quantity latency and fairness respond to. A point without a
 * finite load falls back to its index.
 */
export function sweepRows(results: Results): SweepRow[] {
  const rows: SweepRow[] = [];
  (results.sweep?.points ?? []).forEach((point, index) => {
    const loads = Object.values(point.policies)
      .map((p) => p.summary.saturation?.offeredPerS / p.summary.saturation?.capacityPerS)
      .filter(isNum);
    const load = loads.length > 0 ? loads.reduce((a, b) => a + b, 0) / loads.length : index;
    for (const [policy, p] of Object.entries(point.policies)) {
      rows.push({ policy, point: pointLabel(point.point), load, summary: p.summary });
    }
  });
  return rows;
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
 * A line per policy with a point at each sweep point: colour and dash on the lines, colour and
 * shape on the points, one legend (the lines', so its symbols show the dash patterns).
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
        color: { field: "policy", type: "nominal", title: "policy", scale: scales.color },
        strokeDash: { field: "policy", type: "nominal", title: "policy", scale: scales.strokeDash },
      },
    },
    {
      mark: { type: "point", filled: true, size: 80, opacity: 1 },
      encoding: {
        x,
        y,
        color: { field: "policy", type: "nominal", scale: scales.color, legend: null },
        shape: { field: "policy", type: "nominal", scale: scales.shape, legend: null },
      },
    },
  ];
}
