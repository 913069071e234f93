import { checkOptionKeys, choiceOption } from "./options.ts";
import { Ring } from "./ring.ts";
import { SeqQueue } from "./turn-queue.ts";
import type { AcceptTurn, ReadyTurn, Scheduler, SchedulerContext, Usage } from "./types.ts";

/** A group of turns served in turn: one tenant (or one job). */
interface Group {
  readonly name: string;
  readonly queue: SeqQueue;
  /** Whether the group has an entry in the ring (it has, exactly while it has turns waiting). */
  inRing: boolean;
}

/**
 * `round-robin`, after AIOS's: groups take turns, one turn each per round, unweighted, and a
 * group's own turns go first-ready-first. A run has at most one ready turn at a time, so
 * round-robin over runs would just be fifo; the groups are tenants, or jobs with
 * `{ by: "job" }` (default `"tenant"`). A group that becomes backlogged joins at the end of the
 * round. O(1) per operation.
 */
export function createRoundRobin(
  ctx: SchedulerContext,
  options: Record<string, unknown>,
): Scheduler {
  checkOptionKeys("round-robin", options, ["by"]);
  const by = choiceOption("round-robin", options, "by", ["tenant", "job"] as const);
  return new RoundRobinScheduler(ctx, by);
}

/** The round-robin scheduler; see `createRoundRobin`. */
export class RoundRobinScheduler implements Scheduler {
  readonly name = "round-robin";
  private readonly groups: Group[];
  /** Indexes of the backlogged groups in serving order. */
  private readonly ring = new Ring<number>();
  /** Groups passed over by a filtered pick, reused so it allocates nothing. */
  private readonly passed: number[] = [];
  private readonly groupIndex: (turn: ReadyTurn) => number;
  private waiting = 0;
  private inFlight = 0;

  constructor(ctx: SchedulerContext, by: "tenant" | "job") {
    const names = by === "tenant" ? ctx.tenants.map((t) => t.name) : ctx.jobs.map((j) => j.name);
    this.groups = names.map((name) => ({ name, queue: new SeqQueue(), inRing: false }));
    this.groupIndex = by === "tenant" ? (turn) => turn.tenantIndex : (turn) => turn.jobIndex;
  }

  /** Turns waiting. */
  get size(): number {
    return this.waiting;
  }

  /** Adds a turn; its group joins the end of the round if it was not in it. */
  enqueue(turn: ReadyTurn, _nowS: number): void {
    const index = this.groupIndex(turn);
    const group = this.groupAt(index, turn, "enqueue");
    group.queue.push(turn);
    this.waiting++;
    if (!group.inRing) {
      group.inRing = true;
      this.ring.pushBack(index);
    }
  }

  /** Serves the next group in the round (the first that has an accepted turn). */
  pick(_nowS: number, accept?: AcceptTurn): ReadyTurn | undefined {
    for (;;) {
      const index = this.ring.popFront();
      if (index === undefined) break;
      const group = this.groups[index]!;
      const turn = accept === undefined ? group.queue.pop() : group.queue.popFirst(accept);
      if (turn === undefined) {
        this.passed.push(index);
        continue;
      }
      if (group.queue.size > 0) this.ring.pushBack(index);
      else group.inRing = false;
      this.restorePassed();
      this.waiting--;
      this.inFlight++;
      return turn;
    }
    this.restorePassed();
    return undefined;
  }

  /** Nothing to account; throws if no picked turn is in flight. */
  complete(turn: ReadyTurn, _usage: Usage, _nowS: number): void {
    if (this.inFlight === 0) {
      throw new Error(`round-robin.complete: turn ${turn.seq} completed but no turn is in flight`);
    }
    this.inFlight--;
  }

  /** Puts the groups a filtered pick passed over back at the front, in their order. */
  private restorePassed(): void {
    const passed = this.passed;
    for (let i = passed.length - 1; i >= 0; i--) this.ring.pushFront(passed[i]!);
    passed.length = 0;
  }

  private groupAt(index: number, turn: ReadyTurn, operation: string): Group {
    const group = this.groups[index];
    if (group === undefined) {
      throw new RangeError(
        `round-robin.${operation}: turn ${turn.seq} has group index ${index}, expected 0..${this.groups.length - 1}`,
      );
    }
    return group;
  }
}
