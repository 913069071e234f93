/**
 * A user's policy module is guarded: an exception in enqueue, pick or complete, a pick that
 * returns anything but a waiting turn, and a loop in pick or at load each stop the command
 * within seconds with exit 2 and one line naming the module, the method and the cell (the loop
 * stopped by the watchdog, on worker threads, with --jobs 1 and with --jobs 2); a policy
 * that calls Math.random or crypto's random functions, or reads a clock, is given
 * deterministic substitutes, so two runs of one seed give the same bytes; one that sets a timer
 * in a call is refused the same way as an exception.
 */
import { execFile } from "node:child_process";
import { getRandomValues, randomBytes, randomFillSync, randomInt, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { GuardedScheduler } from "../src/cell/guarded-scheduler.ts";
import { enterPolicy, leavePolicy, PolicyClock, PolicyMethod } from "../src/cell/policy-calls.ts";
import { PolicyError } from "../src/cell/policy-error.ts";
import type { Results } from "../src/index.ts";
import { ScenarioError } from "../src/input/index.ts";
import type { ReadyTurn, Scheduler } from "../src/runtime/index.ts";
import { readyTurns } from "./support/scheduler-driver.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** A small deterministic stream of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
const BIN = join(ROOT, "bin/agentsim.js");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  tookS: number;
}

/** Runs the agentsim command from `cwd`, with `env` added to the environment. */
function agentsim(args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<Ran>((done) => {
    const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete merged.NO_COLOR;
    delete merged.FORCE_COLOR;
    const startMs = performance.now();
    // A guard that fails to stop a loop must not leave the command running after the test.
    const options = { cwd, env: merged, timeout: 40_000, killSignal: "SIGKILL" as const };
    execFile("node", [BIN, ...args], options, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr, tookS: (performance.now() - startMs) / 1000 });
    });
  });
}

/**
 * A policy module in JavaScript: first accepted turn first, with `hooks` spliced into its
 * methods (`enqueue`, `pick` before the search, `take`: the expression `pick` returns for the
 * turn at index i, `complete`) and `top` as its top-level code.
 */
function policy(
  name: string,
  hooks: { top?: string; enqueue?: string; pick?: string; take?: string; complete?: string },
) {
  return `${hooks.top ?? ""}
export const name = ${JSON.stringify(name)};
export default function create() {
  const turns = [];
  return {
    name,
    get size() { return turns.length; },
    enqueue(turn) { ${hooks.enqueue ?? ""}; turns.push(turn); },
    pick(_nowS, accept) {
      ${hooks.pick ?? ""};
      for (let i = 0; i < turns.length; i++) {
        if (accept === undefined || accept(turns[i])) return ${hooks.take ?? "turns.splice(i, 1)[0]"};
      }
      return undefined;
    },
    complete() { ${hooks.complete ?? ""}; },
  };
}
`;
}

/** The modules, by file name. */
const MODULES: Record<string, string> = {
  "throws-in-pick.mjs": policy("throws-in-pick", {
    pick: 'if (turns.length > 1) throw new Error("no turn for you")',
  }),
  "throws-in-enqueue.mjs": policy("throws-in-enqueue", {
    enqueue: 'if (turns.length > 2) throw new TypeError("queue full")',
  }),
  "throws-in-complete.mjs": policy("throws-in-complete", {
    complete: 'throw new RangeError("bad usage")',
  }),
  "foreign.mjs": policy("foreign", { take: "({ ...turns.splice(i, 1)[0] })" }),
  "twice.mjs": policy("twice", { take: "turns[i]" }),
  "loops-in-pick.mjs": policy("loops-in-pick", { pick: "if (turns.length > 1) for (;;) {}" }),
  "loops-at-load.mjs": policy("loops-at-load", { top: "for (;;) {}" }),
  // Random order among the accepted turns, and a clock-driven choice: both must replay.
  "random.mjs": policy("random", {
    pick: `const ok = turns.filter((t) => accept === undefined || accept(t));
      if (ok.length > 0) return turns.splice(turns.indexOf(ok[Math.floor(Math.random() * ok.length)]), 1)[0]`,
  }),
  // Crypto's chance and the high-resolution clock: they must replay too.
  "crypto.mjs": policy("crypto", {
    top: 'import { randomInt, randomUUID } from "node:crypto";',
    pick: `const ok = turns.filter((t) => accept === undefined || accept(t));
      const n = crypto.getRandomValues(new Uint32Array(1))[0] + randomInt(1000) +
        parseInt(randomUUID().slice(0, 4), 16) + parseInt(crypto.randomUUID().slice(0, 4), 16) +
        Number(process.hrtime.bigint() % 1000n);
      if (ok.length > 0) return turns.splice(turns.indexOf(ok[n % ok.length]), 1)[0]`,
  }),
  "timer.mjs": policy("timer", {
    pick: "setTimeout(() => turns.reverse(), 0)",
  }),
  "clock.mjs": policy("clock", {
    pick: `const ok = turns.filter((t) => accept === undefined || accept(t));
      const ms = Date.now() + new Date().getTime() + Math.floor(performance.now());
      if (ok.length > 0) return turns.splice(turns.indexOf(ok[ms % ok.length]), 1)[0]`,
  }),
};

/** A folder outside the repository, with the modules and the scenario. */
let dir: string;
let scenarioFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentsim-guard-"));
  for (const [file, text] of Object.entries(MODULES)) writeFileSync(join(dir, file), text);
  const doc = parse(readFileSync(join(ROOT, "test/fixtures/noisy-neighbor.yaml"), "utf8"));
  doc.horizon = "1m";
  doc.warmup = "10s";
  doc.replications = 1;
  doc.policies = ["fifo"];
  scenarioFile = join(dir, "scenario.yaml");
  writeFileSync(scenarioFile, stringify(doc));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `compare` of fifo and the module `file`, with `extra` flags. */
function compare(file: string, extra: string[] = [], env: Record<string, string> = {}) {
  const out = join(dir, `out-${file}-${extra.join("")}`);
  return agentsim(
    [
      "compare",
      "scenario.yaml",
      "--policies",
      `fifo,./${file}`,
      "--no-png",
      "--out",
      out,
      ...extra,
    ],
    dir,
    env,
  );
}

/** The one line a failing policy call prints, up to what was expected. */
function cellLine(label: string, file: string, method: string): RegExp {
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^${escaped(`${scenarioFile}: policy "${label}" (${join(dir, file)}), ${method}, `)}seed \\d+, replication \\d+: expected ${escaped(method)} `,
  );
}

/** Expects exit 2 and exactly one line on stderr, matching `line` and containing `found`. */
function expectOneLine(ran: Ran, line: RegExp, found: string): void {
  expect(ran.code, ran.stderr).toBe(2);
  const lines = ran.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  expect(lines[0]).toContain(found);
}

describe("a policy module's failures on the command line", () => {
  it("an exception in pick: exit 2 naming the module, pick() and the cell", async () => {
    const ran = await compare("throws-in-pick.mjs");
    expectOneLine(
      ran,
      cellLine("throws-in-pick", "throws-in-pick.mjs", "pick()"),
      "got an exception: Error: no turn for you",
    );
  }, 60_000);

  it("an exception in enqueue, and one in complete: exit 2 naming each method", async () => {
    const enqueue = await compare("throws-in-enqueue.mjs");
    expectOneLine(
      enqueue,
      cellLine("throws-in-enqueue", "throws-in-enqueue.mjs", "enqueue()"),
      "got an exception: TypeError: queue full",
    );
    const complete = await compare("throws-in-complete.mjs");
    expectOneLine(
      complete,
      cellLine("throws-in-complete", "throws-in-complete.mjs", "complete()"),
      "got an exception: RangeError: bad usage",
    );
  }, 60_000);

  it("a timer set in pick: exit 2 naming pick(), the callback refused", async () => {
    const ran = await compare("timer.mjs");
    expectOneLine(
      ran,
      cellLine("timer", "timer.mjs", "pick()"),
      "got an exception: LaterCallbackRefused: setTimeout is refused inside a policy call",
    );
  }, 60_000);

  it("a pick returning a copy of a turn, or a turn it returned before: exit 2 at that pick", async () => {
    const foreign = await compare("foreign.mjs");
    expectOneLine(
      foreign,
      cellLine("foreign", "foreign.mjs", "pick()"),
      "expected pick() to return a waiting turn, got an object that enqueue() never received",
    );
    const twice = await compare("twice.mjs");
    expectOneLine(twice, cellLine("twice", "twice.mjs", "pick()"), "pick() handed it out already");
  }, 60_000);

  it("a loop in pick is stopped by the watchdog: --jobs 1, and --jobs 2 over several cells on workers", async () => {
    const one = await compare("loops-in-pick.mjs", ["--jobs", "1", "--policy-timeout", "1s"]);
    expectOneLine(
      one,
      cellLine("loops-in-pick", "loops-in-pick.mjs", "pick()"),
      "expected pick() to end within 1s (--policy-timeout), got no end after 1s",
    );
    expect(one.tookS).toBeLessThan(20);
    const two = await compare(
      "loops-in-pick.mjs",
      ["--jobs", "2", "--replications", "3", "--policy-timeout", "1s"],
      { AGENTSIM_WORKERS: "only" },
    );
    expectOneLine(
      two,
      cellLine("loops-in-pick", "loops-in-pick.mjs", "pick()"),
      "got no end after 1s: the worker thread running it was stopped",
    );
    expect(two.tookS).toBeLessThan(20);
  }, 90_000);

  it("a loop in a module's top-level code is stopped while it loads: exit 2 naming the module", async () => {
    const ran = await compare("loops-at-load.mjs", ["--policy-timeout", "1s"]);
    expect(ran.code, ran.stderr).toBe(2);
    expect(ran.stderr).toBe(
      `scenario.yaml: policies[1] (${join(dir, "loops-at-load.mjs")}): expected a policy module whose loading ends within 1s (--policy-timeout), got no end after 1s: the worker thread running it was stopped\n`,
    );
    expect(ran.tookS).toBeLessThan(20);
  }, 60_000);

  it("Math.random, Date.now, new Date(), performance.now, crypto and process.hrtime in a policy replay: the same bytes in this thread's order and on workers", async () => {
    const args = [
      "--policies",
      "./random.mjs,./clock.mjs,./crypto.mjs",
      "--replications",
      "2",
      "--json",
    ];
    const first = await agentsim(
      ["compare", "scenario.yaml", ...args, "--no-png", "--jobs", "1", "--out", "out-r1"],
      dir,
    );
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const second = await agentsim(
      ["compare", "scenario.yaml", ...args, "--no-png", "--jobs", "2", "--out", "out-r2"],
      dir,
      { AGENTSIM_WORKERS: "only" },
    );
    expect(second.code).toBe(0);
    const [a, b] = [first, second].map((r) => JSON.parse(r.stdout) as Results);
    expect(b.policies.random, "the policy calling Math.random").toEqual(a.policies.random);
    expect(b.policies.clock, "the policy reading the clocks").toEqual(a.policies.clock);
    expect(b.policies.crypto, "the policy drawing from crypto").toEqual(a.policies.crypto);
    expect(second.stdout).toBe(first.stdout);
  }, 90_000);
});

describe("check with a module policy", () => {
  it("audits the module's replication on a worker thread: its trail verifies", async () => {
    const ran = await agentsim(
      ["check", "scenario.yaml", "--policies", "fifo,./random.mjs", "--json"],
      dir,
    );
    expect(ran.stderr).toBe("");
    const check = JSON.parse(ran.stdout) as {
      tests: { audit: { status: string; evidence: string } };
    };
    expect(check.tests.audit.status).toBe("pass");
    expect(check.tests.audit.evidence).toMatch(
      /^fifo: \d+ records, file verified .*; random: \d+ records, file verified/,
    );
  }, 60_000);
});

/** A ready turn of the test driver (seq 0, 1, ...). */
function turns(count: number): ReadyTurn[] {
  return readyTurns(Array.from({ length: count }, () => ({ readyS: 0, durationS: 1 })));
}

/** A scheduler that holds turns and picks with `pick`. */
function fake(pick: (held: ReadyTurn[], accept?: (t: ReadyTurn) => boolean) => unknown): Scheduler {
  const held: ReadyTurn[] = [];
  return {
    name: "fake",
    get size() {
      return held.length;
    },
    enqueue: (turn) => {
      held.push(turn);
    },
    pick: (_nowS, accept) => pick(held, accept) as ReadyTurn | undefined,
    complete: () => {},
  };
}

const CELL = { scenario: "s.yaml", policy: "fake", seed: 7, replication: 1 };

function guarded(inner: Scheduler): GuardedScheduler {
  return new GuardedScheduler(inner, "/m/fake.mjs", CELL, new PolicyClock(() => 0.25));
}

/** The PolicyError `action` throws. */
function policyError(action: () => unknown): PolicyError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toBeInstanceOf(ScenarioError);
    return error as PolicyError;
  }
  throw new Error("expected a PolicyError");
}

describe("the guard around a module's scheduler", () => {
  it("refuses undefined while turns wait, unless the free slot's filter refuses them all", () => {
    const never = guarded(fake(() => undefined));
    for (const turn of turns(3)) never.enqueue(turn, 0);
    expect(never.size).toBe(3);
    expect(never.pick(0, () => false)).toBeUndefined();
    expect(policyError(() => never.pick(0)).message).toBe(
      's.yaml: policy "fake" (/m/fake.mjs), pick(), seed 7, replication 1: expected pick() to return one of the waiting turns (3 turns wait), got undefined',
    );
    expect(policyError(() => never.pick(0, (t) => t.seq === 2)).message).toContain(
      "expected pick() to return a turn the free slot accepts (3 turns wait; it accepts seq 2), got undefined",
    );
  });

  it("refuses a turn the free slot's filter refuses, and counts waiting turns itself", () => {
    const first = guarded(fake((held) => held.shift()));
    for (const turn of turns(2)) first.enqueue(turn, 0);
    expect(first.pick(0)?.seq).toBe(0);
    expect(first.size).toBe(1);
    expect(policyError(() => first.pick(0, (t) => t.seq !== 1)).message).toContain(
      "expected pick() to return a turn the free slot accepts (accept(turn) is true), got turn seq 1, which it refuses",
    );
  });

  it("names a value that is not a turn at all", () => {
    const number = guarded(fake(() => 3));
    number.enqueue(turns(1)[0]!, 0);
    expect(policyError(() => number.pick(0)).message).toContain(
      "expected pick() to return a waiting turn, got 3, which is not a turn",
    );
  });
});

describe("chance and time during a policy call", () => {
  it("give crypto's random values and UUIDs and process.hrtime from the cell, and refuse timers", () => {
    // Shows Web Crypto and node:crypto (its ES module exports included) draw from the call's
    // stream, the same in two calls of one seed, process.hrtime reads the simulated time, and
    // a timer or a callback asked for in a call throws (at load it is allowed).
    const inCall = (method: number, f: () => unknown) => {
      const clock = new PolicyClock(seeded(7));
      const previous = enterPolicy(clock, method, 2.25);
      try {
        return f();
      } finally {
        leavePolicy(previous);
      }
    };
    const draw = () => [
      Array.from(crypto.getRandomValues(new Uint8Array(6))),
      crypto.randomUUID(),
      randomUUID(),
      randomInt(10, 20),
      randomInt(5),
      Array.from(randomBytes(5)),
      Array.from(randomFillSync(new Uint8Array(3))),
      Array.from(getRandomValues(new Uint8Array(3))),
      process.hrtime(),
      process.hrtime([1, 500_000_000]),
      process.hrtime.bigint(),
    ];
    const first = inCall(PolicyMethod.pick, draw) as unknown[];
    expect(inCall(PolicyMethod.enqueue, draw)).toEqual(first);
    expect(first[1]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(first[3]).toBeGreaterThanOrEqual(10);
    expect(first[3]).toBeLessThan(20);
    expect(first.slice(8)).toEqual([[2, 250_000_000], [0, 750_000_000], 2_250_000_000n]);
    expect(draw()[1]).not.toBe(first[1]);
    for (const later of [
      () => setTimeout(() => {}, 1),
      () => setInterval(() => {}, 1),
      () => setImmediate(() => {}),
      () => randomBytes(4, () => {}),
    ]) {
      expect(() => inCall(PolicyMethod.pick, later)).toThrow(
        /is refused inside a policy call: a callback run later would change the policy's state/,
      );
    }
    const timer = inCall(PolicyMethod.load, () => setTimeout(() => {}, 1)) as NodeJS.Timeout;
    clearTimeout(timer);
  });

  it("are the cell's stream and the simulated time inside a call, and the real ones outside", () => {
    const draws = [0.5, 0.75];
    const clock = new PolicyClock(() => draws.shift()!);
    const previous = enterPolicy(clock, PolicyMethod.pick, 12.5);
    let inside: unknown[];
    try {
      inside = [
        Math.random(),
        Math.random(),
        Date.now(),
        new Date().toISOString(),
        performance.now(),
        new Date(5).getTime(),
        new Date() instanceof Date,
        Date(),
      ];
    } finally {
      leavePolicy(previous);
    }
    expect(inside).toEqual([
      0.5,
      0.75,
      12_500,
      "1970-01-01T00:00:12.500Z",
      12_500,
      5,
      true,
      new Date(12_500).toString(),
    ]);
    // Outside any call: the wall clock (later than 2020) and the real Math.random.
    expect(Date.now()).toBeGreaterThan(1.5e12);
    expect(process.hrtime.bigint()).not.toBe(12_500_000_000n);
    expect(new Date().getFullYear()).toBeGreaterThan(2020);
    expect(performance.now()).not.toBe(12_500);
    expect(Math.random()).not.toBe(0.5);
  });
});
