/**
 * The verdict of a sweep: the comparison's verdict made at every point, on the same metric
 * (the sweep's quiet tenant's p99 wait, else the p99 wait of all turns), with its paired
 * differences computed from the point's replications on their common seeds; and, per policy,
 * the points where it was not steady. Every output of a sweep opens with these sentences
 * instead of a verdict on the grid's first point.
 */
import type { Comparison, PolicyResults, Results, SweepPoint } from "../experiment/index.ts";
import { pairedComparison } from "../metrics/index.ts";
import { NO_INTERVAL } from "./comparisons.ts";
import { isNum, percent, seconds } from "./format.ts";
import { listing, pointLabel, quietTenant, type Verdict, verdictOf } from "./verdict.ts";

/** The verdict at one sweep point. */
export interface SweepPointVerdict {
  point: Record<string, string | number>;
  /** "path=value, path=value". */
  label: string;
  /** The comparison's verdict at this point (its sentence is not used; see `text`). */
  verdict: Verdict;
  /** Policies not steady at this point, in policy order. */
  notSteady: string[];
  /** Each policy's SLO attainment at this point (null without SLOs), in policy order. */
  sloAttainment: { policy: string; value: number | null }[];
  /** The point's verdict in a sentence: "rate=0.1/s: fair-share best (...)". */
  text: string;
}

/** A sweep's verdict (see the file's comment). */
export interface SweepVerdict {
  quietTenant: string | undefined;
  /** The metric judged at every point ("tenants.support.wait.p99" or "wait.p99"). */
  metric: string;
  points: SweepPointVerdict[];
  /** The sentences: what was judged, one a point, then the policies' steadiness and SLO attainment. */
  lines: string[];
  /** The lines joined. */
  sentence: string;
}

/** The sweep's verdict; undefined for results without a sweep. */
export function sweepVerdictOf(results: Results): SweepVerdict | undefined {
  const sweep = results.sweep;
  if (sweep === undefined || sweep.points.length === 0) return undefined;
  const tenant = quietTenant(results);
  const metric = tenant === undefined ? "wait.p99" : `tenants.${tenant}.wait.p99`;
  const subject = tenant === undefined ? "all turns" : `the quiet tenant "${tenant}"`;
  const points = sweep.points.map((point) => pointVerdict(results, point, tenant, metric));
  const axes = sweep.axes
    .map((a) =>
      a.values.length === 1
        ? `${a.path}=${a.values[0]}`
        : `${a.path} from ${a.values[0]} to ${a.values.at(-1)}`,
    )
    .join(" and ");
  const lines = [
    `Sweep of ${axes} (${sweep.points.length} points x ${Object.keys(sweep.points[0]!.policies).length} policies x ${results.replications} replications), judged at each point on ${subject}'s p99 wait${results.replications < 2 ? ` (${NO_INTERVAL}, so no policy is named best)` : ""}:`,
    ...points.map((p) => p.text),
    ...steadinessLines(points),
    ...percentileSloLines(sweep.points, points),
    ...sloLines(points),
  ];
  return { quietTenant: tenant, metric, points, lines, sentence: lines.join(" ") };
}

function pointVerdict(
  results: Results,
  point: SweepPoint,
  tenant: string | undefined,
  metric: string,
): SweepPointVerdict {
  // One axis: the header names it, so a point is its value; more: "path=value, path=value".
  const values = Object.values(point.point);
  const label = values.length === 1 ? String(values[0]) : pointLabel(point.point);
  const policies: Record<string, PolicyResults> = {};
  for (const [policy, p] of Object.entries(point.policies)) {
    policies[policy] = {
      summary: p.summary,
      tenants: p.tenants,
      jobs: {},
      replications: p.replications ?? [],
      charts: { waitCdf: [], timeseries: [] as never, timeline: [], outages: [] },
    };
  }
  const at: Results = {
    ...results,
    policies,
    comparisons: pointComparisons(policies, tenant, metric),
    sweep: undefined,
  };
  const verdict = verdictOf(at, tenant);
  const notSteady = Object.entries(point.policies)
    .filter(([, p]) => p.summary.saturation?.steady === false)
    .map(([policy]) => policy);
  const sloAttainment = Object.entries(point.policies).map(([policy, p]) => ({
    policy,
    value: p.summary.sloAttainment,
  }));
  return {
    point: point.point,
    label,
    verdict,
    notSteady,
    sloAttainment,
    text: pointText(label, verdict, notSteady),
  };
}

// The paired differences of the judged metric at a point, from its replications (b − a).
function pointComparisons(
  policies: Record<string, PolicyResults>,
  tenant: string | undefined,
  metric: string,
): Comparison[] {
  const value = (r: PolicyResults["replications"][number]) =>
    tenant === undefined ? r.summary?.wait?.p99 : r.tenants?.[tenant]?.waitP99;
  const entries = Object.entries(policies);
  const comparisons: Comparison[] = [];
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [a, pa] = entries[i]!;
      const [b, pb] = entries[j]!;
      if (pa.replications.length === 0 || pa.replications.length !== pb.replications.length)
        continue;
      const num = (x: number | undefined) => (isNum(x) ? x : Number.NaN);
      const { diff, ci95, n, clear } = pairedComparison(
        pb.replications.map((r) => num(value(r))),
        pa.replications.map((r) => num(value(r))),
      );
      if (n > 0) comparisons.push({ metric, a, b, n, diff, ci95, clear });
    }
  }
  return comparisons;
}

function pointText(label: string, v: Verdict, notSteady: readonly string[]): string {
  const figure = (policy: string) => {
    const b = v.byPolicy.find((r) => r.policy === policy);
    return `${policy} ${seconds(b?.waitP99S)} s`;
  };
  const others = (names: readonly string[]) =>
    v.byPolicy.filter((b) => !names.includes(b.policy)).map((b) => figure(b.policy));
  let text: string;
  if (v.byPolicy.length === 0) text = `At ${label}: no latency results`;
  else if (v.byPolicy.length === 1) text = `At ${label}: ${figure(v.byPolicy[0]!.policy)}`;
  else if (v.best !== undefined) {
    const rest = others([v.best]);
    text = `At ${label}: ${v.best} best (${figure(v.best)}${rest.length > 0 ? `; clearly less than ${listing(rest)}` : ""})`;
  } else if (v.tied.length === v.byPolicy.length) {
    text = `At ${label}: no clear difference (${v.byPolicy.map((b) => figure(b.policy)).join(", ")})`;
  } else {
    const rest = others(v.tied);
    text = `At ${label}: ${listing(v.tied)} tie (${v.tied.map(figure).join(", ")})${rest.length > 0 ? `, clearly better than ${listing(rest)}` : ""}`;
  }
  if (notSteady.length > 0) text += `; not steady: ${listing(notSteady)}`;
  return `${text}.`;
}

// Per policy: steady at every point, at none, or where it stops being steady; policies with
// the same pattern share a sentence.
function steadinessLines(points: readonly SweepPointVerdict[]): string[] {
  const policies = [...new Set(points.flatMap((p) => p.verdict.byPolicy.map((b) => b.policy)))];
  const byPattern = new Map<string, string[]>();
  for (const policy of policies) {
    const unsteady = points.map((p) => p.notSteady.includes(policy));
    const first = unsteady.indexOf(true);
    let pattern: string;
    if (first < 0) pattern = "steady at every point";
    else if (unsteady.every((u) => u)) pattern = "not steady at any point";
    else if (first > 0 && unsteady.slice(first).every((u) => u)) {
      pattern = `steady up to ${points[first - 1]!.label} and not steady from ${points[first]!.label} on`;
    } else {
      pattern = `not steady at ${listing(points.filter((_, i) => unsteady[i]).map((p) => p.label))}`;
    }
    byPattern.set(pattern, [...(byPattern.get(pattern) ?? []), policy]);
  }
  return [...byPattern].map(
    ([pattern, names]) =>
      `Steadiness: ${listing(names)} ${names.length === 1 ? "is" : "are"} ${pattern}.`,
  );
}

// Per declared percentile SLO: where each policy meets it (its interval within the bound),
// misses it (beyond) or stays undecided, policies with the same pattern in one clause.
function percentileSloLines(
  sweepPoints: readonly SweepPoint[],
  points: readonly SweepPointVerdict[],
): string[] {
  const verdicts = new Map<string, Map<string, (boolean | null)[]>>();
  sweepPoints.forEach((point, i) => {
    for (const [policy, p] of Object.entries(point.policies)) {
      for (const [job, j] of Object.entries(p.jobs ?? {})) {
        for (const slo of j.percentileSlos ?? []) {
          const name = `${job} ${slo.metric} ≤ ${slo.boundS} s`;
          const byPolicy = verdicts.get(name) ?? new Map<string, (boolean | null)[]>();
          verdicts.set(name, byPolicy);
          const holds = byPolicy.get(policy) ?? new Array(points.length).fill(null);
          holds[i] = slo.holds;
          byPolicy.set(policy, holds);
        }
      }
    }
  });
  const lines: string[] = [];
  for (const [name, byPolicy] of verdicts) {
    const byPattern = new Map<string, string[]>();
    for (const [policy, holds] of byPolicy) {
      const pattern = holdsPattern(holds, points);
      byPattern.set(pattern, [...(byPattern.get(pattern) ?? []), policy]);
    }
    const clauses = [...byPattern].map(([pattern, names]) => {
      const one = names.length === 1;
      return `${listing(names)} ${pattern.replaceAll("{s}", one ? "s" : "").replaceAll("{es}", one ? "es" : "")}`;
    });
    lines.push(`SLO ${name}: ${clauses.join("; ")}.`);
  }
  return lines;
}

// Where an SLO holds along the points: "hold{s} at every point", "hold{s} up to A and miss{es} it from B on", ...
function holdsPattern(
  holds: readonly (boolean | null)[],
  points: readonly SweepPointVerdict[],
): string {
  if (holds.every((h) => h === true)) return "hold{s} at every point";
  if (holds.every((h) => h === false)) return "miss{es} it at every point";
  const firstMiss = holds.indexOf(false);
  if (
    firstMiss > 0 &&
    holds.slice(0, firstMiss).every((h) => h === true) &&
    holds.slice(firstMiss).every((h) => h === false)
  ) {
    return `hold{s} up to ${points[firstMiss - 1]!.label} and miss{es} it from ${points[firstMiss]!.label} on`;
  }
  const at = (value: boolean | null) =>
    listing(points.filter((_, i) => holds[i] === value).map((p) => p.label));
  const parts = [
    holds.includes(true) ? `hold{s} at ${at(true)}` : "",
    holds.includes(false) ? `miss{es} it at ${at(false)}` : "",
    holds.includes(null)
      ? `undecided at ${at(null)} (the interval straddles the bound, or one replication)`
      : "",
  ].filter((p) => p !== "");
  return parts.join(", ");
}

// Per policy: its SLO attainment at the first and the last point (when SLOs are declared).
function sloLines(points: readonly SweepPointVerdict[]): string[] {
  const first = points[0]!;
  const last = points.at(-1)!;
  if (points.length < 2 || !first.sloAttainment.some((s) => isNum(s.value))) return [];
  const parts = first.sloAttainment.map(({ policy, value }) => {
    const end = last.sloAttainment.find((s) => s.policy === policy)?.value;
    return `${policy} ${percent(value)} to ${percent(end)}`;
  });
  return [`SLO attainment from ${first.label} to ${last.label}: ${parts.join(", ")}.`];
}
