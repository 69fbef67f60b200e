/** Runs `profileDisks` (what `guestguard profile` runs) on a test image and indexes the findings. */
import { profileDisks, type Finding, type ProfileReport } from '../../src/audit/engine/index.js';
import { builtinProfiles } from '../../src/audit/profiles/index.js';

export interface BuiltinRule {
  id: string;
  profile: string;
  severity: string;
  os: string[];
  family: string[] | undefined;
}

/** Every built-in rule with the profile it belongs to. */
export async function builtinRules(): Promise<BuiltinRule[]> {
  return (await builtinProfiles()).flatMap((p) =>
    p.rules.map((r) => ({ id: r.id, profile: p.profile.id, severity: r.severity, os: (r.applies_to?.os as string[] | undefined) ?? ['linux', 'windows', 'freebsd'], family: r.applies_to?.family as string[] | undefined })),
  );
}

export interface GuestFindings {
  report: ProfileReport;
  findings: Map<string, Finding>;
  ms: number;
}

/** Profiles the one OS on `image` with every built-in profile. */
export async function profileImage(image: string): Promise<GuestFindings> {
  const t0 = performance.now();
  const report = await profileDisks([image]);
  const ms = performance.now() - t0;
  const os = report.operating_systems;
  if (os.length !== 1) throw new Error(`${image}: expected one operating system, found ${os.length} (${report.warnings.join('; ')})`);
  return { report, findings: new Map(os[0]!.findings.map((f) => [f.rule_id, f])), ms };
}
