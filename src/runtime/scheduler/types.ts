/**
 * The scheduler contract between the runtime and a policy.
 *
 * The runtime holds ready turns in a scheduler: it calls `enqueue` when a turn becomes ready,
 * `pick` whenever an endpoint slot is free, and `complete` when a dispatched turn ends
 * (completed, failed or aborted) with what it actually used. That is all it asks of a policy:
 * it never withdraws a waiting turn nor asks which turn would go next without taking it.
 * A turn is not preemptible, so a policy's only decision is which waiting turn goes next.
 */

/** What a scheduler knows of a ready turn. Fields are read-only to the scheduler. */
export interface ReadyTurn {
  /** Unique per enqueue, increasing in the order turns became ready (the FIFO key): 0..2^32-1. */
  readonly seq: number;
  /** Unique per run. */
  readonly runId: number;
  /** The job's name. */
  readonly job: string;
  /** The job's index in `SchedulerContext.jobs`. */
  readonly jobIndex: number;
  /** The tenant's name. */
  readonly tenant: string;
  /** The tenant's index in `SchedulerContext.tenants`. */
  readonly tenantIndex: number;
  /** The job's priority; larger is more important. */
  readonly priority: number;
  /** When the turn became ready, in simulated seconds. */
  readonly readyS: number;
  /** When the turn's run arrived, in simulated seconds. */
  readonly runArrivalS: number;
  /** `runArrivalS` + the job's SLO run latency; `Infinity` when the job has no SLO. */
  readonly deadlineS: number;
  /** Prompt tokens of this turn's model call (known exactly once the turn is ready). */
  readonly promptTokens: number;
  /** Estimated service cost of this turn: prompt tokens + 2 x expected output tokens. */
  readonly expectedCost: number;
  /** Estimated turn time in seconds (used by `sjf`). */
  readonly expectedDurationS: number;
  /** The run's service so far: the sum of the costs of its finished turns (used by `las`). */
  readonly attainedService: number;
}

/** What a turn actually used, reported to `complete` once it ends. */
export interface Usage {
  /** Service cost actually delivered (same weights as `expectedCost`); wasted tokens count. */
  readonly cost: number;
  /** Time the turn held its slot, in simulated seconds. */
  readonly durationS: number;
  /** Prompt tokens processed. */
  readonly promptTokens: number;
  /** Output tokens generated (the partial output of an aborted turn included). */
  readonly outputTokens: number;
}

/** What a policy is told of the scenario when it is created. Indexes match `ReadyTurn`'s. */
export interface SchedulerContext {
  /** Tenants in scenario order; `weight` > 0 (default 1 in the scenario). */
  readonly tenants: readonly { readonly name: string; readonly weight: number }[];
  /** Jobs in scenario order. */
  readonly jobs: readonly {
    readonly name: string;
    readonly tenant: string;
    readonly priority: number;
  }[];
}

/**
 * A filter on the turns a free slot can take (say, an endpoint that serves only some models,
 * or a failover endpoint). Must be pure: same turn, same answer, within one `pick` call.
 */
export type AcceptTurn = (turn: ReadyTurn) => boolean;

/** A scheduling policy: holds the ready turns and decides which one is dispatched next. */
export interface Scheduler {
  /** The policy's name, e.g. `fair-share`. */
  readonly name: string;
  /** Turns waiting (enqueued, not yet picked). */
  readonly size: number;
  /** Adds a ready turn. Throws if a turn with the same `seq` is already waiting. */
  enqueue(turn: ReadyTurn, nowS: number): void;
  /**
   * Removes and returns the next turn to dispatch; `undefined` when none is waiting (or none
   * is accepted). With `accept`, returns the turn the policy ranks first among those accepted;
   * O(log n) when the first-ranked turn is accepted; otherwise the built-in policies scan the
   * waiting turns once, O(n), without allocating.
   */
  pick(nowS: number, accept?: AcceptTurn): ReadyTurn | undefined;
  /** Accounting after a picked turn ends (completed, failed or aborted), with its actual usage. */
  complete(turn: ReadyTurn, usage: Usage, nowS: number): void;
}

/** Builds a scheduler for one cell; `options` are the policy's options from the scenario. */
export type SchedulerFactory = (
  ctx: SchedulerContext,
  options: Record<string, unknown>,
) => Scheduler;
