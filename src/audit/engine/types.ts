/**
 * The profile report and its parts: what `guestguard profile` emits (the JSON format is this
 * shape; field names are snake_case because it is a documented file format).
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Weights of the score formula (docs/profile.md). */
export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 3, high: 7, critical: 10 };

export const FINDING_STATUSES = ['pass', 'fail', 'not_applicable', 'error'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** Why a check decided as it did: a guest file line, or the fact used. At least one field is set. */
export interface Evidence {
  /** Guest path of the file the evidence comes from. */
  file?: string;
  /** 1-based line number in that file. */
  line?: number;
  /** The line itself (or a short description of the file: "mode 0644 owner root:root"). */
  text?: string;
  /** A fact that is not a file line: "sshd default PermitRootLogin prohibit-password", "package telnetd 0.17-44 installed". */
  fact?: string;
}

export interface Reference {
  /** Free string; known ones: cis-debian-12, cis-rhel-9, pci-dss-4, nist-800-53, stig. */
  standard: string;
  id: string;
}

export interface Finding {
  rule_id: string;
  /** Id of the profile the rule belongs to. */
  profile: string;
  status: FindingStatus;
  severity: Severity;
  title: string;
  description: string;
  rationale: string;
  remediation: string;
  references: Reference[];
  evidence: Evidence[];
  /** One line saying why, e.g. "PermitRootLogin is yes (/etc/ssh/sshd_config:32)". */
  message: string;
}

export interface StatusCounts {
  pass: number;
  fail: number;
  not_applicable: number;
  error: number;
}

export interface Summary {
  counts: StatusCounts;
  /** Failed findings per severity (every severity present, 0 when none). */
  failed_by_severity: Record<Severity, number>;
  /** 0..100: weighted share of passing rules among those that were decided or errored (docs/profile.md). */
  score: number;
}

export interface ProfileSummary extends Summary {
  id: string;
  title: string;
  /** Rules of this profile that were evaluated (disabled rules excluded). */
  rules: number;
}

/** The results for one operating system found on the disks. */
export interface OsProfileResult {
  /** Root device, as inspection names it (/dev/sda2, /dev/vg0/root). */
  root: string;
  type: 'linux' | 'windows' | 'freebsd' | 'unknown';
  distro: string | null;
  product_name: string | null;
  major_version: number;
  minor_version: number;
  profiles: ProfileSummary[];
  summary: Summary;
  /** One finding per evaluated rule, in profile then rule order. */
  findings: Finding[];
}

export interface ProfileReport {
  schema_version: 1;
  /** "guestguard 0.1.0". */
  generator: string;
  /** Image paths as given. */
  images: string[];
  /** ISO 8601 time the report was made. */
  generated_at: string;
  /** Profile ids evaluated (built-in and from policy files), in order. */
  profiles_requested: string[];
  operating_systems: OsProfileResult[];
  /** Over all operating systems. */
  summary: Summary;
  /** Disk-level and policy-level problems (override naming an unknown rule, unreadable fstab line...). */
  warnings: string[];
}
