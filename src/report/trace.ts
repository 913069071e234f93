/**
 * trace.json in the Chrome Trace Event format (chrome://tracing, ui.perfetto.dev): for each
 * policy a process holding one replication — a track per endpoint slot with the turns that held
 * it, and, when the policy's audit.jsonl is given, a track per run with its model and tool calls
 * as slices and its governance checks, retries, aborts and denials as instant events.
 * Timestamps are microseconds of simulated time.
 *
 * A model call attempt writes, in this order: `model.call` (the governance check, when the
 * attempt is ready, before it is queued; its target is the endpoint the call is headed for),
 * `turn.dispatch` (onto a slot of the endpoint that serves it, failover included), then
 * `model.result` (ok, 5xx, or a 429/503 refusal at the dispatch's own time) or `abort`
 * (timeout, outage), both naming the serving endpoint. So the model slice runs from the
 * dispatch to its result or abort, the check is an instant, and the time between the check
 * and the dispatch is a `queued` slice of its own.
 */

import type { AuditRecord } from "../audit/index.ts";
import { forEachLine, parseRecordLine } from "../audit/index.ts";
import type { Results } from "../experiment/index.ts";
import type { TimelineEntry } from "../runtime/index.ts";
import { isNum } from "./format.ts";

/** One trace event (the fields this report uses). */
export interface TraceEvent {
  name: string;
  /** X: complete slice, i: instant, M: metadata. */
  ph: "X" | "i" | "M";
  pid: number;
  tid: number;
  /** Microseconds; absent on metadata events. */
  ts?: number;
  /** Microseconds, on slices. */
  dur?: number;
  cat?: string;
  /** Instant scope: "t" (the track). */
  s?: "t";
  /** A reserved colour name of the trace viewer. */
  cname?: string;
  args?: Record<string, string | number | boolean>;
}

/** The trace file: a JSON object with `traceEvents`. */
export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: "ms";
  otherData: Record<string, string | number>;
}

/** Options of `chromeTrace`. */
export interface ChromeTraceOptions {
  /** Policy → path of the audit.jsonl of its first replication; read here. */
  auditJsonl?: Record<string, string>;
  /** Policy → run tracks already built from its audit trail (wins over `auditJsonl`). */
  runTracks?: Record<string, RunTracks>;
}

/** Thread ids of run tracks start here, after the slot tracks. */
export const RUN_TID_BASE = 1000;

const US_PER_S = 1e6;

/** Trace viewer colours by turn outcome. */
const OUTCOME_COLOUR: Record<string, string> = {
  ok: "good",
  error: "terrible",
  timeout: "bad",
  aborted: "bad",
};

/** The trace of the results (and of the audit trails given). */
export function chromeTrace(results: Results, options: ChromeTraceOptions = {}): ChromeTrace {
  const events: TraceEvent[] = [];
  Object.entries(results.policies).forEach(([policy, p], index) => {
    const pid = index + 1;
    const seed = p.replications[0]?.seed ?? results.seed;
    events.push(
      meta("process_name", pid, 0, { name: `${policy} (replication 1, seed ${seed})` }),
      meta("process_sort_index", pid, 0, { sort_index: pid }),
    );
    slotEvents(events, pid, p.charts?.timeline ?? [], results);
    let tracks = options.runTracks?.[policy];
    const path = options.auditJsonl?.[policy];
    if (tracks === undefined && path !== undefined) tracks = RunTracks.fromJsonl(path);
    // One at a time: a spread of a long trail's events overflows the stack.
    if (tracks !== undefined) for (const event of tracks.events(pid)) events.push(event);
  });
  return {
    traceEvents: events,
    displayTimeUnit: "ms",
    otherData: {
      scenario: results.scenario,
      seed: results.seed,
      version: results.version,
      clock: "simulated time; 1 s of simulation = 1,000,000 µs",
    },
  };
}

/** The trace as file text: one event a line, so it reads and diffs well. */
export function chromeTraceJson(trace: ChromeTrace): string {
  const lines = trace.traceEvents.map((e) => JSON.stringify(e));
  return (
    `{"displayTimeUnit":${JSON.stringify(trace.displayTimeUnit)},` +
    `"otherData":${JSON.stringify(trace.otherData)},"traceEvents":[\n${lines.join(",\n")}\n]}\n`
  );
}

function meta(name: string, pid: number, tid: number, args: TraceEvent["args"]): TraceEvent {
  return { name, ph: "M", pid, tid, args };
}

function us(timeS: number): number {
  return Math.round(timeS * US_PER_S);
}

function slotEvents(
  events: TraceEvent[],
  pid: number,
  timeline: readonly TimelineEntry[],
  results: Results,
): void {
  const endpoints = results.registry.endpoints.map((e) => e.name);
  for (const e of timeline) if (!endpoints.includes(e.endpoint)) endpoints.push(e.endpoint);
  const slotsBefore = new Map<string, number>();
  let offset = 0;
  for (const name of endpoints) {
    slotsBefore.set(name, offset);
    const declared = results.registry.endpoints.find((e) => e.name === name)?.slots ?? 0;
    const used = timeline.reduce((m, e) => (e.endpoint === name ? Math.max(m, e.slot + 1) : m), 0);
    offset += Math.max(declared, used);
  }
  const named = new Set<number>();
  for (const e of timeline) {
    if (!isNum(e.startS) || !isNum(e.endS)) continue;
    const tid = slotsBefore.get(e.endpoint)! + e.slot + 1;
    if (!named.has(tid)) {
      named.add(tid);
      events.push(
        meta("thread_name", pid, tid, { name: `${e.endpoint} slot ${e.slot}` }),
        meta("thread_sort_index", pid, tid, { sort_index: tid }),
      );
    }
    const ts = us(e.startS);
    events.push({
      name: e.run,
      ph: "X",
      pid,
      tid,
      ts,
      dur: Math.max(0, us(e.endS) - ts),
      cat: e.kind,
      cname: OUTCOME_COLOUR[e.outcome] ?? "yellow",
      args: {
        job: e.job,
        tenant: e.tenant,
        outcome: e.outcome,
        endpoint: e.endpoint,
        slot: e.slot,
      },
    });
  }
}

/** Open slices of one run: its start record, its checked call, and its calls in progress. */
interface RunTrack {
  tid: number;
  start?: AuditRecord;
  lastUs: number;
  /** The `model.call allow` of the attempt waiting for a dispatch (queued). */
  checked?: AuditRecord;
  /**
   * Calls waiting for their results, by `model <endpoint>` (the `turn.dispatch` record) or
   * `tool <name>` (the `tool.call` record).
   */
  open: Map<string, AuditRecord[]>;
}

/**
 * Run tracks built from an audit trail, one record at a time (so a trail is streamed once):
 * a track per run with its run, queue-wait, model-call and tool-call slices, and instants for
 * governance checks, retries, aborts, rejections and denials. Events get their process id
 * when taken.
 */
export class RunTracks {
  private readonly runs = new Map<string, RunTrack>();
  private readonly list: TraceEvent[] = [];

  /** Run tracks of a JSONL trail, up to its first corrupt line. */
  static fromJsonl(path: string): RunTracks {
    const tracks = new RunTracks();
    forEachLine({ path }, (line, lineNo) => {
      try {
        tracks.add(parseRecordLine(line, lineNo, path));
        return true;
      } catch {
        return false; // The cockpit's audit view reports the corrupt line.
      }
    });
    return tracks;
  }

  /** Adds the next record of the trail. */
  add(r: AuditRecord): void {
    if (r.run === "") return; // the trail's own records (the seal)
    let t = this.runs.get(r.run);
    if (t === undefined) {
      t = { tid: RUN_TID_BASE + this.runs.size, lastUs: us(r.time), open: new Map() };
      this.runs.set(r.run, t);
      this.list.push(
        meta("thread_name", 0, t.tid, { name: `run ${r.run}` }),
        meta("thread_sort_index", 0, t.tid, { sort_index: t.tid }),
      );
    }
    t.lastUs = Math.max(t.lastUs, us(r.time));
    this.onRecord(t, r);
  }

  /**
   * The events with process id `pid`: those added so far, then slices still open (runs in
   * flight when the trail ends, calls still queued or without a result) closed at their run's
   * last record.
   */
  events(pid: number): TraceEvent[] {
    const out = this.list.map((e) => ({ ...e, pid }));
    for (const [run, t] of this.runs) {
      if (t.start !== undefined) out.push(runSlice(pid, t, t.start, t.lastUs, "in flight", ""));
      if (t.checked !== undefined) out.push(queueSlice(pid, t.tid, t.checked, t.lastUs, ""));
      for (const [key, open] of t.open) {
        for (const call of open) {
          out.push(callSlice(pid, t.tid, call, t.lastUs, "no result", `${key} of ${run}`));
        }
      }
    }
    return out;
  }

  private onRecord(t: RunTrack, r: AuditRecord): void {
    const ts = us(r.time);
    const events = this.list;
    if (r.decision === "deny") {
      events.push(instant(0, t.tid, r, `denied: ${r.action} ${r.target}`, "denial", "terrible"));
      return;
    }
    switch (r.action) {
      case "run.start":
        t.start = r;
        return;
      case "run.end":
        if (t.start !== undefined) events.push(runSlice(0, t, t.start, ts, r.decision, r.detail));
        t.start = undefined;
        return;
      case "run.reject":
        events.push(instant(0, t.tid, r, "rejected", "run", "bad"));
        return;
      case "model.call":
        // The governance check of an attempt, before it is queued: the call is not running yet.
        events.push(instant(0, t.tid, r, `checked: model.call ${r.target}`, "governance", "grey"));
        t.checked = r;
        return;
      case "turn.dispatch": {
        // The attempt leaves the queue for a slot of `r.target` (maybe not the endpoint it was
        // checked for: failover). Its model slice starts here.
        const checked = t.checked;
        t.checked = undefined;
        if (checked !== undefined && us(checked.time) < ts) {
          events.push(queueSlice(0, t.tid, checked, ts, r.target));
        }
        open(t, `model ${r.target}`, r);
        return;
      }
      case "tool.call":
        open(t, `tool ${r.target}`, r);
        return;
      case "model.result":
      case "tool.result": {
        const key = `${r.action.slice(0, -".result".length)} ${r.target}`;
        const call = t.open.get(key)?.shift();
        if (call !== undefined) events.push(callSlice(0, t.tid, call, ts, r.decision, r.detail));
        return;
      }
      case "retry":
        events.push(instant(0, t.tid, r, "retry", "retry", "yellow"));
        return;
      case "abort": {
        // An aborted turn gets no model.result: the abort ends its model call.
        const call = t.open.get(`model ${r.target}`)?.shift();
        if (call !== undefined) events.push(callSlice(0, t.tid, call, ts, "aborted", r.detail));
        events.push(instant(0, t.tid, r, "abort", "abort", "bad"));
        return;
      }
      default:
        return;
    }
  }
}

/** Opens a call's slice under `key` until its result. */
function open(t: RunTrack, key: string, r: AuditRecord): void {
  const list = t.open.get(key);
  if (list === undefined) t.open.set(key, [r]);
  else list.push(r);
}

function runSlice(
  pid: number,
  t: RunTrack,
  start: AuditRecord,
  endUs: number,
  outcome: string,
  detail: string,
): TraceEvent {
  const ts = us(start.time);
  return {
    name: start.run,
    ph: "X",
    pid,
    tid: t.tid,
    ts,
    dur: Math.max(0, endUs - ts),
    cat: "run",
    cname: outcome === "ok" ? "good" : outcome === "in flight" ? "grey" : "terrible",
    args: {
      job: start.job,
      tenant: start.tenant,
      authorizedBy: start.authorizedBy,
      outcome,
      ...(detail !== "" ? { detail } : {}),
    },
  };
}

function callSlice(
  pid: number,
  tid: number,
  call: AuditRecord,
  endUs: number,
  result: string,
  detail: string,
): TraceEvent {
  const ts = us(call.time);
  const kind = call.action === "turn.dispatch" ? "model" : "tool";
  return {
    name: `${kind} ${call.target}`,
    ph: "X",
    pid,
    tid,
    ts,
    dur: Math.max(0, endUs - ts),
    cat: kind,
    cname: result === "ok" ? "good" : "terrible",
    args: { result, seq: call.seq, ...(detail !== "" ? { detail } : {}) },
  };
}

/** The time a checked model call waited for a slot: from its check to its dispatch. */
function queueSlice(
  pid: number,
  tid: number,
  checked: AuditRecord,
  endUs: number,
  dispatchedTo: string,
): TraceEvent {
  const ts = us(checked.time);
  return {
    name: "queued",
    ph: "X",
    pid,
    tid,
    ts,
    dur: Math.max(0, endUs - ts),
    cat: "wait",
    cname: "grey",
    args: {
      headedFor: checked.target,
      dispatchedTo: dispatchedTo === "" ? "not dispatched" : dispatchedTo,
      seq: checked.seq,
    },
  };
}

function instant(
  pid: number,
  tid: number,
  r: AuditRecord,
  name: string,
  cat: string,
  cname: string,
): TraceEvent {
  return {
    name,
    ph: "i",
    s: "t",
    pid,
    tid,
    ts: us(r.time),
    cat,
    cname,
    args: {
      action: r.action,
      target: r.target,
      decision: r.decision,
      authorizedBy: r.authorizedBy,
      seq: r.seq,
      ...(r.detail !== "" ? { detail: r.detail } : {}),
    },
  };
}
