import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import YAML from "yaml";
import { ScenarioError } from "../src/input/errors.ts";
import {
  describeScenario,
  loadScenarioFile,
  parseScenario,
  parseScenarioText,
  readScenarioDocument,
} from "../src/scenario/index.ts";

type Raw = any;

const FIXTURES = resolve(import.meta.dirname, "fixtures");
const NOISY = join(FIXTURES, "noisy-neighbor.yaml");
const DATA = resolve(import.meta.dirname, "../data");

/** The lines of the ScenarioError thrown by `run`. */
function report(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.report().split("\n");
  }
  throw new Error("expected a ScenarioError");
}

/** The noisy-neighbor document, to modify in a test. */
function noisy(): Raw {
  return readScenarioDocument(NOISY) as Raw;
}

/** A copy of the noisy-neighbor document changed by `edit`, parsed; its error lines. */
function problems(edit: (doc: Raw) => void): string[] {
  const doc = noisy();
  edit(doc);
  return report(() => parseScenario(doc));
}

describe("DESIGN.md's noisy-neighbor example", () => {
  const s = loadScenarioFile(NOISY);

  it("loads, with the top-level values and defaults it states", () => {
    // Shows the run settings in base units, defaults filled.
    expect(s.name).toBe("noisy-neighbor");
    expect(s.description).toMatch(/^Two tenants share one endpoint\. .*responsive\?$/);
    expect(s).toMatchObject({
      seed: 7,
      horizonS: 1200,
      warmupS: 120,
      drainS: 3600,
      replications: 5,
    });
    expect(s.policies).toEqual([
      { label: "fifo", name: "fifo", options: {} },
      { label: "priority", name: "priority", options: {} },
      { label: "fair-share", name: "fair-share", options: {} },
    ]);
    expect(s.sourceFile).toBe(NOISY);
    expect(s.sweep).toEqual([]);
    expect(s.checks).toEqual({ minJain: 0.9 });
  });

  it("means what it says about the endpoint", () => {
    // Shows ttft as a lognormal with mu = ln(0.3 s), the per-token time, and 1200/min = 20/s.
    const [llm] = s.endpoints;
    expect(llm!.name).toBe("llm");
    expect(llm!.slots).toBe(8);
    const latency = llm!.latency;
    if (latency.kind !== "tokens") throw new Error("expected the tokens latency form");
    expect(latency.ttft.dist).toBe("lognormal");
    if (latency.ttft.dist !== "lognormal") return;
    expect(latency.ttft.mu).toBeCloseTo(Math.log(0.3), 12);
    expect(latency.ttft.sigma).toBeCloseTo((Math.log(2) - Math.log(0.3)) / 2.3263478740408408, 12);
    expect(latency.perOutputTokenS).toEqual({ dist: "constant", value: 0.015 });
    expect(latency.loadSlowdown).toBe(0);
    expect(latency.perPromptTokenS).toBe(0);
    expect(llm!.rateLimit!.requestsPerS).toBe(20);
    expect(llm!.rateLimit!.tokensPerS).toBeCloseTo(2_000_000 / 60, 9);
    expect(llm!.failures).toEqual({
      errorRate: 0.01,
      timeoutS: 60,
      outages: [{ atS: 600, forS: 60 }],
    });
    expect(llm!.models).toEqual(["llm"]);
    expect(llm!.failover).toEqual([]);
  });

  it("means what it says about tools, runtime and tenants", () => {
    // Shows the tool's exponential latency, the retry policy and default runtime settings.
    expect(s.tools).toEqual([
      {
        name: "crm-search",
        latency: { dist: "exponential", mean: 0.25 },
        concurrency: 4,
        errorRate: 0.02,
      },
    ]);
    expect(s.runtime).toEqual({
      retry: { attempts: 3, baseS: 0.5, maxS: 10, retryAfter: "honour", retryAfterMaxS: 60 },
      contextWindow: 32000,
      onContextOverflow: "compact",
      compactKeep: 0.2,
      serviceCost: { promptWeight: 1, outputWeight: 2 },
      circuitBreaker: { cooldownS: 5 },
      admission: { maxWaitingTurns: Number.POSITIVE_INFINITY },
      timelineTurns: 1000,
      workspaces: { resolver: "strict" },
      audit: { authorizedBy: "job" },
    });
    expect(s.tenants).toEqual([
      { name: "support", weight: 1 },
      { name: "batch", weight: 1 },
    ]);
  });

  it("means what it says about the jobs", () => {
    // Shows rates per second (0.3/s), governance, programs and the SLO of both jobs.
    const [triage, nightly] = s.jobs;
    expect(triage).toMatchObject({
      name: "ticket-triage",
      tenant: "support",
      priority: 10,
      governance: {
        owner: "support-ops",
        authorizedBy: "head-of-support",
        purpose: "route tickets",
        riskClass: "limited",
        tools: ["crm-search"],
        dataScopes: ["tickets"],
      },
      arrivals: { process: "poisson", ratePerS: 0.3 },
      endpoints: ["llm"],
      slo: { runLatencyS: 20 },
      io: { workspaceWrites: 0, storeReads: 0, storeWrites: 0, keysPerScope: 100 },
    });
    expect(triage!.turns.count).toEqual({ dist: "uniform", min: 2, max: 5 });
    const prompt = triage!.turns.promptTokens;
    if (prompt.dist !== "lognormal") throw new Error("expected lognormal prompt tokens");
    expect(Math.exp(prompt.mu)).toBeCloseTo(1200, 9);
    expect(Math.exp(prompt.mu + 2.3263478740408408 * prompt.sigma)).toBeCloseTo(6000, 6);
    expect(triage!.turns.toolCalls).toEqual([{ tool: "crm-search", probability: 0.6 }]);
    expect(triage!.behaviour).toBeUndefined();
    expect(nightly!.arrivals).toEqual({ process: "poisson", ratePerS: 0.5 });
    expect(nightly!.turns.count).toEqual({ dist: "constant", value: 1 });
    expect(nightly!.turns.promptTokens).toEqual({ dist: "constant", value: 8000 });
    expect(nightly!.turns.toolCalls).toEqual([]);
    expect(nightly!.governance.tools).toEqual([]);
    expect(nightly!.slo).toBeUndefined();
  });

  it("is described in words, defaults shown", () => {
    // Shows the text `agentsim validate` prints mentions the key facts.
    const text = describeScenario(s);
    expect(text).toContain("Scenario noisy-neighbor");
    expect(text).toContain("ttft lognormal (median 300ms, p99 2s) + 15ms per output token");
    expect(text).toContain("rate limit: 20 requests/s, 33333.3 tokens/s");
    expect(text).toContain("outages at 10m for 1m");
    expect(text).toContain("poisson at 0.3/s (about 360 runs by the horizon)");
    expect(text).toContain("retries: 3 attempts a turn, backoff 500ms doubling up to 10s");
    expect(text).toContain("Policies: fifo, priority, fair-share");
  });

  it("loads the same from JSON", () => {
    // Shows that a JSON file of the same document gives the same scenario.
    const dir = mkdtempSync(join(tmpdir(), "agentsim-"));
    const file = join(dir, "noisy-neighbor.json");
    writeFileSync(file, JSON.stringify(noisy(), null, 2));
    const fromJson = loadScenarioFile(file);
    expect({ ...fromJson, sourceFile: undefined }).toEqual({ ...s, sourceFile: undefined });
  });
});

describe("every error at once", () => {
  it("reports a file's three distinct mistakes as three lines with file and path", () => {
    // Shows a bad p99, an unknown tenant and a negative rate reported together.
    const file = join(FIXTURES, "three-mistakes.yaml");
    const lines = report(() => loadScenarioFile(file));
    expect(lines).toEqual([
      `${file}: endpoints[0].latency.ttft.p99: expected a duration greater than median (300ms), got "100ms"`,
      `${file}: jobs[1].arrivals.rate: expected a positive rate such as "2/s", got "-1"`,
      `${file}: jobs[0].tenant: expected a declared tenant: support, batch (did you mean "support"?), got "suport"`,
    ]);
  });

  it("names the file as given in messages", () => {
    // Shows the message format of DESIGN.md, `noisy.yaml: path: expected ..., got ...`.
    const doc = noisy();
    doc.jobs[1].arrivals.rate = "-1";
    expect(report(() => parseScenario(doc, "noisy.yaml"))).toEqual([
      'noisy.yaml: jobs[1].arrivals.rate: expected a positive rate such as "2/s", got "-1"',
    ]);
  });

  it("collects type, unit, structure and reference problems together", () => {
    // Shows one line for each of six unrelated problems.
    const lines = problems((doc) => {
      doc.seed = "seven";
      doc.endpoints[0].slots = 0;
      doc.tools[0].latencyy = 1;
      doc.jobs[0].governance.tools = ["crm-search", "billing"];
      doc.jobs[1].arrivals.process = "poison";
      doc.jobs[1].turns.outputTokens = { dist: "lognormal", median: 1500 };
    });
    expect(lines.map((line) => line.split(": expected")[0])).toEqual([
      "seed",
      "endpoints[0].slots",
      "tools[0].latencyy",
      "jobs[1].arrivals.process",
      "jobs[1].turns.outputTokens.p99",
      "jobs[0].governance.tools[1]",
    ]);
    expect(lines[2]).toContain('(did you mean "latency"?)');
  });

  it("turns YAML syntax errors into line:column messages", () => {
    // Shows that broken YAML gives a ScenarioError with a position, not a parser exception.
    const lines = report(() => parseScenarioText("name: x\nhorizon: [1m\njobs: {a: 1", "bad.yaml"));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(/^bad\.yaml: line \d+:\d+: expected valid YAML or JSON, got /);
    expect(report(() => parseScenarioText("a: 1\na: 2\n", "dup.yaml"))[0]).toMatch(
      /^dup\.yaml: line 2:1: expected valid YAML or JSON, got .*unique/,
    );
  });

  it("refuses documents that are not a scenario mapping, recursive aliases, aliases with no anchor and collection keys", () => {
    // Shows empty, scalar and list documents, an alias that contains itself, and an alias
    // whose anchor is missing or comes after it (an internal error, "Unresolved alias", once).
    for (const text of ["", "42", "- a\n- b\n", "null"]) {
      const lines = report(() => parseScenario(parseScenarioText(text, "x.yaml"), "x.yaml"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^x\.yaml: expected a scenario: a mapping with horizon, endpoints, tenants and jobs, got /,
      );
    }
    expect(report(() => parseScenarioText("a: &x\n  b: *x\n", "loop.yaml"))[0]).toMatch(
      /^loop\.yaml: a\.b: expected a value that does not contain itself/,
    );
    // A collection as a key is an unknown field, said once, with no process warning of the
    // yaml package printed beside the message ("(node:123) Warning: Keys with collection...").
    const warn = vi.spyOn(process, "emitWarning");
    try {
      expect(
        report(() => parseScenario(parseScenarioText("? [a]\n: b\n", "key.yaml"), "key.yaml")),
      ).toContain(
        `key.yaml: [ a ]: expected one of the fields $schema, version, name, description, seed, horizon, warmup, drain, replications, policies, endpoints, tools, runtime, tenants, jobs, sweep, checks, got unknown field "[ a ]"`,
      );
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    for (const text of ["*x\n", "a: [1, *x]\n", "a: *x\nb: &x 1\n"]) {
      expect(report(() => parseScenarioText(text, "alias.yaml"))).toEqual([
        expect.stringMatching(
          /^alias\.yaml: line 1:\d+: expected valid YAML or JSON, got an alias \*x with no anchor &x before it$/,
        ),
      ]);
    }
  });

  it("reports a missing file as a ScenarioError", () => {
    // Shows a missing file is bad input, not a crash.
    expect(report(() => loadScenarioFile(join(FIXTURES, "nope.yaml")))[0]).toMatch(
      /nope\.yaml: expected a readable scenario file \(a regular file\), got no such file \(ENOENT\)/,
    );
  });
});

describe("references", () => {
  it("requires every job to declare its owner and who authorized it", () => {
    // Shows both governance names are required and must not be blank.
    const lines = problems((doc) => {
      delete doc.jobs[0].governance.owner;
      doc.jobs[1].governance.authorizedBy = "  ";
    });
    expect(lines).toEqual([
      "jobs[0].governance.owner: expected the job's owner (every job declares one), got nothing",
      'jobs[1].governance.authorizedBy: expected who authorized the job (every job declares it), got "  "',
    ]);
  });

  it("requires declared tools, tenants and endpoints, and unique names", () => {
    // Shows unknown references and duplicates, each at its own path.
    const lines = problems((doc) => {
      doc.jobs[0].turns.toolCalls = [
        { tool: "crm-search" },
        { tool: "web-search", probability: 0.1 },
      ];
      doc.jobs[1].endpoints = ["llm", "llm2"];
      doc.endpoints[0].failover = ["llm", "backup"];
      doc.tenants.push({ name: "batch", weight: 2 });
      doc.jobs[1].tenant = "nobody";
    });
    expect(lines).toEqual([
      'tenants[2].name: expected a name not used by another of the tenants (tenants[1] is also named so), got "batch"',
      'endpoints[0].failover[0]: expected another endpoint than itself, got "llm"',
      'endpoints[0].failover[1]: expected a declared endpoint: llm, got "backup"',
      'jobs[0].turns.toolCalls[1].tool: expected a declared tool: crm-search, got "web-search"',
      'jobs[1].tenant: expected a declared tenant: support, batch, got "nobody"',
      'jobs[1].endpoints[1]: expected a declared endpoint: llm (did you mean "llm"?), got "llm2"',
    ]);
  });

  it("allows a tool call outside the job's grant when the tool is declared", () => {
    // Shows that calling outside governance.tools is left to the runtime to deny and audit.
    const doc = noisy();
    doc.jobs[1].turns.toolCalls = { tool: "crm-search", probability: 0.5 };
    const s = parseScenario(doc);
    expect(s.jobs[1]!.turns.toolCalls).toEqual([{ tool: "crm-search", probability: 0.5 }]);
    expect(s.jobs[1]!.governance.tools).toEqual([]);
  });

  it("requires turns for jobs that do not replay a trace, and distinct policy labels", () => {
    // Shows two cross-field rules checked on the raw document.
    const lines = problems((doc) => {
      delete doc.jobs[0].turns;
      doc.policies = ["fifo", { name: "fifo", options: { x: 1 } }];
    });
    expect(lines).toEqual([
      "jobs[0].turns: expected the turns each run takes ({count, promptTokens, outputTokens}); only trace arrivals go without, got nothing",
      'policies[1]: expected a policy label not used by policies[0] (give one a label), got {"name":"fifo","options":{"x":1}}',
    ]);
  });
});

describe("normalization", () => {
  it("fills defaults for a minimal scenario", () => {
    // Shows the defaults types.ts documents, on a document with only required fields.
    const s = parseScenario({
      horizon: "1h",
      endpoints: [{ name: "m", slots: 2, latency: { dist: "exponential", mean: "1s" } }],
      tenants: [{ name: "t" }],
      jobs: [
        {
          name: "j",
          tenant: "t",
          governance: { owner: "o", authorizedBy: "a" },
          arrivals: { process: "closed", users: 3 },
          turns: { count: 1, promptTokens: 10, outputTokens: 10 },
        },
      ],
    });
    expect(s).toMatchObject({
      name: "scenario",
      description: "",
      seed: 1,
      horizonS: 3600,
      warmupS: 0,
      drainS: 3600,
      replications: 5,
      tools: [],
      sweep: [],
    });
    expect(s.policies.map((p) => p.label)).toEqual(["fifo", "priority", "fair-share"]);
    expect(s.endpoints[0]).toEqual({
      name: "m",
      slots: 2,
      latency: { kind: "whole", turn: { dist: "exponential", mean: 1 } },
      failures: { errorRate: 0, timeoutS: Number.POSITIVE_INFINITY, outages: [] },
      models: ["m"],
      failover: [],
    });
    expect(s.runtime.contextWindow).toBe(Number.POSITIVE_INFINITY);
    expect(s.jobs[0]).toMatchObject({
      priority: 0,
      governance: { purpose: "", riskClass: "minimal", tools: [], dataScopes: [] },
      arrivals: { process: "closed", users: 3, think: { dist: "constant", value: 0 } },
      endpoints: ["m"],
    });
  });

  it("reads every latency form, policies as objects and modules, and per-second limits", () => {
    // Shows the optional forms that types.ts adds beyond DESIGN.md's example.
    const doc = noisy();
    doc.endpoints.push({
      name: "backup",
      slots: 2,
      latency: {
        turn: { dist: "exponential", mean: "2s" },
        jitter: { dist: "uniform", min: 0.9, max: 1.1 },
      },
      rateLimit: { requestsPerSecond: 5, tokensPerSecond: "1000", burstRequests: 10 },
    });
    doc.endpoints[0].latency.perPromptToken = "0.1ms";
    doc.endpoints[0].latency.loadSlowdown = 0.5;
    doc.endpoints[0].failover = ["backup"];
    doc.policies = [
      "fifo",
      { name: "priority", label: "aging", options: { agingPerS: 0.1 } },
      "./policies/mine.ts",
    ];
    const s = parseScenario(doc, join(FIXTURES, "x.yaml"));
    expect(s.endpoints[0]!.latency).toMatchObject({
      kind: "tokens",
      perPromptTokenS: 0.0001,
      loadSlowdown: 0.5,
    });
    expect(s.endpoints[1]!.latency).toEqual({
      kind: "whole",
      turn: { dist: "exponential", mean: 2 },
      jitter: { dist: "uniform", min: 0.9, max: 1.1 },
    });
    expect(s.endpoints[1]!.rateLimit).toEqual({
      requestsPerS: 5,
      tokensPerS: 1000,
      burstRequests: 10,
    });
    expect(s.policies).toEqual([
      { label: "fifo", name: "fifo", options: {} },
      { label: "aging", name: "priority", options: { agingPerS: 0.1 } },
      {
        label: "mine",
        labelFromModule: true,
        module: join(FIXTURES, "policies/mine.ts"),
        options: {},
      },
    ]);
    expect(s.jobs[0]!.endpoints).toEqual(["llm", "backup"]);
  });

  it("reads behaviour, io, admission and checks", () => {
    // Shows the misbehaviour block and other optional sections normalized.
    const doc = noisy();
    doc.jobs[1].behaviour = {
      fraction: "10%",
      tokenHog: { outputMultiplier: 20 },
      toolsOutsideGrant: { perTurn: 1, tools: ["crm-search"] },
      runaway: { maxTurns: 50 },
    };
    doc.jobs[1].io = { storeWrites: 2, keysPerScope: 10 };
    doc.jobs[1].governance.tokenBudget = "50k";
    doc.runtime.admission = { maxWaitingTurns: 100 };
    doc.runtime.onContextOverflow = "fail";
    doc.checks = { minJain: 0.8 };
    const s = parseScenario(doc);
    expect(s.jobs[1]!.behaviour).toEqual({
      fraction: 0.1,
      tokenHog: { outputMultiplier: 20 },
      toolsOutsideGrant: { perTurn: 1, tools: ["crm-search"] },
      runaway: { maxTurns: 50 },
    });
    expect(s.jobs[1]!.io).toEqual({
      workspaceWrites: 0,
      storeReads: 0,
      storeWrites: 2,
      keysPerScope: 10,
    });
    expect(s.jobs[1]!.governance.tokenBudget).toBe(50_000);
    expect(s.runtime.admission.maxWaitingTurns).toBe(100);
    expect(s.runtime.onContextOverflow).toBe("fail");
    expect(s.checks.minJain).toBe(0.8);
    expect(describeScenario(s)).toContain("misbehaves: 10% of runs: token hog x20 output");
  });

  it("checks fields against each other once each is valid", () => {
    // Shows warmup past the horizon, both request limits, and backoff max below base.
    const lines = problems((doc) => {
      doc.warmup = "30m";
      doc.endpoints[0].rateLimit.requestsPerSecond = 5;
      doc.runtime.retry.backoff = { base: "5s", max: "1s" };
    });
    expect(lines).toEqual([
      "warmup: expected a duration shorter than the horizon (1200s), got 1800",
      "endpoints[0].rateLimit.requestsPerSecond: expected either requestsPerMinute or requestsPerSecond, not both, got 5",
      "runtime.retry.backoff.max: expected a duration not shorter than base (5s), got 1",
    ]);
  });

  it("resolves trace files against the scenario file and infers their format", () => {
    // Shows trace arrivals normalized, the file made absolute, and format from the extension.
    const s = loadScenarioFile(join(FIXTURES, "trace-replay.yaml"));
    expect(s.jobs[0]!.arrivals).toEqual({
      process: "trace",
      file: join(DATA, "azure-llm-2023/AzureLLMInferenceTrace_code.csv"),
      format: "azure-llm-csv",
      speedup: 2,
      runPer: "session",
      window: { fromS: 600, forS: 1800 },
    });
    expect(s.jobs[1]!.arrivals).toMatchObject({
      file: join(DATA, "agent-sessions-synthetic/sessions-300.jsonl.gz"),
      format: "agent-sessions-jsonl",
      runPer: "userTurn",
      tenantBy: { field: "date", map: { "2026-06-06": "weekend" } },
    });
    expect(s.jobs[0]!.turns.toolCalls).toEqual([]);
    expect(describeScenario(s)).toContain(
      "a run per userTurn, tenant by date (2026-06-06 -> weekend)",
    );
  });

  it("reports a missing trace file and options that do not fit the format", () => {
    // Shows the resolved path in the message, and runPer refused for CSV traces.
    const doc = readScenarioDocument(join(FIXTURES, "trace-replay.yaml")) as Raw;
    doc.jobs[1].arrivals.file = "missing.jsonl";
    doc.jobs[1].arrivals.tenantBy.map["2026-06-07"] = "nobody";
    const lines = report(() => parseScenario(doc, join(FIXTURES, "trace-replay.yaml")));
    expect(lines[0]).toContain(
      `jobs[1].arrivals.file: expected an existing trace file (looked for ${join(FIXTURES, "missing.jsonl")}), got "missing.jsonl"`,
    );
    expect(lines[1]).toContain(
      'jobs[1].arrivals.tenantBy.map.2026-06-07: expected a declared tenant: web, agents, weekend, got "nobody"',
    );
    const csv = readScenarioDocument(join(FIXTURES, "trace-replay.yaml")) as Raw;
    csv.jobs[0].arrivals.runPer = "userTurn";
    expect(report(() => parseScenario(csv, join(FIXTURES, "trace-replay.yaml")))).toEqual([
      `${join(FIXTURES, "trace-replay.yaml")}: jobs[0].arrivals.runPer: expected nothing: it applies to agent-sessions-jsonl traces only, got "userTurn"`,
    ]);
  });
});

describe("sweeps in the file and applied at load", () => {
  it("parses declared sweep axes and checks every value", () => {
    // Shows a range axis expanded, and a bad value reported at its index with the reason.
    const doc = noisy();
    doc.sweep = [
      { path: "jobs.ticket-triage.arrivals.rate", values: "0.5/s..2/s:4" },
      { path: "endpoints.llm.slots", values: [4, 8] },
    ];
    const s = parseScenario(doc);
    expect(s.sweep).toEqual([
      { path: "jobs.ticket-triage.arrivals.rate", values: ["0.5/s", "1/s", "1.5/s", "2/s"] },
      { path: "endpoints.llm.slots", values: [4, 8] },
    ]);
    doc.sweep = [
      { path: "endpoints.llm.slots", values: [4, 0] },
      { path: "jobs.ticket-triag.arrivals.rate", values: [1] },
    ];
    expect(report(() => parseScenario(doc))).toEqual([
      "sweep[0].values[1]: expected a value that keeps the scenario valid (endpoints[0].slots: expected a positive integer), got 0",
      'sweep[1].path: expected a name or index of an element under "jobs": ticket-triage, nightly-summaries, got "ticket-triag"',
    ]);
  });

  it("applies sweep settings before validation when loading", () => {
    // Shows loadScenarioFile's vary option changing a rate and a slot count.
    const s = loadScenarioFile(NOISY, {
      vary: [
        { path: "jobs.nightly-summaries.arrivals.rate", value: "3/m" },
        { path: "endpoints.0.slots", value: 2 },
      ],
    });
    expect(s.jobs[1]!.arrivals).toEqual({ process: "poisson", ratePerS: 0.05 });
    expect(s.endpoints[0]!.slots).toBe(2);
    expect(
      report(() => loadScenarioFile(NOISY, { vary: [{ path: "endpoints.0.slots", value: -1 }] })),
    ).toEqual([`${NOISY}: endpoints[0].slots: expected a positive integer, got -1`]);
  });
});

describe("the fixture", () => {
  it("is the example of docs/design.md verbatim", () => {
    // Shows the fixture has not drifted from the design document.
    const design = readFileSync(resolve(import.meta.dirname, "../docs/design.md"), "utf8");
    const fixture = readFileSync(NOISY, "utf8");
    expect(design).toContain(fixture.trimEnd());
    expect(YAML.parse(fixture).name).toBe("noisy-neighbor");
  });
});
