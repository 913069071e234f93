/** What runtime/scheduler offers: the Scheduler contract and the built-in policies. */

export { createEdf } from "./edf.ts";
export { createFairShare, FairShareScheduler } from "./fair-share.ts";
export { createFifo } from "./fifo.ts";
export { Heap } from "./heap.ts";
export { createLas } from "./las.ts";
export { createPriority } from "./priority.ts";
export { keyedScheduler, QueueScheduler } from "./queue-scheduler.ts";
export {
  createScheduler,
  isSchedulerName,
  MODULE_EXTENSIONS,
  schedulerNames,
  unknownPolicy,
} from "./registry.ts";
export { createRoundRobin, RoundRobinScheduler } from "./round-robin.ts";
export { createSjf } from "./sjf.ts";
export { KeyedQueue, SeqQueue, TurnQueue } from "./turn-queue.ts";
export type {
  AcceptTurn,
  ReadyTurn,
  Scheduler,
  SchedulerContext,
  SchedulerFactory,
  Usage,
} from "./types.ts";
