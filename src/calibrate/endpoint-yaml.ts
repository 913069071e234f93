/**
 * The endpoint block a calibration gives, as scenario YAML ready to paste: an `endpoints:` list
 * with one endpoint, in the format's own fields and units (durations written with their unit,
 * six significant digits), preceded by comments saying where it came from, how well each
 * quantity fits and what the format could not express. Same calibration, same bytes.
 */
import { formatDuration, round } from "../input/index.ts";
import type { DistSpec } from "../sim/index.ts";
import type { Calibration } from "./calibrate.ts";
import type { Fit } from "./fit.ts";

/** The YAML of the endpoint; `source` names the log (file and format) in the comment. */
export function endpointYaml(calibration: Calibration, source: string): string {
  const c = calibration;
  const lines: string[] = [];
  const comment = (text: string) => {
    for (const line of wrap(text, 94)) lines.push(`# ${line}`);
  };
  comment(`Endpoint calibrated by agentsim calibrate from ${source}.`);
  comment(
    `${c.rows.total} requests over ${formatDuration(c.observed.spanS)}: ${c.rows.ok} ok, ${c.rows.error} errors, ${c.rows.timeout} timeouts, ${c.rows.rateLimited} refused with 429.`,
  );
  comment(
    `Observed load (not a limit; rateLimit is not fitted): ${round3(c.observed.requestsPerMinute)} requests/min, ${round3(c.observed.tokensPerMinute)} tokens/min (prompt + output).`,
  );
  for (const [name, fit] of fits(c)) comment(`${name}: ${fitLine(fit)}`);
  if (c.loadSlowdown !== undefined) {
    const s = c.loadSlowdown;
    comment(
      `loadSlowdown: weighted least squares of the median per-token time at each number in flight (1 to ${c.slots}, n ${s.n})${s.clamped === undefined ? "" : `; ${s.clamped}`}.`,
    );
  }
  comment(
    `errorRate ${round3(c.errorRate.value)} (95% ${round3(c.errorRate.ci95[0])}-${round3(c.errorRate.ci95[1])}, n ${c.errorRate.n}); timeouts ${round3(c.timeoutRate.value)} of requests${c.timeoutS === null ? "" : `, at ${formatDuration(c.timeoutS)}`}.`,
  );
  for (const note of c.notes) comment(note);
  lines.push("endpoints:");
  lines.push(`  - name: ${c.endpoint}`);
  lines.push(`    slots: ${c.slots}`);
  if (c.form === "tokens") {
    lines.push("    latency:");
    lines.push(`      ttft: ${distYaml(c.ttft!.spec)}`);
    lines.push(`      perOutputToken: ${distYaml(c.perOutputToken!.spec)}`);
    lines.push(`      loadSlowdown: ${round(c.loadSlowdown?.value ?? 0)}`);
  } else {
    lines.push(`    latency: ${distYaml(c.turn!.spec)}`);
  }
  lines.push("    failures:");
  lines.push(`      errorRate: ${round(c.errorRate.value)}`);
  if (c.timeoutS !== null) lines.push(`      timeout: ${formatDuration(c.timeoutS)}`);
  return `${lines.join("\n")}\n`;
}

/** The fitted quantities by their scenario field name. */
export function fits(c: Calibration): [string, Fit][] {
  const list: [string, Fit | undefined][] =
    c.form === "tokens"
      ? [
          ["ttft", c.ttft],
          ["perOutputToken", c.perOutputToken],
        ]
      : [["latency (whole request)", c.turn]];
  return list.filter((entry): entry is [string, Fit] => entry[1] !== undefined);
}

function fitLine(fit: Fit): string {
  const p = fit.percentiles;
  const pair = (name: string, v: { observed: number; fitted: number }) =>
    `${name} ${formatDuration(v.observed)}/${formatDuration(v.fitted)}`;
  return `${fit.spec.dist} by ${fit.method}, KS ${round3(fit.ks)}, n ${fit.n}; observed/fitted ${pair("p50", p.p50)}, ${pair("p90", p.p90)}, ${pair("p99", p.p99)}.`;
}

/** A duration distribution as the scenario format writes it. */
export function distYaml(spec: DistSpec): string {
  const d = formatDuration;
  switch (spec.dist) {
    case "constant":
      return d(spec.value);
    case "lognormal":
      return `{ dist: lognormal, mu: ${round(spec.mu)}, sigma: ${round(spec.sigma)} }`;
    case "exponential":
      return `{ dist: exponential, mean: ${d(spec.mean)} }`;
    case "normal":
      return `{ dist: normal, mean: ${d(spec.mean)}, sd: ${d(spec.sd)}, min: 0 }`;
    case "pareto":
      return `{ dist: pareto, scale: ${d(spec.scale)}, shape: ${round(spec.shape)} }`;
    case "uniform":
      return `{ dist: uniform, min: ${d(spec.min)}, max: ${d(spec.max)} }`;
    default:
      throw new Error(`distYaml: ${spec.dist} is not a fitted family`);
  }
}

function round3(x: number): string {
  return String(Number(x.toPrecision(3)));
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(line);
  return out;
}
