/**
 * The Azure LLM inference trace 2023 (`TIMESTAMP,ContextTokens,GeneratedTokens`): each row is a
 * run of one turn arriving at its timestamp, relative to the first row. The files load as they
 * are published: CRLF line ends, seven fractional digits (`2023-11-16 18:15:46.6805900`), no
 * trailing newline. Columns are found by their header names, so extra columns are ignored.
 * Timestamps are read as UTC calendar times without `Date`, keeping every digit: whole seconds
 * and the fraction are kept apart so nothing is lost to rounding at epoch magnitudes.
 */
import { readTraceText, replayRuns, type TimedRun, TraceProblems } from "./replay.ts";
import type { Trace, TraceReadConstraints } from "./types.ts";

const COLUMNS = ["TIMESTAMP", "ContextTokens", "GeneratedTokens"] as const;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$/;
const INTEGER_RE = /^\d+$/;

/** Reads an Azure LLM inference CSV trace file. Throws ScenarioError naming file and line. */
export function readAzureTrace(file: string, options: TraceReadConstraints = {}): Trace {
  return parseAzureTrace(readTraceText(file), file, options);
}

/** Parses the text of an Azure LLM inference CSV trace; `file` names it in errors. */
export function parseAzureTrace(
  text: string,
  file: string,
  options: TraceReadConstraints = {},
): Trace {
  const problems = new TraceProblems(file);
  const timed: TimedRun[] = [];
  let columns: number[] | undefined;
  let originDay: number | undefined;
  let lineNumber = 0;
  let start = 0;
  while (start <= text.length && !problems.full) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNumber++;
    const line = text.slice(start, text.charCodeAt(end - 1) === 13 ? end - 1 : end).trim();
    start = end + 1;
    if (line === "") continue;
    if (columns === undefined) {
      columns = headerColumns(line.replace(/^\uFEFF/, ""), lineNumber, problems);
      if (columns === undefined) break;
      continue;
    }
    const cells = line.split(",");
    if (cells.length <= Math.max(...columns)) {
      problems.add(
        lineNumber,
        "",
        `${COLUMNS.length} comma-separated fields (${COLUMNS.join(",")})`,
        line,
      );
      continue;
    }
    const stamp = cells[columns[0]!]!.trim();
    const time = parseTimestamp(stamp);
    if (time === undefined) {
      problems.add(lineNumber, "TIMESTAMP", 'a time such as "2023-11-16 18:15:46.6805900"', stamp);
      continue;
    }
    const promptTokens = integer(cells[columns[1]!]!, lineNumber, "ContextTokens", problems);
    const outputTokens = integer(cells[columns[2]!]!, lineNumber, "GeneratedTokens", problems);
    if (promptTokens === undefined || outputTokens === undefined) continue;
    originDay ??= time.day;
    timed.push({
      timeS: (time.day - originDay) * 86_400 + time.secondOfDay,
      run: {
        key: `row-${lineNumber}`,
        line: lineNumber,
        fields: {},
        turns: [
          {
            promptTokens,
            outputTokens,
            cachedTokens: 0,
            recordedDurationS: undefined,
            recordedFailed: false,
            model: undefined,
            toolCalls: [],
            thinkS: 0,
            promptIncludesContext: true,
          },
        ],
      },
    });
  }
  if (columns === undefined && problems.errors.length === 0) {
    problems.add(1, "", `the header ${COLUMNS.join(",")}`, "an empty file", true);
  }
  problems.throwIfAny();
  return replayRuns(timed, file, "azure-llm-csv", options, 0);
}

// The index of each needed column, from the header line (names compared case-insensitively).
function headerColumns(line: string, lineNumber: number, problems: TraceProblems) {
  const names = line.split(",").map((name) => name.trim().toLowerCase());
  const columns = COLUMNS.map((column) => names.indexOf(column.toLowerCase()));
  if (columns.some((index) => index < 0)) {
    problems.add(lineNumber, "", `the header ${COLUMNS.join(",")}`, line);
    return undefined;
  }
  return columns;
}

function integer(cell: string, line: number, column: string, problems: TraceProblems) {
  const text = cell.trim();
  if (!INTEGER_RE.test(text)) {
    problems.add(line, column, "a non-negative integer", text);
    return undefined;
  }
  return Number(text);
}

/** A UTC timestamp as a day number (days since 1970-01-01) and the seconds into that day. */
export function parseTimestamp(text: string): { day: number; secondOfDay: number } | undefined {
  const match = TIMESTAMP_RE.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = match[7] === undefined ? 0 : Number(`0${match[7]}`);
  return {
    day: daysFromCivil(year, month, day),
    secondOfDay: hour * 3600 + minute * 60 + second + fraction,
  };
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
