/**
 * The documented JSON (docs/profile.schema.json) and its YAML twin. Every object is rebuilt
 * with its keys in the documented order, so two runs over the same guest give byte-identical
 * output whatever order the engine happened to set optional fields in.
 */
import type { Evidence, Finding, OsProfileResult, ProfileReport, ProfileSummary, Summary } from '../engine/types.js';
import { SEVERITIES } from '../engine/types.js';

export function renderJson(report: ProfileReport): string {
  return JSON.stringify(canonicalReport(report), null, 2) + '\n';
}

export async function renderYaml(report: ProfileReport): Promise<string> {
  // The YAML library loads only for this format.
  const { stringify: toYaml } = await import('yaml');
  // No anchors/aliases (consumers should not need YAML reference support) and no line folding.
  return toYaml(canonicalReport(report), { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** The report as documented: fixed key order, nothing the schema does not name. */
export function canonicalReport(r: ProfileReport): ProfileReport {
  return {
    schema_version: r.schema_version,
    generator: r.generator,
    images: [...r.images],
    generated_at: r.generated_at,
    profiles_requested: [...r.profiles_requested],
    operating_systems: r.operating_systems.map(canonicalOs),
    summary: canonicalSummary(r.summary),
    warnings: [...r.warnings],
  };
}

function canonicalOs(os: OsProfileResult): OsProfileResult {
  return {
    root: os.root,
    type: os.type,
    distro: os.distro,
    product_name: os.product_name,
    major_version: os.major_version,
    minor_version: os.minor_version,
    profiles: os.profiles.map(canonicalProfile),
    summary: canonicalSummary(os.summary),
    findings: os.findings.map(canonicalFinding),
  };
}

function canonicalSummary(s: Summary): Summary {
  return {
    counts: { pass: s.counts.pass, fail: s.counts.fail, not_applicable: s.counts.not_applicable, error: s.counts.error },
    failed_by_severity: Object.fromEntries(SEVERITIES.map((sev) => [sev, s.failed_by_severity[sev] ?? 0])) as Summary['failed_by_severity'],
    score: s.score,
  };
}

function canonicalProfile(p: ProfileSummary): ProfileSummary {
  return { id: p.id, title: p.title, rules: p.rules, ...canonicalSummary(p) };
}

function canonicalFinding(f: Finding): Finding {
  return {
    rule_id: f.rule_id,
    profile: f.profile,
    status: f.status,
    severity: f.severity,
    title: f.title,
    description: f.description,
    rationale: f.rationale,
    remediation: f.remediation,
    references: f.references.map((x) => ({ standard: x.standard, id: x.id })),
    evidence: f.evidence.map(canonicalEvidence),
    message: f.message,
  };
}

function canonicalEvidence(e: Evidence): Evidence {
  const out: Evidence = {};
  if (e.file !== undefined) out.file = e.file;
  if (e.line !== undefined) out.line = e.line;
  if (e.text !== undefined) out.text = e.text;
  if (e.fact !== undefined) out.fact = e.fact;
  return out;
}
