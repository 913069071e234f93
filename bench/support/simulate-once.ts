// One cell of a scenario through the library API, timed alone: prints JSON with the customers
// (completed runs), their mean wait, and the wall and CPU seconds (every thread of the process)
// of the `simulate` call only — loading the scenario and the modules excluded, as SimPy's own
// timing of `env.run()` excludes its imports (bench/simpy/mm1.py). A fresh process each time, so
// the JIT is as cold as in a user's single run.
// Run: node --import tsx bench/support/simulate-once.ts <scenario.yaml>
import { loadScenarioFile, simulate } from "../../src/index.ts";
import { replicationSeed } from "../../src/sim/index.ts";

const file = process.argv[2];
if (file === undefined) throw new Error("usage: simulate-once.ts <scenario.yaml>");
const scenario = loadScenarioFile(file);
const cpu0 = process.cpuUsage();
const wall0 = process.hrtime.bigint();
// Replication 0 of the scenario's seed, as `agentsim run` runs it.
const seed = replicationSeed(scenario.seed, 0);
const result = simulate(scenario, { policy: scenario.policies[0]!, seed });
const wallS = Number(process.hrtime.bigint() - wall0) / 1e9;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    customers: result.counts.completed,
    meanWaitS: Number(BigInt(result.wait.sumUs)) / 1e6 / result.wait.count,
    wallS,
    cpuS: (cpu.user + cpu.system) / 1e6,
  }),
);
