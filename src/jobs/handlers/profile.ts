/**
 * guestkit.profile (payload guestkit.profile.v1): judges every OS on one image with security /
 * compliance profiles — the library's profileSession(), the report `guestguard profile` makes.
 *
 * payload.data:
 *   image      {path, format?, checksum?, size_bytes?}
 *   profiles   profile ids to run (default: every built-in profile, or only the policies' own
 *              profiles when policies are given — as the CLI)
 *   policies   policy files: a path on the worker (read by the handler, so with `--sandbox
 *              bwrap` only inline policies work) or {name, yaml} with the rule file inline
 *   options    severity_threshold (info|low|medium|high|critical, default info): findings of
 *              lower severity are left out of each OS's `findings` (summaries and scores still
 *              count every rule); fail_on_critical (default false): the job ends `failed` with
 *              POLICY_VIOLATION when a critical rule failed — its data still holds the report.
 */
import { z } from 'zod';
import { PolicyError, profileSession, parsePolicy, SEVERITIES, type LoadedPolicy, type ProfileProgress, type ProfileReport, type Severity } from '../../audit/index.js';
import { GuestguardError } from '../../errors.js';
import { JobError } from '../errors.js';
import { imageOpenError } from '../exec/image-errors.js';
import { ImageSchema, inspectProgressUpdate, openImageSession, parsePayloadData, ReadMeter } from './image-job.js';
import type { HandlerContext, HandlerOutput, HandlerPayload, ProgressUpdate } from './types.js';

const PROFILE_ID = /^[a-z0-9][a-z0-9_.-]*$/;

export const ProfilePayloadSchema = z.looseObject({
  image: ImageSchema,
  profiles: z.array(z.string().regex(PROFILE_ID, 'a profile id: lower-case letters, digits and . _ -')).max(64).optional(),
  policies: z
    .array(z.union([z.string().min(1).max(4096), z.strictObject({ name: z.string().min(1).max(255).optional(), yaml: z.string().max(1 << 20) })]))
    .max(32)
    .optional(),
  options: z
    .strictObject({
      severity_threshold: z.enum(SEVERITIES).default('info'),
      fail_on_critical: z.boolean().default(false),
      no_cache: z.boolean().optional(),
    })
    .prefault({}),
});
export type ProfilePayload = z.output<typeof ProfilePayloadSchema>;

const rank = (s: Severity) => SEVERITIES.indexOf(s);

/** Inline policies parsed here, so their errors name the payload entry. */
function inlinePolicies(p: ProfilePayload): { files: string[]; loaded: LoadedPolicy[] } {
  const files: string[] = [];
  const loaded: LoadedPolicy[] = [];
  (p.policies ?? []).forEach((entry, i) => {
    if (typeof entry === 'string') return void files.push(entry);
    try {
      loaded.push(parsePolicy(entry.yaml, entry.name ?? `policies[${i}]`));
    } catch (err) {
      throw policyError(err, `payload.data.policies.${i}`);
    }
  });
  return { files, loaded };
}

function policyError(err: unknown, field: string): unknown {
  if (err instanceof PolicyError) {
    return new JobError('VALIDATION_ERROR', `${field}: ${err.message}`, { phase: 'validation', details: { field, problems: err.problems } });
  }
  return err;
}

/** Unknown profile ids and the like are bad input, not an image problem. */
function inputError(err: unknown): unknown {
  if (err instanceof PolicyError) return policyError(err, 'payload.data.policies');
  if (err instanceof GuestguardError && err.code === 'INVALID_ARGUMENT' && /profile/.test(err.message)) {
    return new JobError('VALIDATION_ERROR', `payload.data.profiles: ${err.message}`, { phase: 'validation', details: { field: 'payload.data.profiles' } });
  }
  return err;
}

/** Inspection steps take the first 60 %, rule evaluation the rest. */
function progressOf(e: ProfileProgress): ProgressUpdate {
  if (e.step === 'policies') return { phase: 'profile', progress_percent: 0, message: e.message, details: { step: e.step } };
  if (e.step === 'evaluate') {
    const of = Math.max(1, e.of ?? 1);
    const done = e.rules ? e.rules.done / Math.max(1, e.rules.total) : 0;
    const pct = 60 + (40 * ((e.os ?? 1) - 1 + done)) / of;
    return { phase: 'profile', progress_percent: Math.round(pct * 10) / 10, message: e.message, details: { step: e.step, ...(e.rules ? { rules: e.rules } : {}), root: e.root } };
  }
  if (e.step === 'done') return { phase: 'profile', progress_percent: 100, message: e.message, details: { step: 'done' } };
  return inspectProgressUpdate({ ...e, step: e.step }, 'profile', [0, 60]);
}

/** Drops findings under the threshold from the listed findings (summaries are left as computed). */
function applyThreshold(report: ProfileReport, threshold: Severity): ProfileReport {
  if (threshold === 'info') return report;
  return { ...report, operating_systems: report.operating_systems.map((os) => ({ ...os, findings: os.findings.filter((f) => rank(f.severity) >= rank(threshold)) })) };
}

export async function profileHandler(payload: HandlerPayload, ctx: HandlerContext): Promise<HandlerOutput> {
  const p = parsePayloadData(ProfilePayloadSchema, payload.data);
  const { files, loaded } = inlinePolicies(p);
  ctx.progress({ phase: 'profile', progress_percent: 0, message: `opening ${p.image.path}` });
  const session = await openImageSession(p.image);
  const meter = new ReadMeter(session, ctx);
  let report: ProfileReport;
  try {
    report = await profileSession(session, [p.image.path], {
      ...(p.profiles ? { profiles: p.profiles } : {}),
      ...(files.length > 0 ? { policies: files } : {}),
      ...(loaded.length > 0 ? { loadedPolicies: loaded } : {}),
      onProgress: (e) => {
        meter.report();
        ctx.progress(progressOf(e));
      },
    });
  } catch (err) {
    const e = inputError(err);
    throw e instanceof GuestguardError ? imageOpenError(e, p.image.path, 'execution') : e;
  } finally {
    meter.report();
    await session.close();
  }
  const threshold = p.options.severity_threshold;
  const failedAtThreshold = report.operating_systems.reduce((n, os) => n + os.findings.filter((f) => f.status === 'fail' && rank(f.severity) >= rank(threshold)).length, 0);
  const critical = report.operating_systems.flatMap((os) => os.findings.filter((f) => f.status === 'fail' && f.severity === 'critical').map((f) => ({ root: os.root, rule_id: f.rule_id, message: f.message })));
  const out: HandlerOutput = {
    outputs: {
      operating_systems: report.operating_systems.length,
      score: report.summary.score,
      failed: report.summary.counts.fail,
      failed_at_or_above_threshold: failedAtThreshold,
      critical_failures: critical.length,
    },
    data: applyThreshold(report, threshold),
  };
  if (p.options.fail_on_critical && critical.length > 0) {
    out.failure = {
      code: 'POLICY_VIOLATION',
      message: `${critical.length} critical rule(s) failed: ${critical.slice(0, 5).map((c) => c.rule_id).join(', ')}${critical.length > 5 ? ', …' : ''}`,
      details: { critical_failures: critical.slice(0, 100) },
    };
  }
  return out;
}
