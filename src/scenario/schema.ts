/**
 * The zod 4 schema of the scenario format v1 (DESIGN.md "Scenario format (v1)"). Fields with units
 * and distributions are parsed by `input/units.ts` and `input/parse-dist.ts` inside the schema, so one
 * `safeParse` reports every problem of a document at once, each with its path. The output is the
 * validated document in base units, not yet defaulted: `normalize.ts` fills defaults and resolves
 * names into the `Scenario` the runtime reads. `scenarioJsonSchema()` exports the same schema for
 * editors, with descriptions, accepting both strings ("300ms") and numbers where units apply.
 */
import { z } from "zod";
import {
  type DistUnit,
  type NumberConstraints,
  parseCount,
  parseDistribution,
  parseDuration,
  parseNumber,
  parseProbability,
  parseRate,
  parseTokens,
  problemsOf,
  ScenarioError,
  show,
} from "../input/index.ts";
import type { DistSpec } from "../sim/index.ts";
import { BOUNDS, formatBound } from "./bounds.ts";
import { EXPECTED_MARK, FIELDS_MARK, splitPath } from "./issues.ts";
import type { LatencySpec } from "./types.ts";

type JsonSchema = Record<string, unknown>;
type Parse<T> = (raw: unknown, path: string) => T;
type Ctx = z.core.$RefinementCtx;

// ---------------------------------------------------------------------------------------------
// Leaves: values parsed by the unit parsers, documented for JSON Schema by hand.

const DURATION_PATTERN = String.raw`^\s*[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*(ms|s|sec|m|min|h|hour)?\s*$`;
const RATE_PATTERN = String.raw`^\s*[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*(/\s*(s|sec|m|min|h|hour))?\s*$`;
const TOKENS_PATTERN = String.raw`^\s*[+]?(\d+(\.\d*)?|\.\d+)\s*[kKM]?\s*$`;
const PROBABILITY_PATTERN = String.raw`^\s*(\d+(\.\d*)?|\.\d+)\s*%?\s*$`;

/** Pushes a ScenarioError (and the others it carries) as custom issues under the current path. */
function report(error: unknown, ctx: Ctx, input: unknown): void {
  if (!(error instanceof ScenarioError)) throw error;
  for (const each of problemsOf(error)) {
    ctx.issues.push({
      code: "custom",
      message: each.message,
      input,
      path: splitPath(each.path),
      params: { expected: each.expected, found: each.found },
    });
  }
}

/** A leaf parsed by `parse` (called with an empty path: zod prefixes the field's own). */
function parsed<T>(parse: Parse<T>, doc: JsonSchema) {
  return z
    .unknown()
    .transform((raw, ctx): T => {
      try {
        return parse(raw, "");
      } catch (error) {
        report(error, ctx, raw);
        return z.NEVER;
      }
    })
    .meta(doc);
}

/** A field whose form is chosen by looking at the raw value (a sub-schema, or an expected phrase). */
function choice<T>(pick: (raw: unknown) => z.ZodType<T> | string, doc: JsonSchema) {
  return z
    .unknown()
    .transform((raw, ctx): T => {
      const schema = pick(raw);
      if (typeof schema === "string") {
        ctx.issues.push({
          code: "custom",
          message: schema,
          input: raw,
          params: { expected: schema, found: show(raw) },
        });
        return z.NEVER;
      }
      const result = schema.safeParse(raw);
      if (result.success) return result.data;
      for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: raw } as never);
      return z.NEVER;
    })
    .meta(doc);
}

/**
 * A field's documentation whose `anyOf` is made the first time it is read: the alternatives
 * that embed zod schemas (distributions, latency forms, policies, tool calls) cost about 25 ms
 * to convert to JSON Schema, which only `scenarioJsonSchema` needs, not every command's start.
 * (zod reads a field's metadata, getters included, when it converts the schema.)
 */
function lazyAnyOf(make: () => JsonSchema[], rest: JsonSchema = {}): JsonSchema {
  let anyOf: JsonSchema[] | undefined;
  return {
    get anyOf() {
      anyOf ??= make();
      return anyOf;
    },
    ...rest,
  };
}

/** The JSON Schema of a documentation-only zod schema, to embed in a `parsed` or `choice` field. */
function jsonOf(schema: z.ZodType, description?: string): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return description === undefined ? json : { ...json, description };
}

// The bounds of a duration, a rate or a token amount go on the number form (in base units);
// the string forms follow them, and the reference states them in their units.
const durationDoc = (positive = false, max?: number) => ({
  anyOf: [
    {
      type: "number",
      ...(positive ? { exclusiveMinimum: 0 } : { minimum: 0 }),
      ...(max === undefined ? {} : { maximum: max }),
    },
    { type: "string", pattern: DURATION_PATTERN },
  ],
});
const rateDoc = (max?: number) => ({
  anyOf: [
    { type: "number", exclusiveMinimum: 0, ...(max === undefined ? {} : { maximum: max }) },
    { type: "string", pattern: RATE_PATTERN },
  ],
});
const tokensDoc = (max: number) => ({
  anyOf: [
    { type: "integer", minimum: 0, maximum: max },
    { type: "string", pattern: TOKENS_PATTERN },
  ],
});
const probabilityDoc = {
  anyOf: [
    { type: "number", minimum: 0, maximum: 1 },
    { type: "string", pattern: PROBABILITY_PATTERN },
  ],
};

/** A duration: seconds as a number, or "300ms", "2s", "5m", "1h"; at most `BOUNDS.durationS`. */
function duration(description: string, options: { positive?: boolean; default?: string } = {}) {
  const constraints = { positive: options.positive, max: BOUNDS.durationS };
  return parsed((raw, path) => parseDuration(raw, path, constraints), {
    ...durationDoc(options.positive, BOUNDS.durationS),
    description,
    ...(options.default === undefined ? {} : { default: options.default }),
  });
}

/** An arrival rate: runs per second as a number, or "2/s", "120/m", "3/h". */
function rate(description: string) {
  const constraints = { max: BOUNDS.arrivalsPerS };
  return parsed((raw, path) => parseRate(raw, path, constraints), {
    ...rateDoc(BOUNDS.arrivalsPerS),
    description,
  });
}

/** The percentiles an SLO may bound. */
export const SLO_PERCENTILES = ["p50", "p90", "p95", "p99"] as const;

/**
 * An SLO bound: a duration each run (or turn) should stay within, or a mapping of percentiles
 * over the job's measured runs (turns) with, optionally, that per-run bound as `each`:
 * `{ p95: 60s }`, `{ each: 20s, p99: 45s }`.
 */
function sloBound(what: string, one: string) {
  const bound = (description: string) => duration(description, { positive: true }).optional();
  const at = (p: string) =>
    bound(`the ${p}th percentile of the job's ${what} over its measured runs`);
  const percentiles = obj(
    {
      each: bound(`the ${what} ${one} should stay within`),
      p50: at("50"),
      p90: at("90"),
      p95: at("95"),
      p99: at("99"),
    },
    `percentile bounds of the ${what}`,
  ).refine((value) => Object.keys(value).length > 0, {
    message: `${EXPECTED_MARK}at least one of each, ${SLO_PERCENTILES.join(", ")}`,
  });
  const each = duration(`target ${what}`, { positive: true });
  return choice<number | z.output<typeof percentiles>>(
    (raw) => (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? percentiles : each),
    lazyAnyOf(() => [durationDoc(true, BOUNDS.durationS), jsonOf(percentiles)], {
      description: `target ${what}: a bound for each ${one.slice(2)}, or percentiles {p50, p90, p95, p99, each}`,
    }),
  );
}

/** A non-negative (or positive) integer, at most `max`. */
function count(
  description: string,
  options: { positive?: boolean; default?: number; max: number },
) {
  const constraints = { positive: options.positive, max: options.max };
  return parsed((raw, path) => parseCount(raw, path, constraints), {
    type: "integer",
    minimum: options.positive ? 1 : 0,
    maximum: options.max,
    description,
    ...(options.default === undefined ? {} : { default: options.default }),
  });
}

/** A whole number of tokens: 1200, "8k", "2M"; at most `BOUNDS.tokens`. */
function tokens(description: string, options: { positive?: boolean } = {}) {
  const constraints = { ...options, max: BOUNDS.tokens };
  return parsed((raw, path) => parseTokens(raw, path, constraints), {
    ...tokensDoc(BOUNDS.tokens),
    description,
  });
}

/** A probability: 0.02 or "2%". */
function probability(description: string, defaultValue?: number) {
  return parsed(parseProbability, {
    ...probabilityDoc,
    description,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });
}

/** A plain number within bounds. */
function number(description: string, constraints: NumberConstraints = {}, defaultValue?: number) {
  const { exclusiveMin, integer, bound } = constraints;
  // A bound on the magnitude is a range in JSON Schema: [-bound, bound], or [min, bound].
  const min = constraints.min ?? (bound === undefined ? undefined : -bound);
  const max = constraints.max ?? bound;
  return parsed((raw, path) => parseNumber(raw, path, constraints), {
    type: integer ? "integer" : "number",
    ...(min === undefined ? {} : exclusiveMin ? { exclusiveMinimum: min } : { minimum: min }),
    ...(max === undefined ? {} : { maximum: max }),
    description,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });
}

/** A name: letters, digits, "-" and "_" (no dots, so `--vary` paths can select by name). */
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
function name(description: string) {
  return z
    .string({ error: () => `${EXPECTED_MARK}a name of letters, digits, "-" and "_"` })
    .regex(NAME_PATTERN)
    .describe(description);
}

/** A required, non-empty text (governance fields). */
function text(description: string, expected: string) {
  return z
    .string({ error: () => `${EXPECTED_MARK}${expected}` })
    .trim()
    .min(1)
    .describe(description);
}

/** A strict mapping whose unknown fields are reported with the known ones (and a suggestion). */
function obj<Shape extends z.core.$ZodLooseShape>(shape: Shape, description: string) {
  const known = Object.keys(shape);
  return z
    .strictObject(shape, {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `${FIELDS_MARK}${known.join(",")}`
          : issue.code === "invalid_type"
            ? `${EXPECTED_MARK}a mapping with fields ${known.join(", ")}${required(issue.input)}`
            : undefined,
    })
    .describe(description);
}

// Says "(required)" when a required field is missing altogether.
function required(input: unknown): string {
  return input === undefined ? " (required)" : "";
}

/** A list of at least `min` and at most `max` items. */
function list<T extends z.ZodType>(item: T, description: string, max: number, min = 0) {
  const base = z
    .array(item, {
      error: (issue) => `${EXPECTED_MARK}a list${required(issue.input)}`,
    })
    .max(max, { error: () => `${EXPECTED_MARK}a list of at most ${formatBound(max)} items` });
  return (
    min > 0
      ? base.min(min, {
          error: () => `${EXPECTED_MARK}a list of at least ${min} item${min === 1 ? "" : "s"}`,
        })
      : base
  ).describe(description);
}

// ---------------------------------------------------------------------------------------------
// Distributions.

const UNIT_DOC: Record<DistUnit, JsonSchema> = {
  duration: durationDoc(),
  tokens: {
    anyOf: [
      { type: "number", minimum: 0 },
      { type: "string", pattern: TOKENS_PATTERN },
    ],
  },
  number: { type: "number" },
  probability: probabilityDoc,
};

// Documentation of the `{dist: ...}` forms; parsing is parseDistribution's, with its messages.
function distDoc(unit: DistUnit): JsonSchema {
  return lazyAnyOf(() => distForms(unit));
}

function distForms(unit: DistUnit): JsonSchema[] {
  const value = (description: string) => z.unknown().meta({ ...UNIT_DOC[unit], description });
  const plain = (description: string) => z.number().describe(description);
  const variant = (dist: string, shape: z.core.$ZodLooseShape, description: string) =>
    z.strictObject({ dist: z.literal(dist), ...shape }).describe(description);
  const forms = z.discriminatedUnion("dist", [
    variant("constant", { value: value("the value") }, "always the same value"),
    variant(
      "uniform",
      { min: value("lowest value"), max: value("highest value") },
      "uniform on [min, max]",
    ),
    variant(
      "exponential",
      {
        mean: value("mean").optional(),
        rate: (unit === "duration"
          ? z.unknown().meta(rateDoc())
          : plain("events per unit")
        ).optional(),
      },
      "exponential with this mean (or rate = 1 / mean)",
    ),
    variant(
      "normal",
      {
        mean: value("mean"),
        sd: value("standard deviation").optional(),
        stddev: value("alias of sd").optional(),
        min: value(
          "lower bound (draws below are redrawn); default 0 for non-negative quantities",
        ).optional(),
        max: value("upper bound (draws above are redrawn)").optional(),
      },
      "normal, optionally bounded",
    ),
    variant(
      "lognormal",
      {
        median: value("median").optional(),
        p99: value("99th percentile (greater than median)").optional(),
        mu: plain("mean of the log (of seconds or tokens)").optional(),
        sigma: plain("standard deviation of the log").optional(),
      },
      "lognormal, by {median, p99} or {mu, sigma}",
    ),
    variant(
      "pareto",
      {
        scale: value("scale (the minimum value)").optional(),
        xm: value("alias of scale").optional(),
        min: value("alias of scale").optional(),
        shape: plain("shape (tail index)").optional(),
        alpha: plain("alias of shape").optional(),
      },
      "pareto (heavy tail)",
    ),
    variant("bernoulli", { p: z.unknown().meta(probabilityDoc) }, "1 with probability p, else 0"),
    variant(
      "empirical",
      { values: z.array(value("a value")).min(1) },
      "one of the values, uniformly",
    ),
  ]);
  return [UNIT_DOC[unit], jsonOf(forms)];
}

const DIST_DOCS: Record<DistUnit, JsonSchema> = {
  duration: distDoc("duration"),
  tokens: distDoc("tokens"),
  number: distDoc("number"),
  probability: distDoc("probability"),
};

/** A distribution (or a constant) of a unit. */
function dist(unit: DistUnit, description: string) {
  return parsed<DistSpec>(
    (raw, path) => parseDistribution(raw, path, unit),
    lazyAnyOf(() => DIST_DOCS[unit].anyOf as JsonSchema[], { description }),
  );
}

// ---------------------------------------------------------------------------------------------
// Sections.

const policyObject = obj(
  {
    name: z
      .string()
      .min(1)
      .describe("a registered policy: fifo, priority, fair-share, ...")
      .optional(),
    module: z
      .string()
      .min(1)
      .describe("path of a module exporting a policy (relative to the scenario file)")
      .optional(),
    label: z
      .string()
      .min(1)
      .describe("label in results; default the name or the module's file name")
      .optional(),
    options: z.record(z.string(), z.unknown()).describe("options passed to the policy").optional(),
  },
  "a policy with options",
);
/** A policy as the file writes it: a name or path, or an object. */
export type RawPolicy = string | z.output<typeof policyObject>;
const anyString = z.string();
const policy = choice<RawPolicy>(
  (raw) =>
    typeof raw === "string" && raw.trim() !== ""
      ? anyString
      : typeof raw === "object" && raw !== null && !Array.isArray(raw)
        ? policyObject
        : 'a policy name such as "fair-share", a module path, or {name, label?, options?}',
  lazyAnyOf(() => [{ type: "string", minLength: 1 }, jsonOf(policyObject)], {
    description: 'a policy: "fifo", "./my-policy.ts", or {name | module, label?, options?}',
  }),
);

const tokenLatency = obj(
  {
    ttft: dist("duration", "time to first token"),
    perOutputToken: dist("duration", "time per output token"),
    perPromptToken: duration("prefill time per prompt token, added to ttft; default 0").optional(),
    loadSlowdown: number(
      "extra per-token slowdown at full load, 0 to 10: per-token time x (1 + loadSlowdown x (busy slots with this turn - 1) / max(1, slots - 1)), so a lone turn is not slowed and 0.5 is 50% slower with all slots busy; default 0",
      { min: 0, max: 10 },
    ).optional(),
    jitter: dist(
      "number",
      "a multiplier of each turn's time, e.g. {dist: uniform, min: 0.9, max: 1.1}",
    ).optional(),
  },
  "turn time = ttft + outputTokens x perOutputToken x slowdown",
);
const wholeLatency = obj(
  {
    turn: dist("duration", "the whole turn's time"),
    jitter: dist("number", "a multiplier of each turn's time").optional(),
  },
  "a distribution of the whole turn, with jitter",
);
const TOKEN_LATENCY_KEYS = ["ttft", "perOutputToken", "perPromptToken", "loadSlowdown"];
// The three latency forms, built once (choice() picks one per value).
const tokenLatencySpec = tokenLatency.transform(
  (v): LatencySpec => ({
    kind: "tokens",
    ttft: v.ttft,
    perOutputTokenS: v.perOutputToken,
    loadSlowdown: v.loadSlowdown ?? 0,
    perPromptTokenS: v.perPromptToken ?? 0,
    ...(v.jitter === undefined ? {} : { jitter: v.jitter }),
  }),
);
const wholeLatencySpec = wholeLatency.transform(
  (v): LatencySpec => ({
    kind: "whole",
    turn: v.turn,
    ...(v.jitter === undefined ? {} : { jitter: v.jitter }),
  }),
);
const distLatencySpec = dist("duration", "the whole turn's time").transform(
  (turn): LatencySpec => ({ kind: "whole", turn }),
);
const latency = choice<LatencySpec>(
  (raw) => {
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
      if (TOKEN_LATENCY_KEYS.some((key) => key in raw)) return tokenLatencySpec;
      if ("turn" in raw) return wholeLatencySpec;
    }
    return distLatencySpec;
  },
  lazyAnyOf(() => [DIST_DOCS.duration, jsonOf(tokenLatency), jsonOf(wholeLatency)], {
    description:
      "turn time: a distribution of the whole turn, {ttft, perOutputToken, ...}, or {turn, jitter}",
  }),
);

const endpoint = obj(
  {
    name: name("endpoint name"),
    slots: count("concurrent turns", { positive: true, max: BOUNDS.slots }),
    latency,
    rateLimit: obj(
      {
        requestsPerMinute: number("request limit per minute", {
          min: 0,
          exclusiveMin: true,
          bound: 60 * BOUNDS.requestsPerS,
        }).optional(),
        requestsPerSecond: number("request limit per second", {
          min: 0,
          exclusiveMin: true,
          bound: BOUNDS.requestsPerS,
        }).optional(),
        tokensPerMinute: number(
          "token limit per minute; at least the largest first turn (prompt + output) of a job that may use the endpoint, when its token distributions are bounded",
          { min: 0, exclusiveMin: true, bound: 60 * BOUNDS.tokensPerS },
        ).optional(),
        tokensPerSecond: number(
          "token limit per second (60x it at least a job's largest first turn, as for tokensPerMinute)",
          { min: 0, exclusiveMin: true, bound: BOUNDS.tokensPerS },
        ).optional(),
        burstRequests: number("request bucket size", {
          min: 0,
          exclusiveMin: true,
          bound: BOUNDS.requestsPerS,
        }).optional(),
        burstTokens: number(
          "token bucket size, at least a job's largest first turn (as for tokensPerMinute); default one second's worth (a request larger than the bucket waits for a full bucket and empties it)",
          { min: 0, exclusiveMin: true, bound: BOUNDS.tokens },
        ).optional(),
        sendsRetryAfter: z
          .boolean()
          .describe(
            "whether a 429 carries Retry-After: the time until the buckets have room for the refused request; default true",
          )
          .optional(),
      },
      "token-bucket rate limits (over the limit: a 429 the runtime backs off from)",
    ).optional(),
    failures: obj(
      {
        errorRate: probability("probability a turn fails with a 5xx; default 0", 0).optional(),
        timeout: duration("a turn running longer is aborted; default never", {
          positive: true,
        }).optional(),
        outages: list(
          obj(
            {
              at: duration("start of the outage"),
              for: duration("length of the outage", { positive: true }),
            },
            "a window when every call is refused (503)",
          ),
          "outage windows; default none",
          BOUNDS.outages,
        ).optional(),
      },
      "failures",
    ).optional(),
    models: list(
      z.string().min(1),
      "model labels this endpoint serves (trace mapping); default [name]",
      BOUNDS.names,
    ).optional(),
    failover: list(
      name("an endpoint name"),
      "endpoints tried when this one is out or rate-limited; default []",
      BOUNDS.endpoints,
    ).optional(),
  },
  "a mocked model endpoint",
);

const tool = obj(
  {
    name: name("tool name"),
    latency: dist("duration", "call time"),
    concurrency: count("concurrent calls; default unlimited", {
      positive: true,
      max: BOUNDS.slots,
    }).optional(),
    errorRate: probability("probability a call fails; default 0", 0).optional(),
  },
  "a mocked tool",
);

const runtime = obj(
  {
    retry: obj(
      {
        attempts: count("attempts of a turn, the first included; default 3", {
          positive: true,
          default: 3,
          max: BOUNDS.attempts,
        }).optional(),
        backoff: obj(
          {
            base: duration("backoff before the first retry; default 500ms", {
              default: "500ms",
            }).optional(),
            max: duration("longest backoff; default 10s", { default: "10s" }).optional(),
          },
          "exponential backoff with jitter",
        ).optional(),
        retryAfter: z
          .enum(["honour", "ignore"])
          .describe(
            "after a 429 with Retry-After: honour (pause dispatch to the endpoint and retry the call when Retry-After says, if it is at most retryAfterMax) or ignore (back off as after any failure); default honour",
          )
          .optional(),
        retryAfterMax: duration(
          "longest Retry-After honoured as the retry's wait; a longer one falls back to the backoff, as the OpenAI SDKs do above 60 s; default 60s",
          { default: "60s" },
        ).optional(),
      },
      "retries of failed turns",
    ).optional(),
    contextWindow: tokens("context window in tokens; default unlimited", {
      positive: true,
    }).optional(),
    onContextOverflow: z
      .enum(["compact", "fail"])
      .describe(
        "over the window: compact (an extra summarizing turn) or fail the run; default compact",
      )
      .optional(),
    compactKeep: number("fraction of the context a compaction keeps; default 0.2", {
      min: 0,
      max: 1,
      exclusiveMin: true,
    }).optional(),
    serviceCost: obj(
      {
        promptWeight: number(
          "weight of a prompt token; default 1",
          { min: 0, bound: BOUNDS.factor },
          1,
        ).optional(),
        outputWeight: number(
          "weight of an output token; default 2",
          { min: 0, bound: BOUNDS.factor },
          2,
        ).optional(),
      },
      "a turn's service cost = prompt x promptWeight + output x outputWeight",
    ).optional(),
    circuitBreaker: obj(
      {
        cooldown: duration(
          "after a 503, no dispatch to that endpoint for this long (0 disables); default 5s",
          { default: "5s" },
        ).optional(),
      },
      "circuit breaker: hold turns (or fail them over) while an endpoint answers 503",
    ).optional(),
    admission: obj(
      {
        maxWaitingTurns: count(
          "a run arriving while this many turns wait is rejected; default unlimited",
          { positive: true, max: BOUNDS.waitingTurns },
        ).optional(),
      },
      "admission control",
    ).optional(),
    timelineTurns: count("turn records kept for the slot timeline; 0 disables; default 1000", {
      default: 1000,
      max: BOUNDS.timelineTurns,
    }).optional(),
    workspaces: obj(
      {
        resolver: z
          .enum(["strict", "prefix-only"])
          .describe(
            "how a workspace path is resolved before access: strict (normalized, links followed, confined to the run's root) or prefix-only (a modelled flaw: a string prefix check without normalization or link resolution); default strict",
          )
          .optional(),
      },
      "the runs' workspaces: one file tree with a root per run",
    ).optional(),
    audit: obj(
      {
        authorizedBy: z
          .enum(["job", "omitted"])
          .describe(
            "what each audit record says about authority: job (the authorizedBy of the run's job) or omitted (a modelled flaw: a log that names the run but not who authorized it; check's audit test fails); default job",
          )
          .optional(),
      },
      "the runtime's audit log",
    ).optional(),
  },
  "runtime-wide settings",
);

const tenant = obj(
  {
    name: name("tenant name"),
    weight: number(
      "fair-share weight; default 1",
      { min: 0, exclusiveMin: true, bound: BOUNDS.factor },
      1,
    ).optional(),
  },
  "who jobs run for",
);

const governance = obj(
  {
    owner: text("who owns the job", "the job's owner (every job declares one)"),
    authorizedBy: text("who authorized it", "who authorized the job (every job declares it)"),
    purpose: z.string().describe("what the job is for; default empty").optional(),
    riskClass: z.enum(["minimal", "limited", "high"]).describe("default minimal").optional(),
    tools: list(
      name("a declared tool"),
      "tools the job may call; default none",
      BOUNDS.names,
    ).optional(),
    dataScopes: list(
      z.string().min(1),
      "store scopes the job may touch; default none",
      BOUNDS.names,
    ).optional(),
    tokenBudget: tokens(
      "token budget per run, checked before every attempt of every model call (retries and compactions too); at least the job's smallest first turn; default none",
      { positive: true },
    ).optional(),
  },
  "the governance metadata every job declares",
);

const TRACE_FORMATS = ["azure-llm-csv", "agent-sessions-jsonl"] as const;
const arrivals = z.discriminatedUnion(
  "process",
  [
    obj(
      { process: z.literal("poisson"), rate: rate("mean arrivals per second") },
      "Poisson arrivals",
    ),
    obj(
      { process: z.literal("constant"), rate: rate("arrivals per second") },
      "evenly spaced arrivals",
    ),
    obj(
      {
        process: z.literal("closed"),
        users: count("users, each running one run at a time", {
          positive: true,
          max: BOUNDS.users,
        }),
        think: dist("duration", "think time between a user's runs; default 0").optional(),
      },
      "a closed loop of users",
    ),
    obj(
      {
        process: z.literal("trace"),
        file: z.string().min(1).describe("trace file, relative to the scenario file"),
        format: z
          .enum(TRACE_FORMATS)
          .describe(
            "default from the extension: .csv azure-llm-csv, .jsonl(.gz) agent-sessions-jsonl",
          )
          .optional(),
        speedup: number(
          "replay speed (2 = twice as fast); default 1",
          { min: 0, exclusiveMin: true, bound: BOUNDS.factor },
          1,
        ).optional(),
        window: obj(
          {
            from: duration("start of the slice, in trace time; default 0").optional(),
            for: duration("length of the slice; default to the end", { positive: true }).optional(),
          },
          "a slice of the trace, in trace time",
        ).optional(),
        runPer: z
          .enum(["session", "userTurn"])
          .describe("agent sessions: a run per session (default) or per user turn")
          .optional(),
        tenantBy: obj(
          {
            field: z.string().min(1).describe("a session field, e.g. date or model"),
            map: z.record(z.string(), name("a tenant")).describe("field value -> tenant name"),
          },
          "map a session field to tenants (other values: the job's tenant)",
        ).optional(),
      },
      "replay of a trace file",
    ),
  ],
  {
    // Typed as union issues only, but a non-mapping arrives here as invalid_type too.
    error: (issue) =>
      (issue as { code: string }).code === "invalid_type"
        ? `${EXPECTED_MARK}a mapping with a process: poisson, constant, closed or trace`
        : undefined,
  },
);

const toolCall = obj(
  {
    tool: name("a declared tool"),
    probability: probability("probability of the call after each turn; default 1", 1).optional(),
  },
  "a tool call after each turn",
);
const toolCallList = z.array(toolCall).max(BOUNDS.toolCalls, {
  error: () => `${EXPECTED_MARK}a list of at most ${BOUNDS.toolCalls} tool calls`,
});
const oneToolCall = toolCall.transform((call) => [call]);
const toolCalls = choice<z.output<typeof toolCall>[]>(
  (raw) =>
    Array.isArray(raw)
      ? toolCallList
      : typeof raw === "object" && raw !== null
        ? oneToolCall
        : "a tool call {tool, probability} or a list of them",
  lazyAnyOf(
    () => [
      jsonOf(toolCall),
      { type: "array", items: jsonOf(toolCall), maxItems: BOUNDS.toolCalls },
    ],
    { description: "tool calls after each turn: one {tool, probability} or a list" },
  ),
);

const turns = obj(
  {
    count: dist("number", `turns per run (a mean of at most ${formatBound(BOUNDS.turnsPerRun)})`),
    promptTokens: dist("tokens", "prompt tokens of each turn"),
    outputTokens: dist("tokens", "output tokens of each turn"),
    toolCalls: toolCalls.optional(),
  },
  "the program each run draws (ignored for trace arrivals)",
);

const perTurn = (description: string) =>
  count(`${description} per turn`, { max: BOUNDS.actionsPerTurn });
const behaviour = obj(
  {
    fraction: probability("fraction of runs that misbehave; default 1", 1).optional(),
    tokenHog: obj(
      {
        outputMultiplier: number("output tokens multiplied by this", {
          min: 0,
          exclusiveMin: true,
          bound: BOUNDS.factor,
        }),
      },
      "huge generations",
    ).optional(),
    workspaceEscapes: obj(
      { perTurn: perTurn("attempts to reach outside the workspace") },
      "workspace escapes",
    ).optional(),
    toolsOutsideGrant: obj(
      {
        perTurn: perTurn("calls to tools outside the grant"),
        tools: list(name("a tool name"), "the tools it tries", BOUNDS.names, 1),
      },
      "tool calls outside the grant",
    ).optional(),
    garbageWrites: obj(
      {
        perTurn: perTurn("garbage writes to the store"),
        scopes: list(
          z.string().min(1),
          "scopes it writes to (in or out of the grant)",
          BOUNDS.names,
          1,
        ),
      },
      "garbage writes to the store",
    ).optional(),
    runaway: obj(
      {
        maxTurns: count("turns before it is stopped", {
          positive: true,
          max: BOUNDS.turnsPerRun,
        }),
      },
      "a run that never ends on its own",
    ).optional(),
  },
  "misbehaving agents",
);

const io = obj(
  {
    workspaceWrites: count("workspace writes per turn; default 0", {
      max: BOUNDS.actionsPerTurn,
    }).optional(),
    storeReads: count("store reads per turn; default 0", { max: BOUNDS.actionsPerTurn }).optional(),
    storeWrites: count("store writes per turn; default 0", {
      max: BOUNDS.actionsPerTurn,
    }).optional(),
    keysPerScope: count("entity keys per scope; default 100", {
      positive: true,
      default: 100,
      max: BOUNDS.keysPerScope,
    }).optional(),
  },
  "workspace and store activity of each run, after each turn",
);

const job = obj(
  {
    name: name("job name"),
    tenant: name("the tenant it runs for"),
    priority: number(
      "larger is more important; default 0",
      { bound: BOUNDS.priority },
      0,
    ).optional(),
    governance,
    arrivals,
    turns: turns.optional(),
    slo: obj(
      {
        runLatency: sloBound("run latency", "a run").optional(),
        wait: sloBound("wait per turn", "a turn").optional(),
      },
      "service-level objectives",
    ).optional(),
    endpoints: list(
      name("an endpoint name"),
      "endpoints it may use, first preferred; default all",
      BOUNDS.endpoints,
      1,
    ).optional(),
    behaviour: behaviour.optional(),
    io: io.optional(),
  },
  "a declared kind of agent work",
);

const valueList = z
  .array(z.union([z.string(), z.number()]))
  .min(1)
  .max(BOUNDS.sweepValues, {
    error: () => `${EXPECTED_MARK}a list of at most ${formatBound(BOUNDS.sweepValues)} values`,
  });
const sweepValues = choice<(string | number)[] | string>(
  (raw) =>
    typeof raw === "string"
      ? anyString
      : Array.isArray(raw)
        ? valueList
        : 'a list of values or a range such as "0.5/s..4/s:8"',
  {
    anyOf: [
      {
        type: "array",
        items: { type: ["string", "number"] },
        minItems: 1,
        maxItems: BOUNDS.sweepValues,
      },
      { type: "string", pattern: String.raw`^.+\.\..+:\d+$` },
    ],
    description: 'values: a list, or a range "lo..hi:count"',
  },
);

/** The whole v1 document. */
export const scenarioSchema = obj(
  {
    $schema: z.string().describe("JSON Schema reference for editors (ignored)").optional(),
    version: z.literal(1).describe("format version; default 1").optional(),
    name: name("short name, used in output folder names; default the file name").optional(),
    description: z.string().describe("what question the scenario asks").optional(),
    seed: count("root seed of every random stream (a safe integer, below 2^53); default 1", {
      default: 1,
      max: BOUNDS.seed,
    }).optional(),
    horizon: duration("arrivals stop here; runs in flight drain", { positive: true }),
    warmup: duration("runs arriving earlier are left out of the metrics; default 0").optional(),
    drain: duration(
      "hard stop for the drain after the horizon; default max(horizon, 1h)",
    ).optional(),
    replications: count("replications per policy; default 5", {
      positive: true,
      default: 5,
      max: BOUNDS.replications,
    }).optional(),
    policies: list(
      policy,
      "policies to compare; default [fifo, priority, fair-share]",
      BOUNDS.policies,
      1,
    ).optional(),
    endpoints: list(endpoint, "mocked model endpoints", BOUNDS.endpoints, 1),
    tools: list(tool, "mocked tools; default none", BOUNDS.tools).optional(),
    runtime: runtime.optional(),
    tenants: list(tenant, "tenants", BOUNDS.tenants, 1),
    jobs: list(job, "jobs", BOUNDS.jobs, 1),
    sweep: list(
      obj(
        {
          path: z.string().min(1).describe("a field path such as jobs.ticket-triage.arrivals.rate"),
          values: sweepValues,
        },
        "a sweep axis",
      ),
      "sweep axes (--vary adds more); default none",
      BOUNDS.sweepAxes,
    ).optional(),
    checks: obj(
      {
        minJain: number(
          "arbitration passes at this Jain index or above; default 0.9",
          { min: 0, max: 1 },
          0.9,
        ).optional(),
      },
      "thresholds of agentsim check",
    ).optional(),
  },
  "an agentsim scenario (format v1)",
);

/** The validated document: units parsed, defaults not yet filled. */
export type ParsedDocument = z.output<typeof scenarioSchema>;
/** One validated job of the document. */
export type ParsedJob = ParsedDocument["jobs"][number];

/** The JSON Schema of the scenario format, for editors and `agentsim schema`. */
export function scenarioJsonSchema(): JsonSchema {
  const json = z.toJSONSchema(scenarioSchema, { io: "input", unrepresentable: "any" });
  // Distributions appear at many fields: one definition each, referenced, keeps the file small.
  const defs: Record<string, JsonSchema> = {};
  const byShape = new Map<string, string>();
  for (const unit of Object.keys(DIST_DOCS) as DistUnit[]) {
    const def = `${unit}Distribution`;
    defs[def] = { ...DIST_DOCS[unit], description: `a ${unit} constant or {dist: ...}` };
    byShape.set(JSON.stringify(DIST_DOCS[unit].anyOf), def);
  }
  const shared = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(shared);
    if (typeof node !== "object" || node === null) return node;
    const record = node as JsonSchema;
    const def = record.anyOf === undefined ? undefined : byShape.get(JSON.stringify(record.anyOf));
    if (def !== undefined) {
      const { anyOf: _, ...rest } = record;
      return { ...rest, $ref: `#/$defs/${def}` };
    }
    return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, shared(value)]));
  };
  return {
    ...(shared(json) as JsonSchema),
    $id: "https://agentsim.dev/schema/scenario-v1.json",
    title: "agentsim scenario (v1)",
    $defs: defs,
  };
}
