/**
 * The human format for a terminal: per operating system, the score and per-profile summary,
 * then each failed finding grouped by severity with its evidence (file:line and the line) and
 * remediation. Colours only when asked (the CLI asks when stdout is a terminal). Guest text
 * goes through printable(): a hostile guest must not be able to drive the terminal.
 */
import type { Finding, OsProfileResult, ProfileReport, Severity, Summary } from '../engine/types.js';
import { evidenceWhere, groupBySeverity, osTitle, printable, SEVERITIES_DESC } from './common.js';

export interface TableOptions {
  /** ANSI colours (default false). */
  color?: boolean;
}

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan' | 'magenta' | 'boldRed';
const ANSI: Record<Style, [string, string]> = {
  bold: ['\x1b[1m', '\x1b[22m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  red: ['\x1b[31m', '\x1b[39m'],
  green: ['\x1b[32m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m'],
  cyan: ['\x1b[36m', '\x1b[39m'],
  magenta: ['\x1b[35m', '\x1b[39m'],
  boldRed: ['\x1b[1;31m', '\x1b[22;39m'],
};
const SEVERITY_STYLE: Record<Severity, Style> = { critical: 'boldRed', high: 'red', medium: 'yellow', low: 'cyan', info: 'dim' };

export function renderTable(report: ProfileReport, opts: TableOptions = {}): string {
  const c = (style: Style, s: string) => (opts.color ? ANSI[style][0] + s + ANSI[style][1] : s);
  const out: string[] = [];
  out.push(c('bold', 'guestguard profile report'));
  out.push(`Images:    ${report.images.map(printable).join(', ')}`);
  out.push(`Profiles:  ${report.profiles_requested.map(printable).join(', ') || '(none)'}`);
  out.push(`Generated: ${printable(report.generated_at)} by ${printable(report.generator)}`);

  if (report.operating_systems.length === 0) out.push('', 'No operating system found: nothing was evaluated.');
  for (const os of report.operating_systems) out.push('', ...osSection(os, c));

  if (report.operating_systems.length > 1) {
    out.push('', `${c('bold', `Overall (${report.operating_systems.length} operating systems)`)}  ${scoreLine(report.summary, c)}`);
  }
  if (report.warnings.length > 0) {
    out.push('', c('yellow', 'Warnings:'));
    for (const w of report.warnings) out.push(`  - ${printable(w)}`);
  }
  return out.join('\n') + '\n';
}

type Colorize = (style: Style, s: string) => string;

function osSection(os: OsProfileResult, c: Colorize): string[] {
  const out: string[] = [];
  out.push(c('bold', `${printable(osTitle(os))} — root ${printable(os.root)}`));
  out.push(`  ${scoreLine(os.summary, c)}`);
  if (os.profiles.length > 0) {
    out.push('');
    const rows = os.profiles.map((p) => [p.id, p.title, String(p.rules), String(p.counts.pass), String(p.counts.fail), String(p.counts.not_applicable), String(p.counts.error), String(p.score)].map(printable));
    out.push(...grid(['PROFILE', 'TITLE', 'RULES', 'PASS', 'FAIL', 'N/A', 'ERROR', 'SCORE'], rows, [false, false, true, true, true, true, true, true]).map((l, i) => `  ${i === 0 ? c('dim', l) : l}`));
  }
  const failed = groupBySeverity(os.findings, 'fail');
  for (const g of failed) {
    out.push('', `  ${c(SEVERITY_STYLE[g.severity], `FAILED — ${g.severity.toUpperCase()} (${g.findings.length})`)}`);
    for (const f of g.findings) out.push(...findingLines(f, c, c(SEVERITY_STYLE[g.severity], '✗')));
  }
  const errors = groupBySeverity(os.findings, 'error').flatMap((g) => g.findings);
  if (errors.length > 0) {
    out.push('', `  ${c('magenta', `NOT EVALUATED — check error (${errors.length})`)}`);
    for (const f of errors) out.push(...findingLines(f, c, c('magenta', '!'), false));
  }
  if (failed.length === 0 && errors.length === 0) out.push('', `  ${c('green', 'No failed findings.')}`);
  return out;
}

function findingLines(f: Finding, c: Colorize, mark: string, withFix = true): string[] {
  const out = [`    ${mark} ${c('bold', printable(f.rule_id))}  ${printable(f.title)}  ${c('dim', `[${printable(f.profile)}]`)}`];
  if (f.message) out.push(`      ${printable(f.message)}`);
  for (const e of f.evidence) {
    const where = evidenceWhere(e);
    const parts = [where !== undefined ? c('cyan', printable(where)) : undefined, e.text !== undefined ? printable(e.text) : undefined, e.fact !== undefined ? printable(e.fact) : undefined];
    out.push(`      ${c('dim', 'evidence:')} ${parts.filter((p) => p !== undefined).join('  ')}`);
  }
  if (withFix && f.remediation.trim()) {
    const lines = f.remediation.trim().split(/\r?\n/);
    out.push(`      ${c('green', 'fix:')} ${printable(lines[0]!)}`);
    for (const l of lines.slice(1)) out.push(`           ${printable(l)}`);
  }
  if (f.references.length > 0) out.push(`      ${c('dim', `refs: ${f.references.map((r) => printable(`${r.standard} ${r.id}`)).join(', ')}`)}`);
  return out;
}

/** "Score 62/100 · 12 failed (2 critical, 3 high) · 40 passed · 30 n/a · 1 error". */
function scoreLine(s: Summary, c: Colorize): string {
  const scoreStyle: Style = s.score >= 90 ? 'green' : s.score >= 70 ? 'yellow' : 'red';
  const bySev = SEVERITIES_DESC.filter((sev) => s.failed_by_severity[sev] > 0).map((sev) => c(SEVERITY_STYLE[sev], `${s.failed_by_severity[sev]} ${sev}`));
  const parts = [
    `${c('bold', 'Score')} ${c(scoreStyle, `${s.score}/100`)}`,
    `${s.counts.fail} failed${bySev.length > 0 ? ` (${bySev.join(', ')})` : ''}`,
    `${s.counts.pass} passed`,
    `${s.counts.not_applicable} n/a`,
  ];
  if (s.counts.error > 0) parts.push(c('magenta', `${s.counts.error} error${s.counts.error === 1 ? '' : 's'}`));
  return parts.join(' · ');
}

/** Left/right aligned columns separated by two spaces; widths by the longest cell. */
function grid(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
