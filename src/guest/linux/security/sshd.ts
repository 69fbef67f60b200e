/**
 * sshd_config(5) evaluated as sshd evaluates it: keywords are case-insensitive; for most of
 * them the first value obtained wins; a few (Port, ListenAddress, HostKey, AcceptEnv,
 * Allow/Deny Users/Groups, Subsystem by name) accumulate. `Include` takes globs, relative to
 * /etc/ssh, and is expanded in place; an included file starts in the includer's Match context
 * and a Match it opens ends with that file. Global values are those outside any Match block
 * (what `sshd -T` prints without -C); Match blocks are reported separately.
 */
import { GuestReader, joinPath, lines } from '../reader.js';
import { expandGlob, hasGlobChars } from '../text.js';

export interface SshdSetting {
  /** Keyword, lower-case as `sshd -T` prints it. */
  keyword: string;
  value: string;
  file: string;
  line: number;
}

export interface SshdMatchBlock {
  criteria: string;
  file: string;
  line: number;
  settings: SshdSetting[];
}

export interface SshdConfig {
  /** The main config exists. */
  present: boolean;
  files: string[];
  /** Effective global settings: keyword → value (accumulating keywords joined with spaces); OpenSSH defaults for unset key options. */
  effective: Record<string, string>;
  /** Where each effective value came from: "file:line", or "default". */
  origin: Record<string, string>;
  /** Every global setting line in evaluation order, including ones overridden by an earlier value. */
  settings: SshdSetting[];
  match_blocks: SshdMatchBlock[];
  /** Host private keys present in /etc/ssh. */
  host_keys: string[];
}

const ACCUMULATE = new Set(['port', 'listenaddress', 'hostkey', 'hostcertificate', 'acceptenv', 'allowusers', 'denyusers', 'allowgroups', 'denygroups']);
/** Old keyword spellings sshd still accepts, folded to their current names. */
export const SSHD_KEYWORD_ALIASES: Readonly<Record<string, string>> = {
  challengeresponseauthentication: 'kbdinteractiveauthentication',
  skeyauthentication: 'kbdinteractiveauthentication',
  dsaauthentication: 'pubkeyauthentication',
  rsaauthentication: 'pubkeyauthentication',
  pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms',
  hostbasedacceptedkeytypes: 'hostbasedacceptedalgorithms',
  authorizedkeysfile2: 'authorizedkeysfile',
};

/** OpenSSH's compiled-in defaults for the options audits care about. */
export const SSHD_DEFAULTS: Record<string, string> = {
  port: '22',
  addressfamily: 'any',
  permitrootlogin: 'prohibit-password',
  passwordauthentication: 'yes',
  pubkeyauthentication: 'yes',
  permitemptypasswords: 'no',
  kbdinteractiveauthentication: 'yes',
  hostbasedauthentication: 'no',
  ignorerhosts: 'yes',
  usepam: 'no',
  x11forwarding: 'no',
  allowtcpforwarding: 'yes',
  allowagentforwarding: 'yes',
  allowstreamlocalforwarding: 'yes',
  gatewayports: 'no',
  permittunnel: 'no',
  permituserenvironment: 'no',
  strictmodes: 'yes',
  maxauthtries: '6',
  maxsessions: '10',
  logingracetime: '120',
  clientaliveinterval: '0',
  clientalivecountmax: '3',
  loglevel: 'INFO',
  syslogfacility: 'AUTH',
  usedns: 'no',
  compression: 'yes',
  printmotd: 'yes',
  tcpkeepalive: 'yes',
  gssapiauthentication: 'no',
  kerberosauthentication: 'no',
  authorizedkeysfile: '.ssh/authorized_keys .ssh/authorized_keys2',
};

const MAX_DEPTH = 16;
const MAX_FILES = 256;

/** Splits an sshd line into the keyword and argument words ("Key=value", quotes). */
function splitLine(t: string): { keyword: string; args: string[] } | undefined {
  const m = /^([A-Za-z0-9]+)(?:\s*=\s*|\s+)(.*)$/.exec(t);
  if (!m) return undefined;
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let a: RegExpExecArray | null;
  while ((a = re.exec(m[2]!)) !== null) args.push(a[1] ?? a[2]!);
  return { keyword: m[1]!.toLowerCase(), args };
}

export async function readSshdConfig(reader: GuestReader, path = '/etc/ssh/sshd_config'): Promise<SshdConfig> {
  const cfg: SshdConfig = { present: false, files: [], effective: {}, origin: {}, settings: [], match_blocks: [], host_keys: [] };
  const subsystems = new Set<string>();

  /** ctx: null = global, otherwise the Match block lines are added to. */
  const parse = async (file: string, ctx: SshdMatchBlock | null, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || cfg.files.length >= MAX_FILES) {
      reader.warn(`${file}: sshd Include depth or file limit reached; not read`);
      return;
    }
    const text = await reader.text(file);
    if (text === undefined) return;
    cfg.files.push(file);
    let current = ctx;
    const ls = lines(text);
    for (let i = 0; i < ls.length; i++) {
      const t = ls[i]!.trim();
      if (t === '' || t.startsWith('#')) continue;
      const parsed = splitLine(t);
      if (!parsed) continue;
      const keyword = SSHD_KEYWORD_ALIASES[parsed.keyword] ?? parsed.keyword;
      if (keyword === 'match') {
        const criteria = parsed.args.join(' ');
        // "Match all" returns to global-like settings for everyone but is still a Match block to sshd.
        current = { criteria, file, line: i + 1, settings: [] };
        cfg.match_blocks.push(current);
        continue;
      }
      if (keyword === 'include') {
        for (const arg of parsed.args) {
          const abs = arg.startsWith('/') ? arg : joinPath('/etc/ssh', arg);
          const files = hasGlobChars(abs) ? await expandGlob(reader, abs) : [abs];
          for (const f of files) await parse(f, current, depth + 1);
        }
        continue;
      }
      const setting: SshdSetting = { keyword, value: parsed.args.join(' '), file, line: i + 1 };
      if (current) {
        current.settings.push(setting);
        continue;
      }
      cfg.settings.push(setting);
      const where = `${file}:${i + 1}`;
      if (ACCUMULATE.has(keyword)) {
        cfg.effective[keyword] = cfg.effective[keyword] ? `${cfg.effective[keyword]} ${setting.value}` : setting.value;
        cfg.origin[keyword] = cfg.origin[keyword] ? `${cfg.origin[keyword]} ${where}` : where;
      } else if (keyword === 'subsystem') {
        const name = parsed.args[0] ?? '';
        if (subsystems.has(name)) continue;
        subsystems.add(name);
        const key = `subsystem ${name}`;
        cfg.effective[key] = parsed.args.slice(1).join(' ');
        cfg.origin[key] = where;
      } else if (!(keyword in cfg.effective)) {
        cfg.effective[keyword] = setting.value;
        cfg.origin[keyword] = where;
      }
    }
  };

  cfg.present = await reader.isFile(path);
  if (cfg.present) await parse(path, null, 0);
  for (const [k, v] of Object.entries(SSHD_DEFAULTS)) {
    if (cfg.present && !(k in cfg.effective)) {
      cfg.effective[k] = v;
      cfg.origin[k] = 'default';
    }
  }
  for (const n of await reader.names('/etc/ssh')) if (/^ssh_host_.*_key$/.test(n)) cfg.host_keys.push(joinPath('/etc/ssh', n));
  return cfg;
}
