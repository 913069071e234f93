import { writeFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  calibrate,
  calibrationJson,
  calibrationTable,
  endpointYaml,
  LOG_FORMATS,
  type LogFormat,
  NoData,
  readRequestLog,
} from "../../calibrate/index.ts";
import { fileErrorReason, ScenarioError } from "../../input/index.ts";
import { calibrationCdfChart, renderSvg } from "../../report/index.ts";
import type { Io } from "../io.ts";
import { staged } from "../staging.ts";

interface CalibrateOptions {
  endpoint: string;
  format?: LogFormat;
  skipBad?: boolean;
  json?: boolean;
  out?: string;
  chart?: string;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

function endpointName(value: string): string {
  if (!NAME.test(value)) {
    throw new InvalidArgumentError(
      `expected a name of letters, digits, "-" and "_", got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * `agentsim calibrate <log>`: fits an endpoint block of the scenario format to a request log
 * and prints it with the quality of each fit (src/calibrate/ says how). Bad input — an empty
 * log, a malformed row without --skip-bad, a line past the bound — is exit 2 naming the file,
 * the line and the field.
 */
export function registerCalibrate(program: Command, io: Io, exit: (code: number) => void): void {
  program
    .command("calibrate")
    .argument("<log>", "request log: JSONL or CSV (one request a row), or Copilot agent sessions")
    .description(
      "fit an endpoint (ttft distribution, per-token time, load slowdown, error rate, timeout) to your request logs, with the quality of each fit",
    )
    .option("--endpoint <name>", "name of the endpoint written", endpointName, "llm")
    .addOption(
      new Option(
        "--format <format>",
        "the log's format (default: from the name and first line)",
      ).choices(LOG_FORMATS),
    )
    .option(
      "--skip-bad",
      "skip malformed rows (counted and the first ones listed) instead of exit 2",
    )
    .option(
      "--json",
      "print the calibration as JSON (the YAML block included) instead of the table",
    )
    .option("--out <file>", "write the endpoint block (YAML) to <file> instead of printing it")
    .option("--chart <file>", "draw the observed vs fitted CDFs as SVG into <file>")
    .addHelpText(
      "after",
      `
Formats (docs: README, "Calibrating from your logs"):
  requests-jsonl  {"timestamp": "2026-06-01T12:00:00.120Z", "promptTokens": 812, "outputTokens": 164,
                   "ttftMs": 284.5, "durationMs": 3561.2, "status": "ok"}   (prompt_tokens and
                   completion_tokens, also inside "usage", accepted)
  requests-csv    the same columns, named in a header line
  agent-sessions-jsonl  the GitHub Copilot agent-trace layout (no time to first token: the whole
                   request's duration is fitted)
status: "ok"/2xx answered; "error"/5xx and other codes an error; "timeout"/408/504 a timeout;
"rate_limited"/429 counted apart (not an error).

Examples:
  $ agentsim calibrate examples/logs/requests.jsonl --endpoint gpt --out endpoint.yaml --chart fit.svg
  $ agentsim calibrate data/agent-sessions-synthetic/sessions-300.jsonl.gz
  $ agentsim calibrate requests.csv --skip-bad --json`,
    )
    .action(async (log: string, options: CalibrateOptions) => {
      await staged("calibrate", async (outputs) => {
        // Output paths are checked before the log is read.
        const yamlPath = options.out === undefined ? undefined : outputs.file(options.out, "--out");
        const chartPath =
          options.chart === undefined ? undefined : outputs.file(options.chart, "--chart");
        const read = await readRequestLog(log, {
          ...(options.format === undefined ? {} : { format: options.format }),
          skipBad: options.skipBad === true,
        });
        let calibration: ReturnType<typeof calibrate>;
        try {
          calibration = calibrate(read.columns, { endpoint: options.endpoint });
        } catch (error) {
          if (error instanceof NoData) {
            const what = read.badRows > 0 ? ` (${read.badRows} malformed rows skipped)` : "";
            throw new ScenarioError("", error.expected, `${error.found}${what}`, {
              file: log,
              foundShown: true,
            });
          }
          throw error;
        }
        const source = `${log} (${read.format})`;
        const yaml = endpointYaml(calibration, source);
        if (read.badRows > 0) {
          io.err(
            `${log}: skipped ${read.badRows} malformed rows (--skip-bad); the first:\n${read.problems.map((p) => `  ${p.message}`).join("\n")}\n`,
          );
        }
        if (yamlPath !== undefined) write(yamlPath, options.out!, "--out", yaml);
        if (chartPath !== undefined) {
          const curves = [
            ["ttft", calibration.ttft],
            ["perOutputToken", calibration.perOutputToken],
            ["latency (whole request)", calibration.turn],
          ] as const;
          const spec = calibrationCdfChart(
            curves.flatMap(([quantity, fit]) =>
              fit === undefined
                ? []
                : [
                    {
                      quantity,
                      fitted: `${fit.spec.dist} (${fit.method})`,
                      ks: fit.ks,
                      points: fit.curve,
                    },
                  ],
            ),
          );
          write(chartPath, options.chart!, "--chart", await renderSvg(spec));
        }
        if (options.json === true) {
          io.out(
            calibrationJson(
              calibration,
              { file: log, format: read.format, skippedBadRows: read.badRows },
              yaml,
            ),
          );
        } else {
          io.out(calibrationTable(calibration, source));
          if (yamlPath === undefined) io.out(`\n${yaml}`);
        }
      });
      const wrote = [options.out, options.chart].filter((f) => f !== undefined);
      if (wrote.length > 0 && options.json !== true) io.out(`\nWrote ${wrote.join(", ")}\n`);
      exit(0);
    });
}

function write(path: string, shown: string, flag: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new ScenarioError(flag, "a file that can be written", fileErrorReason(error), {
      file: shown,
      foundShown: true,
    });
  }
}
