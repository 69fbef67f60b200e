/**
 * Report objects for renderer tests that do not need a guest: a Debian-like run with every
 * status and severity, a finding whose evidence is hostile (markup, terminal escapes,
 * newlines, bidi overrides), and a two-OS variant. Counts and scores are computed here with
 * the documented formula so the fixtures are self-consistent.
 */
import { SEVERITIES, SEVERITY_WEIGHTS, type Finding, type OsProfileResult, type ProfileReport, type Severity, type Summary } from '../../src/audit/engine/types.js';

export const HOSTILE_TEXT = 'x<script>alert(1)</script><img src=x onerror=alert(2)>\x1b[2J\x1b]0;pwned\x07"\'&\u202egnp.exe';

type Partial0 = Pick<Finding, 'rule_id' | 'status' | 'severity'> & Partial<Finding>;

function finding(p: Partial0): Finding {
  return {
    profile: 'security',
    title: `Title of ${p.rule_id}`,
    description: `What ${p.rule_id} checks.`,
    rationale: 'Why it matters.',
    remediation: 'How to fix it.',
    references: [],
    evidence: [],
    message: `${p.rule_id} is ${p.status}`,
    ...p,
  };
}

export function summarize(findings: Finding[]): Summary {
  const counts = { pass: 0, fail: 0, not_applicable: 0, error: 0 };
  const failed_by_severity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let num = 0;
  let den = 0;
  for (const f of findings) {
    counts[f.status]++;
    if (f.status === 'fail') failed_by_severity[f.severity]++;
    const w = SEVERITY_WEIGHTS[f.severity];
    if (f.status === 'pass') num += w;
    if (f.status !== 'not_applicable') den += w;
  }
  return { counts, failed_by_severity, score: den === 0 ? 100 : Math.round((100 * num) / den) };
}

const PROFILE_TITLES: Record<string, string> = { security: 'Security essentials', hardening: 'Kernel and system hardening', compliance: 'CIS Level 1 Server (subset)' };

function osResult(base: Omit<OsProfileResult, 'profiles' | 'summary'>): OsProfileResult {
  const ids = [...new Set(base.findings.map((f) => f.profile))];
  const profiles = ids.map((id) => {
    const fs = base.findings.filter((f) => f.profile === id);
    return { id, title: PROFILE_TITLES[id] ?? id, rules: fs.length, ...summarize(fs) };
  });
  return { ...base, profiles, summary: summarize(base.findings) };
}

export function debianFindings(): Finding[] {
  return [
    finding({
      rule_id: 'ssh.permit-root-login',
      status: 'fail',
      severity: 'high',
      title: 'SSH root login is disabled',
      description: 'The SSH daemon must not accept logins as root.',
      rationale: 'Direct root logins leave no trail of who used the account\nand make password guessing worthwhile.',
      remediation: 'Set "PermitRootLogin no" in /etc/ssh/sshd_config\nthen reload sshd: systemctl reload ssh',
      references: [
        { standard: 'cis-debian-12', id: '5.1.20' },
        { standard: 'pci-dss-4', id: '2.2.6' },
      ],
      evidence: [{ file: '/etc/ssh/sshd_config', line: 32, text: 'PermitRootLogin yes' }],
      message: 'PermitRootLogin is yes (/etc/ssh/sshd_config:32)',
    }),
    finding({
      rule_id: 'accounts.uid0-besides-root',
      status: 'fail',
      severity: 'critical',
      title: 'Only root has uid 0',
      remediation: 'Remove the account or give it its own uid.',
      references: [{ standard: 'cis-debian-12', id: '7.2.9' }],
      evidence: [
        { file: '/etc/passwd', line: 22, text: 'toor:x:0:0::/root:/bin/bash' },
        { file: '/etc/passwd', line: 23, text: 'admin2:x:0:0::/root:/bin/bash' },
      ],
      message: '2 accounts besides root have uid 0: toor, admin2',
    }),
    finding({
      rule_id: 'services.telnet',
      status: 'fail',
      severity: 'high',
      title: 'telnet server is not installed',
      remediation: 'apt-get purge telnetd',
      evidence: [{ fact: 'package telnetd 0.17+2.4-2 installed' }],
      message: 'telnetd 0.17+2.4-2 is installed',
    }),
    finding({
      rule_id: 'hardening.ip-forward',
      profile: 'hardening',
      status: 'fail',
      severity: 'medium',
      title: 'IP forwarding is disabled',
      remediation: 'Set net.ipv4.ip_forward = 0 in /etc/sysctl.d/60-net.conf',
      references: [{ standard: 'cis-debian-12', id: '3.3.1' }],
      evidence: [{ file: '/etc/sysctl.d/99-evil file#1.conf', line: 3, text: HOSTILE_TEXT }],
      message: `net.ipv4.ip_forward is 1 ${HOSTILE_TEXT}`,
    }),
    finding({
      rule_id: 'hardening.world-writable',
      profile: 'hardening',
      status: 'fail',
      severity: 'low',
      title: 'No world-writable files in system directories',
      evidence: [{ file: '/etc/motd.local', text: 'mode 0666 owner root:root' }],
      message: '/etc/motd.local is world-writable',
    }),
    finding({ rule_id: 'hardening.banner', profile: 'hardening', status: 'fail', severity: 'info', title: 'A login banner is set', evidence: [{ file: '/etc/issue.net' }], message: '/etc/issue.net is empty' }),
    finding({ rule_id: 'ssh.empty-passwords', status: 'pass', severity: 'high', evidence: [{ fact: 'sshd default PermitEmptyPasswords no' }], message: 'PermitEmptyPasswords is no (default)' }),
    finding({ rule_id: 'hardening.kptr-restrict', profile: 'hardening', status: 'pass', severity: 'medium', message: 'kernel.kptr_restrict is 1' }),
    finding({ rule_id: 'security.selinux', status: 'not_applicable', severity: 'medium', message: 'applies to rhel family only' }),
    finding({
      rule_id: 'hardening.tmp-nodev',
      profile: 'hardening',
      status: 'error',
      severity: 'medium',
      title: '/tmp is mounted nodev',
      evidence: [{ file: '/etc/fstab' }],
      message: '/etc/fstab could not be read: CORRUPT_FILESYSTEM: extent tree loop',
    }),
  ];
}

export function debianReport(): ProfileReport {
  const os = osResult({
    root: '/dev/ggvg/root',
    type: 'linux',
    distro: 'debian',
    product_name: 'Debian GNU/Linux 12 (bookworm)',
    major_version: 12,
    minor_version: 0,
    findings: debianFindings(),
  });
  return {
    schema_version: 1,
    generator: 'guestguard 0.1.0',
    images: ['images/debian 12.qcow2'],
    generated_at: '2025-11-22T15:00:00.000Z',
    profiles_requested: ['security', 'hardening'],
    operating_systems: [os],
    summary: os.summary,
    warnings: ['override for rule "nope.unknown" names no loaded rule (policy.yaml:7:5)'],
  };
}

/** Two operating systems (dual boot): the same rule failing on both must stay two results. */
export function twoOsReport(): ProfileReport {
  const linux = debianReport().operating_systems[0]!;
  const win = osResult({
    root: '/dev/sda2',
    type: 'windows',
    distro: 'windows',
    product_name: 'Windows Server 2022 Standard',
    major_version: 10,
    minor_version: 0,
    findings: [
      finding({ rule_id: 'windows.smb1', profile: 'windows', status: 'fail', severity: 'high', title: 'SMBv1 is disabled', evidence: [{ fact: 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters SMB1 = 1' }], message: 'SMB1 is 1' }),
      finding({ rule_id: 'ssh.permit-root-login', status: 'not_applicable', severity: 'high', message: 'applies to linux only' }),
    ],
  });
  const all = [...linux.findings, ...win.findings];
  return { ...debianReport(), images: ['/var/lib/images/dual.qcow2', '/var/lib/images/data.vmdk'], profiles_requested: ['security', 'hardening', 'windows'], operating_systems: [linux, win], summary: summarize(all), warnings: [] };
}

export function emptyReport(): ProfileReport {
  return { ...debianReport(), operating_systems: [], summary: summarize([]), warnings: [] };
}
