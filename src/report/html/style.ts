/** The cockpit's stylesheet, inlined: system fonts, readable tables, print-friendly. */
export const COCKPIT_CSS = `
:root { --ink: #1b1b1b; --muted: #555; --rule: #d9d9d9; --band: #f5f5f3; --accent: #0072B2;
  --warn-bg: #fff4e0; --warn: #8a4b00; --ok: #00684a; --bad: #a12a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
  color: var(--ink); background: #fff; }
header.top { padding: 20px 32px 12px; border-bottom: 1px solid var(--rule); }
header.top h1 { margin: 0 0 4px; font-size: 26px; }
header.top .facts { color: var(--muted); font-size: 14px; }
nav.toc { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--rule);
  padding: 8px 32px; font-size: 14px; }
nav.toc a { margin-right: 16px; color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
main { padding: 8px 32px 48px; max-width: 1400px; }
section { margin: 28px 0 8px; scroll-margin-top: 48px; }
section > h2 { font-size: 21px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 17px; margin: 20px 0 6px; }
p { margin: 6px 0 10px; max-width: 95ch; }
blockquote.question { margin: 8px 0 14px; padding: 10px 16px; background: var(--band);
  border-left: 4px solid var(--accent); font-size: 17px; max-width: 95ch; }
.verdict { font-size: 18px; font-weight: bold; margin: 8px 0 12px; }
.warning { background: var(--warn-bg); color: var(--warn); border: 1px solid #f0c27a; border-radius: 4px;
  padding: 8px 14px; margin: 10px 0; }
.warning ul { margin: 4px 0; padding-left: 22px; }
.pass { color: var(--ok); font-weight: bold; }
.fail { color: var(--bad); font-weight: bold; }
.muted { color: var(--muted); }
.table-wrap { overflow-x: auto; margin: 6px 0 14px; }
table { border-collapse: collapse; font-size: 14px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: bold; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafafa; }
figure { margin: 18px 0 26px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 14px; max-width: 95ch; margin-top: 4px; }
figcaption b { color: var(--ink); }
.files a { margin-right: 14px; }
.filters { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; margin: 8px 0; }
.filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
.filters input, .filters select { font: inherit; font-size: 14px; padding: 3px 6px; min-width: 150px; }
#audit-table { font-size: 13px; }
#audit-table td { white-space: nowrap; }
#audit-table td.detail { white-space: normal; min-width: 200px; }
code, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace; font-size: 12.5px; }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; background: var(--band);
  border: 1px solid var(--rule); font-size: 12.5px; margin: 1px 2px; }
footer { color: var(--muted); font-size: 13px; padding: 16px 32px; border-top: 1px solid var(--rule); }
@media print { nav.toc { display: none; } section { break-inside: avoid-page; } }
`;
