// Throughput of the metrics recorders on the simulator's hot path.
// Run: npx tsx bench/metrics.bench.ts   (target: Histogram.record well above 20 million/s)
//
// Each task records a batch of BATCH values per call, so the timer's own cost (tens of ns)
// does not swamp operations that take a few ns; rates below are per value.

import { type BitBucketSize, build } from "hdr-histogram-js";
import { Bench } from "tinybench";
import { Histogram, ServiceGapTracker } from "../src/metrics/index.ts";
import { type RecordedTurn, Recorder } from "../src/runtime/recorder.ts";

const BATCH = 10_000;

/** Seeded waits in seconds: a quarter exact zeros, the rest log-uniform from 1 µs to 100 s. */
function waitsS(count: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  return Float64Array.from({ length: count }, () => (next() < 0.25 ? 0 : 10 ** (8 * next() - 6)));
}

const waits = waitsS(BATCH, 7);

function hdrRecorder(bits: BitBucketSize): () => void {
  const h = build({
    bitBucketSize: bits,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 1e12,
    numberOfSignificantValueDigits: 3,
  });
  return () => {
    for (let i = 0; i < BATCH; i++) h.recordValue(Math.round(waits[i] * 1e6));
  };
}

const histogram = new Histogram();
let clockS = 0;
// The cell's recorder over a long window: each pair of calls is a turn joining and leaving the
// queue (integrals, buckets, demand, offered load, wait histogram).
const recorder = new Recorder({
  fromS: 0,
  toS: 1e9,
  tenantWeights: [1, 1, 2, 4],
  jobTenants: [0, 1, 2, 3],
  levels: 1,
  totalSlots: 8,
  timelineLimit: 0,
});
const turns: RecordedTurn[] = Array.from({ length: 4 }, (_, tenant) => ({
  tenantIndex: tenant,
  jobIndex: tenant,
  level: 0,
  readyS: 0,
  measured: true,
  attempt: 1,
  promptTokens: 1200,
  outputTokens: 150,
  preferredEndpoint: 0,
}));
const gaps = new ServiceGapTracker({ weights: [1, 1, 2, 4] });
for (let tenant = 0; tenant < 4; tenant++) gaps.backlogStart(tenant, 0);

const bench = new Bench({ time: 1000, warmupTime: 200 });
bench
  .add("Histogram.record", () => {
    for (let i = 0; i < BATCH; i++) histogram.record(waits[i]);
  })
  .add("hdr-histogram-js recordValue, float64 (reference)", hdrRecorder(64))
  .add("hdr-histogram-js recordValue, int32 (reference)", hdrRecorder(32))
  .add("hdr-histogram-js recordValue, packed (reference)", hdrRecorder("packed"))
  .add("Recorder.enqueued + dequeued (a turn's wait, 4 tenants)", () => {
    for (let i = 0; i < BATCH; i++) {
      clockS += waits[i] * 1e-3;
      const turn = turns[i & 3]!;
      recorder.enqueued(turn, clockS, 2);
      recorder.dequeued(turn, clockS + 1e-4, true);
    }
  })
  .add("ServiceGapTracker.service (4 tenants)", () => {
    for (let i = 0; i < BATCH; i++) gaps.service(i & 3, 1200 + (i & 255), clockS);
  });

await bench.run();

const rows = bench.tasks.map((task) => {
  const result = task.result;
  if (result.state !== "completed") return { task: task.name, state: result.state };
  const nsPerValue = (result.period * 1e6) / BATCH;
  return {
    task: task.name,
    "ns/value": nsPerValue.toFixed(2),
    "million/s": (1e3 / nsPerValue).toFixed(1),
    "±%": result.latency.rme.toFixed(1),
    batches: result.latency.samplesCount,
  };
});
console.table(rows);
console.log(
  `Histogram.record: ${histogram.count} values recorded, p99 ${histogram.quantile(0.99).toFixed(3)} s`,
);
