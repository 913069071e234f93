/**
 * A calibration for people (a table of the fitted quantities with their quality) and for
 * programs (`calibrationJson`: the same figures, the YAML block and the notes).
 */
import { formatDuration } from "../input/index.ts";
import type { Calibration, Proportion } from "./calibrate.ts";
import { fits } from "./endpoint-yaml.ts";
import type { Fit } from "./fit.ts";

/** The terminal table: each fitted quantity with n, KS and observed vs fitted percentiles. */
export function calibrationTable(c: Calibration, source: string): string {
  const rows: string[][] = [
    ["quantity", "n", "fit", "KS", "p50 obs / fit", "p90 obs / fit", "p99 obs / fit"],
  ];
  for (const [name, fit] of fits(c)) {
    const p = fit.percentiles;
    const pair = (v: { observed: number; fitted: number }) =>
      `${formatDuration(v.observed)} / ${formatDuration(v.fitted)}`;
    rows.push([
      name,
      String(fit.n),
      `${fit.spec.dist} (${fit.method})`,
      fit.ks.toFixed(4),
      pair(p.p50),
      pair(p.p90),
      pair(p.p99),
    ]);
  }
  const widths = rows[0]!.map((_, k) => Math.max(...rows.map((row) => row[k]!.length)));
  const table = rows.map((row) =>
    row
      .map((cell, k) => (k === 1 || k === 3 ? cell.padStart(widths[k]!) : cell.padEnd(widths[k]!)))
      .join("  ")
      .trimEnd(),
  );
  const lines = [
    `Calibrated "${c.endpoint}" from ${source}: ${c.rows.total} requests over ${formatDuration(c.observed.spanS)} (${c.rows.ok} ok, ${c.rows.error} errors, ${c.rows.timeout} timeouts, ${c.rows.rateLimited} refused with 429).`,
    "",
    ...table,
    "",
  ];
  if (c.loadSlowdown !== undefined) {
    const s = c.loadSlowdown;
    lines.push(
      `loadSlowdown ${round(s.value)} over 1-${c.slots} in flight (n ${s.n}; per-token time ${formatDuration(s.baseS)} alone)${s.clamped === undefined ? "" : `: ${s.clamped}`}`,
    );
    // The evidence: the median per-token time observed and fitted at a few numbers in flight,
    // those with at least 30 requests (the fewest, the middle and the most in flight).
    const solid = s.byInFlight.filter((g) => g.n >= 30);
    const shown = [...new Set([solid[0], solid[Math.floor(solid.length / 2)], solid.at(-1)])];
    const cells = shown
      .filter((g) => g !== undefined)
      .map(
        (g) =>
          `${g.inFlight} in flight ${formatDuration(g.observedS)} / ${formatDuration(g.fittedS)} (n ${g.n})`,
      );
    if (cells.length > 0) lines.push(`  median per-token obs / fit: ${cells.join(", ")}`);
  }
  lines.push(`errorRate    ${rate(c.errorRate)}`);
  lines.push(
    `timeouts     ${rate(c.timeoutRate)}${c.timeoutS === null ? "" : `, timeout ${formatDuration(c.timeoutS)}`}`,
  );
  lines.push(`429 share    ${rate(c.rateLimitedShare)} (apart from errors)`);
  lines.push(
    `observed     ${round(c.observed.requestsPerMinute)} requests/min, ${round(c.observed.tokensPerMinute)} tokens/min`,
  );
  lines.push("", ...c.notes.map((note) => `note: ${note}`));
  return `${lines.join("\n")}\n`;
}

function rate(p: Proportion): string {
  return `${round(p.value)} (${p.count} of ${p.n}; 95% ${round(p.ci95[0])} to ${round(p.ci95[1])})`;
}

function round(x: number): string {
  return String(Number(x.toPrecision(4)));
}

/** The machine-readable calibration: every figure, the notes and the YAML block. */
export function calibrationJson(
  c: Calibration,
  source: { file: string; format: string; skippedBadRows: number },
  yaml: string,
): string {
  const fitJson = (f: Fit | undefined) =>
    f === undefined
      ? undefined
      : {
          n: f.n,
          dist: f.spec,
          method: f.method,
          ks: f.ks,
          percentiles: f.percentiles,
          candidates: f.candidates.map((k) => ({ dist: k.spec, method: k.method, ks: k.ks })),
          curve: f.curve,
        };
  const json = {
    source,
    endpoint: c.endpoint,
    rows: c.rows,
    slots: c.slots,
    form: c.form,
    ttft: fitJson(c.ttft),
    perOutputToken: fitJson(c.perOutputToken),
    loadSlowdown: c.loadSlowdown,
    turn: fitJson(c.turn),
    errorRate: c.errorRate,
    timeoutRate: c.timeoutRate,
    timeoutS: c.timeoutS,
    rateLimitedShare: c.rateLimitedShare,
    observed: c.observed,
    notes: c.notes,
    yaml,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
