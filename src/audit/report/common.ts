/** Ordering, labels and small text helpers shared by the report formats. */
import { severityRank } from '../engine/score.js';
import { SEVERITIES, type Evidence, type Finding, type FindingStatus, type OsProfileResult, type Severity } from '../engine/types.js';

/** Most severe first: the order findings are listed in every human format. */
export const SEVERITIES_DESC: readonly Severity[] = [...SEVERITIES].reverse();

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

const DISTRO_NAMES: Record<string, string> = {
  debian: 'Debian', ubuntu: 'Ubuntu', rhel: 'Red Hat Enterprise Linux', centos: 'CentOS', fedora: 'Fedora', rocky: 'Rocky Linux',
  almalinux: 'AlmaLinux', oraclelinux: 'Oracle Linux', sles: 'SUSE Linux Enterprise', opensuse: 'openSUSE', archlinux: 'Arch Linux',
  alpinelinux: 'Alpine Linux', windows: 'Windows',
};

/**
 * "Debian GNU/Linux 12 (bookworm)" or "Windows Server 2022 Standard" as inspection names it;
 * a bare version (Debian's product name is /etc/debian_version, "12.5") gets the distro's name.
 */
export function osTitle(os: OsProfileResult): string {
  const distro = os.distro ? (DISTRO_NAMES[os.distro] ?? os.distro) : undefined;
  if (os.product_name && /[A-Za-z]{2}/.test(os.product_name)) return os.product_name;
  if (distro) return `${distro} ${os.product_name ?? `${os.major_version}.${os.minor_version}`}`;
  return os.product_name ?? os.type;
}

/** Stable sort: most severe first, then rule id. */
export function bySeverityThenId(a: Finding, b: Finding): number {
  return severityRank(b.severity) - severityRank(a.severity) || (a.rule_id < b.rule_id ? -1 : a.rule_id > b.rule_id ? 1 : 0);
}

/** Findings of one status, grouped by severity (most severe first; empty groups dropped). */
export function groupBySeverity(findings: readonly Finding[], status: FindingStatus): { severity: Severity; findings: Finding[] }[] {
  const sorted = findings.filter((f) => f.status === status).sort(bySeverityThenId);
  return SEVERITIES_DESC.map((severity) => ({ severity, findings: sorted.filter((f) => f.severity === severity) })).filter((g) => g.findings.length > 0);
}

/** "/etc/ssh/sshd_config:32", "/etc/ssh/sshd_config", or undefined for a fact. */
export function evidenceWhere(e: Evidence): string | undefined {
  if (e.file === undefined) return undefined;
  return e.line !== undefined ? `${e.file}:${e.line}` : e.file;
}

/**
 * Guest text made safe for a one-line display: control characters but tab (ESC could drive a
 * terminal, newlines could forge report lines) and bidi overrides become visible escapes.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** "guestguard 0.1.0" → { name: "guestguard", version: "0.1.0" }. */
export function splitGenerator(generator: string): { name: string; version: string | undefined } {
  const m = /^(\S+)\s+(\S+)$/.exec(generator.trim());
  return m ? { name: m[1]!, version: m[2]! } : { name: generator.trim() || 'guestguard', version: undefined };
}
