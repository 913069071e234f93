/**
 * Runs before every test file. Property tests are replayable: CI and the normal run use a fixed
 * fast-check seed, so a failure there repeats exactly; a long run (AGENTSIM_LONG=1) draws a new
 * seed each time to explore, and fast-check prints { seed, path } of any failure either way.
 */
import fc from "fast-check";

const seed =
  process.env.AGENTSIM_SEED !== undefined ? Number(process.env.AGENTSIM_SEED) : undefined;
if (seed !== undefined) fc.configureGlobal({ seed });
else if (!process.env.AGENTSIM_LONG) fc.configureGlobal({ seed: 20261124 });
