/**
 * The metrics recorder of one cell. It is told every change of the runtime's state (a turn
 * ready, dispatched, ended; a run ended) and keeps, in fixed memory, everything the results
 * contract and the charts need: histograms, time integrals clipped to the measurement window
 * (queue length, busy slots, head-of-line blocking, priority blocking, backlog), per-bucket
 * time series, the service-gap tracker, each tenant's demand, the load offered to every
 * bottleneck (slots, rate limits, tool quotas) by all arrivals in the window, and why measured
 * runs failed.
 */
import {
  addOverBuckets,
  bucketOf,
  type DemandFairness,
  demandFairness,
  Histogram,
  ServiceGapTracker,
} from "../metrics/index.ts";
import type { Counts, TimelineEntry } from "./result.ts";

/** Number of buckets in a cell's time series. */
export const BUCKETS = 240;

/** What the recorder needs to know of a turn (one attempt of a model call). */
export interface RecordedTurn {
  readonly tenantIndex: number;
  readonly jobIndex: number;
  readonly level: number;
  readonly readyS: number;
  readonly measured: boolean;
  /** 1 for the call's first attempt: only it is new demand, and only its dispatch ends the turn's wait. */
  readonly attempt: number;
  readonly promptTokens: number;
  /** Output tokens the call asks for. */
  readonly outputTokens: number;
  /** The endpoint the call is offered to first. */
  readonly preferredEndpoint: number;
}

/** Load offered to one endpoint by the calls (first attempts) of the runs arriving in the window. */
export interface OfferedToEndpoint {
  requests: number;
  /** Prompt plus requested output tokens, as the token rate limit counts them. */
  tokens: number;
  /** Slot-seconds expected at no load. */
  slotS: number;
}

/**
 * Model call attempts made at one endpoint during the measurement window (retries and failover
 * included), by how the endpoint took them: the 429 share, and the rates sent and admitted
 * against its limits (which can admit no more than their rate over the window plus a bucket).
 */
export interface AttemptsAtEndpoint {
  attempts: number;
  /** Prompt plus requested output tokens of all of them. */
  tokens: number;
  /** Refused at once with 429 (over a rate limit). */
  rateLimited: number;
  /** Refused at once with 503 (an outage). */
  unavailable: number;
  /** Prompt plus requested output tokens of those the rate limits admitted. */
  admittedTokens: number;
}

/** How an endpoint took an attempt: admitted by its rate limits, 429, or 503. */
export const Admission = { Admitted: 0, RateLimited: 1, Unavailable: 2 } as const;
export type Admission = (typeof Admission)[keyof typeof Admission];

/**
 * Fixed-memory counters of one group of runs (all, a tenant, a job). The waits and latencies
 * of the runs of one job for one tenant are recorded in a part of their own (a job's runs are
 * its tenant's, but a trace's runs may be mapped to others); a job's, a tenant's and the cell's
 * groups are the merge of their parts, made when read, so a turn's wait and a run's latency are
 * recorded once, not three times. Merging is exact (see `Histogram.merge`): the merged
 * histogram is the one that recording every value in it would have given.
 */
export class GroupRecorder {
  readonly counts: Counts = { submitted: 0, completed: 0, failed: 0, rejected: 0, inFlight: 0 };
  sloMet = 0;
  sloRuns = 0;
  private readonly ownWait: Histogram | null;
  private readonly ownRunLatency: Histogram | null;

  /** A group that records its own histograms (a part), or (with `parts`) merges those of its parts. */
  constructor(private readonly parts: GroupRecorder[] | null = null) {
    this.ownWait = parts === null ? new Histogram() : null;
    this.ownRunLatency = parts === null ? new Histogram() : null;
  }

  /** Waits of the group's turns (first attempts of the runs arriving in the window). */
  get wait(): Histogram {
    return this.ownWait ?? merged(this.parts!, (part) => part.wait);
  }

  /** Adds a part to a merging group. */
  addPart(part: GroupRecorder): void {
    this.parts!.push(part);
  }

  /** Records a completed run's latency (a part only: the groups merge it). */
  recordRunLatency(latencyS: number): void {
    this.ownRunLatency!.record(latencyS);
  }

  /** Latencies of the group's completed runs (arriving in the window). */
  get runLatency(): Histogram {
    return this.ownRunLatency ?? merged(this.parts!, (part) => part.runLatency);
  }

  /** Records a turn's wait (a part only: the groups merge it). */
  recordWait(waitS: number): void {
    this.ownWait!.record(waitS);
  }

  /** A run of the group ended: counted, and a measured one against its SLO. */
  ended(
    status: "completed" | "failed" | "rejected",
    measured: boolean,
    latencyS: number,
    sloS: number | undefined,
  ): void {
    this.counts[status]++;
    if (!measured) return;
    if (sloS !== undefined) {
      this.sloRuns++;
      if (status === "completed" && latencyS <= sloS) this.sloMet++;
    }
  }
}

function merged(
  parts: readonly GroupRecorder[],
  of: (part: GroupRecorder) => Histogram,
): Histogram {
  if (parts.length === 1) return of(parts[0]!);
  const sum = new Histogram();
  for (const part of parts) sum.merge(of(part));
  return sum;
}

/** Recorder of one cell. */
export class Recorder {
  readonly fromS: number;
  readonly toS: number;
  readonly all: GroupRecorder;
  readonly tenants: GroupRecorder[];
  readonly jobs: GroupRecorder[];
  /** The parts by job x tenant (see `part`); undefined until needed. */
  private readonly parts: (GroupRecorder | undefined)[] = [];
  private readonly tenantCount: number;
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
  /**
   * Demand per tenant: the cost of every call (first attempts) of the runs that arrived in the
   * window, whenever it became ready. Attributed to the run's arrival rather than to the time
   * a call became ready, it does not depend on the policy: a policy that delays a run's first
   * turn also delays its later ones, and a demand counted by ready time would shrink with it.
   */
  readonly demandInWindow: Float64Array;
  /** Load offered to each endpoint by the calls of the window's arrivals (first attempts). */
  readonly offered: OfferedToEndpoint[];
  /** Attempts made at each endpoint in the window, by how it took them. */
  readonly attempts: AttemptsAtEndpoint[];
  /** Tool-seconds asked of each tool by the window's arrivals (calls governance allowed x mean latency). */
  readonly toolOfferedS: Float64Array;
  private readonly costPrompt: number;
  private readonly costOutput: number;

  // Per bucket.
  readonly queueBucketArea: Float64Array;
  readonly queueBucketMax: Float64Array;
  readonly busyBucketArea: Float64Array;
  readonly backlogBucket: Float64Array;
  readonly serviceBucket: Float64Array;

  // Counters.
  inversions = 0;
  enqueuedInWindow = 0;
  waitOfEnqueuedInWindow = 0;
  wastedTokens = 0;
  outputTokensInWindow = 0;
  completionsInWindow = 0;
  arrivalsInWindow = 0;
  /** Runs arriving in the window (measured), and those of them that failed or were rejected. */
  measuredRuns = 0;
  measuredLost = 0;
  /** Why measured runs failed or were rejected, by reason, in order of first occurrence. */
  readonly lostBecause = new Map<string, number>();

  constructor(options: {
    fromS: number;
    toS: number;
    tenantWeights: readonly number[];
    /** Each job's tenant (by index): where its runs' waits and latencies go unless mapped elsewhere. */
    jobTenants: readonly number[];
    levels: number;
    totalSlots: number;
    timelineLimit: number;
    /** Endpoints (for the offered load) and tools (for their offered concurrency). */
    endpoints?: number;
    tools?: number;
    /** Service-cost weights of a prompt and an output token (default 1 and 2). */
    costPrompt?: number;
    costOutput?: number;
  }) {
    const tenants = options.tenantWeights.length;
    this.fromS = options.fromS;
    this.toS = options.toS;
    this.tenantCount = tenants;
    this.jobs = options.jobTenants.map(() => new GroupRecorder([]));
    this.tenants = Array.from({ length: tenants }, () => new GroupRecorder([]));
    this.all = new GroupRecorder([]);
    // Each job's part for its own tenant, in job order (a trace's mapped tenants' come later).
    options.jobTenants.forEach((t, j) => {
      this.part(j, t);
    });
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
    this.offered = Array.from({ length: options.endpoints ?? 1 }, () => ({
      requests: 0,
      tokens: 0,
      slotS: 0,
    }));
    this.attempts = Array.from({ length: options.endpoints ?? 1 }, () => ({
      attempts: 0,
      tokens: 0,
      rateLimited: 0,
      unavailable: 0,
      admittedTokens: 0,
    }));
    this.toolOfferedS = new Float64Array(options.tools ?? 0);
    this.costPrompt = options.costPrompt ?? 1;
    this.costOutput = options.costOutput ?? 2;
    this.queueBucketArea = new Float64Array(BUCKETS);
    this.queueBucketMax = new Float64Array(BUCKETS);
    this.busyBucketArea = new Float64Array(BUCKETS);
    this.backlogBucket = new Float64Array(BUCKETS * tenants);
    this.serviceBucket = new Float64Array(BUCKETS * tenants);
  }

  /**
   * The part recording the waits and latencies of `job`'s runs for `tenant`, made when first
   * needed (a job's own tenant's at the start, a trace's mapped tenants' as they come) and
   * added to the job's, the tenant's and the cell's groups.
   */
  private part(job: number, tenant: number): GroupRecorder {
    const at = job * this.tenantCount + tenant;
    let part = this.parts[at];
    if (part === undefined) {
      part = new GroupRecorder();
      this.parts[at] = part;
      this.jobs[job]!.addPart(part);
      this.tenants[tenant]!.addPart(part);
      this.all.addPart(part);
    }
    return part;
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
    const bucketS = this.bucketS;
    addOverBuckets(this.queueBucketArea, 1, 0, bucketS, startS, end, this.waiting);
    addOverBuckets(this.busyBucketArea, 1, 0, bucketS, startS, end, this.busy);
    if (this.waiting === 0) return;
    const tenants = this.waitingByTenant.length;
    for (let k = 0; k < tenants; k++) {
      if (this.waitingByTenant[k]! > 0)
        addOverBuckets(this.backlogBucket, tenants, k, bucketS, startS, end, 1);
    }
  }

  /**
   * A turn became ready (an attempt of a model call joined the queue); `offeredSlotS` is the
   * slot time its endpoint expects the call to take at no load, for the tokens it asks for.
   */
  enqueued(turn: RecordedTurn, nowS: number, offeredSlotS: number): void {
    this.advance(nowS);
    // The window's arrivals' calls: each tenant's demand and the load offered to endpoints.
    if (turn.attempt === 1 && turn.measured) {
      this.demandInWindow[turn.tenantIndex]! +=
        turn.promptTokens * this.costPrompt + turn.outputTokens * this.costOutput;
      const offered = this.offered[turn.preferredEndpoint]!;
      offered.requests++;
      offered.tokens += turn.promptTokens + turn.outputTokens;
      offered.slotS += offeredSlotS;
    }
    this.waiting++;
    if (this.waitingByTenant[turn.tenantIndex]!++ === 0)
      this.gap.backlogStart(turn.tenantIndex, nowS);
    this.waitingByLevel[turn.level]!++;
    if (nowS < this.toS) {
      const bucket = bucketOf(nowS, this.bucketS, BUCKETS);
      if (this.waiting > this.queueBucketMax[bucket]!) this.queueBucketMax[bucket] = this.waiting;
    }
    if (this.inWindow(nowS)) this.enqueuedInWindow++;
  }

  /**
   * A ready turn left the queue: dispatched (`dispatched`) or withdrawn. The turn's wait (from
   * ready to its first dispatch) is recorded at its first attempt's dispatch; a retry's time in
   * the queue belongs to the turn's latency, not to its wait.
   */
  dequeued(turn: RecordedTurn, nowS: number, dispatched: boolean): void {
    this.advance(nowS);
    const first = turn.attempt === 1;
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
    if (first && turn.measured) this.part(turn.jobIndex, turn.tenantIndex).recordWait(waitS);
  }

  /**
   * An attempt of `turn` was dispatched to endpoint `endpoint` now, which took it as
   * `admission` (counted when now is in the window).
   */
  attempted(turn: RecordedTurn, endpoint: number, admission: Admission, nowS: number): void {
    if (!this.inWindow(nowS)) return;
    const at = this.attempts[endpoint]!;
    const tokens = turn.promptTokens + turn.outputTokens;
    at.attempts++;
    at.tokens += tokens;
    if (admission === Admission.RateLimited) at.rateLimited++;
    else if (admission === Admission.Unavailable) at.unavailable++;
    else at.admittedTokens += tokens;
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
    // A span so short that the rate overflows (a turn from 0 s to a subnormal time, aborted by
    // an outage there) delivers its service at once, as a span of 0 does.
    if (span <= 0 || cost / span === Number.POSITIVE_INFINITY) {
      if (this.inWindow(endS)) this.serviceInWindow[tenant]! += cost;
      if (endS < this.toS) {
        const bucket = bucketOf(endS, this.bucketS, BUCKETS);
        this.serviceBucket[bucket * this.tenants.length + tenant]! += cost;
      }
      return;
    }
    const rate = cost / span;
    const a = Math.max(startS, this.fromS);
    const b = Math.min(endS, this.toS);
    if (b > a) this.serviceInWindow[tenant]! += rate * (b - a);
    const end = Math.min(endS, this.toS);
    addOverBuckets(
      this.serviceBucket,
      this.tenants.length,
      tenant,
      this.bucketS,
      startS,
      end,
      rate,
    );
  }

  /** A run arrived (and was admitted or rejected later). */
  submitted(tenant: number, job: number, arrivalS: number): void {
    this.all.counts.submitted++;
    this.tenants[tenant]!.counts.submitted++;
    this.jobs[job]!.counts.submitted++;
    if (this.inWindow(arrivalS)) this.arrivalsInWindow++;
  }

  /** A tool call of a run arriving in the window (`measured`) asks for `latencyMeanS` of the tool. */
  toolRequested(tool: number, latencyMeanS: number, measured: boolean): void {
    if (measured) this.toolOfferedS[tool]! += latencyMeanS;
  }

  /** A run ended; `reason` says why a run failed or was rejected. */
  runEnded(
    tenant: number,
    job: number,
    status: "completed" | "failed" | "rejected",
    measured: boolean,
    latencyS: number,
    sloS: number | undefined,
    nowS: number,
    reason = "",
  ): void {
    // Three calls rather than a loop over a new array: this runs once a run.
    this.all.ended(status, measured, latencyS, sloS);
    this.tenants[tenant]!.ended(status, measured, latencyS, sloS);
    this.jobs[job]!.ended(status, measured, latencyS, sloS);
    if (status === "completed" && measured) this.part(job, tenant).recordRunLatency(latencyS);
    if (status === "completed" && this.inWindow(nowS)) this.completionsInWindow++;
    if (!measured) return;
    this.measuredRuns++;
    if (status === "completed") return;
    this.measuredLost++;
    const why = reason === "" ? status : reason;
    this.lostBecause.set(why, (this.lostBecause.get(why) ?? 0) + 1);
  }

  /** Runs of the window still in flight at the end count against their SLO. */
  inFlightAtEnd(tenant: number, job: number, measured: boolean, sloS: number | undefined): void {
    for (const group of [this.all, this.tenants[tenant]!, this.jobs[job]!]) {
      group.counts.inFlight++;
      if (measured && sloS !== undefined) group.sloRuns++;
    }
    if (measured) this.measuredRuns++;
  }

  /** True when a turn that started at `startS` would be kept in the timeline (check before building it). */
  wantsTimeline(startS: number): boolean {
    return this.timeline.length < this.timelineLimit && startS >= this.fromS;
  }

  /** Adds a slot-timeline entry while the limit allows. */
  timelineEntry(entry: TimelineEntry): void {
    if (this.timeline.length < this.timelineLimit && entry.startS >= this.fromS)
      this.timeline.push(entry);
  }

  /** `fairness.jain` and its evidence: each tenant's demand, fair share and service (see `demandFairness`). */
  fairness(tenants: readonly { name: string; weight: number }[]): DemandFairness {
    return demandFairness(
      tenants.map((t, i) => ({
        name: t.name,
        weight: t.weight,
        demand: this.demandInWindow[i]!,
        service: this.serviceInWindow[i]!,
      })),
    );
  }
}
