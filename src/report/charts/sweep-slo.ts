/**
 * Chart: each declared percentile SLO across a sweep — the job's percentile (mean over
 * replications) against the swept variable, one line and 95% band a policy, the SLO's bound as
 * a dashed red line; a panel an SLO. Where a policy's band rises past the line is where it
 * stops meeting the SLO.
 */
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
import { CONFIG, SCHEMA } from "./theme.ts";
import type { ChartSpec } from "./types.ts";

/** "support-chat: runLatency.p95 ≤ 60 s". */
function sloName(job: string, metric: string, boundS: number): string {
  return `${job}: ${metric} ≤ ${boundS} s`;
}

/** The percentile-SLO chart; undefined without a sweep or without a declared percentile SLO. */
export function sweepSloChart(results: Results): ChartSpec | undefined {
  const frame = sweepFrame(results);
  if (frame === undefined) return undefined;
  const slos: string[] = [];
  const values: Record<string, unknown>[] = [];
  const bounds = new Map<string, number>();
  for (const [index, point] of results.sweep!.points.entries()) {
    const rows = frame.rows.filter((r) => r.index === index);
    for (const row of rows) {
      const jobs = point.policies[row.policy]?.jobs ?? {};
      for (const [job, j] of Object.entries(jobs)) {
        for (const slo of j.percentileSlos ?? []) {
          const name = sloName(job, slo.metric, slo.boundS);
          if (!slos.includes(name)) slos.push(name);
          bounds.set(name, slo.boundS);
          if (!isNum(slo.estimate.mean)) continue;
          values.push({
            kind: "estimate",
            policy: row.policy,
            point: row.point,
            x: row.x,
            group: row.group,
            slo: name,
            valueS: slo.estimate.mean,
            holds: slo.holds === true ? "holds" : slo.holds === false ? "missed" : "undecided",
            ...band(slo.estimate),
          });
        }
      }
    }
  }
  if (values.length === 0) return undefined;
  // The bound of each SLO in each row of panels, as rows of their own (so each panel gets its own).
  for (const group of frame.groups) {
    for (const slo of slos) values.push({ kind: "bound", slo, group, boundS: bounds.get(slo) });
  }
  const policies = sweepPolicies(results);
  const y = { field: "valueS", type: "quantitative" as const, title: "the job's percentile (s)" };
  const estimates = (layer: object) => ({
    transform: [{ filter: "datum.kind === 'estimate'" }],
    ...layer,
  });
  const band95 = policyBandLayer(frame.x, y, policies);
  const multiple = frame.groups.length > 1;
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: `Percentile SLOs against ${frame.axis.path}`,
      subtitle:
        "Each job's percentile, mean over replications with its 95% interval (band); dashed red: the SLO's bound",
    },
    data: { values },
    // Each SLO's metric on its own scale (a run latency p95 beside a wait p99).
    resolve: { scale: { y: "independent" } },
    facet: {
      column: { field: "slo", type: "nominal", title: null, sort: slos },
      ...(multiple
        ? { row: { field: "group", type: "nominal", title: null, sort: frame.groups } }
        : {}),
    },
    spec: {
      width: 300,
      height: 260,
      layer: [
        {
          ...band95,
          transform: [
            { filter: "datum.kind === 'estimate'" },
            ...((band95 as { transform?: object[] }).transform ?? []),
          ],
        } as never,
        ...policyLineLayers(frame.x, y, policies).map((l) => estimates(l) as never),
        {
          transform: [{ filter: "datum.kind === 'bound'" }],
          mark: { type: "rule", color: "#c00", strokeDash: [6, 3], strokeWidth: 1.5 },
          encoding: { y: { field: "boundS", type: "quantitative" } },
        },
      ],
    },
  };
  return {
    name: "sweep-slo",
    title: `Percentile SLOs against ${frame.axis.path}`,
    caption:
      "An SLO holds at a point when the band (the 95% interval across replications) lies below " +
      "the dashed line, is missed when it lies above, and is undecided when it straddles it." +
      (multiple ? " One row of panels for each value of the other swept axes." : ""),
    spec,
  };
}
