/**
 * The HTML report as text: self-contained, well-formed, everything from the guest escaped,
 * findings grouped by severity with evidence, remediation and references.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderHtml } from '../../src/audit/report/index.js';
import { debianReport, emptyReport, twoOsReport } from './fixture-report.js';

const VOID = new Set(['meta', 'br', 'img', 'hr', 'input', 'link', 'circle', 'path', 'rect']);

/** Tag balance of our own output (a real parser judges it in the Chromium test). */
function unbalancedTags(html: string): string[] {
  const stack: string[] = [];
  const problems: string[] = [];
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<!DOCTYPE html>/i, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(\/?)>/g)) {
    const [, close, name, selfClose] = m;
    const tag = name!.toLowerCase();
    if (selfClose || VOID.has(tag)) continue;
    if (!close) stack.push(tag);
    else if (stack.pop() !== tag) problems.push(`</${tag}> at ${m.index}`);
  }
  return [...problems, ...stack.map((t) => `<${t}> never closed`)];
}

describe('HTML report', () => {
  const html = renderHtml(debianReport());

  it('is one self-contained file: no script, no external resource, a CSP that forbids both', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|<img/i);
    // Inside tags (text is escaped, so a raw "<" always opens one of ours).
    expect(html).not.toMatch(/<[a-z][^>]*\s(src|href|action|on[a-z]+)\s*=/i);
    expect(html).not.toMatch(/url\(|@import|https?:\/\/(?!json-schema)/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`);
    expect(unbalancedTags(html)).toEqual([]);
    for (const r of [twoOsReport(), emptyReport()]) expect(unbalancedTags(renderHtml(r))).toEqual([]);
  });

  it('renders hostile guest data inert', () => {
    // The planted evidence: <script>, an <img onerror>, quotes, terminal escapes, a bidi override.
    expect(html).toContain('x&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;\\u001b[2J\\u001b]0;pwned\\u0007&quot;&#39;&amp;\\u202egnp.exe');
    expect(html).not.toMatch(/onerror=alert\(2\)>/);
    // Hostile text in every other field a guest or policy can fill.
    const r = debianReport();
    const evil = '"><script>alert(3)</script>';
    const f = r.operating_systems[0]!.findings[0]!;
    Object.assign(f, { title: evil, rule_id: evil, profile: evil, message: evil, remediation: evil, rationale: evil, description: evil, references: [{ standard: evil, id: evil }], evidence: [{ file: evil, line: 1, text: evil, fact: evil }] });
    r.operating_systems[0]!.root = evil;
    r.operating_systems[0]!.product_name = evil;
    r.images = [evil];
    r.warnings = [evil];
    r.generator = evil;
    r.profiles_requested = [evil];
    const out = renderHtml(r);
    expect(out).not.toContain('<script');
    expect(out.match(/&quot;&gt;&lt;script&gt;alert\(3\)/g)!.length).toBeGreaterThanOrEqual(15);
    expect(unbalancedTags(out)).toEqual([]);
  });

  it('shows image, OS, score, counts and per-profile scores', () => {
    const r = debianReport();
    const os = r.operating_systems[0]!;
    expect(html).toContain('<h1>Debian GNU/Linux 12 (bookworm)</h1>');
    expect(html).toContain('images/debian 12.qcow2');
    expect(html).toContain(`<title>Debian GNU/Linux 12 (bookworm) — score ${r.summary.score}/100 — guestguard profile</title>`);
    expect(html).toContain(`aria-label="Score ${r.summary.score} out of 100"`);
    expect(html).toContain(`<span class="n">${os.summary.counts.fail}</span><span class="l">failed</span>`);
    for (const p of os.profiles) expect(html).toMatch(new RegExp(`${p.title}<div class="pid mono">${p.id}</div>[\\s\\S]*?<b class="\\w+">${p.score}</b>`));
  });

  it('groups failed findings by severity, most severe first, passed and n/a collapsed', () => {
    const pos = ['Critical</span> 1 finding', 'High</span> 2 findings', 'Medium</span> 1 finding', 'Low</span> 1 finding', 'Info</span> 1 finding', 'Could not be evaluated', '<summary>Passed', '<summary>Not applicable'].map((s) => html.indexOf(s));
    expect(pos.every((p) => p > 0)).toBe(true);
    expect([...pos].sort((a, b) => a - b)).toEqual(pos);
    expect(html).toMatch(/<details class="pass"><summary>Passed <span class="count">\(2\)<\/span><\/summary>/);
    expect(html).not.toMatch(/<details[^>]* open/);
    // Evidence: file:line and the line itself, remediation, references.
    expect(html).toContain('<div class="where mono">/etc/ssh/sshd_config:32</div><pre><code><span class="ln">32</span>PermitRootLogin yes</code></pre>');
    expect(html).toContain('<p class="fix text">Set &quot;PermitRootLogin no&quot; in /etc/ssh/sshd_config\nthen reload sshd: systemctl reload ssh</p>');
    expect(html).toContain('<li><b>cis-debian-12</b> 5.1.20</li><li><b>pci-dss-4</b> 2.2.6</li>');
    expect(html).toContain('<div class="fact">package telnetd 0.17+2.4-2 installed</div>');
  });

  it('has print styles', () => {
    expect(html).toMatch(/@media print \{[\s\S]*details::details-content/);
  });

  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });
});
