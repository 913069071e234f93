import { z } from "zod";
import type { ActorId, AuditSink } from "../audit/index.ts";
import { ScenarioError, scenarioErrors } from "../input/index.ts";
import { normalizePath } from "./workspace.ts";

/** How much harm a job can do, in the terms of the EU AI Act's tiers. */
export type RiskClass = "minimal" | "limited" | "high";

/** The governance metadata a job declares; every check of its runs is made against it. */
export interface Governance {
  /** Who answers for the job. */
  readonly owner: string;
  /** Who authorized it; carried by every audit record of its runs. */
  readonly authorizedBy: string;
  readonly purpose: string;
  readonly riskClass: RiskClass;
  /** Tools its runs may call (default none). */
  readonly tools: readonly string[];
  /** Store key prefixes its runs may read and write (default none); see `scopeCovers`. */
  readonly dataScopes: readonly string[];
  /** Model tokens (prompt and output) each run may use; absent means no limit. */
  readonly tokenBudget?: number;
}

/** A check's verdict: allowed, or denied with the reason (to be audited, never dropped). */
export type AccessDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly reason: string };

/** The one allowing decision, shared so the hot path allocates nothing. */
export const ALLOW: AccessDecision = Object.freeze({ allow: true });

const text = (what: string) => z.string({ error: what }).trim().min(1, { error: what });

/** The zod schema of `Governance`, for scenario schemas to embed (unknown fields are errors). */
export const governanceSchema = z.strictObject(
  {
    owner: text("a non-empty owner (who answers for the job)"),
    authorizedBy: text("a non-empty authorizedBy (who authorized the job)"),
    purpose: text("a non-empty purpose"),
    riskClass: z.enum(["minimal", "limited", "high"], { error: "one of minimal, limited, high" }),
    tools: z.array(text("a tool name"), { error: "a list of tool names" }).default([]),
    dataScopes: z
      .array(
        z.string({ error: "a data scope" }).refine((s) => isCanonicalKey(s), {
          error: 'a data scope such as "tickets" (a normalized store key prefix)',
        }),
        { error: 'a list of data scopes such as ["tickets"]' },
      )
      .default([]),
    tokenBudget: z
      .number({ error: "a positive whole number of tokens" })
      .int({ error: "a positive whole number of tokens" })
      .positive({ error: "a positive whole number of tokens" })
      .optional(),
  },
  { error: "governance metadata: an object with owner, authorizedBy, purpose, riskClass" },
);

/**
 * Validates a job's governance, naming `path` (e.g. `jobs[0].governance`) and `file` in every
 * problem; all problems are reported at once. A job without owner or authorizedBy is refused.
 */
export function validateGovernance(value: unknown, path: string, file?: string): Governance {
  const result = governanceSchema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map(
        (key) =>
          new ScenarioError(fieldPath(path, [...issue.path, key]), "no such field", key, { file }),
      );
    }
    return [
      new ScenarioError(fieldPath(path, issue.path), issue.message, valueAt(value, issue.path), {
        file,
      }),
    ];
  });
  throw scenarioErrors(errors);
}

function fieldPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const s of segments)
    out += typeof s === "number" ? `[${s}]` : `${out === "" ? "" : "."}${String(s)}`;
  return out;
}

function valueAt(value: unknown, segments: readonly PropertyKey[]): unknown {
  let at = value;
  for (const s of segments) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[s];
  }
  return at;
}

function isCanonicalKey(key: string): boolean {
  const checked = normalizePath(key);
  return checked.ok && checked.path === key;
}

/**
 * Whether a data scope covers a store entity: the scope equals the key or is a prefix of it
 * ending at a "/". So scope `tickets` covers `tickets/123` and `tickets/123/notes`, not
 * `tickets-archive/1`; scope `crm/accounts` covers `crm/accounts/7` only.
 */
export function scopeCovers(scope: string, entity: string): boolean {
  return entity === scope || (entity.startsWith(scope) && entity[scope.length] === "/");
}

/** A job's governance compiled for fast checks (sets), shared by all its runs. */
export class Grant {
  private readonly tools: ReadonlySet<string>;
  private readonly scopes: ReadonlySet<string>;

  /** Compiles `governance` for job `job`. */
  constructor(
    readonly job: string,
    readonly governance: Governance,
  ) {
    this.tools = new Set(governance.tools);
    this.scopes = new Set(governance.dataScopes);
  }

  /** Allows a tool in the grant. */
  checkTool(tool: string): AccessDecision {
    if (this.tools.has(tool)) return ALLOW;
    const granted = this.governance.tools.join(", ") || "none";
    return deny(
      `tool ${JSON.stringify(tool)} is not granted to job ${JSON.stringify(this.job)} (tools: ${granted})`,
    );
  }

  /** Allows a normalized store key under one of the data scopes (see `scopeCovers`). */
  checkData(entity: string): AccessDecision {
    if (!isCanonicalKey(entity)) {
      const checked = normalizePath(entity);
      const why = checked.ok ? `it normalizes to ${JSON.stringify(checked.path)}` : checked.reason;
      return deny(
        `store key ${JSON.stringify(entity).slice(0, 200)} is not a normalized key: ${why}`,
      );
    }
    if (this.scopes.has(entity)) return ALLOW;
    for (let slash = entity.indexOf("/"); slash !== -1; slash = entity.indexOf("/", slash + 1)) {
      if (this.scopes.has(entity.slice(0, slash))) return ALLOW;
    }
    const scopes = this.governance.dataScopes.join(", ") || "none";
    return deny(
      `${JSON.stringify(entity)} is outside job ${JSON.stringify(this.job)}'s dataScopes (${scopes})`,
    );
  }
}

/**
 * One run's access: its identity, its job's grant, its audit actor and the model tokens it has
 * used. The runtime gives this handle to workspaces and the store as the caller, and checks
 * tool and model calls with it (auditing the decision it returns).
 */
export class RunAccess {
  /** Model tokens used so far (prompt and output), as reported by `useTokens`. */
  tokensUsed = 0;

  /** The access of run `run` of `grant.job` for `tenant`, auditing as `actor`. */
  constructor(
    readonly run: string,
    readonly tenant: string,
    readonly grant: Grant,
    readonly actor: ActorId,
  ) {}

  /** The run's job. */
  get job(): string {
    return this.grant.job;
  }

  /** Who authorized the run's job. */
  get authorizedBy(): string {
    return this.grant.governance.authorizedBy;
  }

  /** Checks a tool call against the job's grant. */
  checkTool(tool: string): AccessDecision {
    return this.grant.checkTool(tool);
  }

  /** Checks a store access to `entity` against the job's data scopes. */
  checkData(entity: string): AccessDecision {
    return this.grant.checkData(entity);
  }

  /**
   * Checks a model call expected to use `tokens` more (default 0: only asks whether the budget
   * is already spent): denied when tokens used plus these would pass the job's budget.
   */
  checkModelCall(tokens = 0): AccessDecision {
    if (!(tokens >= 0 && tokens < Number.POSITIVE_INFINITY)) {
      throw new RangeError(
        `RunAccess.checkModelCall: tokens must be finite and >= 0, got ${tokens}`,
      );
    }
    const budget = this.grant.governance.tokenBudget;
    if (budget === undefined || this.tokensUsed + tokens <= budget) return ALLOW;
    return deny(
      `token budget exceeded: ${this.tokensUsed} used + ${tokens} requested > ${budget} for job ${JSON.stringify(this.job)}`,
    );
  }

  /** Adds the tokens a model call actually used (prompt and output). */
  useTokens(tokens: number): void {
    if (!(tokens >= 0 && tokens < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`RunAccess.useTokens: tokens must be finite and >= 0, got ${tokens}`);
    }
    this.tokensUsed += tokens;
  }
}

/**
 * The access manager: knows each job's grant and opens each run's `RunAccess`, registering the
 * run with the audit trail under its job's authority, so every record of the run carries it.
 */
export class AccessManager {
  private readonly grants = new Map<string, Grant>();

  /** A manager registering runs with `audit`. */
  constructor(private readonly audit: Pick<AuditSink, "actor">) {}

  /** Declares a job's (validated) governance; declaring a job twice is misuse. */
  declare(job: string, governance: Governance): Grant {
    if (this.grants.has(job))
      throw new Error(`AccessManager.declare: job ${JSON.stringify(job)} declared twice`);
    if (governance.owner === "" || governance.authorizedBy === "") {
      throw new Error(
        `AccessManager.declare: job ${JSON.stringify(job)} has no owner or authorizedBy`,
      );
    }
    const grant = new Grant(job, governance);
    this.grants.set(job, grant);
    return grant;
  }

  /** Opens the access of a new run of a declared job. */
  open(run: string, job: string, tenant: string): RunAccess {
    const grant = this.grants.get(job);
    if (grant === undefined)
      throw new Error(`AccessManager.open: job ${JSON.stringify(job)} was not declared`);
    const authorizedBy = grant.governance.authorizedBy;
    const actor = this.audit.actor({ run, job, tenant, authorizedBy });
    return new RunAccess(run, tenant, grant, actor);
  }
}

function deny(reason: string): AccessDecision {
  return { allow: false, reason };
}
