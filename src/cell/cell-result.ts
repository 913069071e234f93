/**
 * A finished cell's measurements, as a CellResult: read from the recorder, the runtime's
 * counters and the audit trail, with the saturation verdict and the store's blast radius.
 */

import { basename } from "node:path";
import type { AuditTrail } from "../audit/index.ts";
import { type Bottleneck, littlesLaw, saturation } from "../metrics/index.ts";
import {
  type ActivityCounters,
  type BlastRadius,
  BUCKETS,
  type CallCounters,
  type CellResult,
  type Counts,
  type Endpoint,
  type EndpointCell,
  type GroupRecorder,
  type JobCell,
  type Recorder,
  type StoreWrite,
  type TenantCell,
} from "../runtime/index.ts";
import type { Scenario } from "../scenario/index.ts";
import type { Simulation } from "../sim/index.ts";
import type { SimulateOptions } from "./simulate.ts";

/**
 * What the result reads of a cell's runtime once it has run: its counters, denials, runs still
 * live, its own ledger of audited actions, and the workspace and store activity. `Runtime` is
 * one; the reference runtime of the test tree, which feeds the same recorder and this builder so
 * that whole results can be compared, is the other.
 */
export interface RuntimeTally {
  readonly calls: CallCounters;
  /** Denials by reason. */
  readonly denials: ReadonlyMap<string, number>;
  /** Runs admitted and not yet ended. */
  readonly live: { readonly size: number };
  /** Audited actions the runtime took itself (workspace and store operations are in `activity`). */
  readonly actionsTaken: number;
  readonly activity: {
    readonly counters: ActivityCounters;
    readonly store: {
      blastRadius(predicate: (write: StoreWrite) => boolean): BlastRadius;
    };
  } | null;
}

/** What a finished cell is made of: what its result is read from. */
export interface FinishedCell {
  /** The trail's genesis binding (the scenario's digest names the trail in the result). */
  readonly genesis: { scenario: string };
  readonly scenario: Scenario;
  /** The policy's label. */
  readonly policy: string;
  readonly seed: number;
  /** The cell's options: replication, point, audit retention, whether to verify the trail. */
  readonly options: SimulateOptions;
  readonly sim: Simulation;
  readonly runtime: RuntimeTally;
  readonly recorder: Recorder;
  readonly audit: AuditTrail;
  readonly endpoints: readonly Endpoint[];
}

/**
 * The result of a finished cell: what the recorder measured (latencies, throughput,
 * utilization, fairness, saturation, Little's law, time series), the runtime's counters
 * (calls, governance, isolation, store), the audit trail's counts and head, and the
 * invariants' verdicts (checked by `checkInvariants`). Memory-mode hashes are computed here.
 */
export function buildResult(cell: FinishedCell): CellResult {
  const { genesis, scenario, policy, seed, options, sim, runtime, recorder, audit, endpoints } =
    cell;
  const windowS = recorder.toS - recorder.fromS;
  const fairness = recorder.fairness(scenario.tenants);
  const totalService = recorder.serviceInWindow.reduce((a, b) => a + b, 0);
  const tenants: Record<string, TenantCell> = {};
  scenario.tenants.forEach((tenant, i) => {
    const group = recorder.tenants[i]!;
    tenants[tenant.name] = {
      weight: tenant.weight,
      demand: recorder.demandInWindow[i]!,
      fairShare: fairness.tenants[i]!.fairShare,
      service: recorder.serviceInWindow[i]!,
      serviceShare: totalService > 0 ? recorder.serviceInWindow[i]! / totalService : 0,
      wait: group.wait.toJSON(),
      runLatency: group.runLatency.toJSON(),
      counts: { ...group.counts },
      headOfLineBlockedS: recorder.holS[i]!,
      backloggedFraction: recorder.backlogS[i]! / windowS,
    };
  });
  const jobs: Record<string, JobCell> = {};
  scenario.jobs.forEach((job, i) => {
    const group = recorder.jobs[i]!;
    jobs[job.name] = {
      tenant: job.tenant,
      priority: job.priority,
      wait: group.wait.toJSON(),
      runLatency: group.runLatency.toJSON(),
      counts: { ...group.counts },
      sloAttainment: sloOf(group),
      sloRunLatencyS: job.slo?.runLatencyS ?? null,
    };
  });
  const totalSlots = endpoints.reduce((sum, e) => sum + e.slots, 0);
  const auditCounts = audit.counts();
  const activity = runtime.activity?.counters;
  // The runtime's own ledger of actions taken, independent of the trail's count.
  const ledger = runtime.actionsTaken + (activity?.operations ?? 0);
  const byAction: Record<string, number> = {};
  for (const [action, decisions] of Object.entries(auditCounts.byAction)) {
    byAction[action] = decisions?.total ?? 0;
  }
  // Memory-mode hashes are computed here, lazily (see AuditTrail); a benchmark of the trail's
  // cost on turns/s may defer this to time it on its own (`verifyAudit: false`).
  const verified =
    audit.mode === "summary" || options.verifyAudit === false ? null : audit.verify().ok;
  const little = littlesLaw({
    arrivals: recorder.enqueuedInWindow,
    windowS,
    meanWaitS:
      recorder.enqueuedInWindow === 0
        ? 0
        : recorder.waitOfEnqueuedInWindow / recorder.enqueuedInWindow,
    meanNumberWaiting: recorder.queueArea / windowS,
  });
  const bucketS = recorder.bucketS;
  const serviceByTenant: Record<string, number[]> = {};
  scenario.tenants.forEach((tenant, t) => {
    serviceByTenant[tenant.name] = Array.from(
      { length: BUCKETS },
      (_, b) => recorder.serviceBucket[b * scenario.tenants.length + t]!,
    );
  });
  const counts: Counts = { ...recorder.all.counts };
  return {
    scenario: scenario.name,
    policy,
    seed,
    replication: options.replication ?? 0,
    point: options.point ?? {},
    window: { fromS: recorder.fromS, toS: recorder.toS },
    endS: sim.now,
    counts,
    wait: recorder.all.wait.toJSON(),
    turnLatency: recorder.turnLatency.toJSON(),
    runLatency: recorder.all.runLatency.toJSON(),
    throughput: {
      runsPerSecond: recorder.completionsInWindow / windowS,
      tokensPerSecond: recorder.outputTokensInWindow / windowS,
    },
    utilization: recorder.busyArea / (totalSlots * windowS),
    fairness: {
      jain: fairness.jain,
      maxServiceGap: recorder.gap.maxGap,
      tenants: fairness.tenants,
    },
    wastedTokens: recorder.wastedTokens,
    sloAttainment: sloOf(recorder.all),
    tenants,
    jobs,
    calls: { ...runtime.calls },
    endpoints: endpointsOfCell(scenario, recorder),
    priority: { inversions: recorder.inversions, blockedByLowerS: recorder.blockedByLowerS },
    saturation: saturationOfCell(scenario, recorder, endpoints, totalSlots),
    littlesLaw: {
      meanWaiting: little.lhs,
      lambdaW: little.rhs,
      relativeError: little.relativeError,
    },
    governance: {
      denials: [...runtime.denials.values()].reduce((a, b) => a + b, 0),
      byReason: Object.fromEntries(
        [...runtime.denials.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    },
    isolation: {
      attempts: activity?.escapeAttempts ?? 0,
      refused: activity?.escapesRefused ?? 0,
      succeeded: activity?.breaches ?? 0,
    },
    audit: {
      mode: audit.mode,
      records: auditCounts.records,
      verified,
      // The runtime's own ledger against the trail's count (genesis and seal are its own records).
      unaudited: ledger - audit.actionRecords,
      withoutAuthority: auditCounts.withoutAuthority,
      byAction,
      // A file's head costs nothing (hashed as written); a memory trail's only once verified.
      trail:
        audit.mode === "summary" || (audit.mode === "memory" && verified === null)
          ? null
          : {
              scenario: genesis.scenario,
              head: audit.headHash(),
              ...(options.audit !== "off" && options.audit?.mode === "file"
                ? { file: basename(options.audit.path) }
                : {}),
            },
    },
    store: {
      writes: activity?.storeWrites ?? 0,
      reads: activity?.storeReads ?? 0,
      denials: activity?.storeDenials ?? 0,
      garbageWrites: activity?.garbageWrites ?? 0,
      readsOfGarbage: activity?.readsOfGarbage ?? 0,
      blastRadius: blastRadiusOf(runtime),
    },
    invariants: {
      conservation:
        counts.submitted === counts.completed + counts.failed + counts.rejected + counts.inFlight &&
        counts.inFlight === runtime.live.size,
      slotsWithinCapacity: endpoints.every((e) => e.maxBusy <= e.slots),
      auditVerified: verified !== false,
      auditComplete: ledger === audit.actionRecords,
    },
    timeseries: {
      bucketS,
      queueLength: Array.from(recorder.queueBucketArea, (a) => a / bucketS),
      queueMax: Array.from(recorder.queueBucketMax),
      serviceByTenant,
      busySlots: Array.from(recorder.busyBucketArea, (a) => a / bucketS),
    },
    timeline: recorder.timeline,
    outages: scenario.endpoints.flatMap((e) =>
      e.failures.outages.map((o) => ({ endpoint: e.name, atS: o.atS, forS: o.forS })),
    ),
    events: sim.eventsProcessed,
  };
}

/** Each endpoint's requests and tokens per minute offered, sent and admitted, against its limits. */
function endpointsOfCell(scenario: Scenario, recorder: Recorder): Record<string, EndpointCell> {
  const windowMin = (recorder.toS - recorder.fromS) / 60;
  const endpoints: Record<string, EndpointCell> = {};
  scenario.endpoints.forEach((spec, e) => {
    const offered = recorder.offered[e]!;
    const at = recorder.attempts[e]!;
    const perMinute = (n: number) => n / windowMin;
    const limit = (perS: number | undefined) => (perS === undefined ? null : perS * 60);
    endpoints[spec.name] = {
      requestsPerMinute: {
        offered: perMinute(offered.requests),
        sent: perMinute(at.attempts),
        admitted: perMinute(at.attempts - at.rateLimited - at.unavailable),
        limit: limit(spec.rateLimit?.requestsPerS),
      },
      tokensPerMinute: {
        offered: perMinute(offered.tokens),
        sent: perMinute(at.tokens),
        admitted: perMinute(at.admittedTokens),
        limit: limit(spec.rateLimit?.tokensPerS),
      },
      attempts: at.attempts,
      rateLimited: at.rateLimited,
      unavailable: at.unavailable,
    };
  });
  return endpoints;
}

/**
 * The saturation verdict of a cell: each endpoint's slots and rate limits, and each tool's
 * quota, against the load the window's arrivals offered them. A call is offered to its
 * preferred endpoint (the first it may use); failover moves load only after a refusal.
 */
function saturationOfCell(
  scenario: Scenario,
  recorder: Recorder,
  endpoints: readonly Endpoint[],
  totalSlots: number,
): CellResult["saturation"] {
  const windowS = recorder.toS - recorder.fromS;
  const windowMin = windowS / 60;
  const resources: Omit<Bottleneck, "load">[] = [];
  let outageSlotS = 0;
  endpoints.forEach((endpoint, e) => {
    const spec = scenario.endpoints[e]!;
    const offered = recorder.offered[e]!;
    const downS = spec.failures.outages.reduce(
      (s, o) => s + overlap(o.atS, o.atS + o.forS, recorder.fromS, recorder.toS),
      0,
    );
    outageSlotS += endpoint.slots * downS;
    resources.push({
      resource: "slots",
      name: endpoint.name,
      offered: offered.slotS / windowS,
      limit: endpoint.slots * (1 - downS / windowS),
      unit: "slot-s/s",
    });
    const rateLimits = [
      ["requestsPerMinute", spec.rateLimit?.requestsPerS, offered.requests, "requests/min"],
      ["tokensPerMinute", spec.rateLimit?.tokensPerS, offered.tokens, "tokens/min"],
    ] as const;
    for (const [resource, perS, amount, unit] of rateLimits) {
      if (perS === undefined) continue;
      const offeredPerMin = amount / windowMin;
      resources.push({
        resource,
        name: endpoint.name,
        offered: offeredPerMin,
        limit: perS * 60,
        unit,
      });
    }
  });
  scenario.tools.forEach((tool, t) => {
    if (!Number.isFinite(tool.concurrency)) return;
    resources.push({
      resource: "toolConcurrency",
      name: tool.name,
      offered: recorder.toolOfferedS[t]! / windowS,
      limit: tool.concurrency,
      unit: "calls in flight",
    });
  });
  const first = Math.ceil(recorder.fromS / recorder.bucketS);
  const quarter = Math.max(1, Math.floor((BUCKETS - first) / 4));
  const meanQueue = (from: number, to: number) => {
    let sum = 0;
    for (let b = from; b < to; b++) sum += recorder.queueBucketArea[b]! / recorder.bucketS;
    return sum / Math.max(1, to - from);
  };
  const verdict = saturation({
    resources,
    earlyQueue: meanQueue(first + quarter, first + 2 * quarter),
    lateQueue: meanQueue(BUCKETS - quarter, BUCKETS),
    totalSlots,
    measuredRuns: recorder.measuredRuns,
    lost: recorder.measuredLost,
    lostBecause: [...recorder.lostBecause],
  });
  const slots = verdict.resources.filter((r) => r.resource === "slots");
  return {
    ...verdict,
    offeredPerS: slots.reduce((s, r) => s + r.offered, 0),
    capacityPerS: Math.max(0, totalSlots - outageSlotS / windowS),
    arrivalsPerS: recorder.arrivalsInWindow / windowS,
    completionsPerS: recorder.completionsInWindow / windowS,
  };
}

/** Who wrote garbage to the store, under whose authority, and how many runs read it. */
function blastRadiusOf(runtime: RuntimeTally): CellResult["store"]["blastRadius"] {
  const activity = runtime.activity;
  if (activity === null || activity.counters.garbageWrites === 0) return null;
  const radius = activity.store.blastRadius(
    (write) =>
      typeof write.value === "object" &&
      write.value !== null &&
      (write.value as { garbage?: boolean }).garbage === true,
  );
  return {
    versions: radius.writes.length,
    writers: radius.writers.slice(0, 20),
    authorizers: radius.authorizers.slice(0, 20),
    readers: radius.readers.length,
    readerSample: radius.readers.slice(0, 20),
  };
}

function sloOf(group: GroupRecorder): number | null {
  return group.sloRuns === 0 ? null : group.sloMet / group.sloRuns;
}

function overlap(a: number, b: number, from: number, to: number): number {
  return Math.max(0, Math.min(b, to) - Math.max(a, from));
}
