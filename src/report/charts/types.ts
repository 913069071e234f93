import type { TopLevelSpec } from "vega-lite";

/** A chart of the report: a file name stem, a title and caption for the cockpit, the spec. */
export interface ChartSpec {
  /** File name stem under charts/ (e.g. "wait-cdf"). */
  name: string;
  /** Heading in the cockpit. */
  title: string;
  /** One or two sentences telling a reviewer what to look for. */
  caption: string;
  /** The vega-lite specification, data inline. */
  spec: TopLevelSpec;
}

/** One layer of a layered vega-lite spec. */
export type LayerItem = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];
