/**
 * Request logs generated from a known endpoint model with a fixed seed (seedrandom's Alea), for
 * the calibration tests and the calibrate benchmark: Poisson arrivals; time to first token from
 * a lognormal or a gamma; per-output-token time lognormal around a base, slowed by `slowdownPerExtra`
 * for each other request in flight at the start (the simulator's load slowdown, whose
 * `loadSlowdown` is then slowdownPerExtra x (slots - 1), slots being the most in flight);
 * errors, hung requests that time out, and 429s at given rates.
 */
import seedrandom from "seedrandom";

/** The model the log is drawn from. */
export interface LogModel {
  seed: string;
  requests: number;
  ratePerS: number;
  ttft:
    | { dist: "lognormal"; median: number; sigma: number }
    | { dist: "gamma"; shape: number; scale: number };
  perTokenMedianS: number;
  perTokenSigma: number;
  slowdownPerExtra: number;
  outputTokens: { min: number; max: number };
  errorRate: number;
  timeoutRate: number;
  timeoutS: number;
  rateLimitedRate: number;
}

/** The default model: the numbers the known-model test checks the fit against. */
export const KNOWN_MODEL: LogModel = {
  seed: "calibrate-known-model",
  requests: 20_000,
  ratePerS: 2,
  ttft: { dist: "lognormal", median: 0.3, sigma: 0.5 },
  perTokenMedianS: 0.02,
  perTokenSigma: 0.1,
  slowdownPerExtra: 0.02,
  outputTokens: { min: 20, max: 300 },
  errorRate: 0.02,
  timeoutRate: 0.01,
  timeoutS: 30,
  rateLimitedRate: 0.01,
};

/** One generated request, as the JSONL format writes it. */
export interface GeneratedRow {
  timestamp: string;
  promptTokens: number;
  outputTokens: number;
  ttftMs: number | null;
  durationMs: number;
  status: string | number;
}

const EPOCH_MS = Date.UTC(2026, 5, 1, 12, 0, 0);

/** The rows, in arrival order, one call of `each` a row (no array of a million objects kept). */
export function generateLog(model: LogModel, each: (row: GeneratedRow) => void): void {
  const rng = seedrandom.alea(model.seed);
  const normal = () => {
    const u = 1 - rng();
    const v = rng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const gamma = (shape: number, scale: number): number => {
    // Marsaglia and Tsang (shape >= 1).
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      const u = 1 - rng();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
    }
  };
  let tS = 0;
  // Ends of the requests still in flight (a small list: tens at most at these loads).
  let active: number[] = [];
  for (let i = 0; i < model.requests; i++) {
    tS += -Math.log(1 - rng()) / model.ratePerS;
    // Written at millisecond precision; the in-flight count uses the times as written.
    const startMs = Math.round(tS * 1e3);
    active = active.filter((end) => end > startMs);
    const k = active.length + 1;
    const ttftS =
      model.ttft.dist === "lognormal"
        ? model.ttft.median * Math.exp(model.ttft.sigma * normal())
        : gamma(model.ttft.shape, model.ttft.scale);
    const perTokenS =
      model.perTokenMedianS *
      Math.exp(model.perTokenSigma * normal()) *
      (1 + model.slowdownPerExtra * (k - 1));
    const { min, max } = model.outputTokens;
    const outputTokens = min + Math.floor(rng() * (max - min + 1));
    const promptTokens = 200 + Math.floor(rng() * 3000);
    const fullMs = (ttftS + perTokenS * outputTokens) * 1000;
    const draw = rng();
    let status: string | number = "ok";
    let durationMs = fullMs;
    let ttftMs: number | null = ttftS * 1000;
    if (draw < model.rateLimitedRate) {
      status = 429;
      durationMs = 5;
      ttftMs = null;
    } else if (draw < model.rateLimitedRate + model.errorRate) {
      status = i % 2 === 0 ? "error" : 500;
      durationMs = fullMs * rng();
      ttftMs = null;
    } else if (draw < model.rateLimitedRate + model.errorRate + model.timeoutRate) {
      status = "timeout";
      durationMs = model.timeoutS * 1000;
      ttftMs = null;
    }
    durationMs = Math.round(durationMs * 1e3) / 1e3;
    if (ttftMs !== null) ttftMs = Math.min(durationMs, Math.round(ttftMs * 1e3) / 1e3);
    active.push(startMs + durationMs);
    each({
      timestamp: new Date(EPOCH_MS + startMs).toISOString(),
      promptTokens,
      outputTokens: status === 429 ? 0 : outputTokens,
      ttftMs,
      durationMs,
      status,
    });
  }
}
