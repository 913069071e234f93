/**
 * A scenario whose runs are lost to 429s shows it in every human-readable output: the
 * terminal table, summary.md and the cockpit print the runs failed and the calls refused
 * (totals counted here from the cells, not from the summary), say the policies are not steady
 * state with the same sentence, and never call the figures steady-state values.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { compareTable } from "../src/cli/table.ts";
import { aggregate } from "../src/experiment/aggregate.ts";
import { planExperiment } from "../src/experiment/plan.ts";
import { runCells } from "../src/experiment/pool.ts";
import type { Results } from "../src/experiment/results.ts";
import { esc } from "../src/report/html/escape.ts";
import { cockpitHtml, summaryMarkdown } from "../src/report/index.ts";
import type { CellResult } from "../src/runtime/result.ts";

let dir: string;
let cells: CellResult[];
let results: Results;
let terminal: string;
let md: string;
let html: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-rate-limits-"));
  const doc = parse(
    readFileSync(resolve(import.meta.dirname, "../scenarios/rate-limit-storm.yaml"), "utf8"),
  );
  doc.horizon = "6m";
  doc.warmup = "1m";
  const file = join(dir, "storm.yaml");
  writeFileSync(file, stringify(doc));
  const plan = await planExperiment(file, { replications: 2 });
  cells = await runCells(plan.source, plan.cells);
  results = aggregate(plan.info, cells, {
    seed: plan.seed,
    replications: 2,
    policies: plan.policies,
  });
  terminal = compareTable({ color: false }, results);
  md = summaryMarkdown(results);
  html = cockpitHtml(results);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** "12,345": how the tables write a count. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A policy's totals over its cells, added up here. */
function totals(policy: string) {
  const of = cells.filter((c) => c.policy === policy);
  const sum = (pick: (c: CellResult) => number) => of.reduce((s, c) => s + pick(c), 0);
  return {
    submitted: sum((c) => c.counts.submitted),
    failed: sum((c) => c.counts.failed),
    rejected: sum((c) => c.counts.rejected),
    rateLimited: sum((c) => c.calls.rateLimited),
    unavailable: sum((c) => c.calls.unavailable),
    timeouts: sum((c) => c.calls.timeouts),
  };
}

describe("a rate-limited scenario", () => {
  it("loses runs to 429s in this shortened form too (the premise of the test)", () => {
    const fifo = totals("fifo");
    expect(fifo.rateLimited).toBeGreaterThan(100);
    expect(fifo.failed).toBeGreaterThan(0);
    expect(cells.some((c) => !c.saturation.steady)).toBe(true);
  });

  it("prints each policy's runs failed and rejected and its 429, 503 and timeout counts in all three outputs", () => {
    for (const policy of ["fifo", "fair-share"]) {
      const t = totals(policy);
      const row = [
        t.submitted,
        "\\S+",
        t.failed,
        t.rejected,
        "\\S+",
        t.rateLimited,
        t.unavailable,
        t.timeouts,
      ]
        .map((x) => (typeof x === "number" ? thousands(x) : x))
        .join("\\s+");
      expect(terminal, policy).toMatch(new RegExp(`^\\s+${policy}\\s+${row}\\s`, "m"));
      const cells = [
        t.submitted,
        "[\\d,]+",
        t.failed,
        t.rejected,
        "[\\d,]+",
        t.rateLimited,
        t.unavailable,
        t.timeouts,
      ]
        .map((x) => (typeof x === "number" ? thousands(x) : x))
        .join(" \\| ");
      expect(md, policy).toMatch(new RegExp(`\\| ${policy} \\| ${cells} \\|`));
      const tds = [
        t.submitted,
        "[\\d,]+",
        t.failed,
        t.rejected,
        "[\\d,]+",
        t.rateLimited,
        t.unavailable,
        t.timeouts,
      ]
        .map((x) => `<td class="num">${typeof x === "number" ? thousands(x) : x}</td>`)
        .join("");
      expect(html, policy).toMatch(new RegExp(`<td>${policy}</td>${tds}`));
    }
  });

  it("says the policies are not steady state, with the same sentence everywhere, and never that they are", () => {
    for (const policy of Object.keys(results.policies)) {
      const s = results.policies[policy]!.summary.saturation;
      if (s.steady) continue;
      const line = terminal
        .split("\n")
        .find((l) => l.startsWith(`warning: ${policy} is not steady state: `));
      expect(line, policy).toBeDefined();
      const sentence = line!.slice("warning: ".length);
      expect(sentence).toContain(s.reason);
      expect(md).toContain(`> - ${sentence}`);
      expect(html).toContain(`<li>${esc(sentence)}</li>`);
    }
    for (const text of [terminal, md, html]) {
      expect(text).not.toContain("No policy saturated");
      expect(text).not.toMatch(/the figures are steady-state values/);
    }
    expect(md).toMatch(/\| fifo \|( [^|]+ \|){10} \*\*no\*\* \|/);
  });

  it("prints the same Jain's index and mean offered load in all three outputs, means of the cells' own", () => {
    for (const policy of Object.keys(results.policies)) {
      const of = cells.filter((c) => c.policy === policy);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      // The most loaded resource of the first cell, then its offered load and limit averaged.
      const { resource, name } = of[0]!.saturation.resources[0]!;
      const same = of.map(
        (c) => c.saturation.resources.find((r) => r.resource === resource && r.name === name)!,
      );
      const offered = mean(same.map((r) => r.offered));
      expect(results.policies[policy]!.summary.saturation.resources[0]!.offered).toBeCloseTo(
        offered,
        9,
      );
      // The warnings print it in three significant digits, after "Mean load:".
      const shown = Number(offered.toPrecision(3));
      expect(terminal).toContain(`Mean load: ${resource} on ${name}: offered ${shown} `);
      const load = (offered / mean(same.map((r) => r.limit))).toFixed(2);
      expect(terminal).toMatch(new RegExp(`^\\s+${policy}\\s.*\\s${load} \\(`, "m"));
      expect(md).toMatch(new RegExp(`\\| ${policy} \\|.*\\| ${load} \\(`));
      expect(html).toMatch(new RegExp(`<td>${policy}</td>.*<td class="num">${load} \\(`));
      const jain = mean(of.map((c) => c.fairness.jain!)).toFixed(3);
      expect(terminal).toMatch(new RegExp(`^${policy}\\s.*\\s${jain}\\s`, "m"));
      expect(md).toMatch(new RegExp(`\\| ${policy} \\|[^\\n]*\\| ${jain}`));
      expect(html).toMatch(new RegExp(`<td>${policy}</td>.*<td class="num">${jain}`));
    }
  });

  it("shows each limit's headroom in all three outputs: offered, sent and admitted a minute against the limit, and the 429 share", () => {
    const compact = (x: number) =>
      x >= 1e4 ? `${Number((x / 1e3).toPrecision(3))}k` : String(Number(x.toPrecision(3)));
    for (const policy of ["fifo", "fair-share"]) {
      const of = cells.filter((c) => c.policy === policy).map((c) => c.endpoints.llm!);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      // 120 requests and 300k tokens a minute, as the scenario declares.
      for (const [what, limit, pick] of [
        ["requests", 120, (e: (typeof of)[number]) => e.requestsPerMinute],
        ["tokens", 300_000, (e: (typeof of)[number]) => e.tokensPerMinute],
      ] as const) {
        const offered = mean(of.map((e) => pick(e).offered));
        const cellsOf = [
          policy,
          "llm",
          what,
          compact(offered),
          compact(mean(of.map((e) => pick(e).sent))),
          compact(mean(of.map((e) => pick(e).admitted))),
          compact(limit),
          (offered / limit).toFixed(2),
        ];
        const share = `${(100 * mean(of.map((e) => e.rateLimited / e.attempts))).toFixed(1)}%`;
        expect(terminal, `${policy} ${what}`).toMatch(
          new RegExp(`^\\s+${cellsOf.join("\\s+")}\\s+${share} \\[`, "m"),
        );
        expect(md).toContain(`| ${cellsOf.join(" | ")} | ${share} [`);
        expect(html).toContain(
          `<td>${policy}</td><td>llm</td><td>${what}</td>${cellsOf
            .slice(3)
            .map((c) => `<td class="num">${c}</td>`)
            .join("")}<td class="num">${share} [`,
        );
      }
    }
  });
});
