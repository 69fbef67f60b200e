/** package (installed/absent/version) and service (systemd, SysV/OpenRC, Windows) checks. */
import type { ServiceInfo } from '../../../guest/linux/index.js';
import type { WindowsService } from '../../../guest/windows/index.js';
import type { AuditFacts } from '../facts.js';
import { result, type CheckResult } from '../result.js';
import type { CheckParams } from '../schema.js';
import type { Evidence } from '../types.js';
import { comparePackageVersion, packageVersionText } from '../versions.js';

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

export async function packageCheck(p: CheckParams<'package'>, facts: AuditFacts): Promise<CheckResult> {
  const db = await facts.packages();
  if (!db) return result('not_applicable', 'the guest has no package database', [{ fact: 'no dpkg, rpm, apk or pacman database found' }]);
  const names = list(p.name);
  const ev: Evidence[] = [];
  const hits: string[] = [];
  for (const name of names) {
    const installed = db.byName.get(name) ?? [];
    if (installed.length === 0) ev.push({ fact: `package ${name} is not installed` });
    for (const pkg of installed) {
      const version = packageVersionText(pkg);
      const c = p.version ? comparePackageVersion(pkg, p.version.value, db.format) : 0;
      const ok = !p.version || { eq: c === 0, ne: c !== 0, lt: c < 0, le: c <= 0, gt: c > 0, ge: c >= 0 }[p.version.op];
      ev.push({ fact: `package ${name} ${version}${pkg.arch ? ` (${pkg.arch})` : ''} is installed` });
      if (ok) hits.push(`${name} ${version}`);
    }
  }
  const cond = p.version ? ` with version ${p.version.op} ${p.version.value}` : '';
  const what = names.length === 1 ? names[0]! : `any of ${names.join(', ')}`;
  const message = hits.length > 0 ? `${hits.join(', ')} installed` : `${what}${cond} is not installed`;
  const status = (hits.length > 0) === p.installed ? 'pass' : 'fail';
  return result(status, message, ev);
}

/** manual: a Windows service that starts only on demand (not enabled, not disabled either). */
type State = 'enabled' | 'disabled' | 'masked' | 'absent' | 'manual';

function hasUnitSuffix(name: string): boolean {
  return /\.(service|socket|target|timer|path|mount|automount|swap)$/.test(name);
}

/** State of one Linux service name (systemd unit first; a SysV/OpenRC script when no unit exists). */
function linuxState(name: string, services: ServiceInfo[]): { state: State; ev: Evidence } {
  const unitName = hasUnitSuffix(name) ? name : `${name}.service`;
  const scriptName = name.replace(/\.service$/, '');
  const byName = (n: string, src: (s: ServiceInfo) => boolean) => services.find((s) => s.name === n && src(s));
  let unit = byName(unitName, (s) => s.source === 'systemd');
  if (unit?.state === 'alias' && unit.alias_of) unit = byName(unit.alias_of, (s) => s.source === 'systemd') ?? unit;
  if (unit && unit.state !== 'not-found') {
    const state: State = unit.state === 'masked' ? 'masked' : unit.state === 'enabled' ? 'enabled' : 'disabled';
    const why = unit.wanted_by.length + unit.required_by.length > 0 ? ` (wanted by ${[...unit.wanted_by, ...unit.required_by].join(', ')})` : '';
    return { state, ev: { ...(unit.path && { file: unit.path }), fact: `${unit.name} is ${unit.state}${why}` } };
  }
  const script = byName(scriptName, (s) => s.source !== 'systemd');
  if (script) {
    const state: State = script.state === 'enabled' ? 'enabled' : 'disabled';
    const levels = script.runlevels.length > 0 ? ` (runlevels ${script.runlevels.join(' ')})` : '';
    return { state, ev: { ...(script.path && { file: script.path }), fact: `${script.source} script ${script.name} is ${script.state}${levels}` } };
  }
  return { state: 'absent', ev: { fact: `no unit or init script named ${name}` } };
}

function windowsState(name: string, services: WindowsService[]): { state: State; ev: Evidence } {
  const s = services.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!s) return { state: 'absent', ev: { fact: `no Windows service named ${name}` } };
  const state: State = s.start === 'automatic' || s.start === 'boot' || s.start === 'system' ? 'enabled' : s.start === 'disabled' ? 'disabled' : 'manual';
  return { state, ev: { fact: `Windows service ${s.name} start type ${s.start}` } };
}

const ACCEPT: Record<CheckParams<'service'>['state'], State[]> = {
  enabled: ['enabled'],
  // A masked unit is more than disabled: it cannot even be started by hand.
  disabled: ['disabled', 'masked'],
  masked: ['masked'],
  not_enabled: ['disabled', 'masked', 'absent', 'manual'],
  absent: ['absent'],
};

export async function service(p: CheckParams<'service'>, facts: AuditFacts): Promise<CheckResult> {
  const os = facts.os;
  let lookup: (n: string) => { state: State; ev: Evidence };
  if (os.type === 'windows') {
    if (!os.services) return result('error', 'the Windows services were not inspected', [{ fact: 'services section missing from the inspection' }]);
    const svc = os.services;
    lookup = (n) => windowsState(n, svc);
  } else {
    const svc = (await facts.services()).services;
    lookup = (n) => linuxState(n, svc);
  }
  const ev: Evidence[] = [];
  const bad: string[] = [];
  const seen: string[] = [];
  for (const name of list(p.name)) {
    const { state, ev: e } = lookup(name);
    ev.push(e);
    seen.push(`${name} is ${state}`);
    if (!ACCEPT[p.state].includes(state)) bad.push(`${name} is ${state}`);
  }
  const want = p.state.replace('_', ' ');
  if (bad.length > 0) return result('fail', `${bad.join(', ')} (expected ${want})`, ev);
  return result('pass', `${seen.join(', ')} (expected ${want})`, ev);
}
