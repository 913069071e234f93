/**
 * The CSV reader of calibrate (RFC 4180): quoted fields with commas, doubled quotes and line
 * breaks, CRLF and LF, records handed over with the line they start on, malformed records
 * reported with their line, and the same records whatever the chunks the text arrives in.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvReader, CsvTooLong } from "../src/calibrate/index.ts";

interface Out {
  records: [number, string[]][];
  problems: [number, string][];
}

function read(chunks: string[], max = 1 << 20): Out {
  const out: Out = { records: [], problems: [] };
  const reader = new CsvReader(
    {
      record: (fields, line) => out.records.push([line, fields]),
      problem: (line, expected) => out.problems.push([line, expected]),
    },
    max,
  );
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return out;
}

// The plain, obviously correct reading of a whole text: the reference for the chunked reader.
function encode(records: string[][], newline: string): string {
  return records
    .map((fields) =>
      fields
        .map((f) => (/[",\r\n]/.test(f) || f === "" ? `"${f.replace(/"/g, '""')}"` : f))
        .join(","),
    )
    .join(newline);
}

describe("CsvReader", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, and counts lines", () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",z\n3,,\n';
    expect(read([text])).toEqual({
      records: [
        [1, ["a", "b", "c"]],
        [2, ["1", "x, y", 'say "hi"']],
        [3, ["2", "two\nlines", "z"]],
        [5, ["3", "", ""]],
      ],
      problems: [],
    });
  });

  it("keeps a last record without a line end, and a quote inside an unquoted field", () => {
    expect(read(['a,b\n1,x"y'])).toEqual({
      records: [
        [1, ["a", "b"]],
        [2, ["1", 'x"y']],
      ],
      problems: [],
    });
  });

  it("reports text after a closing quote and a quote open at the end, with their lines", () => {
    const out = read(['a,b\n"1"x,2\n3,4\n"open,5\n6\n']);
    expect(out.records).toEqual([
      [1, ["a", "b"]],
      [3, ["3", "4"]],
    ]);
    expect(out.problems).toEqual([
      [2, "a comma or a line end after a closing quote"],
      [4, "a closing quote"],
    ]);
  });

  it("stops at a record longer than the bound, naming its line", () => {
    expect(() => read(["a\nb\n", "x".repeat(50)], 20)).toThrow(CsvTooLong);
    try {
      read(["a\nb\n", "x".repeat(50)], 20);
    } catch (error) {
      expect((error as CsvTooLong).line).toBe(3);
    }
  });

  it("gives the same records and lines whatever the chunks (CRLF or LF)", () => {
    const field = fc.string({ unit: fc.constantFrom("a", "b", ",", '"', "\n", "\r\n", " ") });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom("\n", "\r\n"),
        fc.array(fc.nat(), { maxLength: 6 }),
        (records, newline, cuts) => {
          const text = encode(records, newline);
          const whole = read([text]);
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let from = 0;
          for (const p of points) {
            chunks.push(text.slice(from, p));
            from = p;
          }
          chunks.push(text.slice(from));
          expect(read(chunks)).toEqual(whole);
          expect(whole.records.map(([, fields]) => fields)).toEqual(records);
          // Each record starts on the line after the line ends before it.
          let line = 1;
          for (const [k, [at, fields]] of whole.records.entries()) {
            expect(at).toBe(line);
            line += 1 + fields.join(",").split(/\r\n|\n/).length - 1;
            if (k === whole.records.length - 1) break;
          }
        },
      ),
    );
  });
});
