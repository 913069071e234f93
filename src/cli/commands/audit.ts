import { type Command, InvalidArgumentError } from "commander";
import {
  AUDIT_ACTIONS,
  AUDIT_DECISIONS,
  type AuditAction,
  type AuditDecision,
  type AuditQuery,
  importJsonl,
  verifyJsonl,
} from "../../runtime/audit/index.ts";
import { parseDuration } from "../../sim/units.ts";
import type { Io } from "../io.ts";
import { positiveInteger } from "../options.ts";
import { resultsText } from "../output.ts";

// A comma-separated, repeatable list whose items must be among `allowed`.
function listOf<T extends string>(allowed: readonly T[]) {
  return (value: string, previous: T[] = []): T[] => {
    const items = value.split(",").map((item) => item.trim());
    for (const item of items) {
      if (!(allowed as readonly string[]).includes(item)) {
        throw new InvalidArgumentError(
          `expected one of ${allowed.join(", ")} (comma-separated), got ${JSON.stringify(item)}`,
        );
      }
    }
    return [...previous, ...(items as T[])];
  };
}

function duration(flag: string) {
  return (value: string): number => {
    try {
      return parseDuration(value, flag);
    } catch {
      throw new InvalidArgumentError(
        `expected a time such as "90", "300ms" or "10m", got ${JSON.stringify(value)}`,
      );
    }
  };
}

interface QueryOptions {
  run?: string;
  job?: string;
  tenant?: string;
  authorizedBy?: string;
  action?: AuditAction[];
  decision?: AuditDecision[];
  from?: number;
  to?: number;
  limit?: number;
}

/** `agentsim audit verify|query <audit.jsonl>`. */
export function registerAudit(program: Command, io: Io, exit: (code: number) => void): void {
  const audit = program
    .command("audit")
    .description("verify or query an audit trail (JSONL, as written by --audit)");
  audit
    .command("verify")
    .argument("<audit.jsonl>", "audit trail")
    .description("check the hash chain; exit 1 naming the first bad record (its seq and line)")
    .option("--json", "print the verdict as JSON")
    .addHelpText(
      "after",
      `
Example:
  $ agentsim audit verify reports/noisy-neighbor/audit-fifo.jsonl`,
    )
    .action((file: string, options: { json?: boolean }) => {
      const result = verifyJsonl({ path: file });
      if (options.json) io.out(resultsText({ file, ...result }));
      else if (result.ok) {
        io.out(`${file}: ${result.records} records, chain verified\n`);
      } else {
        io.out(
          `${file}: chain broken at record seq ${result.seq}${result.line === undefined ? "" : ` (line ${result.line})`}: ${result.reason}\n`,
        );
      }
      exit(result.ok ? 0 : 1);
    });
  audit
    .command("query")
    .argument("<audit.jsonl>", "audit trail")
    .description("print the records matching every filter given, as JSONL")
    .option("--run <id>", "records of this run")
    .option("--job <name>", "records of this job")
    .option("--tenant <name>", "records of this tenant")
    .option("--authorized-by <who>", "records authorized by")
    .option("--action <list>", `actions: ${AUDIT_ACTIONS.join(", ")}`, listOf(AUDIT_ACTIONS))
    .option(
      "--decision <list>",
      `decisions: ${AUDIT_DECISIONS.join(", ")}`,
      listOf(AUDIT_DECISIONS),
    )
    .option("--from <time>", "records at or after this simulated time", duration("--from"))
    .option("--to <time>", "records before this simulated time", duration("--to"))
    .option("--limit <n>", "at most this many records", positiveInteger)
    .addHelpText(
      "after",
      `
Examples:
  $ agentsim audit query audit.jsonl --tenant batch --action tool.call --decision deny
  $ agentsim audit query audit.jsonl --authorized-by cfo --from 10m --to 11m`,
    )
    .action((file: string, options: QueryOptions) => {
      const trail = importJsonl({ path: file });
      const query: AuditQuery = {
        run: options.run,
        job: options.job,
        tenant: options.tenant,
        authorizedBy: options.authorizedBy,
        action: options.action,
        decision: options.decision,
        fromS: options.from,
        toS: options.to,
        limit: options.limit,
      };
      let chunk = "";
      for (const record of trail.query(query)) {
        chunk += `${JSON.stringify(record)}\n`;
        if (chunk.length > 1 << 16) {
          io.out(chunk);
          chunk = "";
        }
      }
      io.out(chunk);
      exit(0);
    });
}
