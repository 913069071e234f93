/**
 * Checks between fields that the schema cannot make one field at a time: names unique within
 * their list, and every reference (a job's tenant, its tools, endpoints, failover targets, trace
 * tenant maps) naming something declared. They read the raw document defensively, so they run
 * even when other fields are malformed and every problem is reported at once.
 *
 * A tool in `turns.toolCalls` must be declared in `tools`, but it need not be in the job's
 * `governance.tools`: calling outside the grant is something the runtime denies and audits.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { closest, ScenarioError } from "../input/index.ts";
import { formatPath } from "./issues.ts";

type Doc = Record<string, unknown>;

/** Formats that a trace file's name implies, for `arrivals.format` when it is left out. */
export function traceFormatOf(file: string): "azure-llm-csv" | "agent-sessions-jsonl" | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith(".csv") || lower.endsWith(".csv.gz")) return "azure-llm-csv";
  if (/\.jsonl?(\.gz)?$/.test(lower)) return "agent-sessions-jsonl";
  return undefined;
}

/** Every reference problem of a raw document; `baseDir` resolves trace files. */
export function referenceErrors(raw: unknown, baseDir: string): ScenarioError[] {
  if (!isRecord(raw)) return [];
  const errors: ScenarioError[] = [];
  const names = {
    endpoints: declaredNames(raw, "endpoints", errors),
    tools: declaredNames(raw, "tools", errors),
    tenants: declaredNames(raw, "tenants", errors),
    jobs: declaredNames(raw, "jobs", errors),
  };
  const expect = (path: (string | number)[], value: unknown, kind: keyof typeof names) => {
    if (typeof value !== "string" || names[kind].includes(value)) return;
    errors.push(unknownName(path, value, kind, names[kind]));
  };

  items(raw.endpoints).forEach(([endpoint, i]) => {
    items(endpoint.failover, true).forEach(([target, j]) => {
      const path = ["endpoints", i, "failover", j];
      if (target === endpoint.name) {
        errors.push(new ScenarioError(formatPath(path), "another endpoint than itself", target));
      } else expect(path, target, "endpoints");
    });
  });

  items(raw.jobs).forEach(([job, i]) => {
    expect(["jobs", i, "tenant"], job.tenant, "tenants");
    const governance = isRecord(job.governance) ? job.governance : {};
    items(governance.tools, true).forEach(([tool, j]) => {
      expect(["jobs", i, "governance", "tools", j], tool, "tools");
    });
    items(job.endpoints, true).forEach(([name, j]) => {
      expect(["jobs", i, "endpoints", j], name, "endpoints");
    });
    const arrivals = isRecord(job.arrivals) ? job.arrivals : {};
    const turns = job.turns;
    if (turns === undefined && arrivals.process !== "trace") {
      errors.push(
        new ScenarioError(
          formatPath(["jobs", i, "turns"]),
          "the turns each run takes ({count, promptTokens, outputTokens}); only trace arrivals go without",
          undefined,
        ),
      );
    }
    if (isRecord(turns)) {
      const calls = Array.isArray(turns.toolCalls) ? turns.toolCalls : [turns.toolCalls];
      calls.forEach((call, j) => {
        if (!isRecord(call)) return;
        const path = Array.isArray(turns.toolCalls)
          ? ["jobs", i, "turns", "toolCalls", j, "tool"]
          : ["jobs", i, "turns", "toolCalls", "tool"];
        expect(path, call.tool, "tools");
      });
    }
    if (arrivals.process === "trace") {
      traceErrors(arrivals, ["jobs", i, "arrivals"], baseDir, errors, expect);
    }
  });

  const labels = new Map<string, number>();
  items(raw.policies, true).forEach(([policy, i]) => {
    const label = policyLabel(policy);
    if (label === undefined) return;
    const earlier = labels.get(label);
    if (earlier !== undefined) {
      errors.push(
        new ScenarioError(
          formatPath(["policies", i]),
          `a policy label not used by policies[${earlier}] (give one a label)`,
          policy,
        ),
      );
    } else labels.set(label, i);
  });
  return errors;
}

/** The label a policy entry gets in results (undefined when the entry is malformed). */
export function policyLabel(policy: unknown): string | undefined {
  if (typeof policy === "string") return isModulePath(policy) ? moduleLabel(policy) : policy.trim();
  if (!isRecord(policy)) return undefined;
  if (typeof policy.label === "string") return policy.label;
  if (typeof policy.name === "string") return policy.name;
  if (typeof policy.module === "string") return moduleLabel(policy.module);
  return undefined;
}

/** Whether a policy string is a module path rather than a registered name. */
export function isModulePath(policy: string): boolean {
  return /^[./~]|\.[cm]?[jt]s$/.test(policy.trim());
}

function moduleLabel(module: string): string {
  const base = module.trim().split(/[\\/]/).pop() ?? module;
  return base.replace(/\.[cm]?[jt]s$/, "");
}

function traceErrors(
  arrivals: Doc,
  at: (string | number)[],
  baseDir: string,
  errors: ScenarioError[],
  expect: (path: (string | number)[], value: unknown, kind: "tenants") => void,
): void {
  if (typeof arrivals.file === "string" && arrivals.file !== "") {
    const file = resolve(baseDir, arrivals.file);
    if (!existsSync(file)) {
      errors.push(
        new ScenarioError(
          formatPath([...at, "file"]),
          `an existing trace file (looked for ${file})`,
          arrivals.file,
        ),
      );
    }
    if (arrivals.format === undefined && traceFormatOf(arrivals.file) === undefined) {
      errors.push(
        new ScenarioError(
          formatPath([...at, "format"]),
          'azure-llm-csv or agent-sessions-jsonl (the file name ends in neither ".csv" nor ".jsonl")',
          undefined,
        ),
      );
    }
  }
  const tenantBy = arrivals.tenantBy;
  if (isRecord(tenantBy) && isRecord(tenantBy.map)) {
    for (const [key, tenant] of Object.entries(tenantBy.map)) {
      expect([...at, "tenantBy", "map", key], tenant, "tenants");
    }
  }
}

// The names declared in a list, reporting duplicates.
function declaredNames(raw: Doc, list: string, errors: ScenarioError[]): string[] {
  const seen = new Map<string, number>();
  items(raw[list]).forEach(([item, i]) => {
    if (typeof item.name !== "string") return;
    const earlier = seen.get(item.name);
    if (earlier !== undefined) {
      errors.push(
        new ScenarioError(
          formatPath([list, i, "name"]),
          `a name not used by another of the ${list} (${list}[${earlier}] is also named so)`,
          item.name,
        ),
      );
    } else seen.set(item.name, i);
  });
  return [...seen.keys()];
}

function unknownName(
  path: (string | number)[],
  value: string,
  kind: string,
  declared: string[],
): ScenarioError {
  const singular = kind.slice(0, -1);
  const guess = closest(value, declared);
  const expected =
    declared.length === 0
      ? `a declared ${singular} (the scenario declares no ${kind})`
      : `a declared ${singular}: ${declared.join(", ")}${guess ? ` (did you mean "${guess}"?)` : ""}`;
  return new ScenarioError(formatPath(path), expected, value);
}

// The entries of a list with their indices; records only unless `any` (then every entry).
function items(list: unknown, any: true): [unknown, number][];
function items(list: unknown): [Doc, number][];
function items(list: unknown, any = false): [unknown, number][] {
  if (!Array.isArray(list)) return [];
  const entries: [unknown, number][] = list.map((item, i) => [item, i]);
  return any ? entries : entries.filter(([item]) => isRecord(item));
}

function isRecord(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
