import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AcceptTurn,
  createScheduler,
  type ReadyTurn,
  type Scheduler,
  type SchedulerContext,
  schedulerNames,
} from "../src/runtime/scheduler/index.ts";
import { drive, type TurnSpec } from "./support/scheduler-driver.ts";

const numRuns = process.env.AGENTSIM_LONG ? 1000 : 100;

/** Three tenants (weights 1, 2, 1) and four jobs. */
const ctx: SchedulerContext = {
  tenants: [
    { name: "a", weight: 1 },
    { name: "b", weight: 2 },
    { name: "c", weight: 1 },
  ],
  jobs: [
    { name: "a1", tenant: "a", priority: 3 },
    { name: "a2", tenant: "a", priority: 0 },
    { name: "b1", tenant: "b", priority: 1 },
    { name: "c1", tenant: "c", priority: 2 },
  ],
};
const jobTenant = [0, 0, 1, 2];

/** A naive scheduler: linear scans over plain arrays, the specification the policies must match. */
interface Model {
  enqueue(turn: ReadyTurn): void;
  pick(accept: AcceptTurn): ReadyTurn | undefined;
  complete(turn: ReadyTurn, cost: number): void;
}

/** The first turn by `before` among those accepted. */
function firstBy(
  turns: ReadyTurn[],
  before: (a: ReadyTurn, b: ReadyTurn) => boolean,
  accept: AcceptTurn,
) {
  let best: ReadyTurn | undefined;
  for (const turn of turns)
    if (accept(turn) && (best === undefined || before(turn, best))) best = turn;
  return best;
}

function without(turns: ReadyTurn[], turn: ReadyTurn): boolean {
  const i = turns.indexOf(turn);
  if (i >= 0) turns.splice(i, 1);
  return i >= 0;
}

function keyedModel(before: (a: ReadyTurn, b: ReadyTurn) => boolean): Model {
  const waiting: ReadyTurn[] = [];
  return {
    enqueue: (turn) => waiting.push(turn),
    pick: (accept) => {
      const turn = firstBy(waiting, before, accept);
      if (turn) without(waiting, turn);
      return turn;
    },
    complete: () => {},
  };
}

/** Round-robin: a list of groups in serving order; emptied groups leave when their place comes up. */
function roundRobinModel(group: (t: ReadyTurn) => number): Model {
  const waiting: ReadyTurn[] = [];
  const ring: number[] = [];
  const fifo = (a: ReadyTurn, b: ReadyTurn) => a.seq < b.seq;
  return {
    enqueue: (turn) => {
      waiting.push(turn);
      if (!ring.includes(group(turn))) ring.push(group(turn));
    },
    pick: (accept) => {
      for (let i = 0; i < ring.length; i++) {
        const g = ring[i]!;
        const mine = waiting.filter((t) => group(t) === g);
        if (mine.length === 0) {
          ring.splice(i--, 1);
          continue;
        }
        const turn = firstBy(mine, fifo, accept);
        if (turn === undefined) continue;
        without(waiting, turn);
        ring.splice(i, 1);
        if (mine.length > 1) ring.push(g);
        return turn;
      }
      return undefined;
    },
    complete: () => {},
  };
}

/** The Virtual Token Counter as the paper states it, with dispatch charge and completion correction. */
function fairShareModel(): Model {
  const waiting: ReadyTurn[] = [];
  const counter = ctx.tenants.map(() => 0);
  const weight = ctx.tenants.map((t) => t.weight);
  let lastLeft: number | undefined;
  const backlogged = () =>
    ctx.tenants.map((_, i) => i).filter((i) => waiting.some((t) => t.tenantIndex === i));
  const leaveIfEmpty = (tenant: number) => {
    if (!waiting.some((t) => t.tenantIndex === tenant)) lastLeft = tenant;
  };
  return {
    enqueue: (turn) => {
      const f = turn.tenantIndex;
      const others = backlogged();
      if (!others.includes(f)) {
        const reference =
          others.length > 0
            ? Math.min(...others.map((i) => counter[i]!))
            : lastLeft === undefined
              ? 0
              : counter[lastLeft]!;
        counter[f] = Math.max(counter[f]!, reference);
      }
      waiting.push(turn);
    },
    pick: (accept) => {
      const order = backlogged().sort((x, y) => counter[x]! - counter[y]! || x - y);
      for (const f of order) {
        const turn = firstBy(
          waiting.filter((t) => t.tenantIndex === f),
          (a, b) => a.seq < b.seq,
          accept,
        );
        if (turn === undefined) continue;
        without(waiting, turn);
        counter[f] = counter[f]! + turn.expectedCost / weight[f]!;
        leaveIfEmpty(f);
        return turn;
      }
      return undefined;
    },
    complete: (turn, cost) => {
      const f = turn.tenantIndex;
      counter[f] = counter[f]! + (cost - turn.expectedCost) / weight[f]!;
    },
  };
}

const byPriority = (a: ReadyTurn, b: ReadyTurn) =>
  a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
const agedKey = (t: ReadyTurn) => t.priority - 0.5 * t.readyS;
const byAgedPriority = (a: ReadyTurn, b: ReadyTurn) =>
  agedKey(a) > agedKey(b) || (agedKey(a) === agedKey(b) && a.seq < b.seq);
const ascending =
  (key: (t: ReadyTurn) => number) =>
  (a: ReadyTurn, b: ReadyTurn): boolean =>
    key(a) < key(b) || (key(a) === key(b) && a.seq < b.seq);

/** Each policy with options, and its model. */
const cases: { name: string; options: Record<string, unknown>; model: () => Model }[] = [
  { name: "fifo", options: {}, model: () => keyedModel((a, b) => a.seq < b.seq) },
  { name: "priority", options: {}, model: () => keyedModel(byPriority) },
  { name: "priority", options: { agingPerS: 0.5 }, model: () => keyedModel(byAgedPriority) },
  { name: "sjf", options: {}, model: () => keyedModel(ascending((t) => t.expectedDurationS)) },
  { name: "las", options: {}, model: () => keyedModel(ascending((t) => t.attainedService)) },
  { name: "edf", options: {}, model: () => keyedModel(ascending((t) => t.deadlineS)) },
  { name: "round-robin", options: {}, model: () => roundRobinModel((t) => t.tenantIndex) },
  { name: "round-robin", options: { by: "job" }, model: () => roundRobinModel((t) => t.jobIndex) },
  { name: "fair-share", options: {}, model: fairShareModel },
];

/** A ready turn with small, tie-prone fields; seq and readyS are assigned in enqueue order. */
const turnFields = fc.record({
  jobIndex: fc.integer({ min: 0, max: 3 }),
  expectedDurationS: fc.integer({ min: 0, max: 4 }),
  attainedService: fc.integer({ min: 0, max: 4 }),
  deadlineS: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(Number.POSITIVE_INFINITY)),
  expectedCost: fc.integer({ min: 0, max: 9 }),
  gapS: fc.integer({ min: 0, max: 3 }),
});

const ops = fc.array(
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({ op: fc.constant("enqueue" as const), fields: turnFields }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("pick" as const),
        filter: fc.integer({ min: 0, max: 3 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("complete" as const),
        at: fc.nat(),
        cost: fc.integer({ min: 0, max: 12 }),
      }),
    },
  ),
  { maxLength: 150, size: "max" },
);

type Steps = typeof ops extends fc.Arbitrary<infer T> ? T : never;

/** Filters a pick may carry: none, or an endpoint that takes only some turns. */
const filters: (AcceptTurn | undefined)[] = [
  undefined,
  (t) => t.seq % 2 === 0,
  (t) => t.tenantIndex !== 1,
  (t) => t.expectedCost > 4,
];

/** Runs `steps` on a scheduler and its model, asserting they agree after every step. */
function agree(scheduler: Scheduler, model: Model, steps: Steps): void {
  const enqueued: ReadyTurn[] = [];
  const inFlight: ReadyTurn[] = [];
  let waiting = 0;
  let clockS = 0;
  for (const step of steps) {
    if (step.op === "enqueue") {
      const { gapS, jobIndex, ...fields } = step.fields;
      clockS += gapS / 2;
      const turn: ReadyTurn = {
        ...fields,
        seq: enqueued.length,
        runId: enqueued.length,
        job: ctx.jobs[jobIndex]!.name,
        jobIndex,
        tenantIndex: jobTenant[jobIndex]!,
        tenant: ctx.tenants[jobTenant[jobIndex]!]!.name,
        priority: ctx.jobs[jobIndex]!.priority,
        readyS: clockS,
        runArrivalS: clockS,
        promptTokens: fields.expectedCost,
      };
      scheduler.enqueue(turn, clockS);
      model.enqueue(turn);
      enqueued.push(turn);
      waiting++;
    } else if (step.op === "pick") {
      const accept = filters[step.filter];
      const expected = model.pick(accept ?? (() => true));
      expect(scheduler.pick(clockS, accept)).toBe(expected);
      if (expected) {
        inFlight.push(expected);
        waiting--;
      }
    } else if (step.op === "complete" && inFlight.length > 0) {
      const turn = inFlight.splice(step.at % inFlight.length, 1)[0]!;
      model.complete(turn, step.cost);
      scheduler.complete(
        turn,
        { cost: step.cost, durationS: 1, promptTokens: 0, outputTokens: 0 },
        clockS,
      );
    }
    expect(scheduler.size).toBe(waiting);
  }
  // Drain: what is left comes out in the model's order.
  for (;;) {
    const expected = model.pick(() => true);
    expect(scheduler.pick(clockS)).toBe(expected);
    if (expected === undefined) break;
  }
  expect(scheduler.size).toBe(0);
}

describe("every policy matches its specification", () => {
  for (const c of cases) {
    it(`${c.name} ${JSON.stringify(c.options)} picks what a naive model picks, through removals, filtered picks and completions`, () => {
      fc.assert(
        fc.property(ops, (steps) =>
          agree(createScheduler(c.name, ctx, c.options), c.model(), steps),
        ),
        { numRuns },
      );
    });
  }

  it("the cases above cover every built-in policy", () => {
    expect(new Set(cases.map((c) => c.name))).toEqual(new Set(schedulerNames));
  });
});

/** Random open-loop workloads for the driver: ready times, durations, priorities, keys. */
const workload = fc.array(
  fc.record({
    readyS: fc.integer({ min: 0, max: 40 }),
    durationS: fc.integer({ min: 1, max: 6 }),
    tenantIndex: fc.integer({ min: 0, max: 2 }),
    priority: fc.integer({ min: 0, max: 3 }),
    expectedDurationS: fc.integer({ min: 0, max: 6 }),
    attainedService: fc.integer({ min: 0, max: 6 }),
    deadlineS: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constant(Number.POSITIVE_INFINITY)),
  }),
  { minLength: 1, maxLength: 60, size: "max" },
) as fc.Arbitrary<TurnSpec[]>;
const slots = fc.integer({ min: 1, max: 4 });

describe("orderings under the driver", () => {
  it("fifo dispatches in ready order", () => {
    fc.assert(
      fc.property(workload, slots, (specs, c) => {
        const { dispatches } = drive(createScheduler("fifo", ctx), specs, c, ctx);
        const seqs = dispatches.map((d) => d.turn.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      }),
      { numRuns },
    );
  });

  it("strict priority never dispatches a lower level while a higher one waits", () => {
    fc.assert(
      fc.property(workload, slots, (specs, c) => {
        for (const d of drive(createScheduler("priority", ctx), specs, c, ctx).dispatches) {
          const highest = Math.max(...d.waiting.map((t) => t.priority));
          expect(d.turn.priority).toBe(highest);
          const sameLevel = d.waiting.filter((t) => t.priority === highest);
          expect(d.turn.seq).toBe(Math.min(...sameLevel.map((t) => t.seq)));
        }
      }),
      { numRuns },
    );
  });

  for (const [name, key] of [
    ["sjf", (t: ReadyTurn) => t.expectedDurationS],
    ["las", (t: ReadyTurn) => t.attainedService],
    ["edf", (t: ReadyTurn) => t.deadlineS],
  ] as const) {
    it(`${name} always dispatches a waiting turn with the least key, first-ready-first on ties`, () => {
      fc.assert(
        fc.property(workload, slots, (specs, c) => {
          for (const d of drive(createScheduler(name, ctx), specs, c, ctx).dispatches) {
            const least = Math.min(...d.waiting.map(key));
            expect(key(d.turn)).toBe(least);
            expect(d.turn.seq).toBe(
              Math.min(...d.waiting.filter((t) => key(t) === least).map((t) => t.seq)),
            );
          }
        }),
        { numRuns },
      );
    });
  }

  it("edf serves turns without a deadline only when no turn with one waits", () => {
    const specs: TurnSpec[] = [
      { readyS: 0, durationS: 1, deadlineS: Number.POSITIVE_INFINITY },
      { readyS: 0, durationS: 1, deadlineS: 50 },
      { readyS: 0, durationS: 1, deadlineS: Number.POSITIVE_INFINITY },
      { readyS: 0, durationS: 1, deadlineS: 10 },
    ];
    const { dispatches } = drive(createScheduler("edf", ctx), specs, 1, ctx);
    expect(dispatches.map((d) => d.turn.deadlineS)).toEqual([10, 50, Infinity, Infinity]);
    expect(dispatches[2]!.turn.seq).toBeLessThan(dispatches[3]!.turn.seq);
  });

  it("dispatches every turn exactly once, never before it is ready, for every policy", () => {
    fc.assert(
      fc.property(workload, slots, fc.constantFrom(...schedulerNames), (specs, c, name) => {
        const result = drive(createScheduler(name, ctx), specs, c, ctx);
        const dispatched = new Set(result.dispatches.map((d) => d.turn.seq));
        expect(dispatched.size).toBe(specs.length);
        expect(result.dispatches.length).toBe(specs.length);
        for (const d of result.dispatches) expect(d.startS).toBeGreaterThanOrEqual(d.turn.readyS);
      }),
      { numRuns },
    );
  });
});
