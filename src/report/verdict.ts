/**
 * The cockpit's and summary's verdict: which tenant is the quiet one, which policy serves it
 * best, and the warnings a reviewer must see before trusting any figure (saturation).
 */
import type { Results } from "../experiment/results.ts";
import { isNum, seconds } from "./format.ts";

/** Which policy served the quiet tenant best, and how every policy did for it. */
export interface Verdict {
  /** The tenant that asks for the least service per unit of weight; undefined without tenants. */
  quietTenant: string | undefined;
  /** The policy with the lowest p99 wait for the quiet tenant; undefined without data. */
  best: string | undefined;
  /** The quiet tenant's p99 wait and p95 run latency under each policy, in policy order. */
  byPolicy: { policy: string; waitP99S: number; runLatencyP95S: number; serviceShare: number }[];
  /** One sentence saying the above. */
  sentence: string;
}

/**
 * The quiet tenant is the one whose demand is smallest for its weight. FIFO serves turns in
 * arrival order, so its service shares are the best proxy for demand; without FIFO the shares
 * are averaged over the policies.
 */
export function quietTenant(results: Results): string | undefined {
  const names = results.registry.tenants.map((t) => t.name);
  const weights = new Map(results.registry.tenants.map((t) => [t.name, t.weight || 1]));
  const policies = results.policies["fifo"]
    ? [results.policies["fifo"]]
    : Object.values(results.policies);
  let quiet: string | undefined;
  let least = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const shares = policies.map((p) => p.tenants[name]?.serviceShare).filter(isNum);
    if (shares.length === 0) continue;
    const demand = shares.reduce((a, b) => a + b, 0) / shares.length / weights.get(name)!;
    if (demand < least) {
      least = demand;
      quiet = name;
    }
  }
  return quiet;
}

/** The verdict of a comparison (see `Verdict`). */
export function verdictOf(results: Results): Verdict {
  const tenant = quietTenant(results);
  const byPolicy: Verdict["byPolicy"] = [];
  if (tenant !== undefined) {
    for (const [policy, p] of Object.entries(results.policies)) {
      const t = p.tenants[tenant];
      if (t === undefined) continue;
      byPolicy.push({
        policy,
        waitP99S: t.wait.p99,
        runLatencyP95S: t.runLatency.p95,
        serviceShare: t.serviceShare,
      });
    }
  }
  const ranked = byPolicy
    .filter((b) => isNum(b.waitP99S))
    .sort(
      (a, b) =>
        a.waitP99S - b.waitP99S ||
        (a.runLatencyP95S || 0) - (b.runLatencyP95S || 0) ||
        (a.policy < b.policy ? -1 : 1),
    );
  const best = ranked[0]?.policy;
  let sentence: string;
  if (tenant === undefined || best === undefined) {
    sentence = "No per-tenant results: no verdict on the quiet tenant.";
  } else if (ranked.length === 1) {
    sentence = `Only ${best} ran: the quiet tenant "${tenant}" waits ${seconds(ranked[0]!.waitP99S)} s at p99.`;
  } else {
    const others = ranked
      .slice(1)
      .map((r) => `${r.policy} ${seconds(r.waitP99S)} s`)
      .join(", ");
    sentence =
      `${best} serves the quiet tenant "${tenant}" best: its turns wait ${seconds(ranked[0]!.waitP99S)} s ` +
      `at p99 (${others}).`;
  }
  return { quietTenant: tenant, best, byPolicy, sentence };
}

/**
 * Warnings a reviewer must read before any latency: one per saturated policy, and one per
 * sweep point where some policy saturated. When offered load exceeds capacity, queues grow
 * with the horizon and latency figures are not steady-state values.
 */
export function saturationWarnings(results: Results): string[] {
  const warnings: string[] = [];
  for (const [policy, p] of Object.entries(results.policies)) {
    const s = p.summary.saturation;
    if (!s?.saturated) continue;
    warnings.push(
      `${policy}: offered ${two(s.offeredPerS)} slot-s/s against a capacity of ` +
        `${two(s.capacityPerS)}; runs arrive at ${two(s.arrivalsPerS)}/s and complete at ` +
        `${two(s.completionsPerS)}/s, so queues grow with the horizon and its latencies are not ` +
        "steady-state figures.",
    );
  }
  for (const point of results.sweep?.points ?? []) {
    const saturated = Object.entries(point.policies).filter(
      ([, p]) => p.summary.saturation?.saturated,
    );
    if (saturated.length === 0) continue;
    const loads = saturated
      .map(([, p]) => p.summary.saturation.offeredPerS / p.summary.saturation.capacityPerS)
      .filter(isNum);
    const load = loads.length > 0 ? ` (offered load ${two(Math.max(...loads))}× capacity)` : "";
    warnings.push(
      `sweep point ${pointLabel(point.point)}: saturated under ` +
        `${saturated.map(([policy]) => policy).join(", ")}${load}.`,
    );
  }
  return warnings;
}

function two(x: number): string {
  return isNum(x) ? x.toFixed(2) : "–";
}

/** A sweep point as "path=value, path=value". */
export function pointLabel(point: Record<string, string | number>): string {
  return Object.entries(point)
    .map(([path, value]) => `${path}=${value}`)
    .join(", ");
}
