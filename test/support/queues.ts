/**
 * Classic queueing models built on the kernel (M/M/1, M/M/c, M/D/1), shared by the theory
 * tests and the kernel benchmark, and their closed forms. `simulateQueue` measures (for the
 * theory tests); `leanQueue` is the same model with nothing measured (for the benchmark).
 */
import { EventClass, Resource, type Rng, Simulation } from "../../src/sim/index.ts";

/** Parameters of an M/x/c queue. */
export interface QueueModel {
  /** Arrival rate (per second). */
  lambda: number;
  /** Service rate of one server (per second). */
  mu: number;
  /** Servers. */
  servers: number;
  /** Service times: exponential (M) or deterministic (D). */
  service: "exponential" | "deterministic";
  /** Customers to simulate. */
  customers: number;
  /** Customers at the start left out of the statistics. */
  warmup: number;
  seed: number;
}

/** What one simulated run measured. */
export interface QueueResult {
  meanWaitS: number;
  meanSystemS: number;
  /** Time-averaged number in system over the measured span. */
  meanInSystem: number;
  /** Fraction of server time busy over the measured span. */
  utilization: number;
  /** Measured arrival rate over the measured span. */
  arrivalRate: number;
  events: number;
}

/**
 * The lean SimPy-style formulation the kernel benchmark times: a source process sleeps
 * exponential gaps and spawns one process per customer, which requests a server, sleeps its
 * service and releases; nothing is measured. `observe`, when given, runs after each arrival
 * (the memory benchmark tracks peak pending events with it). Returns the finished simulation.
 */
export function leanQueue(
  model: Omit<QueueModel, "warmup">,
  observe?: (sim: Simulation) => void,
): Simulation {
  const sim = new Simulation({ seed: model.seed });
  const server = new Resource(sim, model.servers);
  const arrivals = sim.rng.stream("arrivals");
  const services = sim.rng.stream("services");
  const { lambda, mu, customers } = model;
  const deterministic = model.service === "deterministic";

  function* customer() {
    const request = server.request();
    yield request;
    yield deterministic ? 1 / mu : -Math.log(1 - services.next()) / mu;
    server.release(request);
  }

  function* source() {
    for (let i = 0; i < customers; i++) {
      yield -Math.log(1 - arrivals.next()) / lambda;
      sim.process(customer());
      if (observe !== undefined) observe(sim);
    }
  }

  sim.process(source(), EventClass.Arrival);
  sim.run();
  return sim;
}

/**
 * Simulates the queue with processes, as `leanQueue` does, measuring as it goes: waits, time in
 * system, and the time integrals of the number in system and of busy servers (for L and the
 * utilization) over the span from the first measured arrival to the last customer's departure.
 */
export function simulateQueue(model: QueueModel): QueueResult {
  const sim = new Simulation({ seed: model.seed });
  const server = new Resource(sim, model.servers);
  const arrivals: Rng = sim.rng.stream("arrivals");
  const services: Rng = sim.rng.stream("services");
  const meanService = 1 / model.mu;
  const meanGap = 1 / model.lambda;
  const deterministic = model.service === "deterministic";

  let waitSum = 0;
  let systemSum = 0;
  let measured = 0;
  // Time-integral of the number in system and of busy servers, from the first measured arrival.
  let inSystem = 0;
  let busy = 0;
  let lastChange = 0;
  let areaSystem = 0;
  let areaBusy = 0;
  let measuring = false;
  let measureStart = 0;
  let measureEnd = 0;
  let arrivalsMeasured = 0;

  const advance = () => {
    if (measuring) {
      const dt = sim.now - lastChange;
      areaSystem += inSystem * dt;
      areaBusy += busy * dt;
    }
    lastChange = sim.now;
  };

  function* customer(index: number) {
    const arrived = sim.now;
    const request = server.request();
    yield request;
    advance();
    busy++;
    const wait = sim.now - arrived;
    const service = deterministic ? meanService : -meanService * Math.log(1 - services.next());
    yield service;
    advance();
    busy--;
    inSystem--;
    server.release(request);
    if (index >= model.warmup && index < model.customers) {
      waitSum += wait;
      systemSum += sim.now - arrived;
      measured++;
    }
    if (index === model.customers - 1) {
      measureEnd = sim.now;
      measuring = false;
    }
  }

  function* source() {
    for (let i = 0; i < model.customers; i++) {
      yield -meanGap * Math.log(1 - arrivals.next());
      advance();
      if (i === model.warmup) {
        measuring = true;
        measureStart = sim.now;
        lastChange = sim.now;
      }
      if (measuring) arrivalsMeasured++;
      inSystem++;
      sim.process(customer(i));
    }
  }

  sim.process(source(), EventClass.Arrival);
  sim.run();
  if (measureEnd === 0) measureEnd = sim.now;
  const span = measureEnd - measureStart;
  return {
    meanWaitS: waitSum / measured,
    meanSystemS: systemSum / measured,
    meanInSystem: areaSystem / span,
    utilization: areaBusy / span / model.servers,
    arrivalRate: arrivalsMeasured / span,
    events: sim.eventsProcessed,
  };
}

/** Erlang C: probability an arrival waits in M/M/c with offered load a = lambda/mu. */
export function erlangC(servers: number, offered: number): number {
  const rho = offered / servers;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < servers; k++) {
    term *= offered / k;
    sum += term;
  }
  const last = (term * offered) / servers / (1 - rho);
  return last / (sum + last);
}

/** Closed-form means of the model: wait Wq, time in system W, number in system L, utilization. */
export function theory(model: Pick<QueueModel, "lambda" | "mu" | "servers" | "service">) {
  const { lambda, mu, servers } = model;
  const rho = lambda / (servers * mu);
  let wq: number;
  if (model.service === "exponential") {
    wq = erlangC(servers, lambda / mu) / (servers * mu - lambda);
  } else {
    if (servers !== 1) throw new Error("theory: M/D/c has no closed form here; use c = 1");
    // Pollaczek-Khinchine with zero service variance.
    wq = rho / (2 * mu * (1 - rho));
  }
  const w = wq + 1 / mu;
  return { waitS: wq, systemS: w, inSystem: lambda * w, utilization: rho };
}
