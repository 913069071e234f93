import { ScenarioError } from "../../input/index.ts";
import { Heap } from "./heap.ts";
import { checkKey, checkOptionKeys } from "./options.ts";
import { SeqQueue } from "./turn-queue.ts";
import type { AcceptTurn, ReadyTurn, Scheduler, SchedulerContext, Usage } from "./types.ts";

/** One tenant's state: its virtual token counter and its waiting turns. */
interface TenantState {
  readonly index: number;
  readonly name: string;
  readonly weight: number;
  /** Lifts + (actual cost of finished turns + expected cost of turns in flight) / weight. */
  counter: number;
  readonly queue: SeqQueue;
  /** Position in the heap of backlogged tenants; -1 when not backlogged. */
  heapIndex: number;
  /** Turns picked and not yet completed. */
  inFlight: number;
}

/**
 * `fair-share`: the Virtual Token Counter (VTC) of Sheng et al., "Fairness in Serving Large
 * Language Models" (OSDI 2024), for whole turns on c slots. No options; weights come from
 * the scenario's tenants.
 *
 * Each tenant f has a counter C_f of weighted service. `pick` serves the backlogged tenant
 * (one with a turn waiting) whose counter is least, ties to the lower tenant index, and takes
 * that tenant's turns first-ready-first. When a tenant becomes backlogged its counter is
 * lifted to the least counter among backlogged tenants, or, when none is, to the counter of
 * the tenant that last stopped being backlogged (the paper's rule), so time spent idle cannot
 * be banked and spent later in a burst.
 *
 * Accounting. The paper charges a request's prompt when it joins the batch and each output
 * token as it is generated. Here a turn is the atom: it is not preemptible and the scheduler
 * learns nothing of it until it ends, when its output length is finally known. So a turn is
 * charged `expectedCost / weight` when it is picked, which stops a tenant from taking every
 * free slot in a burst before its first turn ends, and the counter is corrected by
 * `(usage.cost - expectedCost) / weight` at `complete`, so estimation errors do not shift
 * shares for good: C_f = lifts + (actual cost of f's finished turns + expected cost of its
 * turns in flight) / w_f.
 *
 * Fairness bound. Measure W_f(t1, t2), tenant f's service in (t1, t2], as the actual cost of
 * the turns of f dispatched in that interval (a dispatched turn runs to its end). Take two
 * tenants f and g continuously backlogged (each with a turn waiting at every instant) over
 * [t0, t2], and let, over their turns,
 * A_f = the largest actual cost of a turn of f, U_f = the largest underestimate
 * max(0, cost - expectedCost), O_f = the largest overestimate max(0, expectedCost - cost),
 * and c the number of slots. Then for t0 <= t1 <= t2,
 *
 *     | W_f/w_f - W_g/w_g | <= B_f + B_g, with
 *     B_f = A_f/w_f + (c - 1) max(U_f/w_f, O_g/w_g),  B_g = A_g/w_g + (c - 1) max(U_g/w_g, O_f/w_f)
 *
 * whenever both started backlogged with equal counters and nothing in flight (as at the start
 * of a simulation); in general the bound is max(B_f, D(t0)) + max(B_g, -D(t0)), D as below.
 * With exact estimates, or one slot, it is A_f/w_f + A_g/w_g: the paper's "twice the largest
 * cost" for equal weights, and tight (test/scheduler-fair-share.test.ts builds a workload that
 * comes within one small turn of it: 19 of 20). Each further slot adds, on each side, the
 * estimate error of a turn still in flight when another pick is made on an estimate (the same
 * test file reaches 37 of B_f + B_g = 38 on two slots with estimates off by 9 of 10).
 *
 * Proof. Let Ĉ_f = lifts + (actual cost of every turn of f dispatched so far) / w_f, the counter
 * with hindsight; Ĉ_f = C_f + Σ(cost - expectedCost)/w_f over f's turns in flight. Neither tenant
 * is lifted while backlogged, so the gap is D(t2) - D(t1) with D = Ĉ_f - Ĉ_g. Take t and the last
 * dispatch of f at some τ in [t0, t]. At τ the pick rule gave C_f <= C_g, so D(τ-) <=
 * Σ_{F_f}(cost - expected)/w_f - Σ_{F_g}(cost - expected)/w_g over the turns F in flight at τ,
 * at most c - 1 of them (a slot was free). After τ, Ĉ_f gains only that turn's cost (<= A_f)
 * and Ĉ_g does not fall, so D(t) <= B_f. Symmetrically -D(t) <= B_g once g has been
 * dispatched in [t0, t]; before f (or g) is dispatched, D(t) <= D(t0) (or -D(t) <= -D(t0)).
 *
 * The argument needs the pick rule at every dispatch of f while g waits: it holds for picks
 * without a filter, or with filters that accept both tenants' turns. A slot that refuses g's
 * turns (another model, a failover endpoint) serves f regardless, outside the bound.
 *
 * Complexity: O(log n + log T) per operation for n waiting turns and T tenants; a filtered
 * pick that passes over tenants costs O(n + T log T).
 */
export function createFairShare(
  ctx: SchedulerContext,
  options: Record<string, unknown>,
): Scheduler {
  checkOptionKeys("fair-share", options, []);
  return new FairShareScheduler(ctx);
}

/** The VTC scheduler; see `createFairShare`. */
export class FairShareScheduler implements Scheduler {
  readonly name = "fair-share";
  private readonly tenants: TenantState[];
  private readonly backlogged = new Heap<TenantState>(
    (a, b) => a.counter < b.counter || (a.counter === b.counter && a.index < b.index),
    (tenant, index) => {
      tenant.heapIndex = index;
    },
  );
  /** The tenant that last stopped being backlogged: the lift reference when none is. */
  private lastLeft: TenantState | undefined;
  /** Tenants passed over by a filtered pick, reused so it allocates nothing. */
  private readonly passed: TenantState[] = [];
  private waiting = 0;

  constructor(ctx: SchedulerContext) {
    this.tenants = ctx.tenants.map((tenant, index) => {
      if (
        typeof tenant.weight !== "number" ||
        !Number.isFinite(tenant.weight) ||
        tenant.weight <= 0
      ) {
        throw new ScenarioError(`tenants[${index}].weight`, "a positive number", tenant.weight);
      }
      return {
        index,
        name: tenant.name,
        weight: tenant.weight,
        counter: 0,
        queue: new SeqQueue(),
        heapIndex: -1,
        inFlight: 0,
      };
    });
  }

  /** Turns waiting. */
  get size(): number {
    return this.waiting;
  }

  /** A tenant's counter (weighted service, lifts included), for tests and reports. */
  counter(tenantIndex: number): number {
    return this.tenantAt(tenantIndex, "counter").counter;
  }

  /** Adds a turn to its tenant's queue, lifting the tenant if it was not backlogged. */
  enqueue(turn: ReadyTurn, _nowS: number): void {
    const tenant = this.tenantOf(turn, "enqueue");
    checkKey("fair-share", "expectedCost", turn.expectedCost, turn.seq);
    tenant.queue.push(turn);
    this.waiting++;
    if (tenant.heapIndex < 0) this.join(tenant);
  }

  /** Serves the backlogged tenant with the least counter (that has an accepted turn). */
  pick(_nowS: number, accept?: AcceptTurn): ReadyTurn | undefined {
    if (accept === undefined) {
      const tenant = this.backlogged.peek();
      if (tenant === undefined) return undefined;
      return this.dispatch(tenant, tenant.queue.pop()!);
    }
    let tenant: TenantState | undefined;
    let turn: ReadyTurn | undefined;
    for (;;) {
      tenant = this.backlogged.peek();
      if (tenant === undefined) break;
      turn = tenant.queue.popFirst(accept);
      if (turn !== undefined) break;
      this.passed.push(this.backlogged.pop()!);
    }
    for (const other of this.passed) this.backlogged.push(other);
    this.passed.length = 0;
    return tenant === undefined || turn === undefined ? undefined : this.dispatch(tenant, turn);
  }

  /** Corrects the dispatch charge to the actual cost. */
  complete(turn: ReadyTurn, usage: Usage, _nowS: number): void {
    const tenant = this.tenantOf(turn, "complete");
    if (tenant.inFlight === 0) {
      throw new Error(
        `fair-share.complete: turn ${turn.seq} completed but ${tenant.name} has none in flight`,
      );
    }
    if (typeof usage.cost !== "number" || !(usage.cost >= 0) || usage.cost === Infinity) {
      throw new Error(
        `fair-share.complete: turn ${turn.seq} has cost ${usage.cost}, expected a number >= 0`,
      );
    }
    tenant.inFlight--;
    tenant.counter += (usage.cost - turn.expectedCost) / tenant.weight;
    if (tenant.heapIndex >= 0) this.backlogged.update(tenant.heapIndex);
  }

  /** Charges the estimate and reorders (or retires) the tenant. */
  private dispatch(tenant: TenantState, turn: ReadyTurn): ReadyTurn {
    this.waiting--;
    tenant.inFlight++;
    tenant.counter += turn.expectedCost / tenant.weight;
    if (tenant.queue.size === 0) this.leave(tenant);
    else this.backlogged.update(tenant.heapIndex);
    return turn;
  }

  /** The tenant becomes backlogged: lift it so that idle time is not banked. */
  private join(tenant: TenantState): void {
    const reference = this.backlogged.peek() ?? this.lastLeft;
    if (reference !== undefined && tenant.counter < reference.counter) {
      tenant.counter = reference.counter;
    }
    this.backlogged.push(tenant);
  }

  private leave(tenant: TenantState): void {
    this.backlogged.removeAt(tenant.heapIndex);
    this.lastLeft = tenant;
  }

  private tenantOf(turn: ReadyTurn, operation: string): TenantState {
    return this.tenantAt(turn.tenantIndex, operation, turn.seq);
  }

  private tenantAt(index: number, operation: string, seq?: number): TenantState {
    const tenant = this.tenants[index];
    if (tenant === undefined) {
      const which = seq === undefined ? "" : `turn ${seq} has `;
      throw new RangeError(
        `fair-share.${operation}: ${which}tenantIndex ${index}, expected 0..${this.tenants.length - 1}`,
      );
    }
    return tenant;
  }
}
