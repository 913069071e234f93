/** Chart: a Gantt timeline of endpoint slots in one replication, one panel per policy. */
import type { TopLevelSpec } from "vega-lite";
import type { Results } from "../../experiment/index.ts";
import type { TimelineEntry } from "../../runtime/index.ts";
import { isNum } from "../format.ts";
import { outageRows } from "./outages.ts";
import { CONFIG, SCHEMA, tenantScale } from "./theme.ts";
import type { ChartSpec } from "./types.ts";

/** Options of the slot timeline. */
export interface SlotTimelineConstraints {
  /** Seconds of simulated time shown (default 300): a readable span, and a bounded SVG. */
  spanS?: number;
  /** Seconds shown before the first outage when the span is placed around it (default 90). */
  beforeOutageS?: number;
}

/**
 * The slot timeline chart; undefined when no policy kept a timeline. The span starts shortly
 * before the first outage that the timeline covers (what happens to the slots there is worth
 * seeing), or else at the timeline's start.
 */
export function slotTimelineChart(
  results: Results,
  constraints: SlotTimelineConstraints = {},
): ChartSpec | undefined {
  const policies = Object.keys(results.policies).filter(
    (p) => (results.policies[p]!.charts?.timeline ?? []).length > 0,
  );
  if (policies.length === 0) return undefined;
  const spanS = constraints.spanS ?? 300;
  const [fromS, toS] = spanOf(results, policies, spanS, constraints.beforeOutageS ?? 90);
  const slots = slotLabels(results, policies);
  const tenants = results.registry.tenants.map((t) => t.name);
  const rows: Record<string, string | number>[] = [];
  for (const policy of policies) {
    for (const e of results.policies[policy]!.charts.timeline) {
      if (!(e.endS > fromS && e.startS < toS)) continue;
      if (!tenants.includes(e.tenant)) tenants.push(e.tenant);
      rows.push({
        kind: "turn",
        policy,
        slot: slotLabel(e),
        startS: Math.max(e.startS, fromS),
        endS: Math.min(e.endS, toS),
        tenant: e.tenant,
        outcome: e.outcome === "ok" ? "ok" : "failed or aborted",
      });
    }
    for (const o of outageRows(results)) {
      if (!(o.toS > fromS && o.fromS < toS)) continue;
      rows.push({
        kind: "outage",
        policy,
        startS: Math.max(o.fromS, fromS),
        endS: Math.min(o.toS, toS),
      });
    }
  }
  const xScale = { domain: [fromS, toS], nice: false, zero: false };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: "Endpoint slots over time (replication 1)",
      subtitle: `Each bar is a turn holding a slot, ${Math.round(fromS)}–${Math.round(toS)} s; faded: the attempt failed or was aborted; grey: outage`,
    },
    data: { values: rows },
    facet: { row: { field: "policy", type: "nominal", title: null, sort: policies } },
    spec: {
      width: 620,
      height: Math.max(60, slots.length * 13),
      layer: [
        {
          transform: [{ filter: "datum.kind === 'outage'" }],
          mark: { type: "rect", color: "#9a9a9a", opacity: 0.35 },
          encoding: {
            x: { field: "startS", type: "quantitative", scale: xScale },
            x2: { field: "endS" },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'turn'" }],
          mark: { type: "bar", height: { band: 0.8 }, stroke: "#ffffff", strokeWidth: 0.3 },
          encoding: {
            x: {
              field: "startS",
              type: "quantitative",
              title: "simulated time (s)",
              scale: xScale,
            },
            x2: { field: "endS" },
            y: { field: "slot", type: "ordinal", title: "slot", sort: slots },
            color: {
              field: "tenant",
              type: "nominal",
              title: "tenant",
              scale: tenantScale(tenants),
            },
            opacity: {
              field: "outcome",
              type: "ordinal",
              sort: ["ok", "failed or aborted"],
              title: "attempt",
              scale: { domain: ["ok", "failed or aborted"], range: [1, 0.35] },
              legend: { labelLimit: 220 },
            },
          },
        },
      ],
    },
  };
  return {
    name: "slot-timeline",
    title: "Slot timeline (Gantt) of one replication",
    caption:
      "Who holds each slot of the endpoint. Long bars of one tenant across many slots are the " +
      "noisy neighbour; compare how quickly the other tenant's short turns get in.",
    spec,
  };
}

function slotLabel(e: TimelineEntry): string {
  return `${e.endpoint} ${e.slot}`;
}

/** Slot labels ordered by endpoint (registry order) then slot number. */
function slotLabels(results: Results, policies: readonly string[]): string[] {
  const endpoints = results.registry.endpoints.map((e) => e.name);
  const seen = new Map<string, { endpoint: number; slot: number }>();
  for (const policy of policies) {
    for (const e of results.policies[policy]!.charts.timeline) {
      const label = slotLabel(e);
      if (seen.has(label)) continue;
      let index = endpoints.indexOf(e.endpoint);
      if (index < 0) index = endpoints.push(e.endpoint) - 1;
      seen.set(label, { endpoint: index, slot: e.slot });
    }
  }
  return [...seen.entries()]
    .sort(([, a], [, b]) => a.endpoint - b.endpoint || a.slot - b.slot)
    .map(([label]) => label);
}

function spanOf(
  results: Results,
  policies: readonly string[],
  spanS: number,
  beforeOutageS: number,
): [number, number] {
  let firstS = Number.POSITIVE_INFINITY;
  let lastS = Number.NEGATIVE_INFINITY;
  for (const policy of policies) {
    for (const e of results.policies[policy]!.charts.timeline) {
      if (isNum(e.startS)) firstS = Math.min(firstS, e.startS);
      if (isNum(e.endS)) lastS = Math.max(lastS, e.endS);
    }
  }
  const outage = outageRows(results).find((o) => o.toS > firstS && o.fromS < lastS);
  const startS = outage ? Math.max(firstS, outage.fromS - beforeOutageS) : firstS;
  const from = Math.floor(startS);
  return [from, Math.ceil(Math.min(lastS, from + spanS))];
}
