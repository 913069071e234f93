"""The M/M/1 queue in SimPy, side by side with agentsim's (bench/mm1.bench.ts).

Customers arrive as a Poisson process at LAMBDA per second until the horizon, queue FIFO for
one server (a simpy.Resource of capacity 1) and hold it for an exponential time of mean 1/MU;
customers in the queue at the horizon are served (the run drains), as agentsim's are. The model
is the textbook SimPy one: a source process, a process per customer, a request per customer.

Run: PYTHONPATH=<SimPy's src folder> python3 bench/simpy/mm1.py [horizon_s] [seed]
Prints one JSON line: customers, mean wait (theory: rho / (mu - lambda) = 4 s), the time
spent in the simulation (wall and CPU seconds, imports excluded), the CPU seconds of the whole
process and SimPy's version when it is installed.
"""

import json
import random
import resource
import sys
import time

import simpy

LAMBDA = 0.8  # arrivals per second
MU = 1.0  # services per second


def main() -> None:
    horizon = float(sys.argv[1]) if len(sys.argv) > 1 else 375_000.0
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    waits = [0.0, 0]  # sum of waits, customers served

    def customer():
        arrived = env.now
        with server.request() as request:
            yield request
            waits[0] += env.now - arrived
            waits[1] += 1
            yield env.timeout(rng.expovariate(MU))

    def source():
        while True:
            gap = rng.expovariate(LAMBDA)
            if env.now + gap > horizon:
                return
            yield env.timeout(gap)
            env.process(customer())

    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    env.process(source())
    env.run()  # until no event is left: arrivals stop at the horizon, the queue drains
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    usage = resource.getrusage(resource.RUSAGE_SELF)  # the whole process: start-up included
    print(
        json.dumps(
            {
                "customers": waits[1],
                "meanWaitS": waits[0] / waits[1],
                "simWallS": wall,
                "simCpuS": cpu,
                "processCpuS": usage.ru_utime + usage.ru_stime,
                "simpy": getattr(simpy, "__version__", "unknown"),
                "python": sys.version.split()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
