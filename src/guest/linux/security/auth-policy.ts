/**
 * Password and login policy files: /etc/login.defs, pam_pwquality's pwquality.conf (+ .d),
 * pam_faillock's faillock.conf, and the password/auth lines of the PAM stacks that apply them.
 */
import { GuestReader, joinPath, lines } from '../reader.js';

export interface PamLine {
  file: string;
  line: number;
  type: string;
  control: string;
  module: string;
  args: string[];
}

export interface AuthPolicy {
  /** login.defs KEY VALUE pairs as written (PASS_MAX_DAYS, UID_MIN, ENCRYPT_METHOD, UMASK, ...). */
  login_defs: Record<string, string>;
  /** pwquality.conf then pwquality.conf.d/*.conf (later wins). */
  pwquality: Record<string, string>;
  faillock: Record<string, string>;
  /** password and auth lines of the common PAM stacks (Debian common-*, Red Hat system-auth/password-auth, SUSE common-*-pc). */
  pam: PamLine[];
}

const PAM_FILES = ['common-password', 'common-auth', 'system-auth', 'password-auth', 'common-password-pc', 'common-auth-pc', 'passwd', 'sshd', 'login', 'su'];

/** "key = value" files; bare keywords (faillock's "silent", "even_deny_root") get "". */
function parseKeyValueConf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of lines(text)) {
    const t = raw.replace(/#.*$/, '').trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    if (eq < 0) out[t] = '';
    else out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

export async function readAuthPolicy(reader: GuestReader): Promise<AuthPolicy> {
  const login_defs: Record<string, string> = {};
  for (const raw of lines((await reader.text('/etc/login.defs')) ?? '')) {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^(\S+)\s+(.*)$/.exec(t);
    if (m) login_defs[m[1]!] = m[2]!.trim().replace(/^"(.*)"$/, '$1');
  }
  const pwquality: Record<string, string> = { ...parseKeyValueConf((await reader.text('/etc/security/pwquality.conf')) ?? '') };
  for (const n of await reader.names('/etc/security/pwquality.conf.d')) {
    if (n.endsWith('.conf')) Object.assign(pwquality, parseKeyValueConf((await reader.text(joinPath('/etc/security/pwquality.conf.d', n))) ?? ''));
  }
  const faillock = parseKeyValueConf((await reader.text('/etc/security/faillock.conf')) ?? '');
  const pam: PamLine[] = [];
  for (const f of PAM_FILES) {
    const path = joinPath('/etc/pam.d', f);
    const ls = lines((await reader.text(path)) ?? '');
    for (let i = 0; i < ls.length; i++) {
      const t = ls[i]!.replace(/#.*$/, '').trim();
      const m = /^-?(password|auth|account|session)\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*(.*)$/.exec(t);
      if (!m) continue;
      pam.push({ file: path, line: i + 1, type: m[1]!, control: m[2]!, module: m[3]!, args: m[4]!.split(/\s+/).filter((s) => s !== '') });
    }
  }
  return { login_defs, pwquality, faillock, pam };
}
