// Throughput of each policy: enqueue + pick pairs per second with 1,000 turns waiting.
// Run: npx tsx bench/scheduler.bench.ts
//
// The budget it answers to: the runtime makes one enqueue and one pick per model call, and a
// cell may run millions of them; the scheduler should stay a small part of a turn's cost. Aim:
// more than 5 million pairs/s for fifo (a ring buffer) and more than 2 million for the
// heap-based policies (O(log n): about 10 levels at 1,000 turns).
//
// Each batch does BATCH pairs on a scheduler that holds WAITING turns before and after it, so
// the queue stays at 1,000. Turn objects are recycled with a fresh seq, as the runtime does,
// and keys come from a fixed pseudo-random table, so the loop allocates nothing of its own.
// Invariants stay on (habit 8): each pick is checked to return a turn.

import { Bench } from "tinybench";
import {
  createScheduler,
  type ReadyTurn,
  type Scheduler,
  type SchedulerContext,
} from "../src/runtime/scheduler/index.ts";

const WAITING = 1_000;
const BATCH = 10_000;
const TENANTS = 8;
const KEYS = 4096;

const ctx: SchedulerContext = {
  tenants: Array.from({ length: TENANTS }, (_, i) => ({ name: `t${i}`, weight: 1 + (i % 3) })),
  jobs: Array.from({ length: TENANTS * 2 }, (_, i) => ({
    name: `j${i}`,
    tenant: `t${i % TENANTS}`,
    priority: i % 5,
  })),
};

/** A turn the bench can recycle: the runtime's turns are mutable in the same fields. */
type BenchTurn = { -readonly [K in keyof ReadyTurn]: ReadyTurn[K] };

/** A fixed table of pseudo-random numbers in [0, 1) (a small LCG: no Math.random). */
const random = (() => {
  let state = 12345;
  return Array.from({ length: KEYS }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  });
})();

/** A pool of turns with varied keys; `refresh` gives one a new seq and ready time. */
function turnPool(size: number): BenchTurn[] {
  return Array.from({ length: size }, (_, i) => {
    const r = random[i % KEYS]!;
    const jobIndex = i % ctx.jobs.length;
    const expectedCost = 200 + Math.floor(r * 4000);
    return {
      seq: 0,
      runId: i,
      job: ctx.jobs[jobIndex]!.name,
      jobIndex,
      tenant: ctx.tenants[jobIndex % TENANTS]!.name,
      tenantIndex: jobIndex % TENANTS,
      priority: ctx.jobs[jobIndex]!.priority,
      readyS: 0,
      runArrivalS: 0,
      deadlineS: i % 10 === 0 ? Number.POSITIVE_INFINITY : 30 + r * 600,
      promptTokens: expectedCost >> 1,
      expectedCost,
      expectedDurationS: 0.2 + r * 20,
      attainedService: Math.floor(random[(i * 7) % KEYS]! * 50_000),
    };
  });
}

/** A scheduler holding WAITING turns, and the pair loop that keeps it there. */
function setup(name: string, options: Record<string, unknown>) {
  const scheduler: Scheduler = createScheduler(name, ctx, options);
  const free = turnPool(WAITING + BATCH);
  const keys = turnPool(KEYS);
  let seq = 0;
  let clockS = 0;
  let freeCount = free.length;
  const enqueueOne = () => {
    const turn = free[--freeCount]!;
    // Fresh keys too: a recycled turn keeping a small key would come straight back out and
    // leave the heap's large keys untouched, flattering the heap-based policies.
    const key = keys[seq & (KEYS - 1)]!;
    turn.seq = seq++;
    clockS += 0.001;
    turn.readyS = clockS;
    turn.jobIndex = key.jobIndex;
    turn.job = key.job;
    turn.tenantIndex = key.tenantIndex;
    turn.tenant = key.tenant;
    turn.priority = key.priority;
    turn.deadlineS = clockS + key.deadlineS;
    turn.expectedCost = key.expectedCost;
    turn.promptTokens = key.promptTokens;
    turn.expectedDurationS = key.expectedDurationS;
    turn.attainedService = key.attainedService;
    scheduler.enqueue(turn, clockS);
  };
  for (let i = 0; i < WAITING; i++) enqueueOne();
  const usage = { cost: 1000, durationS: 1, promptTokens: 500, outputTokens: 250 };
  const pairs = (withComplete: boolean) => {
    for (let i = 0; i < BATCH; i++) {
      enqueueOne();
      const turn = scheduler.pick(clockS) as BenchTurn | undefined;
      if (turn === undefined) throw new Error(`${name}: pick returned nothing with turns waiting`);
      if (withComplete) scheduler.complete(turn, usage, clockS);
      free[freeCount++] = turn;
    }
  };
  return { scheduler, pairs };
}

const cases: {
  label: string;
  name: string;
  options: Record<string, unknown>;
  complete?: boolean;
}[] = [
  { label: "fifo", name: "fifo", options: {} },
  { label: "priority", name: "priority", options: {} },
  { label: "priority (agingPerS 0.1)", name: "priority", options: { agingPerS: 0.1 } },
  { label: "fair-share", name: "fair-share", options: {} },
  { label: "fair-share (+ complete)", name: "fair-share", options: {}, complete: true },
  { label: "round-robin", name: "round-robin", options: {} },
  { label: "round-robin (by job)", name: "round-robin", options: { by: "job" } },
  { label: "sjf", name: "sjf", options: {} },
  { label: "las", name: "las", options: {} },
  { label: "edf", name: "edf", options: {} },
];

// Wall time (what tinybench measures) and CPU time of this process: on a shared machine the
// CPU column is the better guide to the code's own cost, as wall time includes time spent
// descheduled.
const cpuMicros = new Map<string, { micros: number; batches: number }>();
const bench = new Bench({ time: 1000, warmupTime: 200 });
for (const c of cases) {
  const { scheduler, pairs } = setup(c.name, c.options);
  const cpu = { micros: 0, batches: 0 };
  cpuMicros.set(c.label, cpu);
  bench.add(
    c.label,
    () => {
      const start = process.cpuUsage();
      pairs(c.complete === true);
      const used = process.cpuUsage(start);
      cpu.micros += used.user + used.system;
      cpu.batches++;
    },
    {
      afterAll: () => {
        if (scheduler.size !== WAITING) {
          throw new Error(`${c.label}: ${scheduler.size} waiting, expected ${WAITING}`);
        }
      },
    },
  );
}
await bench.run();

const rows = bench.tasks.map((task) => {
  const result = task.result;
  if (result.state !== "completed") return { policy: task.name, state: result.state };
  const nsPerPair = (result.period * 1e6) / BATCH;
  const cpu = cpuMicros.get(task.name)!;
  const cpuNsPerPair = (cpu.micros * 1e3) / (cpu.batches * BATCH);
  return {
    policy: task.name,
    "ns/pair": nsPerPair.toFixed(1),
    "million pairs/s": (1e3 / nsPerPair).toFixed(2),
    "±%": result.latency.rme.toFixed(1),
    "CPU ns/pair": cpuNsPerPair.toFixed(1),
    "million pairs/CPU-s": (1e3 / cpuNsPerPair).toFixed(2),
    batches: result.latency.samplesCount,
  };
});
console.log(`enqueue + pick pairs, ${WAITING} turns waiting, batches of ${BATCH}`);
console.table(rows);
