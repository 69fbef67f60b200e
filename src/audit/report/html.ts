/**
 * The single-file HTML report: inline CSS and SVG, no script and no external resource, so it
 * opens offline and can be mailed or archived as is. Guest data is hostile: every string is
 * escaped, and a Content-Security-Policy forbidding scripts and fetches backs that up.
 */
import type { Evidence, Finding, FindingStatus, OsProfileResult, ProfileReport, ProfileSummary, Summary } from '../engine/types.js';
import { evidenceWhere, groupBySeverity, osTitle, printable, SEVERITIES_DESC } from './common.js';
import { REPORT_CSS } from './html-style.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** One line of guest text: control characters made visible, then escaped. */
const t = (s: string) => escapeHtml(printable(s));
/** Multi-line text (remediation, rationale): lines kept (CSS pre-line), each made safe. */
const tm = (s: string) => s.trim().split(/\r?\n/).map(t).join('\n');

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function scoreClass(score: number): 'good' | 'warn' | 'bad' {
  return score >= 90 ? 'good' : score >= 70 ? 'warn' : 'bad';
}

export function renderHtml(report: ProfileReport): string {
  const oses = report.operating_systems;
  const heading = oses.length === 1 ? osTitle(oses[0]!) : oses.length === 0 ? 'No operating system found' : `${oses.length} operating systems`;
  const body: string[] = [];
  body.push(`<header class="top"><div class="wrap">
<div class="brand">guestguard · profile report</div>
<h1>${t(heading)}</h1>
<dl class="meta">
<dt>Image${report.images.length === 1 ? '' : 's'}</dt><dd class="mono">${report.images.map(t).join('<br>')}</dd>
${oses.length > 0 ? `<dt>Operating system${oses.length === 1 ? '' : 's'}</dt><dd>${oses.map((os) => `${t(osTitle(os))} <span class="mono">(${t(os.root)})</span>`).join('<br>')}</dd>` : ''}
<dt>Profiles</dt><dd>${report.profiles_requested.map(t).join(', ') || '—'}</dd>
<dt>Generated</dt><dd>${t(report.generated_at)} by ${t(report.generator)}</dd>
</dl></div></header>`);
  body.push('<main><div class="wrap">');
  body.push(`<section class="card" aria-label="Summary">${overview(report.summary, 160)}</section>`);
  if (report.warnings.length > 0) {
    body.push(`<div class="notice"><strong>${plural(report.warnings.length, 'warning')}</strong><ul>${report.warnings.map((w) => `<li>${t(w)}</li>`).join('')}</ul></div>`);
  }
  if (oses.length === 0) body.push('<section class="card"><p>No operating system was found on the disks, so no rule was evaluated.</p></section>');
  oses.forEach((os, i) => body.push(osSection(os, i, oses.length > 1)));
  body.push('</div></main>');
  body.push(`<footer><div class="wrap">Score = 100 × Σ weight(passed) ÷ Σ weight(passed + failed + error), weights info 0, low 1, medium 3, high 7, critical 10 (100 when nothing weighs). Not-applicable rules do not count.</div></footer>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${t(report.generator)}">
<title>${t(`${heading} — score ${report.summary.score}/100 — guestguard profile`)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

function ring(score: number, size: number): string {
  const r = 52;
  const circ = 2 * Math.PI * r;
  const clamped = Math.max(0, Math.min(100, score));
  const arc = ((clamped / 100) * circ).toFixed(2);
  const cls = scoreClass(score);
  const colour = { good: '#1a7f37', warn: '#d4a72c', bad: '#cf222e' }[cls];
  return `<svg class="ring${size < 120 ? ' small' : ''}" viewBox="0 0 120 120" role="img" aria-label="Score ${score} out of 100">
<circle class="track" cx="60" cy="60" r="${r}" fill="none" stroke-width="12"/>
<circle cx="60" cy="60" r="${r}" fill="none" stroke="${colour}" stroke-width="12" stroke-linecap="${clamped > 0 ? 'round' : 'butt'}" stroke-dasharray="${arc} ${circ.toFixed(2)}" transform="rotate(-90 60 60)"/>
<text class="num score" x="60" y="66" text-anchor="middle">${score}</text>
<text class="of" x="60" y="86" text-anchor="middle">of 100</text>
</svg>`;
}

/** Score ring, status tiles and the failed-by-severity bar. */
function overview(s: Summary, ringSize: number): string {
  const failed = s.counts.fail;
  const segs = SEVERITIES_DESC.filter((sev) => s.failed_by_severity[sev] > 0)
    .map((sev) => `<span class="bg-${sev}" style="width:${((100 * s.failed_by_severity[sev]) / Math.max(1, failed)).toFixed(2)}%" title="${s.failed_by_severity[sev]} ${sev}"></span>`)
    .join('');
  const legend = SEVERITIES_DESC.map((sev) => `<li class="c-${sev}"><b>${s.failed_by_severity[sev]}</b> ${sev}</li>`).join('');
  return `<div class="overview">
${ring(s.score, ringSize)}
<div>
<div class="tiles">
<div class="tile fail"><span class="n">${s.counts.fail}</span><span class="l">failed</span></div>
<div class="tile pass"><span class="n">${s.counts.pass}</span><span class="l">passed</span></div>
<div class="tile na"><span class="n">${s.counts.not_applicable}</span><span class="l">not applicable</span></div>
<div class="tile error"><span class="n">${s.counts.error}</span><span class="l">could not be evaluated</span></div>
</div>
<div class="sevbar" role="img" aria-label="Failed findings by severity">${segs}</div>
<ul class="legend" aria-label="Failed findings by severity">${legend}</ul>
</div>
</div>`;
}

function profileTable(profiles: ProfileSummary[]): string {
  if (profiles.length === 0) return '';
  const rows = profiles
    .map(
      (p) => `<tr><td>${t(p.title)}<div class="pid mono">${t(p.id)}</div></td><td class="num">${p.rules}</td><td class="num">${p.counts.pass}</td><td class="num">${p.counts.fail}</td><td class="num">${p.counts.not_applicable}</td><td class="num">${p.counts.error}</td>
<td><div class="scorecell"><div class="bar"><span class="${scoreClass(p.score)}" style="width:${Math.max(0, Math.min(100, p.score))}%"></span></div><b class="${scoreClass(p.score)}">${p.score}</b></div></td></tr>`,
    )
    .join('\n');
  return `<table class="profiles"><thead><tr><th>Profile</th><th class="num">Rules</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">N/A</th><th class="num">Errors</th><th>Score</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

function osSection(os: OsProfileResult, index: number, several: boolean): string {
  const out: string[] = [];
  out.push(`<section class="card os" id="os-${index + 1}">`);
  out.push(`<h2>${t(osTitle(os))}<span class="root mono">${t(os.root)}</span></h2>`);
  if (several) out.push(overview(os.summary, 96));
  out.push(profileTable(os.profiles));

  const failed = groupBySeverity(os.findings, 'fail');
  out.push(`<h3>Failed findings <span class="count">(${os.summary.counts.fail})</span></h3>`);
  if (failed.length === 0) out.push('<p class="empty">No rule failed.</p>');
  for (const g of failed) {
    out.push(`<h4 class="sev"><span class="badge bg-${g.severity}">${cap(g.severity)}</span> ${plural(g.findings.length, 'finding')}</h4>`);
    for (const f of g.findings) out.push(findingCard(f));
  }
  const errors = groupBySeverity(os.findings, 'error').flatMap((g) => g.findings);
  if (errors.length > 0) {
    out.push(`<h3>Could not be evaluated <span class="count">(${errors.length})</span></h3>`);
    for (const f of errors) out.push(findingCard(f));
  }
  out.push(collapsedList(os.findings, 'pass', 'Passed'));
  out.push(collapsedList(os.findings, 'not_applicable', 'Not applicable'));
  out.push('</section>');
  return out.join('\n');
}

function findingCard(f: Finding): string {
  const badge = f.status === 'fail' ? `<span class="badge bg-${f.severity}">${cap(f.severity)}</span>` : `<span class="badge status-${f.status}">${f.status === 'error' ? 'Error' : cap(f.status)}</span>`;
  const parts = [
    `<article class="finding sev-${f.severity} status-${f.status}">`,
    `<div class="fhead">${badge}<h5>${t(f.title)}</h5><code class="rid">${t(f.rule_id)}</code><span class="prof">${t(f.profile)}</span></div>`,
  ];
  if (f.message) parts.push(`<p class="msg">${t(f.message)}</p>`);
  if (f.evidence.length > 0) parts.push(`<div class="label">Evidence</div>${f.evidence.map(evidenceBlock).join('')}`);
  if (f.status === 'fail' && f.remediation.trim()) parts.push(`<div class="label">Remediation</div><p class="fix text">${tm(f.remediation)}</p>`);
  const why = [f.description.trim() && `<p class="text">${tm(f.description)}</p>`, f.rationale.trim() && `<p class="text"><b>Rationale.</b> ${tm(f.rationale)}</p>`].filter(Boolean);
  if (why.length > 0) parts.push(`<details class="why"><summary>About this rule</summary>${why.join('')}</details>`);
  if (f.references.length > 0) parts.push(`<ul class="refs" aria-label="References">${f.references.map((r) => `<li><b>${t(r.standard)}</b> ${t(r.id)}</li>`).join('')}</ul>`);
  parts.push('</article>');
  return parts.join('\n');
}

function evidenceBlock(e: Evidence): string {
  const where = evidenceWhere(e);
  const out: string[] = ['<div class="ev">'];
  if (where !== undefined) out.push(`<div class="where mono">${t(where)}</div>`);
  if (e.text !== undefined) {
    const ln = e.line !== undefined ? `<span class="ln">${e.line}</span>` : '';
    out.push(`<pre><code>${ln}${t(e.text)}</code></pre>`);
  }
  if (e.fact !== undefined) out.push(`<div class="fact">${t(e.fact)}</div>`);
  out.push('</div>');
  return out.join('');
}

/** Passed / not-applicable findings: one compact row each, inside a closed <details>. */
function collapsedList(findings: Finding[], status: FindingStatus, label: string): string {
  const rows = groupBySeverity(findings, status).flatMap((g) => g.findings);
  if (rows.length === 0) return '';
  const body = rows
    .map((f) => `<tr><td class="r"><span class="c-${f.severity}">●</span> <code>${t(f.rule_id)}</code></td><td>${t(f.title)}</td><td class="m">${t(f.message)}</td></tr>`)
    .join('\n');
  return `<details class="${status}"><summary>${label} <span class="count">(${rows.length})</span></summary>
<table class="compact"><tbody>
${body}
</tbody></table></details>`;
}
