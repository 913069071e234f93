/**
 * Running one cell from a plain-data task, in the main thread or a worker: the scenario at the
 * cell's sweep point is parsed and prepared once and cached, then the cell runs.
 */

import type { AuditTrailOptions } from "../audit/index.ts";
import { type PreparedScenario, prepareScenario, runCell } from "../cell/index.ts";
import { BudgetError, ScenarioError } from "../input/index.ts";
import type { CellMemory, CellResult } from "../runtime/index.ts";
import type { Scenario } from "../scenario/index.ts";
import { applyVary, parseScenario, type SweepPoint } from "../scenario/index.ts";
import { type Cell, pointRecord } from "./cells.ts";
import { type ObservedCell, runObservedCell } from "./observed-cell.ts";
import type { ExperimentSource } from "./plan.ts";

/** One cell to run: plain data, so it crosses to a worker thread unchanged. */
export interface CellTask {
  source: ExperimentSource;
  cell: Cell;
  /** The audit trail's retention for this cell; default the runtime's (summary). */
  audit?: AuditTrailOptions;
  /** The watch record of the worker's policy calls (see policy-watchdog.ts); default none. */
  watch?: SharedArrayBuffer;
  /** The memory budget of the cell's runs in flight; default none. */
  memory?: CellMemory;
}

/** Prepared scenarios kept per runner; a sweep's worker holds at most this many points. */
const CACHE_POINTS = 8;

/** Runs cells, caching the prepared scenario per (document, sweep point). */
export class CellRunner {
  private readonly cache = new Map<string, Promise<PreparedScenario>>();

  /** Seeds the cache (the main thread has prepared the first point already). */
  remember(source: ExperimentSource, point: SweepPoint, prepared: PreparedScenario): void {
    this.cache.set(keyOf(source, point), Promise.resolve(prepared));
  }

  /** Runs a task's cell and returns its result as plain JSON (see `canonicalResult`). */
  async run(task: CellTask): Promise<CellResult> {
    const prepared = await this.prepare(task.source, task.cell.point);
    const { cell } = task;
    const { result } = runCell(
      prepared,
      {
        policy: cell.policy,
        seed: cell.seed,
        replication: cell.replication,
        point: pointRecord(cell.point),
      },
      {
        ...(task.audit === undefined ? {} : { audit: task.audit }),
        ...(task.memory === undefined ? {} : { memory: task.memory }),
      },
    );
    return canonicalResult(result);
  }

  /**
   * Runs a task's cell as `check` audits it (trail written to the file `path`, observed for
   * work conservation; see observed-cell.ts), with its result as plain JSON.
   */
  async runObserved(task: CellTask, path: string): Promise<ObservedCell> {
    const prepared = await this.prepare(task.source, task.cell.point);
    const { cell } = task;
    const spec = { policy: cell.policy, seed: cell.seed, replication: cell.replication };
    const observed = runObservedCell(
      prepared,
      { ...spec, point: pointRecord(cell.point) },
      path,
      task.memory,
    );
    return { ...observed, result: canonicalResult(observed.result) };
  }

  private prepare(source: ExperimentSource, point: SweepPoint): Promise<PreparedScenario> {
    const key = keyOf(source, point);
    let prepared = this.cache.get(key);
    if (prepared === undefined) {
      prepared = prepareScenario(scenarioAt(source, point));
      if (this.cache.size >= CACHE_POINTS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, prepared);
    }
    return prepared;
  }
}

/** The experiment's scenario at a sweep point (parsed and validated, not prepared). */
export function scenarioAt(source: ExperimentSource, point: SweepPoint): Scenario {
  let raw = source.document;
  for (const setting of point) raw = applyVary(raw, setting.path, setting.value);
  return parseScenario(raw, source.file);
}

function keyOf(source: ExperimentSource, point: SweepPoint): string {
  return `${source.digest}\u0000${source.file}\u0000${JSON.stringify(point)}`;
}

/**
 * A cell result as it reads back from JSON. Results are aggregated only from this form, so a
 * cell computed in this process, received from a worker or read from a shard's partial file
 * gives the same bytes (JSON turns NaN and infinities into null; structured clone would not).
 */
export function canonicalResult(result: CellResult): CellResult {
  return JSON.parse(JSON.stringify(result)) as CellResult;
}

/** An error as plain data, to cross from a worker thread. */
export interface ErrorData {
  name: string;
  message: string;
  /** Present for ScenarioError: enough to rebuild it. */
  scenario?: {
    file?: string;
    path: string;
    expected: string;
    found: string;
    others: ErrorData[];
    /** A BudgetError's lines after the first. */
    details?: string[];
  };
}

/** An error as plain data (ScenarioError keeps its fields and its other problems). */
export function errorData(error: unknown): ErrorData {
  if (error instanceof ScenarioError) {
    return {
      name: error.name,
      message: error.message,
      scenario: {
        file: error.file,
        path: error.path,
        expected: error.expected,
        found: error.found,
        others: error.others.map(errorData),
        ...(error instanceof BudgetError ? { details: [...error.details] } : {}),
      },
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** The error an `ErrorData` describes. */
export function errorFromData(data: ErrorData): Error {
  const s = data.scenario;
  if (s?.details !== undefined) {
    return new BudgetError(s.path, s.expected, s.found, s.details, { file: s.file });
  }
  if (s !== undefined) {
    return new ScenarioError(s.path, s.expected, s.found, {
      file: s.file,
      foundShown: true,
      others: s.others.map((o) => errorFromData(o) as ScenarioError),
    });
  }
  const error = new Error(data.message);
  error.name = data.name;
  return error;
}
