// The recorder's window integrals, demand, offered load, waits and losses on hand-computed cases.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Histogram } from "../src/metrics/histogram.ts";
import { type RecordedTurn, Recorder } from "../src/runtime/recorder.ts";

const LONG = process.env.AGENTSIM_LONG ? 20 : 1;

function recorder(fromS: number, toS: number, tenants = 2): Recorder {
  return new Recorder({
    fromS,
    toS,
    tenantWeights: Array.from({ length: tenants }, () => 1),
    jobTenants: [0],
    levels: 1,
    totalSlots: 4,
    timelineLimit: 0,
    endpoints: 1,
  });
}

function turn(over: Partial<RecordedTurn> = {}): RecordedTurn {
  return {
    tenantIndex: 0,
    jobIndex: 0,
    level: 0,
    readyS: 0,
    measured: true,
    attempt: 1,
    promptTokens: 100,
    outputTokens: 10,
    preferredEndpoint: 0,
    ...over,
  };
}

describe("Recorder", () => {
  it("integrates the number waiting and busy over the window only (hand count)", () => {
    const r = recorder(10, 20);
    // Waiting: one turn over [5, 15], another over [12, 25]: inside [10, 20], 5 + 8 = 13.
    const a = turn({ readyS: 5 });
    const b = turn({ readyS: 12 });
    r.enqueued(a, 5, 2);
    r.enqueued(b, 12, 2);
    r.dequeued(a, 15, true);
    r.slot(a, 1, 15);
    r.slot(a, -1, 18); // busy over [15, 18]: 3
    r.dequeued(b, 25, true);
    r.advance(30);
    expect(r.queueArea).toBe(13);
    expect(r.busyArea).toBe(3);
  });

  it("counts as demand every call of the runs arriving in the window, whenever it became ready", () => {
    const r = recorder(10, 20);
    // Cost = prompt + 2 x output = 100 + 20 = 120 each.
    r.enqueued(turn({ readyS: 12 }), 12, 2); // a run of the window: demand
    r.enqueued(turn({ readyS: 25 }), 25, 2); // its later turn after the window closed: demand too
    r.enqueued(turn({ readyS: 5, measured: false }), 5, 2); // a warm-up run: not
    r.enqueued(turn({ readyS: 15, measured: false, tenantIndex: 1 }), 15, 2); // still warm-up: not
    r.enqueued(turn({ readyS: 14, tenantIndex: 1 }), 14, 2);
    r.enqueued(turn({ readyS: 16, tenantIndex: 1, attempt: 2 }), 16, 2); // a retry is not new demand
    expect([...r.demandInWindow]).toEqual([240, 120]);
    // Offered to the endpoint: the same calls: 3 requests of 110 tokens and 2 s each.
    expect(r.offered[0]).toEqual({ requests: 3, tokens: 330, slotS: 6 });
  });

  it("records a turn's wait once, at its first attempt's dispatch, for measured runs only", () => {
    const r = recorder(0, 100);
    const first = turn({ readyS: 1 });
    r.enqueued(first, 1, 2);
    r.dequeued(first, 4, true); // wait 3
    const retry = turn({ readyS: 10, attempt: 2 });
    r.enqueued(retry, 10, 2);
    r.dequeued(retry, 30, true); // a retry's queueing is turn latency, not wait
    const warmup = turn({ readyS: 40, measured: false });
    r.enqueued(warmup, 40, 2);
    r.dequeued(warmup, 45, true);
    expect(r.all.wait.count).toBe(1);
    expect(r.all.wait.max).toBeCloseTo(3, 3);
  });

  it("gives each tenant and the cell the waits and run latencies of their own jobs' runs", () => {
    // Jobs 0 and 1 belong to tenant 0, job 2 to tenant 1. Each group's histogram must hold
    // exactly its runs' values: the same as recording them into a histogram of its own.
    const r = new Recorder({
      fromS: 0,
      toS: 100,
      tenantWeights: [1, 1],
      jobTenants: [0, 0, 1],
      levels: 1,
      totalSlots: 4,
      timelineLimit: 0,
    });
    const waits = [
      { job: 0, tenant: 0, waitS: 1.5 },
      { job: 1, tenant: 0, waitS: 7.25 },
      { job: 1, tenant: 0, waitS: 0.125 },
      { job: 2, tenant: 1, waitS: 3 },
    ];
    waits.forEach(({ job, tenant, waitS }, i) => {
      const readyS = 10 * (i + 1);
      const t = turn({ jobIndex: job, tenantIndex: tenant, readyS });
      r.enqueued(t, readyS, 2);
      r.dequeued(t, readyS + waitS, true);
      r.runEnded(tenant, job, "completed", true, 2 * waitS, undefined, readyS + waitS);
    });
    const direct = (values: number[]) => {
      const h = new Histogram();
      for (const v of values) h.record(v);
      return h.toJSON();
    };
    const of = (pick: (w: (typeof waits)[number]) => boolean) =>
      waits.filter(pick).map((w) => w.waitS);
    expect(r.tenants[0]!.wait.toJSON()).toEqual(direct(of((w) => w.tenant === 0)));
    expect(r.tenants[1]!.wait.toJSON()).toEqual(direct(of((w) => w.tenant === 1)));
    expect(r.all.wait.toJSON()).toEqual(direct(of(() => true)));
    expect(r.jobs[1]!.wait.toJSON()).toEqual(direct(of((w) => w.job === 1)));
    expect(r.tenants[0]!.runLatency.toJSON()).toEqual(
      direct(of((w) => w.tenant === 0).map((v) => 2 * v)),
    );
    expect(r.all.runLatency.count).toBe(4);
    expect(r.tenants[0]!.counts.completed).toBe(3);
  });

  it("gives a run mapped to another tenant than its job's (trace tenantBy) to that tenant", () => {
    // Job 0 belongs to tenant 0, but its second run is mapped to tenant 1: tenant 1's waits,
    // latencies and counts hold that run; the job's hold both.
    const r = new Recorder({
      fromS: 0,
      toS: 100,
      tenantWeights: [1, 1],
      jobTenants: [0],
      levels: 1,
      totalSlots: 4,
      timelineLimit: 0,
    });
    [
      { tenant: 0, waitS: 1 },
      { tenant: 1, waitS: 4 },
    ].forEach(({ tenant, waitS }, i) => {
      const t = turn({ jobIndex: 0, tenantIndex: tenant, readyS: 10 * (i + 1) });
      r.enqueued(t, t.readyS, 2);
      r.dequeued(t, t.readyS + waitS, true);
      r.runEnded(tenant, 0, "completed", true, 2 * waitS, undefined, t.readyS + waitS);
    });
    for (const [tenant, waitS] of [
      [0, 1],
      [1, 4],
    ] as const) {
      const group = r.tenants[tenant]!;
      expect(group.counts.completed).toBe(1);
      expect([group.wait.count, group.wait.max]).toEqual([1, expect.closeTo(waitS, 3)]);
      expect([group.runLatency.count, group.runLatency.max]).toEqual([
        1,
        expect.closeTo(2 * waitS, 3),
      ]);
    }
    expect(r.jobs[0]!.wait.count).toBe(2);
    expect(r.jobs[0]!.runLatency.count).toBe(2);
    expect(r.all.wait.count).toBe(2);
  });

  it("counts why measured runs were lost, and only measured runs", () => {
    const r = recorder(0, 100);
    r.runEnded(0, 0, "completed", true, 1, undefined, 10);
    r.runEnded(0, 0, "failed", true, 1, undefined, 11, "token budget exceeded");
    r.runEnded(0, 0, "rejected", true, 0, undefined, 12, "rejected by admission control");
    r.runEnded(0, 0, "failed", false, 1, undefined, 13, "token budget exceeded");
    r.inFlightAtEnd(0, 0, true, undefined);
    expect(r.measuredRuns).toBe(4);
    expect(r.measuredLost).toBe(2);
    expect([...r.lostBecause]).toEqual([
      ["token budget exceeded", 1],
      ["rejected by admission control", 1],
    ]);
  });

  it("pro-rates a turn's service over the window and the time buckets (hand count)", () => {
    // Window [10, 20] of a horizon of 20: 240 buckets of 1/12 s. A turn of cost 120 from 8 s to
    // 14 s delivers 20 a second: 80 of it inside the window, 20/12 in each bucket it covers.
    const r = recorder(10, 20);
    r.service(1, 120, 8, 14);
    expect(r.serviceInWindow[1]).toBeCloseTo(80, 9);
    expect(r.serviceInWindow[0]).toBe(0);
    const tenants = 2;
    const bucket = (b: number) => r.serviceBucket[b * tenants + 1]!;
    expect(bucket(100)).toBeCloseTo(20 / 12, 9); // [8.333, 8.417], wholly inside the turn
    expect(bucket(160)).toBeCloseTo(20 / 12, 9);
    expect(bucket(94)).toBe(0); // before 8 s
    expect(bucket(169)).toBe(0); // after 14 s
    let total = 0;
    for (let b = 0; b < 240; b++) total += bucket(b);
    expect(total).toBeCloseTo(120, 9);
  });

  it("delivers the service of a span too short for a finite rate at once, not as an infinite amount", () => {
    // A turn dispatched at 0 s and aborted by an outage at 5e-324 s: cost / span overflowed to
    // Infinity, and the cell then failed in the fairness computation (found by the differential test).
    const r = recorder(0, 20);
    r.service(0, 12, 0, 5e-324);
    expect(r.serviceInWindow[0]).toBe(12);
    expect(r.serviceBucket[0]).toBe(12);
    expect(
      r.fairness([
        { name: "a", weight: 1 },
        { name: "b", weight: 1 },
      ]).tenants[0]!.service,
    ).toBe(12);
  });

  it("agrees with a direct integral of the step function for any sequence of changes (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dtS: fc.double({ min: 0, max: 5, noNaN: true }), up: fc.boolean() }), {
          maxLength: 60,
        }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.double({ min: 1, max: 100, noNaN: true }),
        (changes, fromS, lengthS) => {
          const toS = fromS + lengthS;
          const r = recorder(fromS, toS);
          const queue: RecordedTurn[] = [];
          let timeS = 0;
          let level = 0;
          let integral = 0;
          for (const { dtS, up } of changes) {
            const next = timeS + dtS;
            integral += level * Math.max(0, Math.min(next, toS) - Math.max(timeS, fromS));
            timeS = next;
            if (up || queue.length === 0) {
              const t = turn({ readyS: timeS });
              queue.push(t);
              r.enqueued(t, timeS, 2);
              level++;
            } else {
              r.dequeued(queue.shift()!, timeS, true);
              level--;
            }
          }
          const endS = timeS + 10;
          integral += level * Math.max(0, Math.min(endS, toS) - Math.max(timeS, fromS));
          r.advance(endS);
          expect(r.queueArea).toBeCloseTo(integral, 6);
        },
      ),
      { numRuns: 200 * LONG },
    );
  });
});
