/**
 * A small streaming CSV reader (RFC 4180): fields separated by commas, records by CRLF or LF
 * (a lone CR too); a field in double quotes may hold commas, quotes written twice (`""`) and
 * line breaks. Text arrives in chunks of any size; each complete record is handed over with the
 * line it starts on. No CSV package is among the project's dependencies, and this is all the
 * request logs need.
 *
 * Lenient where RFC 4180 is strict and the meaning is plain: a quote inside an unquoted field is
 * kept as a character. A problem that leaves a record's meaning unclear (text after a closing
 * quote, a quote still open at the end) is reported with the record's line, and the record is
 * skipped. A record longer than `maxRecordChars` stops the reading (`CsvTooLong`).
 */

/** A record longer than the bound: the reading stops here. */
export class CsvTooLong extends Error {
  constructor(
    readonly line: number,
    readonly maxChars: number,
  ) {
    super(`csv: the record on line ${line} is longer than ${maxChars} characters`);
    this.name = "CsvTooLong";
  }
}

/** What the reader hands over: complete records and the problems of malformed ones. */
export interface CsvSink {
  record(fields: string[], line: number): void;
  problem(line: number, expected: string, found: string): void;
}

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

/** The streaming reader: `push` chunks, then `end`. */
export class CsvReader {
  // The text of the record being read (from its first character), carried between chunks.
  private carry = "";
  // The line the next record starts on (1-based).
  private line = 1;
  // A CR ended the last record: a LF right after it belongs to that line end.
  private afterCr = false;

  constructor(
    private readonly sink: CsvSink,
    private readonly maxRecordChars: number,
  ) {}

  /** Reads a chunk of text; complete records are handed over, the rest waits for more. */
  push(chunk: string): void {
    let text = this.carry + chunk;
    let at = 0;
    if (this.afterCr && text.charCodeAt(0) === LF) at = 1;
    this.afterCr = false;
    for (;;) {
      const end = this.scan(text, at, false);
      if (end < 0) break;
      at = end;
    }
    text = text.slice(at);
    if (text.length > this.maxRecordChars) throw new CsvTooLong(this.line, this.maxRecordChars);
    this.carry = text;
  }

  /** The end of the text: the last record (without a line end) is handed over. */
  end(): void {
    if (this.carry.length > 0) this.scan(this.carry, 0, true);
    this.carry = "";
  }

  // Reads one record from `start`; returns where the next begins, or -1 when the record is not
  // complete in `text` (and `final` is false).
  private scan(text: string, start: number, final: boolean): number {
    const fields: string[] = [];
    let i = start;
    let newlines = 0;
    let problem: [string, string] | undefined;
    const n = text.length;
    if (i >= n) return -1;
    for (;;) {
      // One field from i.
      let value: string;
      if (text.charCodeAt(i) === QUOTE) {
        let parts = "";
        let from = i + 1;
        let j = from;
        for (;;) {
          if (j >= n) {
            if (!final) return -1;
            problem ??= ["a closing quote", "a quote still open at the end of the file"];
            value = parts + text.slice(from);
            i = n;
            break;
          }
          const c = text.charCodeAt(j);
          if (c === QUOTE) {
            if (j + 1 < n && text.charCodeAt(j + 1) === QUOTE) {
              parts += text.slice(from, j + 1);
              from = j + 2;
              j += 2;
              continue;
            }
            if (j + 1 >= n && !final) return -1;
            value = parts + text.slice(from, j);
            i = j + 1;
            break;
          }
          if (c === LF || (c === CR && text.charCodeAt(j + 1) !== LF)) newlines++;
          j++;
        }
        // After a closing quote: a comma, a line end or the end; anything else is malformed.
        if (i < n) {
          const c = text.charCodeAt(i);
          if (c !== COMMA && c !== CR && c !== LF) {
            problem ??= [
              "a comma or a line end after a closing quote",
              JSON.stringify(text.slice(i, i + 10)),
            ];
            while (i < n) {
              const d = text.charCodeAt(i);
              if (d === COMMA || d === CR || d === LF) break;
              i++;
            }
            if (i >= n && !final) return -1;
          }
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === CR || c === LF) break;
          j++;
        }
        if (j >= n && !final) return -1;
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= n) {
        this.emit(fields, newlines, problem);
        return n;
      }
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        if (i >= n) {
          if (!final) return -1;
          fields.push("");
          this.emit(fields, newlines, problem);
          return n;
        }
        continue;
      }
      // A line end: CRLF, LF or a lone CR.
      if (c === CR) {
        if (i + 1 >= n && !final) {
          // The LF may come in the next chunk.
          this.afterCr = true;
          this.emit(fields, newlines + 1, problem);
          return n;
        }
        i += text.charCodeAt(i + 1) === LF ? 2 : 1;
      } else {
        i++;
      }
      this.emit(fields, newlines + 1, problem);
      return i;
    }
  }

  private emit(fields: string[], newlines: number, problem: [string, string] | undefined): void {
    const line = this.line;
    this.line += newlines;
    if (problem !== undefined) this.sink.problem(line, problem[0], problem[1]);
    else this.sink.record(fields, line);
  }
}
