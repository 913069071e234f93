/**
 * The cell `check` audits: replication 0 of a policy with its trail written to a JSONL file,
 * observed for work conservation (after each dispatch round: is a slot idle while turns wait?).
 * It runs in this thread, or on a worker when the policy is a module (see check.ts).
 */
import { type CellSpec, type PreparedScenario, runCell } from "../cell/index.ts";
import type { CellMemory, CellResult, RuntimeObserver } from "../runtime/index.ts";

/** What check needs of its audited cell: the result and the work-conservation counts. */
export interface ObservedCell {
  result: CellResult;
  /** Dispatch rounds observed. */
  rounds: number;
  /** Rounds after which a slot of an available endpoint idled while a turn waited. */
  idleWhileWaiting: number;
}

/**
 * Runs `cell` of `prepared` with its trail written to the file `path`, unverified (check
 * verifies the file from its bytes), counting the dispatch rounds that left a slot idle while
 * a turn waited; with `memory`, its runs in flight are guarded as every experiment cell's are
 * (runtime/memory.ts: past the budget the cell stops with a BudgetError).
 */
export function runObservedCell(
  prepared: PreparedScenario,
  cell: CellSpec,
  path: string,
  memory?: CellMemory,
): ObservedCell {
  let rounds = 0;
  let idleWhileWaiting = 0;
  const observer: RuntimeObserver = {
    dispatchRound(runtime) {
      rounds++;
      // An endpoint whose circuit breaker is open (after a 503) is not available to idle.
      const now = runtime.nowS;
      const idle = runtime.endpoints.some((e) => e.hasFreeSlot && e.openUntilS <= now);
      if (runtime.waitingTurns > 0 && idle) idleWhileWaiting++;
    },
  };
  const { result } = runCell(prepared, cell, {
    audit: { mode: "file", path },
    observer,
    verifyAudit: false,
    ...(memory === undefined ? {} : { memory }),
  });
  return { result, rounds, idleWhileWaiting };
}
