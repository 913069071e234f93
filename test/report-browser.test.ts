import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditTrail } from "../src/audit/index.ts";
import type { Results } from "../src/experiment/results.ts";
import { chartSpecs, SECTIONS, sweepVerdictOf, writeReport } from "../src/report/index.ts";

// The cockpit in a real browser: Debian's Chromium, headless, driven by playwright-core.
const CHROMIUM = process.env.AGENTSIM_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  console.warn(
    `\n${"!".repeat(78)}\n!!! report-browser: NO BROWSER at ${CHROMIUM}: the cockpit's end-to-end test is ` +
      `SKIPPED.\n!!! Install it (apt-get install -y chromium) or set AGENTSIM_CHROMIUM.\n${"!".repeat(78)}\n`,
  );
}

const TMP = new URL("./.tmp/report-browser/", import.meta.url).pathname;
const results = JSON.parse(
  readFileSync(new URL("./fixtures/results-sample-sweep.json", import.meta.url), "utf8"),
) as Results;

/** An audit trail of `runs` runs of the fixture's two jobs, one denied tool call among them. */
function writeTrail(path: string, runs: number): void {
  const trail = new AuditTrail({ mode: "memory" });
  let timeS = 0;
  for (let i = 0; i < runs; i++) {
    const support = i % 3 !== 2;
    const job = support ? "ticket-triage" : "nightly-summaries";
    const a = trail.actor({
      run: `${job}#${i}`,
      job,
      tenant: support ? "support" : "batch",
      authorizedBy: support ? "head-of-support" : "cfo",
    });
    timeS += 2;
    trail.append(timeS, a, "run.start", job, "ok");
    trail.append(timeS, a, "model.call", "llm", "allow");
    trail.append(timeS + 1, a, "model.result", "llm", "ok");
    if (support) {
      trail.append(timeS + 1, a, "tool.call", "crm-search", "allow");
      trail.append(timeS + 1.25, a, "tool.result", "crm-search", "ok");
    }
    if (i === 7) trail.append(timeS + 1.25, a, "tool.call", "payments", "deny", "not granted");
    trail.append(timeS + 1.25, a, "run.end", job, "ok");
  }
  trail.seal(timeS + 2);
  trail.writeJsonl(path);
}

/** The first `limit` records of a JSONL trail (what the cockpit loads). */
function firstRecords(
  path: string,
  limit: number,
): { run: string; action: string; decision: string }[] {
  return readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .slice(0, limit)
    .map((line) => JSON.parse(line));
}

describe.skipIf(!haveBrowser)("the cockpit in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let fileUrl: string;
  let loaded: { run: string; action: string; decision: string }[] = [];
  const requests: string[] = [];
  const refused: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    rmSync(TMP, { recursive: true, force: true });
    mkdirSync(TMP, { recursive: true });
    const auditJsonl: Record<string, string> = {};
    for (const policy of Object.keys(results.policies)) {
      auditJsonl[policy] = join(TMP, `audit-${policy}.jsonl`);
      writeTrail(auditJsonl[policy]!, 400);
    }
    loaded = firstRecords(auditJsonl.fifo!, 1000);
    await writeReport(join(TMP, "report"), results, { auditJsonl, png: false });
    fileUrl = pathToFileURL(join(TMP, "report", "index.html")).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    // Anything but the page itself is refused and remembered: the cockpit must open offline.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url === fileUrl) return route.continue();
      refused.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(fileUrl, { waitUntil: "load" });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("shows that the page loads with no console error and requests nothing but itself", () => {
    expect(errors).toEqual([]);
    expect(refused).toEqual([]);
    expect(requests).toEqual([fileUrl]);
    expect(statSync(new URL(fileUrl)).size).toBeLessThan(2_000_000);
  });

  it("shows every section, and every chart drawn as inline SVG", async () => {
    for (const [id] of SECTIONS) {
      expect(await page.locator(`section#${id}`).count(), id).toBe(1);
      expect(await page.locator(`section#${id} h2`).isVisible(), id).toBe(true);
    }
    expect(await page.locator("figure svg").count()).toBe(chartSpecs(results).length);
    const box = await page.locator("#chart-wait-cdf svg").boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    // A sweep's page opens with the sweep's verdict, a sentence a point, not the first point's.
    const verdict = sweepVerdictOf(results)!;
    await expect(page.locator(".verdict").textContent()).resolves.toBe(verdict.lines[0]);
    await expect(page.locator("#sweep-verdict li").allTextContents()).resolves.toEqual(
      verdict.lines.slice(1),
    );
    const points = results.sweep!.points.length;
    expect(verdict.lines.filter((l) => l.startsWith("At ")).length).toBe(points);
  });

  it("shows that the audit filters narrow the table", async () => {
    const rows = page.locator("#audit-table tbody tr");
    expect(await rows.count()).toBe(3 * 1000);
    // Every policy got the same trail, so each filter matches three times what it matches in one.
    await page.fill("#filter-run", "ticket-triage#7");
    const run7 = loaded.filter((r) => r.run.includes("ticket-triage#7"));
    expect(run7.length).toBeGreaterThan(6);
    expect(await rows.count()).toBe(3 * run7.length);
    await page.selectOption("#filter-action", "tool.call");
    await page.selectOption("#filter-policy", "fair-share");
    const texts = await rows.allTextContents();
    expect(texts.length).toBe(run7.filter((r) => r.action === "tool.call").length);
    expect(texts.every((t) => t.startsWith("fair-share") && t.includes("tool.call"))).toBe(true);
    await page.selectOption("#filter-decision", "deny");
    expect(await rows.count()).toBe(1);
    await expect(page.locator("#audit-count").textContent()).resolves.toBe(
      "1 of 3000 loaded records match",
    );
    await page.selectOption("#filter-authorizer", "cfo");
    expect(await rows.count()).toBe(0);
    await page.selectOption("#filter-authorizer", "head-of-support");
    await page.fill("#filter-job", "nightly");
    expect(await rows.count()).toBe(0);
  });

  it("takes screenshots a reviewer can look at (test/.tmp/report-browser/)", async () => {
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(TMP, "cockpit-top.png") });
    await page.locator("#chart-service-share").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(TMP, "cockpit-charts.png") });
    for (const id of [
      "#filter-policy",
      "#filter-action",
      "#filter-decision",
      "#filter-authorizer",
    ]) {
      await page.selectOption(id, "*");
    }
    await page.fill("#filter-job", "");
    await page.fill("#filter-run", "ticket-triage#7");
    await page.evaluate('document.getElementById("audit").scrollIntoView()');
    await page.screenshot({ path: join(TMP, "cockpit-audit.png") });
    for (const name of ["cockpit-top", "cockpit-charts", "cockpit-audit"]) {
      expect(statSync(join(TMP, `${name}.png`)).size, name).toBeGreaterThan(30_000);
    }
  });
});
