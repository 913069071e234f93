// The Chrome trace of a long audit trail: hundreds of thousands of run tracks must not overflow
// the stack (a spread of the events once did: "Maximum call stack size exceeded", and the
// report of a long run with --audit was lost).
import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../src/audit/index.ts";
import type { Results } from "../src/experiment/index.ts";
import { chromeTrace } from "../src/report/index.ts";
import { RunTracks } from "../src/report/trace.ts";

describe("chromeTrace", () => {
  it("takes the run tracks of a trail of 300,000 runs", () => {
    const tracks = new RunTracks();
    const runs = 300_000;
    const record = (seq: number, run: string, action: string, time: number): AuditRecord =>
      ({
        seq,
        time,
        run,
        job: "j",
        tenant: "t",
        action,
        target: "j",
        decision: "ok",
        authorizedBy: "a",
        detail: "",
        prevHash: "",
        hash: "",
      }) as AuditRecord;
    for (let k = 0; k < runs; k++) {
      tracks.add(record(2 * k + 1, `j#${k}`, "run.start", k));
      tracks.add(record(2 * k + 2, `j#${k}`, "run.end", k + 0.5));
    }
    const results = {
      scenario: "long",
      seed: 1,
      version: "0",
      policies: { fifo: { replications: [] } },
      registry: { endpoints: [] },
    } as unknown as Results;
    const trace = chromeTrace(results, { runTracks: { fifo: tracks } });
    expect(trace.traceEvents.length).toBeGreaterThanOrEqual(runs);
  });
});
