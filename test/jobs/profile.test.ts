/**
 * guestkit.profile jobs through the embedded service: the result is the library's report for
 * the same image and policies, severity_threshold trims the listed findings, fail_on_critical
 * fails the job (keeping the report), and bad policies are VALIDATION_ERRORs naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy, profileDisks } from '../../src/audit/index.js';
import { EmbeddedJobService } from '../../src/jobs/embedded-service.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import type { JobDocument } from '../../src/jobs/protocol/schema.js';
import { canBuildInspectImages, inspectImages } from './helpers/images.js';
import { waitForStatus } from './helpers/wait.js';

/** Rules the Debian fixture (helpers/images.ts) passes and fails in known ways. */
const POLICY = `profile:
  id: jobs-test
  title: Job test policy
rules:
  - id: jobs.ssh-root-login
    title: SSH root login is disabled
    severity: high
    check: { sshd: { option: PermitRootLogin, op: eq, value: "no" } }
  - id: jobs.hostname
    title: The hostname is set
    severity: low
    check: { file_exists: { path: /etc/hostname } }
  - id: jobs.no-ops-account
    title: No ops account
    severity: critical
    check: { file_content: { path: /etc/passwd, regex: "^ops:", present: false } }
  - id: jobs.telnet-absent
    title: No telnet server
    severity: medium
    check: { package: { name: telnetd, installed: false } }
`;

let svc: EmbeddedJobService;
let debian = '';
beforeAll(async () => {
  if (!canBuildInspectImages) return;
  debian = inspectImages().find((i) => i.name === 'debian-qcow2')!.path;
  svc = await EmbeddedJobService.create({ workers: 2, tickMs: 100 });
});
afterAll(async () => {
  await svc?.close();
});

async function runJob(job: JobDocument) {
  await svc.submit(job);
  await waitForStatus(svc, job.job_id, 'terminal', 180_000);
  return (await svc.result(job.job_id))!;
}

const profileJob = (data: Record<string, unknown>) => buildJob('guestkit.profile', { image: { path: debian }, policies: [{ name: 'jobs-test.yaml', yaml: POLICY }], ...data });
const timeless = (r: unknown) => {
  const { generated_at: at, ...rest } = r as Record<string, unknown>;
  expect(Date.parse(at as string)).not.toBeNaN();
  return rest;
};

describe.skipIf(!canBuildInspectImages)('guestkit.profile jobs', () => {
  it("return the library's report for the image and policies", async () => {
    const result = await runJob(profileJob({}));
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('completed');
    const expected = await profileDisks([debian], { loadedPolicies: [parsePolicy(POLICY, 'jobs-test.yaml')] });
    expect(timeless(result.data)).toEqual(timeless(expected));
    const os = expected.operating_systems[0]!;
    expect(Object.fromEntries(os.findings.map((f) => [f.rule_id, f.status]))).toEqual({
      'jobs.ssh-root-login': 'pass',
      'jobs.hostname': 'pass',
      'jobs.no-ops-account': 'fail',
      'jobs.telnet-absent': 'pass',
    });
    expect(result.outputs).toEqual({ operating_systems: 1, score: expected.summary.score, failed: 1, failed_at_or_above_threshold: 1, critical_failures: 1 });
    expect(result.metrics?.disk_read_bytes).toBeGreaterThan(0);
    const steps = (await svc.events(result.job_id)).filter((e) => e.phase === 'profile');
    expect(steps.some((e) => (e.details as { step?: string })?.step === 'evaluate')).toBe(true);
    expect(steps.at(-1)).toMatchObject({ progress_percent: 100 });
  }, 300_000);

  it('severity_threshold leaves lower findings out of the list; fail_on_critical fails the job and keeps the report', async () => {
    const high = await runJob(profileJob({ options: { severity_threshold: 'high' } }));
    const listed = (high.data as { operating_systems: { findings: { rule_id: string }[]; summary: { counts: { pass: number } } }[] }).operating_systems[0]!;
    expect(listed.findings.map((f) => f.rule_id)).toEqual(['jobs.ssh-root-login', 'jobs.no-ops-account']);
    expect(listed.summary.counts.pass).toBe(3); // summaries still count every rule

    const gate = await runJob(profileJob({ options: { fail_on_critical: true } }));
    expect(gate.status).toBe('failed');
    expect(gate.error).toMatchObject({ code: 'POLICY_VIOLATION', phase: 'result', recoverable: false, details: { critical_failures: [{ rule_id: 'jobs.no-ops-account' }] } });
    expect((gate.data as { operating_systems: unknown[] }).operating_systems).toHaveLength(1);

    // Without critical failures the gate lets the job pass.
    const stillCritical = await runJob(profileJob({ profiles: ['jobs-test'], options: { fail_on_critical: true, severity_threshold: 'critical' } }));
    expect(stillCritical.status).toBe('failed'); // the critical rule still fails
    const clean = await runJob(
      buildJob('guestkit.profile', { image: { path: debian }, policies: [{ yaml: POLICY.replace('present: false', 'present: true') }], options: { fail_on_critical: true } }),
    );
    expect(clean.status).toBe('completed');
  }, 300_000);

  it('rejects bad policies and unknown profiles with VALIDATION_ERROR naming the field', async () => {
    const badRule = await runJob(profileJob({ policies: [{ yaml: POLICY }, { name: 'broken.yaml', yaml: 'profile: { id: x, title: X }\nrules:\n  - id: r\n    title: R\n    severity: urgent\n    check: { file_exists: { path: /etc } }\n' }] }));
    expect(badRule.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'payload.data.policies.1' } });
    expect(badRule.error?.message).toMatch(/broken\.yaml:5:\d+: rules\[0\]\.severity/);
    const unknown = await runJob(profileJob({ profiles: ['no-such-profile'] }));
    expect(unknown.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'payload.data.profiles' } });
    const badOption = await runJob(profileJob({ options: { severity_threshold: 'severe' } }));
    expect(badOption.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'payload.data.options.severity_threshold' } });
  }, 300_000);
});
