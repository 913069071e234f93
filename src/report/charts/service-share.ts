/** Chart: each tenant's share of the service delivered over time, stacked, one panel per policy. */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import { outageRows } from "./outages.ts";
import { CONFIG, SCHEMA, tenantScale } from "./theme.ts";
import type { ChartSpec } from "./types.ts";

/** The service-share chart; undefined when no policy kept a time series. */
export function serviceShareChart(results: Results): ChartSpec | undefined {
  const policies = Object.keys(results.policies).filter(
    (p) => results.policies[p]!.charts?.timeseries?.serviceByTenant !== undefined,
  );
  if (policies.length === 0) return undefined;
  const tenants = tenantOrder(results, policies);
  const rows: Record<string, string | number>[] = [];
  for (const policy of policies) {
    const series = results.policies[policy]!.charts.timeseries;
    const buckets = Math.max(0, ...tenants.map((t) => series.serviceByTenant[t]?.length ?? 0));
    for (let b = 0; b < buckets; b++) {
      const total = tenants.reduce((sum, t) => sum + finite(series.serviceByTenant[t]?.[b]), 0);
      tenants.forEach((tenant, order) => {
        const served = finite(series.serviceByTenant[tenant]?.[b]);
        rows.push({
          kind: "share",
          policy,
          tenant,
          order,
          timeS: b * series.bucketS,
          share: total > 0 ? served / total : 0,
        });
      });
    }
    for (const o of outageRows(results)) {
      rows.push({ kind: "outage", policy, fromS: o.fromS, toS: o.toS, label: "outage" });
    }
  }
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: "Who gets the endpoint: service share per tenant over time",
      subtitle: `Share of the service (prompt + 2 × output tokens) delivered in each ${bucketLabel(results, policies[0]!)} bucket; grey: outage`,
    },
    data: { values: rows },
    facet: { row: { field: "policy", type: "nominal", title: null, sort: policies } },
    spec: {
      width: 620,
      height: 130,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'outage'" }],
          mark: { type: "rect", color: "#9a9a9a", opacity: 0.35 },
          encoding: {
            x: { field: "fromS", type: "quantitative" },
            x2: { field: "toS" },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'share'" }],
          mark: { type: "area", interpolate: "step-after", stroke: "#fff", strokeWidth: 0.4 },
          encoding: {
            x: { field: "timeS", type: "quantitative", title: "simulated time (s)" },
            y: {
              field: "share",
              type: "quantitative",
              stack: "zero",
              title: "share of service",
              scale: { domain: [0, 1] },
              axis: { format: "%", tickCount: 4 },
            },
            color: {
              field: "tenant",
              type: "nominal",
              title: "tenant",
              scale: tenantScale(tenants),
            },
            order: { field: "order", type: "quantitative" },
          },
        },
      ],
    },
  };
  return {
    name: "service-share",
    title: "Service share per tenant over time",
    caption:
      "Each band is a tenant's part of the service delivered at that time. Under a fair policy " +
      "backlogged tenants converge to their weights; a band pinned near 100% is a noisy neighbour " +
      "crowding the other out. Empty stretches are times when nothing was served.",
    spec,
  };
}

/** Tenants in registry order, then any others the series name, in first-seen order. */
export function tenantOrder(results: Results, policies: readonly string[]): string[] {
  const names = results.registry.tenants.map((t) => t.name);
  for (const policy of policies) {
    for (const t of Object.keys(
      results.policies[policy]!.charts?.timeseries?.serviceByTenant ?? {},
    )) {
      if (!names.includes(t)) names.push(t);
    }
  }
  return names;
}

function finite(x: number | undefined): number {
  return isNum(x) ? x : 0;
}

function bucketLabel(results: Results, policy: string): string {
  const bucketS = results.policies[policy]!.charts.timeseries.bucketS;
  return isNum(bucketS) ? `${bucketS} s` : "time";
}
