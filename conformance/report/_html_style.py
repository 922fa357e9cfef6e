"""The HTML report's style sheet, inline in the page: nothing is fetched, and every colour comes
with words (a status is written, never only coloured), so the page reads printed in black and
white. Print rules keep a finding on one page where it fits and show folded content."""

from __future__ import annotations

STYLE = """
:root {
  --ink: #1a1a1a; --muted: #555; --rule: #c8c8c8; --soft: #f4f4f4;
  --pass: #1b5e20; --fail: #b71c1c; --warn: #7a5b00; --skip: #4a4a4a; --error: #a64200;
}
* { box-sizing: border-box; }
body {
  margin: 0 auto; padding: 1.5rem; max-width: 72rem; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
h1, h2, h3, h4 { line-height: 1.25; }
h2 { margin-top: 2.2rem; padding-bottom: .2rem; border-bottom: 2px solid var(--ink); }
h3 { margin: 1.6rem 0 .5rem; }
h4 { margin: 1rem 0 .3rem; font-size: .95rem; }
code, pre { font: .86rem/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre {
  margin: .3rem 0; padding: .6rem .8rem; border: 1px solid var(--rule); background: var(--soft);
  white-space: pre-wrap; overflow-wrap: anywhere;
}
a { color: #0b4f9c; }
.verdict { margin: 0 0 1.5rem; padding: 1rem 1.25rem; border: 3px solid; border-left-width: 14px; }
.verdict .tool {
  margin: 0; color: var(--muted); font-size: .9rem;
  letter-spacing: .04em; text-transform: uppercase;
}
.verdict h1 { margin: .2rem 0 .4rem; font-size: 2.3rem; }
.verdict p { margin: .2rem 0; }
.verdict.pass { border-color: var(--pass); color: var(--pass); background: #eef7ee; }
.verdict.warn { border-color: #b08a00; color: var(--warn); background: #fdf8e4; }
.verdict.fail { border-color: var(--fail); color: var(--fail); background: #fcefef; }
.verdict.incomplete { border-color: var(--skip); color: var(--skip); background: var(--soft); }
.verdict p.tiers { color: var(--ink); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1.2rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td {
  padding: .25rem .6rem; border: 1px solid var(--rule); text-align: left; vertical-align: top;
}
th { background: var(--soft); }
tbody th { font-weight: 600; }
.scroll { max-width: 100%; overflow-x: auto; }
table.matrix td { white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #999; }
table.entries { width: 100%; }
table.entries td:last-child { overflow-wrap: anywhere; }
.status { font-weight: 700; white-space: nowrap; }
.status.passed { color: var(--pass); }
.status.failed { color: var(--fail); }
.status.error { color: var(--error); }
.status.skipped { color: var(--skip); }
td.hot { color: var(--fail); font-weight: 700; }
.finding {
  margin: 1rem 0; padding: .6rem 1rem .8rem;
  border: 1px solid var(--rule); border-left: 6px solid var(--fail);
}
.finding.lesser { border-left-color: #b08a00; }
.finding.error { border-left-color: var(--error); }
.finding h3 { margin: .2rem 0 .4rem; font-size: 1.1rem; }
.finding .message { font-size: 1.02rem; font-weight: 600; margin: .3rem 0; }
.finding .where { color: var(--muted); margin: 0; }
.clause {
  margin: .5rem 0; padding: .4rem .8rem; border-left: 3px solid var(--rule);
  overflow-wrap: anywhere;
}
.clause p { margin: .2rem 0; }
.clause ul { margin: .2rem 0; padding-left: 1.2rem; }
dl.evidence { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.evidence dt { font-weight: 600; }
dl.evidence dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
dl.evidence ul { margin: 0; padding-left: 1.2rem; }
.note { color: var(--muted); }
summary { cursor: pointer; font-weight: 600; margin: .5rem 0; }
footer {
  margin-top: 3rem; padding-top: .5rem; border-top: 1px solid var(--rule);
  color: var(--muted); font-size: .85rem;
}
@media (max-width: 40rem) {
  body { padding: .8rem; }
  .verdict h1 { font-size: 1.7rem; }
  dl.facts, dl.evidence { grid-template-columns: 1fr; gap: 0; }
  dl.facts dd, dl.evidence dd { margin-bottom: .4rem; }
}
@media print {
  @page { margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  .verdict, .verdict.pass, .verdict.warn, .verdict.fail, .verdict.incomplete { background: none; }
  th { background: none; }
  thead th { border-bottom: 2px solid var(--ink); }
  pre { background: none; }
  .finding, .verdict, tr, dl.facts, .clause { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  details::details-content { content-visibility: visible; display: block; }
  summary { list-style: none; }
  a { color: var(--ink); }
  .scroll { overflow: visible; }
  table.matrix td { white-space: normal; }
}
"""
