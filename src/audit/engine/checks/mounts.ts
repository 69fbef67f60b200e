/** mount_option, separate_partition (fstab and systemd mount units) and kernel_module_disabled (modprobe.d). */
import { normalize } from '../../../fs/vfs.js';
import type { FstabEntry } from '../../../guest/fstab.js';
import { mountFacts, type MountFacts } from '../../../guest/linux/security/mounts.js';
import { parseIni } from '../../../guest/linux/unit-file.js';
import type { AuditFacts } from '../facts.js';
import { normalizeModule } from '../modprobe.js';
import { lineEvidence, result, type CheckResult } from '../result.js';
import type { CheckParams } from '../schema.js';
import type { Evidence } from '../types.js';

/** systemd-escape --path: "/var/log" → "var-log", "/" → "-". */
export function escapeUnitPath(path: string): string {
  const p = normalize(path);
  if (p === '/') return '-';
  return p
    .slice(1)
    .split('/')
    .map((c) => [...c].map((ch, i) => (/[A-Za-z0-9:_]/.test(ch) || (ch === '.' && i > 0) ? ch : [...new TextEncoder().encode(ch)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''))).join(''))
    .join('-');
}

interface MountSource {
  facts: MountFacts;
  file: string;
}

/**
 * How `path` is mounted at boot: its last /etc/fstab entry (later lines mount over earlier
 * ones), else an active systemd mount unit (tmp.mount and friends), else undefined.
 */
async function mountOf(facts: AuditFacts, path: string): Promise<MountSource | undefined> {
  const want = normalize(path);
  const entries = (await facts.fstab()).filter((e) => !e.options.includes('bind') && !e.options.includes('rbind'));
  const mounts = mountFacts(entries).mounts.filter((m) => m.mount_point.startsWith('/') && normalize(m.mount_point) === want);
  if (mounts.length > 0) return { facts: mounts[mounts.length - 1]!, file: '/etc/fstab' };
  if (facts.os.type !== 'linux') return undefined;
  // The unit list inspection already built (states, files, drop-ins) answers without re-reading systemd's tree.
  const name = `${escapeUnitPath(want)}.mount`;
  const unit = (await facts.services()).services.find((s) => s.source === 'systemd' && s.name === name);
  // Vendor-wanted units are active too (Fedora's tmp.mount is pulled in by local-fs.target that way).
  if (!unit || unit.state === 'masked' || unit.state === 'not-found' || unit.path === null) return undefined;
  if (unit.state !== 'enabled' && unit.vendor_wanted_by.length === 0) return undefined;
  let options: string[] = [];
  let type = 'auto';
  let what = '';
  let line = 0;
  let file = unit.path;
  for (const f of [unit.path, ...unit.dropins]) {
    const text = await facts.file(f);
    if (text.kind !== 'file') continue;
    for (const e of parseIni(text.lines.join('\n'))) {
      if (e.section !== 'Mount') continue;
      if (e.key === 'Options') {
        options = e.value === '' ? [] : e.value.split(',');
        line = e.line;
        file = f;
      } else if (e.key === 'Type') type = e.value;
      else if (e.key === 'What') what = e.value;
    }
  }
  const entry: FstabEntry = { spec: what, file: want, vfstype: type, options: options.length > 0 ? options : ['defaults'], freq: 0, passno: 0, line };
  return { facts: mountFacts([entry]).mounts[0]!, file };
}

async function mountEvidence(facts: AuditFacts, m: MountSource): Promise<Evidence> {
  if (m.facts.line === 0) return { file: m.file, fact: `${m.facts.mount_point} mounted by ${m.file} with default options` };
  return lineEvidence(m.file, m.facts.line, await facts.lineText(m.file, m.facts.line));
}

const FLAGS: Record<string, (m: MountFacts) => boolean> = {
  nodev: (m) => m.nodev,
  nosuid: (m) => m.nosuid,
  noexec: (m) => m.noexec,
  ro: (m) => m.read_only,
  rw: (m) => !m.read_only,
  dev: (m) => !m.nodev,
  suid: (m) => !m.nosuid,
  exec: (m) => !m.noexec,
};

export async function mountOption(p: CheckParams<'mount_option'>, facts: AuditFacts): Promise<CheckResult> {
  const m = await mountOf(facts, p.path);
  if (!m) return result(p.missing_mount ?? 'not_applicable', `${p.path} is not a separate mount`, [{ file: '/etc/fstab', fact: `no entry mounts ${p.path}` }]);
  const flag = FLAGS[p.option];
  // Flags are judged by their effect (defaults, user, owner... imply some); others must be spelled out.
  const set = flag ? flag(m.facts) : m.facts.options.includes(p.option);
  const ev = [await mountEvidence(facts, m)];
  const opts = m.facts.options.join(',');
  return result(set ? 'pass' : 'fail', `${p.path} is mounted ${set ? 'with' : 'without'} ${p.option} (options ${opts}; ${m.file}${m.facts.line ? `:${m.facts.line}` : ''})`, ev);
}

export async function separatePartition(p: CheckParams<'separate_partition'>, facts: AuditFacts): Promise<CheckResult> {
  const m = await mountOf(facts, p.path);
  if (!m) return result('fail', `${p.path} is not a separate mount`, [{ file: '/etc/fstab', fact: `no entry mounts ${p.path}` }]);
  return result('pass', `${p.path} is a separate ${m.facts.fs_type} mount (${m.file}${m.facts.line ? `:${m.facts.line}` : ''})`, [await mountEvidence(facts, m)]);
}

/** Commands an `install` line may run instead of loading the module. */
const REFUSING = /^(\/usr)?\/bin\/(false|true)(\s|$)|^(false|true)(\s|$)/;

export async function kernelModuleDisabled(p: CheckParams<'kernel_module_disabled'>, facts: AuditFacts): Promise<CheckResult> {
  const mod = normalizeModule(p.module);
  const lines = (await facts.modprobe()).filter((l) => l.module === mod);
  const disabling = lines.filter((l) => l.kind === 'blacklist' || REFUSING.test(l.command));
  const ev = await Promise.all(lines.map(async (l) => lineEvidence(l.file, l.line, l.text)));
  if (disabling.length > 0) {
    const d = disabling[0]!;
    return result('pass', `${p.module} is ${d.kind === 'blacklist' ? 'blacklisted' : `installed as ${d.command}`} (${d.file}:${d.line})`, ev);
  }
  return result(
    'fail',
    lines.length > 0 ? `${p.module} has modprobe.d lines but none disables it (${lines[0]!.file}:${lines[0]!.line})` : `no modprobe.d line disables ${p.module}`,
    ev.length > 0 ? ev : [{ fact: `no "install ${p.module} /bin/false" or "blacklist ${p.module}" in modprobe.d` }],
  );
}
