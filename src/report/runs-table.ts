/**
 * The runs-and-calls table that the terminal, summary.md and the cockpit all show: how runs
 * ended (failed and rejected ones in plain sight), the model calls refused with 429 or 503 or
 * timed out, the mean load on the most loaded resource, and whether the policy is steady.
 * Counts are totals over the replications, as results.json's `counts` and `calls` are.
 */
import type { PolicySummary } from "../experiment/index.ts";
import { count, fixed } from "./format.ts";

/** The columns, in order. */
export const RUN_COLUMNS = [
  "policy",
  "runs submitted",
  "completed",
  "failed",
  "rejected",
  "in flight",
  "429 rate-limited",
  "503 unavailable",
  "timeouts",
  "retries",
  "load",
  "steady",
] as const;

/** The columns holding numbers (right-aligned), by index. */
export const RUN_NUMERIC = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;

/** What the table's counts are, for its caption. */
export function runsCaption(replications: number): string {
  return (
    `Runs by how they ended and model calls by outcome, totals over ${replications} ` +
    `replication${replications === 1 ? "" : "s"}. Load: offered load over the limit of the most ` +
    "loaded resource (slots, rate limits, tool quotas), mean over replications. Steady: not " +
    "saturated and at most 5% of the measured runs lost, in every replication."
  );
}

/** One policy's row, a cell per column of `RUN_COLUMNS` ("no" for a policy that is not steady). */
export function runCells(policy: string, s: PolicySummary): string[] {
  return [
    policy,
    count(s.counts?.submitted),
    count(s.counts?.completed),
    count(s.counts?.failed),
    count(s.counts?.rejected),
    count(s.counts?.inFlight),
    count(s.calls?.rateLimited),
    count(s.calls?.unavailable),
    count(s.calls?.timeouts),
    count(s.calls?.retries),
    mostLoaded(s),
    steadyCell(s),
  ];
}

/** "0.91 (tokens/min llm)": the load on the most loaded resource; "–" when the results do not say. */
export function mostLoaded(s: PolicySummary): string {
  const top = s.saturation?.resources?.[0];
  return top === undefined ? "–" : `${fixed(top.load, 2)} ${shortResource(top)}`;
}

/** "yes", "no", or "–" when the results do not say. */
export function steadyCell(s: PolicySummary): string {
  const steady = s.saturation?.steady;
  return steady === true ? "yes" : steady === false ? "no" : "–";
}

// "slots llm", "tokens/min llm", "quota crm-search".
function shortResource(r: { resource: string; name: string }): string {
  const kind =
    r.resource === "requestsPerMinute"
      ? "requests/min"
      : r.resource === "tokensPerMinute"
        ? "tokens/min"
        : r.resource === "toolConcurrency"
          ? "quota"
          : r.resource;
  return `(${kind} ${r.name})`;
}
