/**
 * What goes wrong inside a user's policy module while a cell runs: an exception, a `pick` that
 * breaks the contract, a call that never returns. It is bad input (the user's code), so it is a
 * ScenarioError, exit 2 on the command line, and it names what the user needs to find it: the
 * module, the method, and the cell (scenario, policy label, seed, replication, sweep point).
 */
import { ScenarioError } from "../input/index.ts";

/** The cell a policy runs in, as messages name it. */
export interface PolicyCell {
  /** The scenario's file (else its name). */
  readonly scenario: string;
  /** The policy's label. */
  readonly policy: string;
  /** The cell's root seed. */
  readonly seed: number;
  /** The replication index. */
  readonly replication: number;
  /** The sweep point's settings, if any. */
  readonly point?: Readonly<Record<string, string | number>>;
}

/**
 * A policy module that failed in a cell. One line: `<scenario>: policy "<label>" (<module>),
 * <method>, seed <n>, replication <r>: expected <what the contract asks>, got <what happened>`.
 */
export class PolicyError extends ScenarioError {
  /** The module's absolute path. */
  readonly module: string;
  /** The method that failed, e.g. `pick()`. */
  readonly method: string;

  constructor(module: string, method: string, cell: PolicyCell, expected: string, found: string) {
    super(`${where(module, cell)}, ${method}, ${cellText(cell)}`, expected, found, {
      file: cell.scenario,
      foundShown: true,
    });
    this.name = "PolicyError";
    this.module = module;
    this.method = method;
  }
}

/** `policy "<label>" (<module>)`. */
function where(module: string, cell: PolicyCell): string {
  return `policy ${JSON.stringify(cell.policy)} (${module})`;
}

/** `seed 7, replication 0` and the sweep point's settings. */
function cellText(cell: PolicyCell): string {
  const point = Object.entries(cell.point ?? {}).map(([key, value]) => `${key}=${value}`);
  return [`seed ${cell.seed}`, `replication ${cell.replication}`, ...point].join(", ");
}

/** An exception as a message shows it: `Name: message` (no stack). */
export function thrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `a thrown ${typeof error} ${String(error)}`;
}
