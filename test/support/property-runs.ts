/** How many cases property tests generate, and how long they may take. */

/** Whether the long run was asked for (`AGENTSIM_LONG` set). */
export const LONG = process.env.AGENTSIM_LONG !== undefined;

/** Property runs: 1,000 normally, 100,000 in the long run. */
export const RUNS = LONG ? 100_000 : 1_000;

/** A property test's timeout: the default normally, an hour in the long run. */
export const PROPERTY_TIMEOUT_MS = LONG ? 3_600_000 : 120_000;
