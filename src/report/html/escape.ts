/** Escaping for text and attributes in HTML, and for JSON inside a script element. */

/** Text or an attribute value, safe inside HTML. */
export function esc(text: string | number | boolean | null | undefined): string {
  return String(text ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>`, `&` and the two line
 * separators JavaScript treats specially become \u escapes, so no string can close the element.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** An HTML table from a header and rows of already-escaped cell HTML. */
export function htmlTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: { id?: string; numeric?: readonly number[]; caption?: string } = {},
): string {
  const numeric = new Set(options.numeric ?? []);
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : "");
  const head = header.map((h, i) => `<th scope="col"${cls(i)}>${esc(h)}</th>`).join("");
  const body = rows
    .map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${c}</td>`).join("")}</tr>`)
    .join("\n");
  const id = options.id !== undefined ? ` id="${esc(options.id)}"` : "";
  const caption = options.caption !== undefined ? `<caption>${esc(options.caption)}</caption>` : "";
  return `<div class="table-wrap"><table${id}>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}
