/** The end-of-cell invariants: a cell that broke one throws, loudly, instead of reporting. */

import type { CellResult, Endpoint } from "../runtime/index.ts";

/** A broken invariant: the simulation lost a run, overfilled a slot or lost an audit record. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantError";
  }
}

/** Throws an InvariantError naming every invariant of `result` that does not hold. */
export function checkInvariants(result: CellResult, endpoints: readonly Endpoint[]): void {
  const failed: string[] = [];
  const { invariants, counts } = result;
  if (!invariants.conservation) {
    failed.push(
      `conservation: submitted ${counts.submitted} != completed ${counts.completed} + failed ${counts.failed} + rejected ${counts.rejected} + in flight ${counts.inFlight}`,
    );
  }
  if (!invariants.slotsWithinCapacity) {
    failed.push(
      `slots: ${endpoints.map((e) => `${e.name} used ${e.maxBusy} of ${e.slots}`).join(", ")}`,
    );
  }
  if (!invariants.auditVerified) failed.push("audit: the chain does not verify");
  if (!invariants.auditComplete)
    failed.push(`audit: ${result.audit.unaudited} actions without a record`);
  if (failed.length > 0) {
    throw new InvariantError(
      `${result.scenario} / ${result.policy} / seed ${result.seed}: invariant violated: ${failed.join("; ")}`,
    );
  }
}
