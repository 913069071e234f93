import { type Command, InvalidArgumentError } from "commander";
import {
  AUDIT_ACTIONS,
  AUDIT_DECISIONS,
  type AuditAction,
  type AuditDecision,
  type AuditQuery,
  canonicalJson,
  describeBinding,
  type Expectation,
  type GenesisBinding,
  queryJsonl,
  verifyJsonl,
} from "../../audit/index.ts";
import type { TrailHead } from "../../experiment/index.ts";
import { parseDuration, readRegularTextFile, ScenarioError } from "../../input/index.ts";
import type { Io } from "../io.ts";
import { MAX_JSON_FILE_BYTES } from "../json-file.ts";
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

interface VerifyOptions {
  head?: string;
  records?: number;
  results?: string;
  json?: boolean;
}

// A head hash as given: 64 hex digits (either case), kept in lowercase.
function headHash(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) {
    throw new InvalidArgumentError(
      `expected a head hash of 64 hex digits, got ${JSON.stringify(value)} (${value.length} characters)`,
    );
  }
  return value.toLowerCase();
}

// What the trail must end at, from the flags; bad input throws ScenarioError (exit 2).
function expectationOf(options: VerifyOptions): { expect?: Expectation; anchored: boolean } {
  if (options.results !== undefined) {
    if (options.head !== undefined || options.records !== undefined) {
      throw new ScenarioError("--results", "either --results or --head/--records", "both", {
        foundShown: true,
      });
    }
    const trails = trailHeadsOf(options.results);
    const file = options.results;
    return { expect: (genesis) => matchTrail(file, trails, genesis), anchored: true };
  }
  if (options.head === undefined && options.records === undefined) return { anchored: false };
  return {
    expect: { head: options.head, records: options.records, source: "given" },
    anchored: options.head !== undefined,
  };
}

const HEX64 = /^[0-9a-f]{64}$/;

// The trail heads of a results.json, checked; anything else is bad input naming the file.
function trailHeadsOf(file: string): TrailHead[] {
  const text = readRegularTextFile(file, "a readable results.json", MAX_JSON_FILE_BYTES);
  let results: unknown;
  try {
    results = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ScenarioError("", "results.json (JSON)", `text that is not JSON (${why})`, {
      file,
      foundShown: true,
    });
  }
  const trails = (results as { audit?: { trails?: unknown } } | null)?.audit?.trails;
  if (!Array.isArray(trails) || trails.length === 0) {
    throw new ScenarioError(
      "audit.trails",
      "the head hashes of the trails written (run or compare with --audit) or verified (check)",
      "none",
      { file, foundShown: true },
    );
  }
  trails.forEach((t: Partial<TrailHead> | null, i) => {
    const bad = (field: string, expected: string, found: unknown): never => {
      throw new ScenarioError(`audit.trails[${i}]${field}`, expected, found, { file });
    };
    if (typeof t !== "object" || t === null) bad("", "a trail head", t);
    const trail = t as Partial<TrailHead>;
    if (typeof trail.policy !== "string") bad(".policy", "a policy label", trail.policy);
    if (!Number.isSafeInteger(trail.replication))
      bad(".replication", "an integer", trail.replication);
    if (!Number.isSafeInteger(trail.seed)) bad(".seed", "an integer", trail.seed);
    if (!Number.isSafeInteger(trail.records)) bad(".records", "an integer", trail.records);
    if (typeof trail.head !== "string" || !HEX64.test(trail.head))
      bad(".head", "64 lowercase hex digits", trail.head);
    if (typeof trail.scenario !== "string" || !HEX64.test(trail.scenario))
      bad(".scenario", "64 lowercase hex digits", trail.scenario);
  });
  return trails as TrailHead[];
}

// The results entry of the cell a genesis names, as an expectation, or why there is none.
function matchTrail(
  file: string,
  trails: readonly TrailHead[],
  genesis: GenesisBinding,
): { head: string; records: number; source: string } | string {
  const point = canonicalJson(genesis.point);
  const cell = trails.find(
    (t) =>
      t.policy === genesis.policy &&
      t.replication === genesis.replication &&
      canonicalJson(t.point ?? {}) === point,
  );
  if (cell === undefined) {
    return `${file} has no trail of policy ${JSON.stringify(genesis.policy)}, replication ${genesis.replication}${point === "{}" ? "" : `, point ${point}`} (the genesis binds ${describeBinding(genesis)})`;
  }
  if (cell.seed !== genesis.seed || cell.scenario !== genesis.scenario) {
    return `the genesis binds ${describeBinding(genesis)}; ${file} has that cell with seed ${cell.seed} and scenario ${cell.scenario} (a trail of another seed or scenario)`;
  }
  const what = `${file} (policy ${cell.policy}, replication ${cell.replication})`;
  return { head: cell.head, records: cell.records, source: what };
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
    .description(
      "check the trail: every line canonical, the hash chain, genesis first, seal last; with --head or --results, also its head and count; exit 1 naming the first bad record (its seq and line)",
    )
    .option("--head <hash>", "the head hash (64 hex digits) the trail must end at", headHash)
    .option("--records <n>", "the number of records (lines) the trail must hold", positiveInteger)
    .option(
      "--results <results.json>",
      "find the trail's head and count in results.json (by its genesis: policy, replication, seed, point) and check them",
    )
    .option("--json", "print the verdict as JSON")
    .addHelpText(
      "after",
      `
Without --head or --results only the chain is checked, and anyone can recompute a chain: a
trail cut and re-sealed, or rewritten whole, passes. Anchored to a head kept elsewhere, it does not.

Examples:
  $ agentsim audit verify reports/noisy-neighbor/audit-fifo.jsonl
  $ agentsim audit verify audit-fifo.jsonl --results reports/noisy-neighbor/results.json
  $ agentsim audit verify audit.jsonl --head 9b8e46902f77b0e1e95c8d5721a3603d0223da7ed3b4e3ba82744daefac68f4d`,
    )
    .action((file: string, options: VerifyOptions) => {
      const { expect, anchored } = expectationOf(options);
      const result = verifyJsonl({ path: file }, expect === undefined ? {} : { expect });
      if (options.json) io.out(resultsText({ file, anchored, ...result }));
      else if (result.ok) {
        const anchor = anchored
          ? `, head matches ${options.results ?? "--head"}`
          : " (not anchored: give --head or --results to catch a trail cut and re-sealed or rewritten whole)";
        io.out(
          `${file}: ${result.records} records, chain verified${anchor}\nhead ${result.head}\n`,
        );
      } else {
        io.out(
          `${file}: rejected at record seq ${result.seq}${result.line === undefined ? "" : ` (line ${result.line})`}: ${result.reason}\n`,
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
      // Streamed, in bounded memory whatever the trail's size (every line is checked first).
      let chunk = "";
      queryJsonl({ path: file }, query, (record) => {
        chunk += `${JSON.stringify(record)}\n`;
        if (chunk.length > 1 << 16) {
          io.out(chunk);
          chunk = "";
        }
      });
      io.out(chunk);
      exit(0);
    });
}
