/**
 * Rendering vega-lite specs headless in Node: compile with vega-lite, run vega's View without a
 * renderer and serialize to SVG; rasterize the SVG with resvg. No browser, no network.
 *
 * vega, vega-lite and resvg are imported when the first chart is drawn, not when the report
 * layer is loaded: vega alone takes about 0.2 s to load, which commands that draw no chart
 * (validate, check, a shard, a worker thread) need not pay. A command that writes a report
 * draws its charts on the chart thread (chart-thread.ts), which loads them in its stead.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { parse } from "vega";
import type { TopLevelSpec } from "vega-lite";
import { ChartThreadGone, chartThread } from "./chart-thread.ts";

/** The chart libraries, loaded once, on first use. */
let libraries:
  | Promise<{
      vega: typeof import("vega");
      compile: typeof import("vega-lite").compile;
    }>
  | undefined;

function chartLibraries() {
  libraries ??= Promise.all([import("vega"), import("vega-lite")]).then(([vega, vegaLite]) => ({
    vega,
    compile: vegaLite.compile,
  }));
  return libraries;
}

/** Options of `renderSvg`. */
export interface RenderSvgOptions {
  /**
   * Prefix for the ids inside the SVG (clip paths, gradients), so several SVGs can be inlined
   * in one HTML page without their ids colliding; default "chart".
   */
  idPrefix?: string;
}

/** Starts loading the chart libraries in this thread, for a caller with time to spare; never rejects. */
export function preloadCharts(): Promise<void> {
  return chartLibraries().then(
    () => undefined,
    () => undefined,
  );
}

/** Parsed vega runtimes by spec text: rendering the same spec again skips compile and parse. */
const runtimes = new Map<string, ReturnType<typeof parse>>();
const RUNTIME_CACHE_SIZE = 32;

/** The vega runtime of a vega-lite spec, compiled and parsed once per distinct spec. */
function runtimeOf(
  spec: TopLevelSpec,
  { vega, compile }: Awaited<ReturnType<typeof chartLibraries>>,
): ReturnType<typeof parse> {
  const key = JSON.stringify(spec);
  let runtime = runtimes.get(key);
  if (runtime === undefined) {
    runtime = vega.parse(compile(spec).spec);
    if (runtimes.size >= RUNTIME_CACHE_SIZE) runtimes.delete(runtimes.keys().next().value!);
    runtimes.set(key, runtime);
  }
  return runtime;
}

/**
 * Renders a vega-lite spec to an SVG string: on the chart thread when one was started
 * (chart-thread.ts), else here. Deterministic: the same spec gives the same bytes either way.
 */
export async function renderSvg(
  spec: TopLevelSpec,
  options: RenderSvgOptions = {},
): Promise<string> {
  const idPrefix = options.idPrefix ?? "chart";
  const thread = chartThread();
  if (thread !== undefined) {
    try {
      return await thread.render(spec, idPrefix);
    } catch (error) {
      // A thread that could not start or died: the chart is drawn here instead.
      if (!(error instanceof ChartThreadGone)) throw error;
    }
  }
  return renderSvgHere(spec, idPrefix);
}

/**
 * Renders a vega-lite spec to an SVG string in this thread. Deterministic: the same spec gives
 * the same bytes (vega numbers clip paths and gradients from process-wide counters, which are
 * reset before each render and then prefixed). Renders run one at a time so the counters are
 * not shared.
 */
export async function renderSvgHere(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const previous = queue;
  let release!: () => void;
  queue = new Promise<void>((resolve) => {
    release = resolve;
  });
  await previous;
  try {
    const libs = await chartLibraries();
    libs.vega.resetSVGDefIds();
    const view = new libs.vega.View(runtimeOf(spec, libs), { renderer: "none", logLevel: 0 });
    try {
      const svg = await view.toSVG();
      return prefixIds(svg, idPrefix);
    } finally {
      view.finalize();
    }
  } finally {
    release();
  }
}

let queue: Promise<void> = Promise.resolve();

/** Renames every `id` of the SVG (and its `url(#…)` and `href="#…"` references) to prefix-id. */
function prefixIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  if (ids.size === 0) return svg;
  const safe = prefix.replace(/[^A-Za-z0-9_-]/g, "_");
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, head: string, id: string) => `${head}${safe}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (whole, id: string) =>
      ids.has(id) ? `url(#${safe}-${id})` : whole,
    )
    .replace(/(href=")#([^"]+)"/g, (whole, head: string, id: string) =>
      ids.has(id) ? `${head}#${safe}-${id}"` : whole,
    );
}

/** Options of `renderPng`. */
export interface RenderPngOptions {
  /** Zoom factor (default 2: sharp on high-density screens and in documents). */
  scale?: number;
}

/** Font files found for resvg, looked up once. */
let fonts: { files: string[]; family: string | undefined } | undefined;

/**
 * Fonts for the PNGs: DejaVu Sans or Liberation Sans from the system (Debian's fonts-dejavu-core
 * and fonts-liberation), or the npm package dejavu-fonts-ttf when it is installed. System
 * fonts are loaded as well, for any other family a chart names.
 */
export function pngFonts(): { files: string[]; family: string | undefined } {
  if (fonts !== undefined) return fonts;
  const candidates: [string, string][] = [
    ["DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
    ["DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"],
    ["Liberation Sans", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"],
    ["Liberation Sans", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"],
  ];
  try {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");
    candidates.push(["DejaVu Sans", join(dir, "DejaVuSans.ttf")]);
    candidates.push(["DejaVu Sans", join(dir, "DejaVuSans-Bold.ttf")]);
  } catch {
    // The package is optional: the system's fonts are enough where they are installed.
  }
  const found = candidates.filter(([, file]) => existsSync(file));
  fonts = { files: found.map(([, file]) => file), family: found[0]?.[0] };
  return fonts;
}

/**
 * Rasterizes an SVG to PNG bytes with resvg, with the fonts of `pngFonts`. It runs on libuv's
 * thread pool, so several PNGs (and the next chart's SVG) render at once.
 */
export async function renderPng(svg: string, options: RenderPngOptions = {}): Promise<Buffer> {
  const { files, family } = pngFonts();
  const { renderAsync } = await import("@resvg/resvg-js");
  const image = await renderAsync(svg, {
    fitTo: { mode: "zoom", value: options.scale ?? 2 },
    background: "#ffffff",
    font: {
      fontFiles: files,
      // Scanning every system font costs ~80 ms a PNG; the files found are enough when there are any.
      loadSystemFonts: files.length === 0,
      ...(family !== undefined ? { defaultFontFamily: family, sansSerifFamily: family } : {}),
    },
  });
  return image.asPng();
}
