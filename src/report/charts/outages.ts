/** Outage windows as chart rows, shared by the charts that mark them. */
import type { Results } from "../../experiment/index.ts";
import { isNum } from "../format.ts";

/** One outage window of an endpoint, in seconds of simulated time. */
export interface OutageRow {
  endpoint: string;
  fromS: number;
  toS: number;
}

/**
 * The outage windows of the scenario (the same for every policy: outages are declared, not
 * drawn), each listed once, in time order.
 */
export function outageRows(results: Results): OutageRow[] {
  const seen = new Set<string>();
  const rows: OutageRow[] = [];
  for (const policy of Object.values(results.policies)) {
    for (const o of policy.charts?.outages ?? []) {
      if (!isNum(o.atS) || !isNum(o.forS)) continue;
      const key = `${o.endpoint}@${o.atS}+${o.forS}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push({ endpoint: o.endpoint, fromS: o.atS, toS: o.atS + o.forS });
    }
  }
  return rows.sort((a, b) => a.fromS - b.fromS || (a.endpoint < b.endpoint ? -1 : 1));
}
