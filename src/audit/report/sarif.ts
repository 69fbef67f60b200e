/**
 * SARIF 2.1.0 (OASIS), shaped for code-scanning services such as GitHub's:
 *
 * - one run; tool.driver.rules holds every rule that was evaluated (any status), with help
 *   text/markdown carrying the remediation, tags (profile, "standard:id" references), the
 *   level its severity maps to and GitHub's `security-severity` score;
 * - results only for failed findings. Guest files are locations relative to the uriBaseId
 *   GUESTROOT (GUESTROOT2, 3... for further operating systems), described in
 *   originalUriBaseIds by the image and root device; no absolute URI is given for them (a
 *   guest's root has none on the machine that ran the audit). A finding backed only by
 *   facts points at the image file itself;
 * - a rule whose check could not be evaluated (status error) is not a result (it says
 *   nothing about the guest): it is a warning-level toolExecutionNotification naming the
 *   rule, next to the report's warnings. executionSuccessful stays true: the run completed;
 * - passed and not-applicable findings are left out; the per-OS score and counts are in the
 *   run's property bag.
 */
import { createHash } from 'node:crypto';
import type { Evidence, Finding, OsProfileResult, ProfileReport, Severity } from '../engine/types.js';
import { bySeverityThenId, osTitle, splitGenerator } from './common.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

type SarifLevel = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, SarifLevel> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub maps >= 9.0 to critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low; info gets none. */
const SECURITY_SEVERITY: Record<Severity, string | undefined> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: undefined };
/** Extra evidence places listed as relatedLocations (the engine caps evidence at 50 anyway). */
const MAX_RELATED = 50;

type Json = { [k: string]: unknown };

export function renderSarif(report: ProfileReport): string {
  return JSON.stringify(buildSarif(report), null, 2) + '\n';
}

export function buildSarif(report: ProfileReport): Json {
  const { name, version } = splitGenerator(report.generator);
  const rules = collectRules(report);
  const ruleIndex = new Map(rules.map((f, i) => [f.rule_id, i]));
  const baseIds = report.operating_systems.map((_, i) => (i === 0 ? 'GUESTROOT' : `GUESTROOT${i + 1}`));

  const results: Json[] = [];
  const notifications: Json[] = report.warnings.map((w) => ({ level: 'warning', message: { text: w } }));
  report.operating_systems.forEach((os, i) => {
    const findings = [...os.findings].sort(bySeverityThenId);
    for (const f of findings) {
      if (f.status === 'fail') results.push(result(f, os, baseIds[i]!, ruleIndex.get(f.rule_id)!, report.images[0]));
      else if (f.status === 'error') {
        notifications.push({
          level: 'warning',
          message: { text: `${f.rule_id} could not be evaluated on ${osTitle(os)} (${os.root}): ${f.message}` },
          associatedRule: { id: f.rule_id, index: ruleIndex.get(f.rule_id)! },
        });
      }
    }
  });

  const driver: Json = { name, ...(version !== undefined && { version }), ...(version !== undefined && isSemver(version) && { semanticVersion: version }), rules: rules.map(ruleDescriptor) };
  const invocation: Json = { executionSuccessful: true };
  if (isDateTime(report.generated_at)) invocation['endTimeUtc'] = report.generated_at;
  if (notifications.length > 0) invocation['toolExecutionNotifications'] = notifications;

  const run: Json = {
    tool: { driver },
    invocations: [invocation],
    results,
    properties: {
      images: report.images,
      profiles_requested: report.profiles_requested,
      score: report.summary.score,
      counts: report.summary.counts,
      operating_systems: report.operating_systems.map((os, i) => ({ root: os.root, name: osTitle(os), uriBaseId: baseIds[i], score: os.summary.score, counts: os.summary.counts })),
    },
  };
  if (baseIds.length > 0) {
    const images = report.images.join(', ');
    run['originalUriBaseIds'] = Object.fromEntries(
      report.operating_systems.map((os, i) => [baseIds[i], { description: { text: `Root filesystem (${os.root}) of ${osTitle(os)} in ${images}` } }]),
    );
  }
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

/** One descriptor per rule id, first occurrence wins (a policy gives a rule one severity per run); sorted by id. */
function collectRules(report: ProfileReport): Finding[] {
  const byId = new Map<string, Finding>();
  for (const os of report.operating_systems) for (const f of os.findings) if (!byId.has(f.rule_id)) byId.set(f.rule_id, f);
  return [...byId.values()].sort((a, b) => (a.rule_id < b.rule_id ? -1 : a.rule_id > b.rule_id ? 1 : 0));
}

function ruleDescriptor(f: Finding): Json {
  const refs = f.references.map((r) => `${r.standard}:${r.id}`);
  const props: Json = { tags: [...new Set(['security', f.profile, ...refs])], profile: f.profile, severity: f.severity, precision: 'high' };
  const score = SECURITY_SEVERITY[f.severity];
  if (score !== undefined) props['security-severity'] = score;
  return {
    id: f.rule_id,
    name: pascalName(f.rule_id),
    shortDescription: { text: f.title },
    fullDescription: { text: f.description.trim() || f.title },
    help: { text: helpText(f), markdown: helpMarkdown(f) },
    defaultConfiguration: { level: LEVEL[f.severity] },
    properties: props,
  };
}

function helpText(f: Finding): string {
  const parts = [`Remediation: ${f.remediation.trim() || '(none given)'}`];
  if (f.rationale.trim()) parts.push(`Rationale: ${f.rationale.trim()}`);
  if (f.references.length > 0) parts.push(`References: ${f.references.map((r) => `${r.standard} ${r.id}`).join(', ')}`);
  return parts.join('\n\n');
}

function helpMarkdown(f: Finding): string {
  const parts = [`**Remediation**\n\n${f.remediation.trim() || '(none given)'}`];
  if (f.rationale.trim()) parts.push(`**Rationale**\n\n${f.rationale.trim()}`);
  if (f.references.length > 0) parts.push(`**References**\n\n${f.references.map((r) => `- ${r.standard} ${r.id}`).join('\n')}`);
  parts.push(`Severity: ${f.severity} · profile: ${f.profile}`);
  return parts.join('\n\n');
}

function result(f: Finding, os: OsProfileResult, baseId: string, index: number, image: string | undefined): Json {
  const fileEvidence = f.evidence.filter((e) => e.file !== undefined && e.file !== '');
  const facts = f.evidence.filter((e) => e.fact !== undefined).map((e) => e.fact!);
  const locations = fileEvidence.map((e) => guestLocation(e, baseId));
  const primary = locations[0] ?? imageLocation(image);
  const out: Json = {
    ruleId: f.rule_id,
    ruleIndex: index,
    kind: 'fail',
    level: LEVEL[f.severity],
    message: { text: f.message.trim() || f.title },
    locations: primary ? [primary] : [],
    partialFingerprints: { 'guestguardFinding/v1': fingerprint(f.rule_id, os.root, fileEvidence[0]?.file ?? '') },
    properties: { severity: f.severity, profile: f.profile, os_root: os.root, ...(facts.length > 0 && { facts }) },
  };
  const related = locations.slice(1, 1 + MAX_RELATED).map((l, i) => ({ id: i + 1, ...l }));
  if (related.length > 0) out['relatedLocations'] = related;
  return out;
}

function guestLocation(e: Evidence, baseId: string): Json {
  const physical: Json = { artifactLocation: { uri: guestPathToUri(e.file!), uriBaseId: baseId } };
  if (e.line !== undefined && Number.isInteger(e.line) && e.line >= 1) {
    physical['region'] = { startLine: e.line, ...(e.text !== undefined && { snippet: { text: e.text } }) };
  }
  const loc: Json = { physicalLocation: physical };
  if (e.line === undefined && e.text !== undefined) loc['message'] = { text: e.text };
  return loc;
}

/** The image file: relative paths stay relative (to the checkout in CI), absolute ones become file: URIs. */
function imageLocation(image: string | undefined): Json | undefined {
  if (image === undefined || image === '') return undefined;
  const encoded = image.split('/').map(encodeURIComponent).join('/');
  const uri = image.startsWith('/') ? `file://${encoded}` : encoded;
  return { physicalLocation: { artifactLocation: { uri } } };
}

/** "/etc/ssh/sshd_config" → "etc/ssh/sshd_config", each segment percent-encoded (spaces, ':', '#', '%'...). */
export function guestPathToUri(path: string): string {
  return path
    .replace(/^\/+/, '')
    .split('/')
    .map(encodeURIComponent)
    .join('/');
}

/** Stable across runs and line moves: the rule, the OS root and the file, not the line. */
function fingerprint(ruleId: string, root: string, file: string): string {
  return createHash('sha256').update(`${ruleId}\0${root}\0${file}`).digest('hex').slice(0, 32);
}

/** "ssh.permit-root-login" → "SshPermitRootLogin". */
function pascalName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function isSemver(v: string): boolean {
  return /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(v);
}

function isDateTime(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v));
}
