/**
 * Conditions: events made of other events (all-of, any-of). A condition fails with the first
 * failure among its events; values already processed count at once.
 */
import { EventClass, SimEvent } from "./event.ts";
import type { Simulation } from "./simulation.ts";

/** The outcome of an any-of: which event came first, and its value. */
export interface AnyOfResult<T> {
  /** Index of the first event to succeed, in the list given. */
  index: number;
  /** Its value. */
  value: T;
}

/** Succeeds with every value, in order, once all events succeeded; fails with the first failure. */
export function allOf<T>(sim: Simulation, events: readonly SimEvent<T>[]): SimEvent<T[]> {
  const condition = new SimEvent<T[]>(sim, EventClass.Completion);
  const values = new Array<T>(events.length);
  let remaining = events.length;
  if (remaining === 0) return condition.succeed([]);
  events.forEach((event, index) => {
    event.onProcessed((done) => {
      if (condition.triggered) {
        if (!done.ok) done.defused = true;
        return;
      }
      if (!done.ok) {
        condition.fail(done.value);
        return;
      }
      values[index] = done.value;
      if (--remaining === 0) condition.succeed(values);
    });
  });
  return condition;
}

/** Succeeds with the first event to succeed; fails if the first to finish failed. */
export function anyOf<T>(
  sim: Simulation,
  events: readonly SimEvent<T>[],
): SimEvent<AnyOfResult<T>> {
  const condition = new SimEvent<AnyOfResult<T>>(sim, EventClass.Completion);
  if (events.length === 0) throw new Error("Simulation.anyOf: expected at least one event, got 0");
  events.forEach((event, index) => {
    event.onProcessed((done) => {
      if (condition.triggered) {
        if (!done.ok) done.defused = true;
        return;
      }
      if (done.ok) condition.succeed({ index, value: done.value });
      else condition.fail(done.value);
    });
  });
  return condition;
}
