/**
 * The chart thread's side (see chart-thread.ts): loads vega and vega-lite, draws the report's
 * charts on a few rows of data to warm the JIT, then renders each spec it is sent with
 * `renderSvgHere`, the very code the main thread would run, so the SVG bytes are the same
 * wherever a chart is drawn.
 */
import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import type { TopLevelSpec } from "vega-lite";
import { renderSvgHere } from "./render.ts";

/** A request: render `spec`, answer with the same `id`. */
export interface ChartRequest {
  id: number;
  spec: TopLevelSpec;
  idPrefix: string;
}

/** The answer: the SVG, or the message of what went wrong. */
export type ChartReply = { id: number; svg: string } | { id: number; error: string };

const port = parentPort;

// Requests are answered in order, after the warm-up: rendering is one chart at a time anyway
// (vega's id counters are process-wide). The first request ends the warm-up: the chart being
// drawn is finished, the others are skipped, since the real charts are now waiting.
let requested = false;
let ready: Promise<unknown> = port === null ? Promise.resolve() : warmUp(() => requested);

port?.on("message", (request: ChartRequest) => {
  requested = true;
  ready = ready.then(async () => {
    let reply: ChartReply;
    try {
      reply = { id: request.id, svg: await renderSvgHere(request.spec, request.idPrefix) };
    } catch (error) {
      reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    }
    port!.postMessage(reply);
  });
});

/**
 * Draws the report's own charts with their data cut to a few rows (charts/warm-up.json, written
 * by scripts/chart-warm-up.ts), so that by the time the real ones come, after the simulation,
 * the code they run is compiled: measured on the M/M/1 bench's five charts, 0.24-0.26 s of CPU
 * after this warm-up (which takes 0.55-0.65 s) against 0.44-0.59 s without. A failure here only means colder charts.
 */
async function warmUp(stop: () => boolean): Promise<void> {
  try {
    for (const spec of warmUpSpecs()) {
      if (stop()) return;
      await renderSvgHere(spec, "warm-up");
    }
  } catch {
    // Colder charts, nothing worse.
  }
}

/** The warm-up specs by chart name. */
export function warmUpSpecs(): TopLevelSpec[] {
  const file = new URL("./charts/warm-up.json", import.meta.url);
  return Object.values(JSON.parse(readFileSync(file, "utf8")) as Record<string, TopLevelSpec>);
}
