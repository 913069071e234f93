/** Chart: the fraction of each job's runs that met its SLO, per policy. */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";
import { CONFIG, policyScales, SCHEMA } from "./theme.ts";
import type { ChartSpec } from "./types.ts";

/** The SLO chart; undefined when no job has an SLO result. */
export function sloAttainmentChart(results: Results): ChartSpec | undefined {
  const policies = Object.keys(results.policies);
  const jobs: string[] = [];
  const values: Record<string, string | number>[] = [];
  for (const policy of policies) {
    for (const [job, r] of Object.entries(results.policies[policy]!.jobs ?? {})) {
      if (!isNum(r.sloAttainment)) continue;
      if (!jobs.includes(job)) jobs.push(job);
      values.push({
        policy,
        job: sloLabel(results, job),
        attainment: r.sloAttainment,
        label: `${(r.sloAttainment * 100).toFixed(0)}%`,
      });
    }
  }
  if (values.length === 0) return undefined;
  const scales = policyScales(policies);
  const x = {
    field: "job",
    type: "nominal" as const,
    title: "job (SLO)",
    sort: jobs.map((j) => sloLabel(results, j)),
    axis: { labelAngle: 0, labelLimit: 400 },
  };
  const xOffset = { field: "policy", type: "nominal" as const, sort: policies };
  const y = {
    field: "attainment",
    type: "quantitative" as const,
    title: "runs within SLO",
    scale: { domain: [0, 1] },
    axis: { format: "%" },
  };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: "SLO attainment per job",
      subtitle: "Fraction of the window's runs that completed within the job's declared SLO",
    },
    width: Math.max(260, jobs.length * Math.max(300, policies.length * 80)),
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: "bar", stroke: "#000", strokeWidth: 0.6 },
        encoding: {
          x,
          xOffset,
          y,
          color: { field: "policy", type: "nominal", title: "policy", scale: scales.color },
        },
      },
      {
        mark: { type: "text", dy: -7, fontSize: 12, color: "#111" },
        encoding: { x, xOffset, y, text: { field: "label" } },
      },
    ],
  };
  return {
    name: "slo-attainment",
    title: "SLO attainment per job",
    caption: "Higher is better. Jobs without a declared SLO are not shown.",
    spec,
  };
}

function sloLabel(results: Results, job: string): string {
  const slo = results.registry.jobs.find((j) => j.name === job)?.slo;
  const parts: string[] = [];
  if (isNum(slo?.runLatencyS)) parts.push(`run ≤ ${slo.runLatencyS} s`);
  if (isNum(slo?.waitS)) parts.push(`wait ≤ ${slo.waitS} s`);
  return parts.length > 0 ? `${job} (${parts.join(", ")})` : job;
}
