/** The HTML report's stylesheet: inlined (the report is one offline file), screen and print. */
export const REPORT_CSS = `
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --card: #ffffff;
  --good: #1a7f37; --warn: #9a6700; --bad: #cf222e;
  --critical: #82071e; --high: #cf222e; --medium: #bc4c00; --low: #0969da; --info: #59636e;
  --code-bg: #f6f8fa;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.wrap { max-width: 1080px; margin: 0 auto; padding: 0 24px; }
header.top { background: #0d1117; color: #e6edf3; padding: 28px 0 24px; }
header.top .brand { font-size: 13px; letter-spacing: .08em; text-transform: uppercase; color: #9198a1; }
header.top h1 { margin: 4px 0 14px; font-size: 28px; line-height: 1.25; font-weight: 650; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; font-size: 14px; }
dl.meta dt { color: #9198a1; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
main { padding: 24px 0 40px; }
section.card, .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; margin: 0 0 20px; }
h2 { font-size: 22px; margin: 0 0 4px; line-height: 1.3; }
h2 .root { font-size: 14px; font-weight: 400; color: var(--muted); margin-left: 8px; }
h3 { font-size: 17px; margin: 26px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h4.sev { display: flex; align-items: center; gap: 8px; font-size: 15px; margin: 18px 0 8px; }
.overview { display: grid; grid-template-columns: 170px 1fr; gap: 28px; align-items: center; }
.ring { width: 160px; height: 160px; display: block; }
.ring.small { width: 96px; height: 96px; }
.ring .track { stroke: #e6e9ed; }
.ring text { font-family: system-ui, sans-serif; fill: var(--fg); }
.ring .num { font-size: 34px; font-weight: 700; }
.ring .of { font-size: 12px; fill: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.tile .n { font-size: 26px; font-weight: 700; line-height: 1.2; display: block; }
.tile .l { font-size: 13px; color: var(--muted); }
.tile.fail .n { color: var(--bad); } .tile.pass .n { color: var(--good); } .tile.error .n { color: var(--warn); } .tile.na .n { color: var(--muted); }
.sevbar { display: flex; height: 10px; border-radius: 5px; overflow: hidden; background: #e6e9ed; margin: 16px 0 8px; }
.sevbar span { display: block; height: 100%; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 13px; color: var(--muted); margin: 0; padding: 0; list-style: none; }
.legend li::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; background: currentColor; }
.legend li b { color: var(--fg); }
.bg-critical { background: var(--critical); } .bg-high { background: var(--high); } .bg-medium { background: var(--medium); } .bg-low { background: var(--low); } .bg-info { background: var(--info); }
.c-critical { color: var(--critical); } .c-high { color: var(--high); } .c-medium { color: var(--medium); } .c-low { color: var(--low); } .c-info { color: var(--info); }
.badge { display: inline-block; font-size: 11px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; color: #fff; border-radius: 999px; padding: 2px 9px; white-space: nowrap; }
.badge.status-pass { background: var(--good); } .badge.status-not_applicable { background: #8c959f; } .badge.status-error { background: var(--warn); }
table.profiles { width: 100%; border-collapse: collapse; font-size: 14px; margin-top: 8px; }
table.profiles th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; border-bottom: 1px solid var(--line); padding: 6px 8px; }
table.profiles td { border-bottom: 1px solid #eef1f4; padding: 8px; vertical-align: middle; }
table.profiles td.num, table.profiles th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.profiles .pid { color: var(--muted); font-size: 12px; }
.scorecell { display: flex; align-items: center; gap: 10px; min-width: 160px; }
.bar { flex: 1; height: 8px; background: #e6e9ed; border-radius: 4px; overflow: hidden; }
.bar span { display: block; height: 100%; }
.scorecell b { width: 2.5em; text-align: right; font-variant-numeric: tabular-nums; }
.good { color: var(--good); } .warn { color: var(--warn); } .bad { color: var(--bad); }
.bar .good, .bar span.good { background: var(--good); } .bar span.warn { background: #d4a72c; } .bar span.bad { background: var(--bad); }
article.finding { border: 1px solid var(--line); border-left: 5px solid var(--info); border-radius: 8px; padding: 14px 18px; margin: 0 0 12px; background: #fff; break-inside: avoid; }
article.finding.sev-critical { border-left-color: var(--critical); } article.finding.sev-high { border-left-color: var(--high); }
article.finding.sev-medium { border-left-color: var(--medium); } article.finding.sev-low { border-left-color: var(--low); }
article.finding.status-error { border-left-color: var(--warn); border-left-style: dashed; }
.fhead { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 10px; }
.fhead h5 { font-size: 16px; margin: 0; flex: 1 1 320px; }
.rid { color: var(--muted); font-size: 12px; }
.prof { font-size: 12px; color: var(--muted); border: 1px solid var(--line); border-radius: 999px; padding: 0 8px; }
.msg { margin: 6px 0 10px; font-weight: 500; overflow-wrap: anywhere; }
.label { font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 12px 0 4px; }
.ev { margin: 0 0 8px; }
.ev:has(> .fact:only-child) { margin: 0 0 2px; }
.ev .where { font-size: 13px; color: var(--low); overflow-wrap: anywhere; }
.ev .fact { font-size: 14px; overflow-wrap: anywhere; position: relative; padding-left: 16px; }
.ev .fact::before { content: "›"; position: absolute; left: 3px; color: var(--muted); font-weight: 700; }
pre { background: var(--code-bg); border: 1px solid #e1e6eb; border-radius: 6px; padding: 8px 12px; margin: 4px 0 0; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
pre .ln { color: #8c959f; user-select: none; display: inline-block; min-width: 3.5em; padding-right: 1em; text-align: right; }
.text { white-space: pre-line; overflow-wrap: anywhere; margin: 0; }
.fix { background: #dafbe1; border: 1px solid #aceebb; border-radius: 6px; padding: 8px 12px; }
.fix.text { white-space: pre-line; }
ul.refs { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 6px; }
ul.refs li { font-size: 12px; border: 1px solid var(--line); border-radius: 4px; padding: 1px 7px; background: var(--bg); }
ul.refs li b { font-weight: 600; }
details { border: 1px solid var(--line); border-radius: 8px; margin: 12px 0; background: #fff; }
details > summary { cursor: pointer; padding: 10px 16px; font-weight: 600; }
.count { color: var(--muted); font-weight: 400; }
details.why { border: 0; margin: 8px 0 0; }
details.why > summary { padding: 0; font-weight: 500; color: var(--muted); font-size: 13px; }
details.why .text { margin-top: 6px; color: var(--fg); }
table.compact { width: 100%; border-collapse: collapse; font-size: 13px; }
table.compact td { border-top: 1px solid #eef1f4; padding: 6px 16px; vertical-align: top; overflow-wrap: anywhere; }
table.compact td.r { white-space: nowrap; }
table.compact td.m { color: var(--muted); }
.notice { border: 1px solid #eac54f; background: #fff8c5; border-radius: 8px; padding: 10px 16px; margin: 0 0 20px; }
.notice ul { margin: 4px 0 0; padding-left: 20px; }
.empty { color: var(--good); font-weight: 600; }
footer { color: var(--muted); font-size: 13px; padding: 0 0 32px; }
@media (max-width: 720px) {
  .overview { grid-template-columns: 1fr; justify-items: center; }
  .tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); width: 100%; }
}
@media print {
  @page { margin: 14mm; }
  body { background: #fff; font-size: 11pt; }
  header.top { background: #fff; color: #000; border-bottom: 2px solid #000; padding: 0 0 10px; }
  header.top .brand, dl.meta dt { color: #444; }
  .wrap { max-width: none; padding: 0; }
  section.card, .card, article.finding, details { box-shadow: none; background: #fff; }
  section.card { border: 0; padding: 0; }
  h2, h3, h4 { break-after: avoid; }
  article.finding, .tile, table.profiles tr { break-inside: avoid; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary { list-style: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
