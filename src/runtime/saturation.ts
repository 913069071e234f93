/**
 * Saturation: when the offered load exceeds what the endpoints can serve, queues grow with the
 * horizon and steady-state statistics mean nothing. A cell is saturated when the offered work
 * (arrival rate x slot-seconds a completed run needed) reaches the capacity (slots, less
 * outages), or when the queue was still growing at the end of the window (the last quarter's
 * mean queue well above the second quarter's and above the slot count), which catches overload
 * that the completed runs under-represent.
 */
import { BUCKETS, type Recorder } from "./recorder.ts";

/** Inputs of the saturation rule. */
export interface SaturationInputs {
  recorder: Recorder;
  windowS: number;
  totalSlots: number;
  outageSlotS: number;
  inFlight: number;
}

/** The saturation verdict, with the offered and served rates. */
export function saturationOf(inputs: SaturationInputs) {
  const { recorder, windowS, totalSlots, outageSlotS } = inputs;
  const arrivalsPerS = recorder.arrivalsInWindow / windowS;
  const completionsPerS = recorder.completionsInWindow / windowS;
  const demandPerRunS =
    recorder.completedMeasuredRuns > 0
      ? recorder.slotSecondsOfMeasuredRuns / recorder.completedMeasuredRuns
      : 0;
  const offeredPerS = arrivalsPerS * demandPerRunS;
  const capacityPerS = Math.max(0, totalSlots - outageSlotS / windowS);
  const first = Math.ceil(recorder.fromS / recorder.bucketS);
  const span = BUCKETS - first;
  const quarter = Math.max(1, Math.floor(span / 4));
  const mean = (from: number, to: number) => {
    let sum = 0;
    for (let b = from; b < to; b++) sum += recorder.queueBucketArea[b]! / recorder.bucketS;
    return sum / Math.max(1, to - from);
  };
  const early = mean(first + quarter, first + 2 * quarter);
  const late = mean(BUCKETS - quarter, BUCKETS);
  const growing = late > Math.max(2 * early, totalSlots) && late > 1;
  const overloaded = capacityPerS > 0 && offeredPerS >= 0.98 * capacityPerS;
  const saturated = overloaded || growing;
  const reason = overloaded
    ? `offered ${offeredPerS.toFixed(2)} slot-s/s >= capacity ${capacityPerS.toFixed(2)}`
    : growing
      ? `queue still growing: mean ${late.toFixed(1)} waiting in the last quarter vs ${early.toFixed(1)} earlier`
      : "";
  return { saturated, offeredPerS, capacityPerS, arrivalsPerS, completionsPerS, reason };
}
