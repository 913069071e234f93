/**
 * The rate-limit table that the terminal, summary.md and the cockpit all show: for each endpoint
 * and each limit it declares, the requests or tokens per minute offered (the demand of the runs
 * arriving in the window), sent in the window (retries and failover included) and admitted,
 * against the limit; the load (offered / limit); and the share of the endpoint's attempts refused with
 * 429, with its 95% interval. So "the token limit binds" reads off the table, not the JSON.
 */
import type { EndpointSummary, PolicySummary, Results } from "../experiment/index.ts";
import { compact } from "../metrics/index.ts";
import { fixed, isNum, percent, withInterval } from "./format.ts";

/** The columns, in order. */
export const RATE_COLUMNS = [
  "policy",
  "endpoint",
  "limit on",
  "offered/min",
  "sent/min",
  "admitted/min",
  "limit/min",
  "load",
  "429 share",
] as const;

/** The columns holding numbers (right-aligned), by index. */
export const RATE_NUMERIC = [3, 4, 5, 6, 7, 8] as const;

/** What the table shows, for its caption. */
export function rateCaption(replications: number): string {
  return (
    "Rate limits: per endpoint and declared limit, requests or tokens (prompt + output) a " +
    "minute of the measurement window, means over " +
    `${replications} replication${replications === 1 ? "" : "s"}. Offered: the demand of the ` +
    "runs arriving in the window (their calls' first attempts); sent: every attempt made in the " +
    "window, retries and failover included; admitted: those the limits let through. Load: " +
    "offered / limit. 429 share: of the attempts sent in the window, those refused with 429 " +
    "(95% interval over replications)."
  );
}

/** Said instead of the table when no endpoint declares a limit. */
export const NO_RATE_LIMITS = "No endpoint declares a rate limit.";

/** Whether any endpoint of any policy declares a rate limit. */
export function hasRateLimits(results: Results): boolean {
  return Object.values(results.policies).some((p) =>
    Object.values(p.summary.endpoints ?? {}).some(
      (e) => e.requestsPerMinute.limit !== null || e.tokensPerMinute.limit !== null,
    ),
  );
}

/** Every policy's rows: one per endpoint and declared limit, a cell per column. */
export function rateRows(results: Results): string[][] {
  return Object.entries(results.policies).flatMap(([policy, p]) =>
    Object.entries(p.summary.endpoints ?? {}).flatMap(([name, e]) => endpointRows(policy, name, e)),
  );
}

function endpointRows(policy: string, name: string, e: EndpointSummary): string[][] {
  const share = withInterval(e.rateLimitedShare.mean, e.rateLimitedShare, percent);
  const limits = [
    ["requests", e.requestsPerMinute],
    ["tokens", e.tokensPerMinute],
  ] as const;
  return limits
    .filter(([, rate]) => rate.limit !== null)
    .map(([what, rate]) => [
      policy,
      name,
      what,
      perMinute(rate.offered),
      perMinute(rate.sent),
      perMinute(rate.admitted),
      perMinute(rate.limit),
      fixed(rate.load, 2),
      share,
    ]);
}

/**
 * The share of the attempts made in the window refused with 429, over every endpoint
 * (totals over the replications); null when none was sent.
 */
export function rateLimitedShare(s: PolicySummary): number | null {
  let attempts = 0;
  let refused = 0;
  for (const e of Object.values(s.endpoints ?? {})) {
    attempts += e.attempts;
    refused += e.rateLimited;
  }
  return attempts > 0 ? refused / attempts : null;
}

// 212400 -> "212k", 109.4 -> "109".
function perMinute(x: number | null): string {
  return isNum(x) ? compact(x) : "–";
}
