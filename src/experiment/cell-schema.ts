/**
 * The shape of a cell result as a partial file carries it (`CellResult` after JSON), checked
 * by `merge` before anything reads it, so a cell missing a field or holding the wrong type is
 * refused naming the file, the cell and the field instead of failing deep in aggregation.
 *
 * Counters are non-negative integers; every other measurement is a finite number or null,
 * because JSON writes an infinite or undefined value (a load over a limit of 0) as null. Objects
 * are strict: a field the schema does not know is refused, so a field added to `CellResult`
 * must be added here too (test/merge-files.test.ts checks real cells of several scenarios).
 */
import { z } from "zod";
import { ScenarioError } from "../input/index.ts";
import type { CellResult } from "../runtime/index.ts";

const phrase = (error: string) => ({ error });

const count = z.int(phrase("a non-negative integer")).min(0, phrase("a non-negative integer"));
const integer = z.int(phrase("an integer"));
const real = z.number(phrase("a finite number (or null)")).nullable();
const text = z.string(phrase("a string"));
const flag = z.boolean(phrase("true or false"));
const hex64 = z.string(phrase("64 hex digits")).regex(/^[0-9a-f]{64}$/, phrase("64 hex digits"));
const object = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, phrase("a mapping of fields"));
const list = <T extends z.ZodType>(item: T) => z.array(item, phrase("a list"));
const record = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), value, phrase("a mapping of names to values"));

const histogram = object({
  format: z.literal("agentsim-histogram/1", phrase('"agentsim-histogram/1"')),
  highestS: z.number(phrase("a positive number of seconds")).positive(),
  significantDigits: z.int(phrase("an integer 1 to 5")).min(1).max(5),
  count,
  sumUs: z.string(phrase("a decimal integer string")).regex(/^\d{1,40}$/),
  minS: real,
  maxS: real,
  overflowCount: count,
  counts: z
    .string(phrase("base64 histogram counts"))
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, phrase("base64 histogram counts")),
});

const counts = object({
  submitted: count,
  completed: count,
  failed: count,
  rejected: count,
  inFlight: count,
});

const ratePerMinute = object({ offered: real, sent: real, admitted: real, limit: real });

const bottleneck = object({
  resource: z.enum(
    ["slots", "requestsPerMinute", "tokensPerMinute", "toolConcurrency"],
    phrase("slots, requestsPerMinute, tokensPerMinute or toolConcurrency"),
  ),
  name: text,
  offered: real,
  limit: real,
  unit: text,
  load: real,
});

const tenantCell = object({
  weight: real,
  demand: real,
  fairShare: real,
  service: real,
  serviceShare: real,
  wait: histogram,
  runLatency: histogram,
  counts,
  headOfLineBlockedS: real,
  backloggedFraction: real,
});

const jobCell = object({
  tenant: text,
  priority: real,
  wait: histogram,
  runLatency: histogram,
  counts,
  sloAttainment: real,
  sloRunLatencyS: real,
});

const timelineEntry = object({
  endpoint: text,
  slot: count,
  startS: real,
  endS: real,
  tenant: text,
  job: text,
  run: text,
  outcome: text,
  kind: z.enum(["turn", "compaction"], phrase('"turn" or "compaction"')),
});

/** A cell result as JSON: what `merge` accepts in a partial's `cells[i].result`. */
export const cellResultSchema = object({
  scenario: text,
  policy: text,
  seed: integer,
  replication: count,
  point: record(z.union([z.string(), z.number()], phrase("a string or a number"))),
  window: object({ fromS: real, toS: real }),
  endS: real,
  counts,
  wait: histogram,
  turnLatency: histogram,
  runLatency: histogram,
  throughput: object({ runsPerSecond: real, tokensPerSecond: real }),
  utilization: real,
  fairness: object({
    jain: real,
    maxServiceGap: real,
    tenants: list(
      object({ name: text, weight: real, demand: real, service: real, fairShare: real }),
    ),
  }),
  wastedTokens: real,
  sloAttainment: real,
  tenants: record(tenantCell),
  jobs: record(jobCell),
  calls: object({
    attempts: count,
    ok: count,
    errors: count,
    timeouts: count,
    rateLimited: count,
    unavailable: count,
    retries: count,
    aborts: count,
    compactions: count,
    toolCalls: count,
    toolErrors: count,
  }),
  endpoints: record(
    object({
      requestsPerMinute: ratePerMinute,
      tokensPerMinute: ratePerMinute,
      attempts: count,
      rateLimited: count,
      unavailable: count,
    }),
  ),
  priority: object({ inversions: count, blockedByLowerS: real }),
  saturation: object({
    saturated: flag,
    steady: flag,
    bottleneck: bottleneck.nullable(),
    resources: list(bottleneck),
    failedFraction: real,
    offeredPerS: real,
    capacityPerS: real,
    arrivalsPerS: real,
    completionsPerS: real,
    reason: text,
  }),
  littlesLaw: object({ meanWaiting: real, lambdaW: real, relativeError: real }),
  governance: object({ denials: count, byReason: record(count) }),
  isolation: object({ attempts: count, refused: count, succeeded: count }),
  audit: object({
    mode: text,
    records: count,
    verified: flag.nullable(),
    unaudited: integer,
    withoutAuthority: count,
    byAction: record(count),
    trail: object({ scenario: hex64, head: hex64, file: text.optional() }).nullable(),
  }),
  store: object({
    writes: count,
    reads: count,
    denials: count,
    garbageWrites: count,
    readsOfGarbage: count,
    blastRadius: object({
      versions: count,
      writers: list(text),
      authorizers: list(text),
      readers: count,
      readerSample: list(text),
    }).nullable(),
  }),
  invariants: object({
    conservation: flag,
    slotsWithinCapacity: flag,
    auditVerified: flag,
    auditComplete: flag,
  }),
  timeseries: object({
    bucketS: real,
    queueLength: list(real),
    queueMax: list(count),
    serviceByTenant: record(list(real)),
    busySlots: list(real),
  }),
  timeline: list(timelineEntry),
  outages: list(object({ endpoint: text, atS: real, forS: real })),
  events: count,
});

// Every cell result the runtime makes has this shape (the schema may only be wider, by null).
type Accepts<Wide, Narrow extends Wide> = Narrow;
export type _CellResultFits = Accepts<z.infer<typeof cellResultSchema>, CellResult>;

/** Problems reported per cell at most: the first few say what is wrong. */
const ISSUES_SHOWN = 3;

/**
 * The problems of a cell result's shape, each naming its field under `where` (e.g.
 * `cells[2].result`) in `file`; empty when it has the shape of a `CellResult`.
 */
export function cellShapeErrors(result: unknown, where: string, file: string): ScenarioError[] {
  const parsed = cellResultSchema.safeParse(result);
  if (parsed.success) return [];
  return parsed.error.issues.slice(0, ISSUES_SHOWN).flatMap((issue) => {
    const path = [where, ...issue.path.map(segment)].join("");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map(
        (key) =>
          new ScenarioError(`${path}.${key}`, "only the fields of a cell result", "a field", {
            file,
            foundShown: true,
          }),
      );
    }
    return [new ScenarioError(path, issue.message, valueAt(result, issue.path), { file })];
  });
}

function segment(key: PropertyKey): string {
  return typeof key === "number" ? `[${key}]` : `.${String(key)}`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
