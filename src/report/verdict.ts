/**
 * The verdict every output opens with: which tenant is the quiet one, which policy serves it
 * best — named only when the paired differences say so — and the figures a reviewer must see
 * before trusting any other (steady state, failures, load). The terminal, summary.md and the
 * cockpit all print these sentences, so they say the same thing.
 */
import type { PolicySummary, Results } from "../experiment/index.ts";
import { describeBottleneck, JAIN_NOT_MEASURABLE } from "../metrics/index.ts";
import { lowerIsBetter, NO_INTERVAL, pairOf } from "./comparisons.ts";
import { fixed, interval, isNum, seconds, signed } from "./format.ts";

/** Tenants whose mean demands are within this fraction of the least are not told apart. */
export const QUIET_MARGIN = 0.05;

/** Which policy served the quiet tenant best, and how every policy did for it. */
export interface Verdict {
  /** The tenant with clearly the least demand; undefined when demands are (nearly) equal. */
  quietTenant: string | undefined;
  /** The comparison metric judged: the quiet tenant's wait p99, else the overall wait p99. */
  metric: string;
  /** The single best policy, when its paired difference with every other is clear. */
  best: string | undefined;
  /** When no single policy is clearly best: the leader and the policies not clearly worse. */
  tied: string[];
  /** The judged tenant's (or all turns') figures under each policy, in policy order. */
  byPolicy: { policy: string; waitP99S: number; runLatencyP95S: number; serviceShare: number }[];
  /** The verdict in words. */
  sentence: string;
}

/**
 * The quiet tenant: the one whose demand (the service its turns asked for in the window, mean
 * over replications and policies) is the least. When another tenant asked for less than
 * {@link QUIET_MARGIN} more, demands are equal for this purpose and there is no quiet tenant;
 * results without demand figures have none either. For a sweep, demands are averaged over every
 * point too, so every point is judged on the same tenant.
 */
export function quietTenant(results: Results): string | undefined {
  // A sweep's quiet tenant is the sweep's: demands averaged over every point and policy.
  const policies: { tenants: Record<string, { demand: number }> }[] =
    results.sweep === undefined
      ? Object.values(results.policies)
      : results.sweep.points.flatMap((point) => Object.values(point.policies));
  const demands = results.registry.tenants
    .map((t) => {
      const values = policies.map((p) => p.tenants[t.name]?.demand).filter(isNum);
      const demand =
        values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
      return { name: t.name, demand };
    })
    .filter((t) => isNum(t.demand));
  if (demands.length < 2 || demands.length < results.registry.tenants.length) return undefined;
  const sorted = [...demands].sort((a, b) => a.demand - b.demand);
  const [least, next] = [sorted[0]!, sorted[1]!];
  if (next.demand <= least.demand * (1 + QUIET_MARGIN)) return undefined;
  return least.name;
}

/**
 * The verdict of a comparison (see {@link Verdict}); `tenant` judges that tenant instead of the
 * quiet one (undefined: all turns), as a sweep's points are judged on the sweep's quiet tenant.
 */
export function verdictOf(
  results: Results,
  tenant: string | undefined = quietTenant(results),
): Verdict {
  const metric = tenant === undefined ? "wait.p99" : `tenants.${tenant}.wait.p99`;
  const subject = tenant === undefined ? "all turns" : `the quiet tenant "${tenant}"`;
  const byPolicy: Verdict["byPolicy"] = [];
  for (const [policy, p] of Object.entries(results.policies)) {
    const t = tenant === undefined ? undefined : p.tenants[tenant];
    if (tenant !== undefined && t === undefined) continue;
    byPolicy.push({
      policy,
      waitP99S: t === undefined ? p.summary.wait.p99 : t.wait.p99,
      runLatencyP95S: t === undefined ? p.summary.runLatency.p95 : t.runLatency.p95,
      serviceShare: t === undefined ? 1 : t.serviceShare,
    });
  }
  const ranked = byPolicy
    .filter((b) => isNum(b.waitP99S))
    .map((b, i) => [b, i] as const)
    .sort(([a, i], [b, j]) => a.waitP99S - b.waitP99S || i - j)
    .map(([b]) => b);
  const noQuiet =
    tenant === undefined && results.registry.tenants.length > 1
      ? "No quiet tenant (the tenants' demands are within 5% of each other), so the verdict is on the p99 wait of all turns. "
      : "";
  const unsteady = Object.values(results.policies).some(
    (p) => p.summary.saturation?.steady === false,
  )
    ? " These are not steady-state figures (see the warnings)."
    : "";
  const leader = ranked[0];
  if (leader === undefined) {
    const sentence = "No latency results: no verdict.";
    return { quietTenant: tenant, metric, best: undefined, tied: [], byPolicy, sentence };
  }
  if (ranked.length === 1) {
    const sentence = `${noQuiet}Only ${leader.policy} ran: ${subject} waits ${seconds(leader.waitP99S)} s at p99.${unsteady}`;
    return { quietTenant: tenant, metric, best: undefined, tied: [], byPolicy, sentence };
  }
  const pairs = ranked.slice(1).map((r) => ({
    row: r,
    c: pairOf(results, metric, leader.policy, r.policy),
  }));
  const worse = (c: (typeof pairs)[number]["c"]) =>
    c?.clear === true && (lowerIsBetter(metric) ? c.diff > 0 : c.diff < 0);
  const n = Math.min(...pairs.map(({ c }) => c?.n ?? 0));
  const values = ranked.map((r) => `${r.policy} ${seconds(r.waitP99S)} s`).join(", ");
  let best: string | undefined;
  let tied: string[] = [];
  let sentence: string;
  if (n < 2) {
    tied = ranked.map((r) => r.policy);
    sentence =
      `${noQuiet}${capitalize(NO_INTERVAL)}, so no policy is named best. ` +
      `Point estimates of ${subject}'s p99 wait: ${values}.`;
  } else if (pairs.every(({ c }) => worse(c))) {
    best = leader.policy;
    const others = listing(
      pairs.map(
        ({ row, c }) => `${row.policy} (${seconds(row.waitP99S)} s; ${differenceText(c!)})`,
      ),
    );
    sentence =
      `${noQuiet}${best} serves ${subject} best: its turns wait ${seconds(leader.waitP99S)} s at ` +
      `p99, clearly less than under ${others}, over ${n} replications.`;
  } else {
    const ties = pairs.filter(({ c }) => !worse(c));
    tied = [leader.policy, ...ties.map(({ row }) => row.policy)];
    const beaten = pairs.filter(({ c }) => worse(c));
    const tieFigures = ties
      .map(({ row, c }) =>
        c === undefined
          ? `${row.policy}: not compared`
          : `${row.policy} − ${leader.policy} ${differenceText(c)}`,
      )
      .join("; ");
    sentence =
      `${noQuiet}${listing(tied)}: no clear difference over ${n} replications in ${subject}'s ` +
      `p99 wait (${ranked
        .filter((r) => tied.includes(r.policy))
        .map((r) => `${seconds(r.waitP99S)} s`)
        .join(" vs ")}; ${tieFigures})` +
      (beaten.length === 0
        ? "."
        : `; ${tied.length === 2 ? "both" : "all"} clearly better than ${listing(
            beaten.map(({ row }) => `${row.policy} (${seconds(row.waitP99S)} s)`),
          )}.`);
  }
  return { quietTenant: tenant, metric, best, tied, byPolicy, sentence: sentence + unsteady };
}

/** "+0.46 s, 95% CI [-0.61, 1.53]" for a comparison of times (its sign kept). */
export function differenceText(c: { diff: number; ci95: [number, number] | null }): string {
  const ci = c.ci95 === null ? NO_INTERVAL : `95% CI ${interval(c.ci95)}`;
  return `${signed(c.diff)} s, ${ci}`;
}

/**
 * Jain's index as every output prints it: three decimals; "not measurable (one tenant with
 * demand)" when no replication could measure it; and how many replications did when only some.
 */
export function jainText(
  fairness: PolicySummary["fairness"] | undefined,
  replications: number,
): string {
  const jain = fairness?.jain;
  if (jain === null || jain === undefined || !isNum(jain)) return JAIN_NOT_MEASURABLE;
  const measured = fairness?.jainReplications;
  return isNum(measured) && measured < replications
    ? `${fixed(jain, 3)} (measured in ${measured} of ${replications} replications)`
    : fixed(jain, 3);
}

/**
 * The most loaded resource of a policy, offered load and limit averaged over its
 * replications: "slots on llm: offered 21 slot-s/s against a limit of 15.8 (load 1.33)".
 */
export function loadText(summary: PolicySummary): string {
  const top = summary.saturation?.resources?.[0];
  if (top === undefined) return "–";
  return `${describeBottleneck(top)} (load ${fixed(top.load, 2)})`;
}

/**
 * Why a policy's figures are not steady-state values, one sentence a policy that is not
 * steady: its worst replication's reason, how many replications were not steady, and the
 * mean load on its most loaded resource; for a sweep, a line a point where a policy was not
 * steady. The same lines in every output.
 */
export function saturationWarnings(results: Results): string[] {
  const warnings: string[] = [];
  // A sweep's policies are its first point's, which the points' lines cover.
  const policies = results.sweep === undefined ? Object.entries(results.policies) : [];
  for (const [policy, p] of policies) {
    const line = steadyWarning(policy, p.summary, results.replications);
    if (line !== undefined) warnings.push(line);
  }
  for (const point of results.sweep?.points ?? []) {
    const unsteady = Object.entries(point.policies).filter(
      ([, p]) => p.summary.saturation?.steady === false,
    );
    if (unsteady.length === 0) continue;
    warnings.push(
      `sweep point ${pointLabel(point.point)}: not steady state under ` +
        unsteady
          .map(([policy, p]) => `${policy} (${p.summary.saturation.reason || "saturated"})`)
          .join(", ") +
        ".",
    );
  }
  return warnings;
}

/** The warning for one policy, or undefined when it is steady. */
export function steadyWarning(
  policy: string,
  summary: PolicySummary,
  replications: number,
): string | undefined {
  const s = summary.saturation;
  if (s === undefined || s.steady !== false) return undefined;
  const which =
    s.worstReplication === null || s.worstReplication === undefined
      ? ""
      : ` (replication ${s.worstReplication + 1}; ${s.notSteady} of ${replications} replications not steady)`;
  return (
    `${policy} is not steady state: ${s.reason || "saturated"}${which}. ` +
    `Mean load: ${loadText(summary)}; runs arrive at ${fixed(s.arrivalsPerS, 2)}/s and complete ` +
    `at ${fixed(s.completionsPerS, 2)}/s. Its latencies are not steady-state figures.`
  );
}

/** Whether every policy (and every sweep point's) is steady: only then is it said. */
export function allSteady(results: Results): boolean {
  const summaries = [
    ...Object.values(results.policies).map((p) => p.summary),
    ...(results.sweep?.points ?? []).flatMap((pt) =>
      Object.values(pt.policies).map((p) => p.summary),
    ),
  ];
  return summaries.every((s) => s.saturation?.steady === true);
}

/** The sentence said when every policy is steady (and only then). */
export const ALL_STEADY =
  "No policy saturated the endpoints or lost more than 5% of its measured runs: the figures are steady-state values.";

/** A sweep point as "path=value, path=value". */
export function pointLabel(point: Record<string, string | number>): string {
  return Object.entries(point)
    .map(([path, value]) => `${path}=${value}`)
    .join(", ");
}

/** "a", "a and b", "a, b and c". */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
