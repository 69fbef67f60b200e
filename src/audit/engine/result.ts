/** What one check decides, before it becomes a finding. */
import type { Evidence, FindingStatus } from './types.js';

export interface CheckResult {
  status: FindingStatus;
  /** One line: the observed fact ("PermitRootLogin is yes (/etc/ssh/sshd_config:32)"). */
  message: string;
  evidence: Evidence[];
}

/** Lines longer than this are cut in evidence; a report must stay readable whatever the guest holds. */
export const MAX_EVIDENCE_TEXT = 400;
/** Evidence items per check (world-writable lists stop at 20; others are naturally short). */
export const MAX_EVIDENCE_ITEMS = 50;

export function result(status: FindingStatus, message: string, evidence: Evidence[] = []): CheckResult {
  return { status, message, evidence: evidence.slice(0, MAX_EVIDENCE_ITEMS) };
}

export const pass = (message: string, evidence: Evidence[] = []) => result('pass', message, evidence);
export const fail = (message: string, evidence: Evidence[] = []) => result('fail', message, evidence);
export const notApplicable = (message: string, evidence: Evidence[] = []) => result('not_applicable', message, evidence);

/** Files whose lines carry password hashes: evidence shows the line with the hash replaced. */
const SECRET_FILES = /(^|\/)(g?shadow|passwd|group)-?$/;

/**
 * A guest line as evidence: cut to a readable length and, in account databases, with the
 * password field masked (reports must never carry hashes).
 */
export function lineEvidence(file: string, line: number, text: string | undefined): Evidence {
  const ev: Evidence = { file, line };
  if (text !== undefined) ev.text = clip(SECRET_FILES.test(file) ? maskPasswordField(text) : text);
  return ev;
}

export function clip(s: string): string {
  return s.length > MAX_EVIDENCE_TEXT ? `${s.slice(0, MAX_EVIDENCE_TEXT)}…` : s;
}

/** "name:$6$...:..." → "name:<hash>:..."; markers that are not secrets (x, *, !, "") stay. */
export function maskPasswordField(line: string): string {
  const f = line.split(':');
  if (f.length < 2) return line;
  const pw = f[1]!;
  if (pw === '' || pw === 'x' || /^[!*]+$/.test(pw)) return line;
  f[1] = pw.startsWith('!') ? '!<hash>' : '<hash>';
  return f.join(':');
}

/** "0644" */
export function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
