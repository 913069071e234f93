/**
 * Bad limits are refused at load, each with its field path and the reason: a load slowdown
 * outside [0, 10], a rate limit of zero, a token limit or bucket below the largest first turn
 * of a job that may use the endpoint (when the token distributions bound it), and a token
 * budget below a job's smallest first turn. The binary exits 2 with the same line.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ScenarioError } from "../src/input/errors.ts";
import { parseScenario } from "../src/scenario/load.ts";

type Doc = Record<string, any>;

/** One endpoint, one job of 100 prompt + 10 output tokens a turn; `edit` changes the document. */
function doc(edit: (d: Doc) => void = () => {}): Doc {
  const d: Doc = {
    horizon: "1m",
    endpoints: [
      { name: "llm", slots: 2, latency: { ttft: "300ms", perOutputToken: "10ms" } },
      { name: "spare", slots: 1, latency: "1s" },
    ],
    tenants: [{ name: "t" }],
    jobs: [
      {
        name: "j",
        tenant: "t",
        governance: { owner: "o", authorizedBy: "a" },
        arrivals: { process: "poisson", rate: "1/s" },
        turns: { count: 3, promptTokens: 100, outputTokens: 10 },
      },
    ],
  };
  edit(d);
  return d;
}

/** The problems of a document, one a line (empty when it loads). */
function problems(d: Doc): string[] {
  try {
    parseScenario(d, "s.yaml");
    return [];
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.report().split("\n");
  }
}

describe("load slowdown", () => {
  it("is refused below 0 and above 10, with its path", () => {
    expect(problems(doc((d) => (d.endpoints[0].latency.loadSlowdown = 10)))).toEqual([]);
    expect(problems(doc((d) => (d.endpoints[0].latency.loadSlowdown = 10.5)))).toEqual([
      "s.yaml: endpoints[0].latency.loadSlowdown: expected a number between 0 and 10, got 10.5",
    ]);
    expect(problems(doc((d) => (d.endpoints[0].latency.loadSlowdown = -0.5)))).toEqual([
      "s.yaml: endpoints[0].latency.loadSlowdown: expected a number between 0 and 10, got -0.5",
    ]);
  });
});

describe("rate limits", () => {
  it("refuses a limit of zero", () => {
    for (const field of ["requestsPerMinute", "tokensPerMinute", "burstTokens"]) {
      expect(problems(doc((d) => (d.endpoints[0].rateLimit = { [field]: 0 })))).toEqual([
        `s.yaml: endpoints[0].rateLimit.${field}: expected a positive number, got 0`,
      ]);
    }
  });

  it("refuses a token limit or bucket below the largest first turn of a job using the endpoint", () => {
    // The largest first turn: 100 prompt + 10 output = 110 tokens.
    expect(problems(doc((d) => (d.endpoints[0].rateLimit = { tokensPerMinute: 110 })))).toEqual([]);
    expect(problems(doc((d) => (d.endpoints[0].rateLimit = { tokensPerMinute: 109 })))).toEqual([
      's.yaml: endpoints[0].rateLimit.tokensPerMinute: expected a limit of at least 110 tokens a minute: the largest first turn of job "j" takes 100 prompt + 10 output tokens, which a smaller limit never admits, got 109',
    ]);
    expect(
      problems(doc((d) => (d.endpoints[0].rateLimit = { tokensPerSecond: 1, burstTokens: 50 }))),
    ).toEqual([
      's.yaml: endpoints[0].rateLimit.tokensPerSecond: expected a limit of at least 1.834 tokens a second (110 a minute): the largest first turn of job "j" takes 100 prompt + 10 output tokens, which a smaller limit never admits, got 1',
      's.yaml: endpoints[0].rateLimit.burstTokens: expected a bucket of at least 110 tokens: the largest first turn of job "j" takes 100 prompt + 10 output tokens, which a smaller limit never admits, got 50',
    ]);
  });

  it("bounds the turn by its distributions and a token hog's multiplier, and checks only the endpoints a job may reach", () => {
    const withTurns = (turns: Doc, behaviour?: Doc) =>
      doc((d) => {
        d.jobs[0].turns = { count: 1, ...turns };
        if (behaviour !== undefined) d.jobs[0].behaviour = behaviour;
        d.endpoints[0].rateLimit = { tokensPerMinute: 1000 };
      });
    const uniform = { promptTokens: { dist: "uniform", min: 100, max: 900 }, outputTokens: 200 };
    expect(problems(withTurns(uniform))[0]).toMatch(
      /tokensPerMinute: expected a limit of at least 1100 tokens a minute: .* 900 prompt \+ 200 output/,
    );
    const hog = { promptTokens: 100, outputTokens: 100 };
    expect(problems(withTurns(hog))).toEqual([]);
    expect(problems(withTurns(hog, { tokenHog: { outputMultiplier: 20 } }))[0]).toMatch(
      /at least 2100 tokens a minute: .* 100 prompt \+ 2000 output/,
    );
    // Unbounded sizes cannot be checked: a lognormal prompt loads.
    const lognormal = {
      promptTokens: { dist: "lognormal", median: 500, p99: 5000 },
      outputTokens: 10,
    };
    expect(problems(withTurns(lognormal))).toEqual([]);
    // A job kept off the endpoint does not count; one that fails over to it does.
    const elsewhere = doc((d) => {
      d.endpoints[0].rateLimit = { tokensPerMinute: 50 };
      d.jobs[0].endpoints = ["spare"];
    });
    expect(problems(elsewhere)).toEqual([]);
    elsewhere.endpoints[1].failover = ["llm"];
    expect(problems(elsewhere)[0]).toMatch(
      /^s\.yaml: endpoints\[0\]\.rateLimit\.tokensPerMinute: /,
    );
  });
});

describe("token budget", () => {
  it("is refused below the job's smallest first turn, with its path", () => {
    const budget = (value: unknown) =>
      doc((d) => {
        d.jobs[0].turns.promptTokens = { dist: "uniform", min: 80, max: 300 };
        d.jobs[0].governance.tokenBudget = value;
      });
    expect(problems(budget(90))).toEqual([]);
    expect(problems(budget(89))).toEqual([
      's.yaml: jobs[0].governance.tokenBudget: expected a budget of at least 90 tokens: the smallest first turn of job "j" takes 80 prompt + 10 output tokens, so every run would be denied its first call, got 89',
    ]);
  });
});

const ROOT = resolve(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "agentsim-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("through the binary", () => {
  it("exits 2 with the field path and the reason", async () => {
    const file = join(dir, "budget.yaml");
    writeFileSync(file, stringify(doc((d) => (d.jobs[0].governance.tokenBudget = 50))));
    const ran = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile("node", [join(ROOT, "bin/agentsim.js"), "validate", file], (error, _out, stderr) => {
        done({ code: error === null ? 0 : Number(error.code), stderr });
      });
    });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(
      "jobs[0].governance.tokenBudget: expected a budget of at least 110 tokens",
    );
  }, 30_000);
});
