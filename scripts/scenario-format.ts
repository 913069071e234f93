/**
 * Writes docs/scenario-format.md, the scenario format reference, from the scenario schema
 * (`scenarioJsonSchema()`, the JSON Schema that src/scenario/schema.ts's zod schema exports):
 * every field with its type, its default, what it means and an example. `npm run docs` runs it;
 * test/docs-scenario-format.test.ts regenerates the text and compares it with the committed
 * file, so the reference cannot drift from the schema.
 *
 * Types come from the JSON Schema (units are recognized by their patterns), defaults and
 * meanings from each field's description ("...; default X"), examples from EXAMPLES below
 * (most of them from the design document's noisy-neighbor example), or, for a field without
 * one, from its type.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import YAML from "yaml";
import { formatDuration, formatRate } from "../src/input/index.ts";
import {
  BOUNDS,
  formatBound,
  MAX_DEPTH,
  MAX_DOCUMENT_NODES,
  MAX_SCENARIO_SIZE_TEXT,
  scenarioJsonSchema,
} from "../src/scenario/index.ts";

type Node = Record<string, any>;

/** Example values by field path (`[]` for any item of a list; variants share their paths). */
const EXAMPLES: Record<string, unknown> = {
  $schema: "../schema/scenario.schema.json",
  version: 1,
  name: "noisy-neighbor",
  description: "Two tenants share one endpoint. Which policy keeps support responsive?",
  seed: 7,
  horizon: "20m",
  warmup: "2m",
  drain: "2h",
  replications: 5,
  policies: ["fifo", "priority", "fair-share"],
  "policies[]": "fair-share",
  "policies[].name": "priority",
  "policies[].module": "./my-policy.ts",
  "policies[].label": "priority-aged",
  "policies[].options": { agingPerS: 0.1 },
  endpoints: [{ name: "llm", slots: 8, latency: "2s" }],
  "endpoints[].name": "llm",
  "endpoints[].slots": 8,
  "endpoints[].latency": { dist: "exponential", mean: "1s" },
  "endpoints[].latency.ttft": { dist: "lognormal", median: "300ms", p99: "2s" },
  "endpoints[].latency.perOutputToken": "15ms",
  "endpoints[].latency.perPromptToken": "0.1ms",
  "endpoints[].latency.loadSlowdown": 0.5,
  "endpoints[].latency.jitter": { dist: "uniform", min: 0.9, max: 1.1 },
  "endpoints[].latency.turn": { dist: "lognormal", median: "2s", p99: "20s" },
  "endpoints[].rateLimit": { requestsPerMinute: 1200, tokensPerMinute: 2000000 },
  "endpoints[].rateLimit.requestsPerMinute": 1200,
  "endpoints[].rateLimit.requestsPerSecond": 20,
  "endpoints[].rateLimit.tokensPerMinute": 2000000,
  "endpoints[].rateLimit.tokensPerSecond": 40000,
  "endpoints[].rateLimit.burstRequests": 50,
  "endpoints[].rateLimit.burstTokens": 100000,
  "endpoints[].failures": { errorRate: 0.01, timeout: "60s" },
  "endpoints[].failures.errorRate": 0.01,
  "endpoints[].failures.timeout": "60s",
  "endpoints[].failures.outages": [{ at: "10m", for: "1m" }],
  "endpoints[].failures.outages[].at": "10m",
  "endpoints[].failures.outages[].for": "1m",
  "endpoints[].models": ["Model A", "Model B"],
  "endpoints[].failover": ["llm-backup"],
  tools: [{ name: "crm-search", latency: "250ms", concurrency: 4 }],
  "tools[].name": "crm-search",
  "tools[].latency": { dist: "exponential", mean: "250ms" },
  "tools[].concurrency": 4,
  "tools[].errorRate": 0.02,
  runtime: { retry: { attempts: 3 }, contextWindow: 32000 },
  "runtime.retry": { attempts: 3, backoff: { base: "500ms", max: "10s" } },
  "runtime.retry.backoff": { base: "500ms", max: "10s" },
  "runtime.serviceCost": { promptWeight: 1, outputWeight: 2 },
  "runtime.circuitBreaker": { cooldown: "5s" },
  "runtime.admission": { maxWaitingTurns: 500 },
  "runtime.workspaces": { resolver: "strict" },
  "runtime.audit": { authorizedBy: "job" },
  "runtime.workspaces.resolver": "strict",
  "runtime.audit.authorizedBy": "job",
  "runtime.retry.attempts": 3,
  "runtime.retry.backoff.base": "500ms",
  "runtime.retry.backoff.max": "10s",
  "runtime.contextWindow": 32000,
  "runtime.onContextOverflow": "compact",
  "runtime.compactKeep": 0.2,
  "runtime.serviceCost.promptWeight": 1,
  "runtime.serviceCost.outputWeight": 2,
  "runtime.circuitBreaker.cooldown": "5s",
  "runtime.admission.maxWaitingTurns": 500,
  "runtime.timelineTurns": 1000,
  tenants: [{ name: "support", weight: 1 }],
  "tenants[].name": "support",
  "tenants[].weight": 1,
  "jobs[].name": "ticket-triage",
  "jobs[].tenant": "support",
  "jobs[].priority": 10,
  "jobs[].governance": { owner: "support-ops", authorizedBy: "head-of-support" },
  "jobs[].governance.owner": "support-ops",
  "jobs[].governance.authorizedBy": "head-of-support",
  "jobs[].governance.purpose": "route tickets",
  "jobs[].governance.riskClass": "limited",
  "jobs[].governance.tools": ["crm-search"],
  "jobs[].governance.dataScopes": ["tickets"],
  "jobs[].governance.tokenBudget": "200k",
  "jobs[].arrivals": { process: "poisson", rate: "0.3/s" },
  "jobs[].arrivals.rate": "0.3/s",
  "jobs[].arrivals.window": { from: "10m", for: "30m" },
  "jobs[].arrivals.tenantBy": { field: "date", map: { "2026-06-06": "weekend" } },
  "jobs[].arrivals.users": 20,
  "jobs[].arrivals.think": { dist: "exponential", mean: "30s" },
  "jobs[].arrivals.file": "../data/azure-llm-2023/AzureLLMInferenceTrace_code.csv",
  "jobs[].arrivals.format": "azure-llm-csv",
  "jobs[].arrivals.speedup": 2,
  "jobs[].arrivals.window.from": "10m",
  "jobs[].arrivals.window.for": "30m",
  "jobs[].arrivals.runPer": "userTurn",
  "jobs[].arrivals.tenantBy.field": "date",
  "jobs[].arrivals.tenantBy.map": { "2026-06-06": "weekend" },
  "jobs[].turns": { count: 3, promptTokens: 1200, outputTokens: 150 },
  "jobs[].turns.count": { dist: "uniform", min: 2, max: 5 },
  "jobs[].turns.promptTokens": { dist: "lognormal", median: 1200, p99: 6000 },
  "jobs[].turns.outputTokens": { dist: "lognormal", median: 150, p99: 800 },
  "jobs[].turns.toolCalls": { tool: "crm-search", probability: 0.6 },
  "jobs[].turns.toolCalls.tool": "crm-search",
  "jobs[].turns.toolCalls.probability": 0.6,
  "jobs[].slo": { runLatency: "20s" },
  "jobs[].slo.runLatency": "20s",
  "jobs[].slo.wait": "2s",
  "jobs[].endpoints": ["llm"],
  "jobs[].behaviour": { fraction: 0.1, tokenHog: { outputMultiplier: 20 } },
  "jobs[].behaviour.fraction": 0.1,
  "jobs[].behaviour.tokenHog": { outputMultiplier: 20 },
  "jobs[].behaviour.workspaceEscapes": { perTurn: 1 },
  "jobs[].behaviour.toolsOutsideGrant": { perTurn: 1, tools: ["shell"] },
  "jobs[].behaviour.garbageWrites": { perTurn: 1, scopes: ["kb"] },
  "jobs[].behaviour.runaway": { maxTurns: 50 },
  "jobs[].behaviour.tokenHog.outputMultiplier": 20,
  "jobs[].behaviour.workspaceEscapes.perTurn": 1,
  "jobs[].behaviour.toolsOutsideGrant.perTurn": 1,
  "jobs[].behaviour.toolsOutsideGrant.tools": ["shell"],
  "jobs[].behaviour.garbageWrites.perTurn": 1,
  "jobs[].behaviour.garbageWrites.scopes": ["kb"],
  "jobs[].behaviour.runaway.maxTurns": 50,
  "jobs[].io": { workspaceWrites: 2, storeReads: 1 },
  "jobs[].io.workspaceWrites": 2,
  "jobs[].io.storeReads": 1,
  "jobs[].io.storeWrites": 1,
  "jobs[].io.keysPerScope": 100,
  sweep: [{ path: "jobs.ticket-triage.arrivals.rate", values: "0.5/s..4/s:8" }],
  "sweep[].path": "jobs.ticket-triage.arrivals.rate",
  "sweep[].values": "0.5/s..4/s:8",
  checks: { minJain: 0.9 },
  "checks.minJain": 0.9,
};

const UNIT_PATTERNS: [RegExp, string][] = [
  [/\(ms\|s\|sec/, "duration"],
  [/\/\\s\*\(s\|sec/, "rate"],
  [/\[kKM\]/, "tokens"],
  [/%/, "probability"],
];

/** The unit a `{number | string with a unit}` schema stands for, if it is one. */
function unitOf(node: Node): string | undefined {
  const variants: Node[] | undefined = node.anyOf;
  if (variants?.length !== 2) return undefined;
  const text = variants.find((v) => v.type === "string" && typeof v.pattern === "string");
  if (text === undefined || !variants.some((v) => v.type === "number" || v.type === "integer")) {
    return undefined;
  }
  return UNIT_PATTERNS.find(([pattern]) => pattern.test(text.pattern))?.[1];
}

/** " ≥ 1", " 0 to 10", " > 0", " 1 to 100,000": the bounds of a number, `show` writing them. */
function bounds(node: Node, show: (value: number) => string = formatBound): string {
  const { minimum, maximum, exclusiveMinimum } = node;
  if (minimum !== undefined && maximum !== undefined) {
    return ` ${show(minimum)} to ${show(maximum)}`;
  }
  if (exclusiveMinimum !== undefined && maximum !== undefined) {
    return ` > ${show(exclusiveMinimum)}, ≤ ${show(maximum)}`;
  }
  if (exclusiveMinimum !== undefined) return ` > ${show(exclusiveMinimum)}`;
  if (minimum !== undefined) return ` ≥ ${show(minimum)}`;
  if (maximum !== undefined) return ` ≤ ${show(maximum)}`;
  return "";
}

/** How the bounds of a quantity with a unit are written: in that unit. */
const UNIT_FORMAT: Record<string, (value: number) => string> = {
  duration: (value) => (value === 0 ? "0" : formatDuration(value)),
  rate: (value) => (value === 0 ? "0" : formatRate(value)),
};

const isMapping = (node: Node) => node.type === "object" && node.properties !== undefined;
const code = (text: string) => `\`${text}\``;

/** A short name of a field's type; `link` is the section a mapping is described in. */
function typeOf(node: Node, link?: string): string {
  if (typeof node.$ref === "string") {
    const def = node.$ref.replace("#/$defs/", "").replace(/Distribution$/, "");
    return `${def} distribution`;
  }
  const unit = unitOf(node);
  if (unit !== undefined) {
    const variant = node.anyOf.find((v: Node) => v.type === "number" || v.type === "integer");
    const { minimum, ...rest } = variant;
    // A quantity is non-negative unless it says more: "≥ 0" goes without saying (a
    // probability keeps its "0 to 1").
    const shown = minimum === 0 && unit !== "probability" ? rest : variant;
    return `${unit}${bounds(shown, UNIT_FORMAT[unit])}`;
  }
  if (node.const !== undefined) return code(JSON.stringify(node.const));
  if (Array.isArray(node.enum)) return node.enum.map((v: string) => code(v)).join(" | ");
  if (Array.isArray(node.type)) return node.type.join(" or ");
  if (node.type === "integer" || node.type === "number") return `${node.type}${bounds(node)}`;
  if (node.type === "string") return node.pattern === undefined ? "text" : "name";
  if (node.type === "boolean") return `${code("true")} | ${code("false")}`;
  if (node.type === "array") {
    const sizes = [
      ...(node.minItems === undefined ? [] : [`at least ${node.minItems}`]),
      ...(node.maxItems === undefined ? [] : [`at most ${formatBound(node.maxItems)}`]),
    ];
    const size = sizes.length === 0 ? "" : ` (${sizes.join(", ")})`;
    return `list of ${plural(typeOf(node.items ?? {}, link))}${size}`;
  }
  if (isMapping(node)) return link === undefined ? "mapping" : `mapping, see ${link}`;
  if (node.type === "object") return "mapping";
  const forms: Node[] | undefined = node.anyOf ?? node.oneOf;
  if (forms !== undefined) {
    const names = forms.map((form) =>
      isMapping(form) ? "mapping" : form.type === "array" ? "list" : typeOf(form),
    );
    const text = [...new Set(names)].join(" or ");
    return link === undefined ? text : `${text}, see ${link}`;
  }
  return "any";
}

function plural(type: string): string {
  if (type.startsWith("mapping")) return type.replace(/^mapping/, "mappings");
  if (type === "name") return "names";
  if (type === "text") return "texts";
  return type;
}

/** Splits "what it is; default X" into the meaning and the default. */
function splitDescription(description: string | undefined): { meaning: string; def?: string } {
  if (description === undefined) return { meaning: "" };
  const match = /^(.*?)(?:[;,]\s*|^)default (.+)$/s.exec(description);
  if (match === null) return { meaning: description };
  return { meaning: match[1]!.trim(), def: match[2]!.trim() };
}

/** A field with several forms and no description of its own: "one of: <the forms'>". */
function formsDescription(node: Node): string | undefined {
  const forms: Node[] | undefined = node.anyOf ?? node.oneOf;
  if (forms === undefined || forms.some((form) => form.description === undefined)) return undefined;
  return `one of: ${forms.map((form) => form.description).join("; ")}`;
}

/** The enum value a description marks "(default)", as in "a run per session (default)". */
function inlineDefault(node: Node): string | undefined {
  if (!Array.isArray(node.enum) || typeof node.description !== "string") return undefined;
  return node.enum.find((value: string) => node.description.includes(`${value} (default)`));
}

/** An example value written as it would be in a scenario file (YAML, flow style). */
function yamlInline(value: unknown): string {
  return YAML.stringify(value, { collectionStyle: "flow", lineWidth: 0 }).trim();
}

/** An example drawn from the field's type, for a field EXAMPLES does not list. */
function exampleFromType(node: Node): unknown {
  if (node.default !== undefined) return node.default;
  if (node.const !== undefined) return node.const;
  if (Array.isArray(node.enum)) return node.enum[0];
  const unit = typeof node.$ref === "string" ? "distribution" : unitOf(node);
  if (unit === "duration" || unit === "distribution") return "30s";
  if (unit === "rate") return "2/s";
  if (unit === "tokens") return 1000;
  if (unit === "probability") return 0.05;
  if (node.type === "integer" || node.type === "number") {
    return node.minimum ?? (node.exclusiveMinimum === undefined ? 1 : node.exclusiveMinimum + 1);
  }
  if (node.type === "boolean") return true;
  if (node.type === "array") return [exampleFromType(node.items ?? {})];
  return "example";
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

interface Section {
  path: string;
  title: string;
  description: string;
  node: Node;
}

/** GitHub's heading anchor. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** The sections, one per mapping (and per variant of a field with several forms). */
function collectSections(root: Node): Section[] {
  const sections: Section[] = [];
  const visit = (path: string, title: string, node: Node) => {
    sections.push({ path, title, description: node.description ?? "", node });
    for (const [name, child] of Object.entries<Node>(node.properties ?? {})) {
      for (const sub of subSections(join(path, name), child)) visit(sub.path, sub.title, sub.node);
    }
  };
  visit("", "Top level", root);
  return sections;
}

const join = (path: string, name: string) => (path === "" ? name : `${path}.${name}`);

/** The mappings below a field: itself, its list items, or each of its forms. */
function subSections(path: string, node: Node): { path: string; title: string; node: Node }[] {
  if (isMapping(node)) return [{ path, title: code(path), node }];
  if (node.type === "array" && node.items !== undefined) {
    return subSections(`${path}[]`, node.items);
  }
  const forms: Node[] | undefined = node.anyOf ?? node.oneOf;
  if (forms === undefined) return [];
  const mappings = forms.filter(isMapping);
  return mappings.flatMap((form) => {
    const tag = Object.entries<Node>(form.properties).find(([, v]) => v.const !== undefined);
    const title =
      mappings.length === 1
        ? code(path)
        : tag !== undefined
          ? `${code(path)} with ${tag[0]}: ${tag[1].const}`
          : `${code(path)} as ${code(`{${Object.keys(form.properties).join(", ")}}`)}`;
    return [{ path, title, node: form }, ...[]];
  });
}

/** The table of one section's fields. */
function fieldTable(section: Section, anchors: Map<string, string>): string[] {
  const required = new Set<string>(section.node.required ?? []);
  const rows = [
    "| field | type | default | meaning | example |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const [name, node] of Object.entries<Node>(section.node.properties ?? {})) {
    const path = join(section.path, name);
    const below = subSections(path, node);
    const link =
      below.length === 0
        ? undefined
        : below
            .map((sub) => `[${sub.title.replaceAll("`", "")}](#${anchors.get(sub.title)})`)
            .join(", ");
    const split = splitDescription(node.description ?? formsDescription(node));
    const def = split.def ?? inlineDefault(node);
    const meaning = node.const !== undefined ? "selects this form" : split.meaning;
    const fallbackDefault = node.default === undefined ? undefined : String(node.default);
    const shownDefault = required.has(name) ? "required" : (def ?? fallbackDefault ?? "none");
    const constant = node.const !== undefined;
    const example = constant
      ? node.const
      : path in EXAMPLES
        ? EXAMPLES[path]
        : below.length > 0
          ? undefined
          : exampleFromType(node);
    rows.push(
      `| ${code(name)} | ${cell(typeOf(node, link))} | ${cell(shownDefault)} | ${cell(meaning)} | ${
        example === undefined ? "see its section" : code(cell(yamlInline(example)))
      } |`,
    );
  }
  return rows;
}

/** The distribution forms, from the schema's shared definitions. */
function distributionTable(defs: Node): string[] {
  const forms: Node[] = defs.durationDistribution.anyOf.find((v: Node) => v.oneOf).oneOf;
  const rows = ["| form | fields | meaning |", "| --- | --- | --- |"];
  for (const form of forms) {
    const fields = Object.keys(form.properties).filter((key) => key !== "dist");
    const required = new Set(form.required ?? []);
    const list = fields.map((f) => (required.has(f) ? code(f) : `${code(f)}?`)).join(", ");
    rows.push(
      `| ${code(`dist: ${form.properties.dist.const}`)} | ${list} | ${cell(form.description)} |`,
    );
  }
  return rows;
}

/** The whole reference, as Markdown. */
export function scenarioFormatMarkdown(): string {
  const schema = scenarioJsonSchema() as Node;
  const sections = collectSections(schema);
  const anchors = new Map<string, string>();
  for (const section of sections) anchors.set(section.title, slug(section.title));
  const out: string[] = [
    "# Scenario format (v1): field reference",
    "",
    "<!-- Generated by `npm run docs` (scripts/scenario-format.ts) from the scenario schema;",
    "     test/docs-scenario-format.test.ts fails when this file and the schema disagree. -->",
    "",
    "Every field of a scenario file, with its type, its default, what it means and an example.",
    "This file is generated from the schema that validates scenarios (`src/scenario/schema.ts`,",
    "exported as [`schema/scenario.schema.json`](../schema/scenario.schema.json)); what the",
    "fields do in the simulation is in [design.md](design.md), and trace files in",
    "[traces.md](traces.md). `agentsim validate FILE` prints what a file means with every",
    "default filled in. A field not listed here is an error (with the known fields named).",
    "",
    `Every size has an upper bound, stated with its type below. A scenario file is a regular`,
    `file of at most ${MAX_SCENARIO_SIZE_TEXT}, in UTF-8, nested at most ${MAX_DEPTH} levels`,
    `deep, with at most ${formatBound(MAX_DOCUMENT_NODES)} values once its YAML aliases are expanded; a sweep`,
    `has at most ${formatBound(BOUNDS.sweepPoints)} points and an experiment at most ${formatBound(BOUNDS.cells)} cells (points x policies x`,
    "replications). What a valid scenario may cost to run is estimated before it runs and held to",
    "a budget (`--max-memory`, `--max-calls`, `--force`: see the README).",
    "",
    "## Units",
    "",
    "| type | written as | in base units |",
    "| --- | --- | --- |",
    '| duration | a number of seconds, or `"300ms"`, `"2s"`, `"5m"`, `"1h"` (`ms`, `s`/`sec`, `m`/`min`, `h`/`hour`) | seconds |',
    '| rate | a number per second, or `"2/s"`, `"120/m"`, `"3/h"` | per second |',
    '| tokens | an integer, or `"8k"`, `"2M"` | tokens |',
    '| probability | a number from 0 to 1, or `"2%"` | a fraction |',
    "| name | letters, digits, `-` and `_` (no dots, so `--vary` paths can select by name) | |",
    "",
    "## Distributions",
    "",
    "A field typed *duration distribution* (or *tokens*, *number*, *probability distribution*)",
    "takes a constant of its unit or one of these forms; `?` marks an optional field.",
    "`lognormal` is given by `{median, p99}` or `{mu, sigma}`.",
    "",
    ...distributionTable(schema.$defs),
    "",
  ];
  for (const section of sections) {
    out.push(`## ${section.title}`, "");
    if (section.description !== "")
      out.push(`${section.description[0]!.toUpperCase()}${section.description.slice(1)}.`, "");
    out.push(...fieldTable(section, anchors), "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** Where `npm run docs` writes the reference. */
export const SCENARIO_FORMAT_FILE = resolve(import.meta.dirname, "../docs/scenario-format.md");

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(SCENARIO_FORMAT_FILE, scenarioFormatMarkdown());
  process.stdout.write(`wrote ${SCENARIO_FORMAT_FILE}\n`);
}
