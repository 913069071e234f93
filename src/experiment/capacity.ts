/**
 * Capacity search: the value of one scenario field (an arrival rate, a number of users, of
 * slots) at which every SLO stops holding, found by bisection over replicated cells.
 *
 * An SLO is a metric of results.json held to a bound (`runLatency.p95<=60s`,
 * `tenants.support.wait.p99<=5s`, `sloAttainment>=0.95`). At each probed value the policy runs
 * `replications` replications (common random numbers: replication r has the same seed at every
 * value, so neighbouring probes differ by the value, not by the noise); each replication gives
 * the metric once, and the probe's estimate is their mean with a Student t interval at the
 * chosen confidence. The interval, not the point estimate, decides: an upper SLO (`<=`) is met
 * when the interval's upper end is within the bound, missed when its lower end is beyond it.
 * While the interval straddles the bound the probe doubles its replications, up to
 * `maxReplications`; still undecided there, it counts as not meeting (the answer errs on the
 * safe side) and says so.
 *
 * The search probes both ends first. Met at the low end and missed at the high end, it looks
 * for the largest value that meets every SLO (an arrival rate, a number of users); missed at
 * the low end and met at the high end, for the smallest (a number of slots). Met at both ends,
 * the answer is the top of the range and says so; missed at both, there is no answer. Then it
 * halves the interval between the last value met and the first missed until it is no wider
 * than the resolution: about log2(range / resolution) probes, against range / resolution + 1
 * points for a grid sweep at the same resolution.
 */
import { parseDuration, ScenarioError, show } from "../input/index.ts";
import { studentTQuantile } from "../metrics/index.ts";
import type { PolicyResults } from "./results.ts";

/** An SLO of the search: a metric path of results.json, a direction and a bound. */
export interface CapacitySlo {
  /** The path under a policy: `runLatency.p95`, `tenants.support.wait.p99`, `sloAttainment`. */
  metric: string;
  op: "<=" | ">=";
  /** The bound, in the metric's base unit (seconds for times). */
  value: number;
  /** As given on the command line. */
  text: string;
}

/** One SLO's estimate at one probed value. */
export interface SloEstimate {
  metric: string;
  /** Mean over the replications that measured it. */
  estimate: number;
  /** The interval at the search's confidence ([-inf, inf] from fewer than two values). */
  interval: [number, number];
  /** Met, missed, or undecided (the interval straddles the bound). */
  meets: boolean | null;
  /** Replications that measured the metric. */
  n: number;
}

/** One probed value. */
export interface CapacityProbe {
  value: number;
  /** The value as set in the scenario (with the range's unit). */
  shown: string;
  replications: number;
  slos: SloEstimate[];
  /** Every SLO met (an undecided probe counts as not meeting). */
  meets: boolean;
  /** False when some SLO was still undecided at the most replications allowed. */
  decided: boolean;
}

/** The search's answer and its evidence (results.json's `capacity`). */
export interface CapacityResult {
  axis: { path: string; lo: number; hi: number; unit: string; integer: boolean };
  slos: CapacitySlo[];
  policy: string;
  confidence: number;
  resolution: number;
  /** Largest value meeting the SLOs (met at the low end) or smallest (met at the high end). */
  direction: "largest" | "smallest" | null;
  /** The value found, or null when no value of the range meets every SLO. */
  answer: number | null;
  answerShown: string | null;
  /** When the answer is an end of the range: the SLOs hold all the way to it. */
  atEnd: "top" | "bottom" | null;
  /** Every probe, in the order run. */
  probes: CapacityProbe[];
  /** Cells simulated, and how many a grid sweep at the same resolution would have run. */
  cells: number;
  gridCells: number;
}

/** What the search needs: the range, the SLOs, and a way to run replications at a value. */
export interface CapacitySearch {
  path: string;
  lo: number;
  hi: number;
  /** The unit suffix values are written with ("" for a plain number). */
  unit: string;
  integer: boolean;
  resolution: number;
  slos: readonly CapacitySlo[];
  policy: string;
  confidence: number;
  replications: number;
  maxReplications: number;
  /**
   * Runs replications `from`..`to - 1` of the policy with the field set to `shown`, and returns
   * each replication's results (as results.json's policy entry, from that replication alone).
   */
  run: (shown: string, from: number, to: number) => Promise<PolicyResults[]>;
  /** Told of each probe as it is decided. */
  onProbe?: (probe: CapacityProbe) => void;
}

/** The value as written into the scenario: 12 significant digits, with the range's unit. */
export function shownValue(value: number, unit: string): string {
  return `${Number(value.toPrecision(12))}${unit}`;
}

/** Runs the search. */
export async function searchCapacity(search: CapacitySearch): Promise<CapacityResult> {
  const probes: CapacityProbe[] = [];
  const probe = async (value: number): Promise<CapacityProbe> => {
    const shown = shownValue(value, search.unit);
    const results: PolicyResults[] = [];
    let count = Math.min(search.replications, search.maxReplications);
    let slos: SloEstimate[] = [];
    for (;;) {
      results.push(...(await search.run(shown, results.length, count)));
      slos = search.slos.map((slo) => estimateSlo(slo, results, search.confidence));
      const undecided = slos.some((s) => s.meets === null);
      const missed = slos.some((s) => s.meets === false);
      if (missed || !undecided || count >= search.maxReplications) break;
      count = Math.min(search.maxReplications, count * 2);
    }
    const decided = slos.every((s) => s.meets !== null) || slos.some((s) => s.meets === false);
    const result: CapacityProbe = {
      value,
      shown,
      replications: results.length,
      slos,
      meets: slos.every((s) => s.meets === true),
      decided,
    };
    probes.push(result);
    search.onProbe?.(result);
    return result;
  };
  const { lo, hi } = search;
  const step = search.integer ? Math.max(1, Math.round(search.resolution)) : search.resolution;
  const atLo = await probe(lo);
  const atHi = await probe(hi);
  let direction: CapacityResult["direction"] = null;
  let answer: number | null = null;
  let atEnd: CapacityResult["atEnd"] = null;
  if (atLo.meets && atHi.meets) {
    direction = "largest";
    answer = hi;
    atEnd = "top";
  } else if (atLo.meets || atHi.meets) {
    direction = atLo.meets ? "largest" : "smallest";
    let good = atLo.meets ? lo : hi;
    let bad = atLo.meets ? hi : lo;
    while (Math.abs(bad - good) > step) {
      let mid = (good + bad) / 2;
      if (search.integer) mid = good < bad ? Math.floor(mid) : Math.ceil(mid);
      if (mid === good || mid === bad) break;
      if ((await probe(mid)).meets) good = mid;
      else bad = mid;
    }
    answer = good;
    if (answer === (direction === "largest" ? hi : lo))
      atEnd = direction === "largest" ? "top" : "bottom";
  }
  const gridPoints = Math.floor((hi - lo) / step + 1e-9) + 1;
  return {
    axis: { path: search.path, lo, hi, unit: search.unit, integer: search.integer },
    slos: [...search.slos],
    policy: search.policy,
    confidence: search.confidence,
    resolution: step,
    direction,
    answer,
    answerShown:
      answer === null ? null : shownValue(safeRound(answer, step, direction), search.unit),
    atEnd,
    probes,
    cells: probes.reduce((sum, p) => sum + p.replications, 0),
    gridCells: gridPoints * search.replications,
  };
}

/**
 * The answer as shown: to the resolution's digits, rounded toward the side where the SLOs
 * hold (down for the largest value, up for the smallest), so the figure read is never past
 * the value probed.
 */
function safeRound(answer: number, step: number, direction: CapacityResult["direction"]): number {
  const digits = Math.max(0, 1 - Math.floor(Math.log10(step)));
  const scale = 10 ** digits;
  const scaled = answer * scale;
  const rounded = direction === "smallest" ? Math.ceil(scaled - 1e-9) : Math.floor(scaled + 1e-9);
  return rounded / scale;
}

/** One SLO's estimate from the replications' results. */
export function estimateSlo(
  slo: CapacitySlo,
  results: readonly PolicyResults[],
  confidence: number,
): SloEstimate {
  const values = results.map((r) => metricOf(r, slo.metric)).filter(isFiniteNumber);
  const n = values.length;
  const mean = n === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / n;
  let interval: [number, number] = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  if (n >= 2) {
    const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
    const half = studentTQuantile((1 + confidence) / 2, n - 1) * Math.sqrt(variance / n);
    interval = [mean - half, mean + half];
  }
  let meets: boolean | null = null;
  if (n > 0) {
    const [low, high] = interval;
    if (slo.op === "<=") meets = high <= slo.value ? true : low > slo.value ? false : null;
    else meets = low >= slo.value ? true : high < slo.value ? false : null;
  }
  return { metric: slo.metric, estimate: mean, interval, meets, n };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * A metric of one policy's results by path: `tenants.<name>.…` and `jobs.<name>.…` under
 * those sections, anything else under `summary` (`runLatency.p95`, `sloAttainment`).
 * Returns the number, null for a metric with no value (no runs measured it), or undefined
 * when the path names no number.
 */
export function metricOf(result: PolicyResults, path: string): number | null | undefined {
  const segments = path.split(".");
  let node: unknown = segments[0] === "tenants" || segments[0] === "jobs" ? result : result.summary;
  for (const segment of segments) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, segment)) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[segment];
  }
  if (node === null) return null;
  return typeof node === "number" ? node : undefined;
}

/** Every metric path of a policy's results, for suggestions. */
export function metricPaths(result: PolicyResults): string[] {
  const paths: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (typeof node === "number" || node === null) {
      if (at !== "") paths.push(at);
      return;
    }
    if (typeof node !== "object" || Array.isArray(node)) return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === "intervals" || key === "ci95") continue;
      walk(value, at === "" ? key : `${at}.${key}`);
    }
  };
  walk(result.summary, "");
  walk({ tenants: result.tenants }, "");
  walk({ jobs: result.jobs }, "");
  return paths;
}

/** The metric paths nearest to `wanted` (edit distance), for an error message. */
export function nearestPaths(wanted: string, paths: readonly string[], count = 5): string[] {
  return [...paths]
    .map((path) => ({ path, d: distance(wanted.toLowerCase(), path.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.path.localeCompare(b.path))
    .slice(0, count)
    .map((p) => p.path);
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}

const SLO_EXPECTED =
  'an SLO "<metric><=<bound>" or "<metric>>=<bound>", such as "runLatency.p95<=60s" or "sloAttainment>=0.95"';

/**
 * Parses `--slo metric<=bound` (or `>=`). A bound with a time unit (`60s`, `500ms`, `2m`) is
 * in seconds; a percentage (`95%`) a fraction; else a plain number.
 */
export function parseSlo(text: string, where = "--slo"): CapacitySlo {
  const match = /^\s*([A-Za-z0-9_.-]+)\s*(<=|>=)\s*(\S+)\s*$/.exec(text);
  if (match === null) throw new ScenarioError(where, SLO_EXPECTED, text);
  const [, metric, op, bound] = match as unknown as [string, string, "<=" | ">=", string];
  let value: number;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(bound)) value = Number(bound);
  else if (/^(\d+\.?\d*|\.\d+)%$/.test(bound)) value = Number(bound.slice(0, -1)) / 100;
  else {
    try {
      value = parseDuration(bound, where);
    } catch {
      throw new ScenarioError(
        where,
        `${SLO_EXPECTED}: a bound that is a number, a duration or a percentage`,
        `${show(bound)} in ${show(text)}`,
        { foundShown: true },
      );
    }
  }
  if (!Number.isFinite(value)) throw new ScenarioError(where, SLO_EXPECTED, text);
  return { metric, op, value, text: text.trim() };
}
