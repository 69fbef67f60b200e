/** Counts, score and the --fail-on gate (formula in docs/profile.md). */
import { SEVERITIES, SEVERITY_WEIGHTS, type Finding, type ProfileReport, type Severity, type Summary } from './types.js';

/**
 * score = round(100 × Σ weight(pass) / Σ weight(pass + fail + error)), weights info 0, low 1,
 * medium 3, high 7, critical 10; 100 when nothing weighs (no decided rule above info).
 * Not-applicable findings do not count; an error counts against the score (an unverifiable
 * control is not a passed one).
 */
export function summarize(findings: readonly Finding[]): Summary {
  const counts = { pass: 0, fail: 0, not_applicable: 0, error: 0 };
  const failed = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let earned = 0;
  let possible = 0;
  for (const f of findings) {
    counts[f.status]++;
    const w = SEVERITY_WEIGHTS[f.severity];
    if (f.status === 'fail') failed[f.severity]++;
    if (f.status === 'pass') earned += w;
    if (f.status !== 'not_applicable') possible += w;
  }
  return { counts, failed_by_severity: failed, score: possible === 0 ? 100 : Math.round((100 * earned) / possible) };
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** True when any finding failed at `severity` or above (the CLI's --fail-on). */
export function failsAt(report: ProfileReport, severity: Severity): boolean {
  const min = severityRank(severity);
  return report.operating_systems.some((os) => os.findings.some((f) => f.status === 'fail' && severityRank(f.severity) >= min));
}
