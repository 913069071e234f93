/**
 * The metrics recorder of one cell. It is told every change of the runtime's state (a turn
 * ready, dispatched, ended; a run ended) and keeps, in fixed memory, everything the results
 * contract and the charts need: histograms, time integrals clipped to the measurement window
 * (queue length, busy slots, head-of-line blocking, priority blocking, backlog), per-bucket
 * time series, and the service-gap tracker.
 */
import { jainIndex } from "../metrics/fairness.ts";
import { Histogram } from "../metrics/histogram.ts";
import { ServiceGapTracker } from "../metrics/service-gap-tracker.ts";
import type { Counts, TimelineEntry } from "./result.ts";

/** Number of buckets in a cell's time series. */
export const BUCKETS = 240;

/** What the recorder needs to know of a turn. */
export interface RecordedTurn {
  readonly tenantIndex: number;
  readonly jobIndex: number;
  readonly level: number;
  readonly readyS: number;
  readonly measured: boolean;
}

/** Fixed-memory counters of one group of runs (all, a tenant, a job). */
export class GroupRecorder {
  readonly wait = new Histogram();
  readonly runLatency = new Histogram();
  readonly counts: Counts = { submitted: 0, completed: 0, failed: 0, rejected: 0, inFlight: 0 };
  sloMet = 0;
  sloRuns = 0;
}

/** Recorder of one cell. */
export class Recorder {
  readonly fromS: number;
  readonly toS: number;
  readonly all = new GroupRecorder();
  readonly tenants: GroupRecorder[];
  readonly jobs: GroupRecorder[];
  readonly turnLatency = new Histogram();
  readonly gap: ServiceGapTracker;
  readonly timeline: TimelineEntry[] = [];
  readonly timelineLimit: number;
  readonly bucketS: number;

  // Current state.
  waiting = 0;
  busy = 0;
  private readonly waitingByTenant: Int32Array;
  private readonly busyByTenant: Int32Array;
  private readonly waitingByLevel: Int32Array;
  private readonly busyByLevel: Int32Array;
  private dominantTenant = -1;
  private readonly halfSlots: number;
  private lastS = 0;

  // Integrals over the window.
  queueArea = 0;
  busyArea = 0;
  blockedByLowerS = 0;
  readonly holS: Float64Array;
  readonly backlogS: Float64Array;
  readonly serviceInWindow: Float64Array;
  /** Cost of the turns that became ready (first attempts) in the window, per tenant. */
  readonly demandInWindow: Float64Array;

  // Per bucket.
  readonly queueBucketArea: Float64Array;
  readonly queueBucketMax: Float64Array;
  readonly busyBucketArea: Float64Array;
  readonly backlogBucket: Float64Array;
  readonly serviceBucket: Float64Array;
  /** 1 where a tenant had no turn waiting at some dispatch of the bucket. */
  readonly absentAtDispatch: Uint8Array;
  /** Dispatches per bucket. */
  readonly dispatchBucket: Float64Array;

  // Counters.
  inversions = 0;
  enqueuedInWindow = 0;
  waitOfEnqueuedInWindow = 0;
  wastedTokens = 0;
  outputTokensInWindow = 0;
  completionsInWindow = 0;
  arrivalsInWindow = 0;
  slotSecondsOfMeasuredRuns = 0;
  completedMeasuredRuns = 0;

  constructor(options: {
    fromS: number;
    toS: number;
    tenantWeights: readonly number[];
    jobs: number;
    levels: number;
    totalSlots: number;
    timelineLimit: number;
  }) {
    const tenants = options.tenantWeights.length;
    this.fromS = options.fromS;
    this.toS = options.toS;
    this.tenants = Array.from({ length: tenants }, () => new GroupRecorder());
    this.jobs = Array.from({ length: options.jobs }, () => new GroupRecorder());
    this.gap = new ServiceGapTracker({
      weights: options.tenantWeights,
      fromS: options.fromS,
      toS: options.toS,
    });
    this.timelineLimit = options.timelineLimit;
    this.bucketS = options.toS / BUCKETS;
    this.waitingByTenant = new Int32Array(tenants);
    this.busyByTenant = new Int32Array(tenants);
    this.waitingByLevel = new Int32Array(options.levels);
    this.busyByLevel = new Int32Array(options.levels);
    this.halfSlots = options.totalSlots / 2;
    this.holS = new Float64Array(tenants);
    this.backlogS = new Float64Array(tenants);
    this.serviceInWindow = new Float64Array(tenants);
    this.demandInWindow = new Float64Array(tenants);
    this.queueBucketArea = new Float64Array(BUCKETS);
    this.queueBucketMax = new Float64Array(BUCKETS);
    this.busyBucketArea = new Float64Array(BUCKETS);
    this.backlogBucket = new Float64Array(BUCKETS * tenants);
    this.serviceBucket = new Float64Array(BUCKETS * tenants);
    this.absentAtDispatch = new Uint8Array(BUCKETS * tenants);
    this.dispatchBucket = new Float64Array(BUCKETS);
  }

  /** True when time `t` is inside the measurement window. */
  inWindow(t: number): boolean {
    return t >= this.fromS && t <= this.toS;
  }

  /** Integrates the current state from the last change up to `nowS`. */
  advance(nowS: number): void {
    const startS = this.lastS;
    if (nowS <= startS) return;
    this.lastS = nowS;
    // The window part.
    const a = startS > this.fromS ? startS : this.fromS;
    const b = nowS < this.toS ? nowS : this.toS;
    if (b > a) this.integrateWindow(b - a);
    // The bucket part, over [0, toS].
    if (startS < this.toS && (this.waiting > 0 || this.busy > 0))
      this.integrateBuckets(startS, nowS);
  }

  private integrateWindow(dt: number): void {
    this.queueArea += this.waiting * dt;
    this.busyArea += this.busy * dt;
    if (this.waiting === 0) return;
    const tenants = this.waitingByTenant.length;
    for (let t = 0; t < tenants; t++) {
      const w = this.waitingByTenant[t]!;
      if (w > 0) {
        this.backlogS[t]! += dt;
        if (this.dominantTenant >= 0 && this.dominantTenant !== t) this.holS[t]! += w * dt;
      }
    }
    const levels = this.waitingByLevel.length;
    if (levels > 1 && this.busy > 0) {
      let lowestBusy = 0;
      while (lowestBusy < levels && this.busyByLevel[lowestBusy] === 0) lowestBusy++;
      let above = 0;
      for (let l = lowestBusy + 1; l < levels; l++) above += this.waitingByLevel[l]!;
      this.blockedByLowerS += above * dt;
    }
  }

  private integrateBuckets(startS: number, nowS: number): void {
    const end = nowS < this.toS ? nowS : this.toS;
    const tenants = this.waitingByTenant.length;
    let t = startS;
    while (t < end) {
      const bucket = Math.min(BUCKETS - 1, Math.floor(t / this.bucketS));
      const bucketEnd = Math.min(end, (bucket + 1) * this.bucketS);
      const dt = bucketEnd - t;
      if (dt <= 0) break;
      this.queueBucketArea[bucket]! += this.waiting * dt;
      this.busyBucketArea[bucket]! += this.busy * dt;
      if (this.waiting > 0) {
        for (let k = 0; k < tenants; k++) {
          if (this.waitingByTenant[k]! > 0) this.backlogBucket[bucket * tenants + k]! += dt;
        }
      }
      t = bucketEnd;
    }
  }

  /** A turn became ready. */
  enqueued(turn: RecordedTurn, nowS: number, demandCost = 0): void {
    this.advance(nowS);
    if (demandCost > 0 && this.inWindow(nowS)) this.demandInWindow[turn.tenantIndex]! += demandCost;
    this.waiting++;
    if (this.waitingByTenant[turn.tenantIndex]!++ === 0)
      this.gap.backlogStart(turn.tenantIndex, nowS);
    this.waitingByLevel[turn.level]!++;
    if (nowS < this.toS) {
      const bucket = Math.min(BUCKETS - 1, Math.floor(nowS / this.bucketS));
      if (this.waiting > this.queueBucketMax[bucket]!) this.queueBucketMax[bucket] = this.waiting;
    }
    if (this.inWindow(nowS)) this.enqueuedInWindow++;
  }

  /** A ready turn left the queue: dispatched (`dispatched`) or withdrawn. */
  dequeued(turn: RecordedTurn, nowS: number, dispatched: boolean): void {
    this.advance(nowS);
    if (dispatched && nowS < this.toS) {
      // Who contended for this dispatch: the tenants with a turn waiting when it was decided.
      const bucket = Math.min(BUCKETS - 1, Math.floor(nowS / this.bucketS));
      const tenants = this.waitingByTenant.length;
      this.dispatchBucket[bucket]!++;
      for (let t = 0; t < tenants; t++) {
        if (this.waitingByTenant[t] === 0) this.absentAtDispatch[bucket * tenants + t] = 1;
      }
    }
    this.waiting--;
    if (--this.waitingByTenant[turn.tenantIndex]! === 0)
      this.gap.backlogStop(turn.tenantIndex, nowS);
    this.waitingByLevel[turn.level]!--;
    const waitS = nowS - turn.readyS;
    if (this.inWindow(turn.readyS)) this.waitOfEnqueuedInWindow += waitS;
    if (!dispatched) return;
    for (let l = turn.level + 1; l < this.waitingByLevel.length; l++) {
      if (this.waitingByLevel[l]! > 0) {
        this.inversions++;
        break;
      }
    }
    if (turn.measured) {
      this.all.wait.record(waitS);
      this.tenants[turn.tenantIndex]!.wait.record(waitS);
      this.jobs[turn.jobIndex]!.wait.record(waitS);
    }
  }

  /** A turn took (+1) or gave back (-1) a slot. */
  slot(turn: RecordedTurn, delta: 1 | -1, nowS: number): void {
    this.advance(nowS);
    this.busy += delta;
    const tenant = turn.tenantIndex;
    this.busyByTenant[tenant]! += delta;
    this.busyByLevel[turn.level]! += delta;
    if (this.busyByTenant[tenant]! > this.halfSlots) this.dominantTenant = tenant;
    else if (this.dominantTenant === tenant) this.dominantTenant = -1;
  }

  /** Service `cost` delivered to `tenant` over [startS, endS] (pro-rated over buckets and the window). */
  service(tenant: number, cost: number, startS: number, endS: number): void {
    this.gap.service(tenant, cost, endS);
    if (cost <= 0) return;
    const span = endS - startS;
    if (span <= 0) {
      if (this.inWindow(endS)) this.serviceInWindow[tenant]! += cost;
      if (endS < this.toS) {
        const bucket = Math.min(BUCKETS - 1, Math.floor(endS / this.bucketS));
        this.serviceBucket[bucket * this.tenants.length + tenant]! += cost;
      }
      return;
    }
    const rate = cost / span;
    const a = Math.max(startS, this.fromS);
    const b = Math.min(endS, this.toS);
    if (b > a) this.serviceInWindow[tenant]! += rate * (b - a);
    const tenants = this.tenants.length;
    let t = startS;
    const end = Math.min(endS, this.toS);
    while (t < end) {
      const bucket = Math.min(BUCKETS - 1, Math.floor(t / this.bucketS));
      const bucketEnd = Math.min(end, (bucket + 1) * this.bucketS);
      if (bucketEnd <= t) break;
      this.serviceBucket[bucket * tenants + tenant]! += rate * (bucketEnd - t);
      t = bucketEnd;
    }
  }

  /** A run arrived (and was admitted or rejected later). */
  submitted(tenant: number, job: number, arrivalS: number): void {
    this.all.counts.submitted++;
    this.tenants[tenant]!.counts.submitted++;
    this.jobs[job]!.counts.submitted++;
    if (this.inWindow(arrivalS)) this.arrivalsInWindow++;
  }

  /** A run ended. */
  runEnded(
    tenant: number,
    job: number,
    status: "completed" | "failed" | "rejected",
    measured: boolean,
    latencyS: number,
    sloS: number | undefined,
    slotSeconds: number,
    nowS: number,
  ): void {
    for (const group of [this.all, this.tenants[tenant]!, this.jobs[job]!]) {
      group.counts[status]++;
      if (measured) {
        if (status === "completed") group.runLatency.record(latencyS);
        if (sloS !== undefined) {
          group.sloRuns++;
          if (status === "completed" && latencyS <= sloS) group.sloMet++;
        }
      }
    }
    if (status === "completed" && this.inWindow(nowS)) this.completionsInWindow++;
    if (measured && status === "completed") {
      this.slotSecondsOfMeasuredRuns += slotSeconds;
      this.completedMeasuredRuns++;
    }
  }

  /** Runs of the window still in flight at the end count against their SLO. */
  inFlightAtEnd(tenant: number, job: number, measured: boolean, sloS: number | undefined): void {
    for (const group of [this.all, this.tenants[tenant]!, this.jobs[job]!]) {
      group.counts.inFlight++;
      if (measured && sloS !== undefined) group.sloRuns++;
    }
  }

  /** Adds a slot-timeline entry while the limit allows. */
  /** True when a turn that started at `startS` would be kept in the timeline (check before building it). */
  wantsTimeline(startS: number): boolean {
    return this.timeline.length < this.timelineLimit && startS >= this.fromS;
  }

  timelineEntry(entry: TimelineEntry): void {
    if (this.timeline.length < this.timelineLimit && entry.startS >= this.fromS)
      this.timeline.push(entry);
  }

  /**
   * Jain's index of each tenant's service in the window relative to its weighted max-min fair
   * share given its demand (water-filling: the window's service is divided by weight, and a
   * tenant that asked for less than its share is allotted what it asked for, the rest going to
   * the others). For tenants that were backlogged throughout (demand above their share) this is
   * DESIGN.md's index of service divided by weight; a tenant that received less only because
   * it asked for less is not counted as treated unfairly. Tenants with no demand are left out;
   * 1 with fewer than two tenants.
   */
  jainOfFairShares(weights: readonly number[]): number {
    return this.jainOf(weights, "max-min");
  }

  /**
   * DESIGN.md's index: Jain's index of service divided by weight among the tenants that were
   * backlogged (a turn waiting) for at least 90% of the window; 1 with fewer than two.
   */
  jainOfBacklogged(weights: readonly number[]): number {
    return this.jainOf(weights, "backlogged");
  }

  private jainOf(weights: readonly number[], kind: "max-min" | "backlogged"): number {
    if (kind === "backlogged") {
      const windowS = this.toS - this.fromS;
      const values: number[] = [];
      for (let t = 0; t < weights.length; t++) {
        if (this.backlogS[t]! >= 0.9 * windowS) values.push(this.serviceInWindow[t]! / weights[t]!);
      }
      return values.length < 2 ? 1 : jainIndex(values);
    }
    const tenants = weights.length;
    const capacity = this.serviceInWindow.reduce((a, b) => a + b, 0);
    const active = new Set<number>();
    for (let t = 0; t < tenants; t++) if (this.demandInWindow[t]! > 0) active.add(t);
    if (active.size < 2 || capacity <= 0) return 1;
    const fair = new Float64Array(tenants);
    let remaining = capacity;
    const open = new Set(active);
    for (;;) {
      const weightSum = [...open].reduce((sum, t) => sum + weights[t]!, 0);
      const perWeight = remaining / weightSum;
      const capped = [...open].filter((t) => this.demandInWindow[t]! <= perWeight * weights[t]!);
      if (capped.length === 0) {
        for (const t of open) fair[t] = perWeight * weights[t]!;
        break;
      }
      for (const t of capped) {
        fair[t] = this.demandInWindow[t]!;
        remaining -= fair[t]!;
        open.delete(t);
      }
      if (open.size === 0) break;
    }
    return jainIndex(
      [...active].map((t) => (fair[t]! > 0 ? this.serviceInWindow[t]! / fair[t]! : 1)),
    );
  }

  /**
   * Jain's index of weight-normalized service over the intervals in which two or more tenants
   * were backlogged at every dispatch (a turn of theirs waiting whenever a slot was handed out):
   * each maximal run of such time buckets with the same set of tenants is one interval, its
   * index is taken over the service those tenants received in it, and the indexes are averaged
   * weighted by interval length. A tenant whose demand is met misses some dispatch and is left
   * out (receiving less because it asks for less is not unfairness); whole intervals rather than
   * single buckets, because one non-preemptive turn can outlast a bucket. 1 without contention.
   */
  jainOverBuckets(weights: readonly number[]): { jain: number; contended: number } {
    const tenants = weights.length;
    let weighted = 0;
    let contended = 0;
    let runKey = "";
    let runLength = 0;
    const runService = new Float64Array(tenants);
    const members: number[] = [];
    const close = () => {
      if (runLength > 0 && members.length >= 2) {
        weighted += jainIndex(members.map((t) => runService[t]! / weights[t]!)) * runLength;
        contended += runLength;
      }
      runService.fill(0);
      runLength = 0;
    };
    const firstBucket = Math.ceil(this.fromS / this.bucketS - 1e-9);
    for (let b = firstBucket; b < BUCKETS; b++) {
      const present: number[] = [];
      for (let t = 0; t < tenants; t++) {
        if (this.dispatchBucket[b]! > 0 && this.absentAtDispatch[b * tenants + t] === 0)
          present.push(t);
      }
      const key = present.length >= 2 ? present.join(",") : "";
      if (key !== runKey) {
        close();
        runKey = key;
        members.length = 0;
        members.push(...present);
      }
      if (key === "") continue;
      runLength++;
      for (const t of present) runService[t]! += this.serviceBucket[b * tenants + t]!;
    }
    close();
    return { jain: contended === 0 ? 1 : weighted / contended, contended };
  }
}
