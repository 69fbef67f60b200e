/**
 * Every check type against three real ext4 guests: "good" (passes), "bad" (fails) and "bare"
 * (the files it reads are missing), with the evidence each decision rests on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { canBuildImages } from '../../guest/linux/test-trees.js';
import type { FindingStatus } from './types.js';
import { closeVariants, linuxOs, runCheck, VARIANTS, type Variant } from './test-support.js';

afterAll(closeVariants);

type Case = [name: string, check: string, expected: Record<Variant, FindingStatus>];

const P = 'pass' as const;
const F = 'fail' as const;
const NA = 'not_applicable' as const;
const all = (good: FindingStatus, bad: FindingStatus, bare: FindingStatus) => ({ good, bad, bare });

const CASES: Case[] = [
  ['file_exists', 'file_exists: { path: /etc/security/pwquality.conf.d/50-cis.conf }', all(P, F, F)],
  ['file_exists glob', 'file_exists: { path: "/etc/security/pwquality.conf.d/*.conf" }', all(P, F, F)],
  ['file_absent', 'file_absent: { path: /etc/ww-file }', all(P, F, P)],
  ['file_mode', 'file_mode: { path: /etc/shadow, max: "0640" }', all(P, F, NA)],
  ['file_mode missing: fail', 'file_mode: { path: /etc/shadow, max: "0640", missing: fail }', all(P, F, F)],
  ['file_mode other write', 'file_mode: { path: /etc/issue.net, max: "0644" }', all(P, F, NA)],
  ['file_owner names', 'file_owner: { path: /etc/shadow, user: root, group: shadow }', all(P, F, NA)],
  ['file_owner numbers', 'file_owner: { path: /etc/shadow, user: 0, group: "42" }', all(P, F, NA)],
  ['file_content present, comments ignored', 'file_content: { path: /etc/security/limits.conf, regex: "hard\\\\s+core\\\\s+0", present: true, ignore_comments: true }', all(P, F, F)],
  ['file_content absent', 'file_content: { path: /etc/motd, regex: "debian", flags: i, present: false }', all(P, F, P)],
  ['file_content glob', 'file_content: { path: "/etc/modprobe.d/*.conf", regex: "^install cramfs /bin/false", present: true }', all(P, F, F)],
  ['setting space', 'setting: { path: /etc/login.defs, key: PASS_MAX_DAYS, syntax: space, op: le, value: 365 }', all(P, F, F)],
  ['setting space missing: pass', 'setting: { path: /etc/login.defs, key: PASS_MAX_DAYS, syntax: space, op: le, value: 365, missing: pass }', all(P, F, P)],
  ['setting case-insensitive key', 'setting: { path: /etc/login.defs, key: encrypt_method, syntax: space, op: in, value: [SHA512, YESCRYPT], case_insensitive: true }', all(P, F, F)],
  ['setting equals conf.d', 'setting: { path: [/etc/security/pwquality.conf, "/etc/security/pwquality.conf.d/*.conf"], key: minlen, syntax: equals, op: ge, value: 14 }', all(P, F, F)],
  ['setting colon', 'setting: { path: /etc/example-colon.conf, key: mode, syntax: colon, op: eq, value: strict }', all(P, F, F)],
  ['sshd', 'sshd: { option: PermitRootLogin, op: eq, value: "no" }', all(P, F, NA)],
  ['sshd numeric', 'sshd: { option: maxauthtries, op: le, value: 4 }', all(P, F, NA)],
  ['sysctl', 'sysctl: { key: net.ipv4.ip_forward, op: eq, value: 0 }', all(P, F, F)],
  ['sysctl missing: pass', 'sysctl: { key: net.ipv4.ip_forward, op: eq, value: 0, missing: pass }', all(P, F, P)],
  ['sysctl slash key', 'sysctl: { key: kernel/kptr_restrict, op: ge, value: 2 }', all(P, F, F)],
  ['package absent', 'package: { name: telnetd, installed: false }', all(P, F, NA)],
  ['package version', 'package: { name: [openssh-server, dropbear], installed: true, version: { op: ge, value: "1:9.0" } }', all(P, F, NA)],
  ['service enabled', 'service: { name: ssh, state: enabled }', all(P, F, F)],
  ['service not_enabled', 'service: { name: [telnet.socket, rsh.socket], state: not_enabled }', all(P, F, P)],
  ['service masked', 'service: { name: rsync, state: masked }', all(P, F, F)],
  ['service disabled', 'service: { name: cups.service, state: disabled }', all(P, F, F)],
  ['service absent', 'service: { name: telnet.socket, state: absent }', all(P, F, P)],
  ['accounts uid0', 'accounts: { condition: uid0_besides_root, expect: none }', all(P, F, NA)],
  ['accounts empty password', 'accounts: { condition: empty_password }', all(P, F, NA)],
  ['accounts system shell', 'accounts: { condition: system_account_with_login_shell }', all(P, F, NA)],
  ['accounts duplicate uid', 'accounts: { condition: duplicate_uid }', all(P, F, NA)],
  ['accounts duplicate gid', 'accounts: { condition: duplicate_gid }', all(P, F, NA)],
  ['accounts duplicate name', 'accounts: { condition: duplicate_name }', all(P, F, NA)],
  ['accounts aging', 'accounts: { condition: no_password_aging }', all(P, F, NA)],
  ['mount_option', 'mount_option: { path: /tmp, option: nodev }', all(P, F, NA)],
  ['mount_option missing_mount: fail', 'mount_option: { path: /tmp, option: noexec, missing_mount: fail }', all(P, F, F)],
  ['separate_partition', 'separate_partition: { path: /var/log }', all(P, F, F)],
  ['kernel_module_disabled', 'kernel_module_disabled: { module: cramfs }', all(P, F, F)],
  ['world_writable', 'world_writable: { paths: [/etc, /var, /tmp], allow: [/var/spool/allowed] }', all(P, F, P)],
  ['suid_sgid', 'suid_sgid: { paths: [/usr, /bin], allow: [/usr/bin/passwd] }', all(P, F, P)],
];

describe.skipIf(!canBuildImages)('check types on real guests', () => {
  for (const [name, check, expected] of CASES) {
    it(name, async () => {
      for (const v of VARIANTS) {
        const r = await runCheck(v, check);
        expect({ variant: v, status: r.status, message: r.message }).toMatchObject({ variant: v, status: expected[v] });
        expect(r.message.length).toBeGreaterThan(0);
        expect(r.message).not.toContain('\n');
        expect(r.evidence.length).toBeGreaterThan(0);
      }
    });
  }

  it('file evidence names the line', async () => {
    const r = await runCheck('bad', 'file_content: { path: /etc/motd, regex: Debian, present: false }');
    expect(r.evidence).toEqual([{ file: '/etc/motd', line: 1, text: 'Welcome to Debian GNU/Linux 12' }]);
    expect(r.message).toBe('/etc/motd has a line matching /Debian/ (/etc/motd:1)');
  });

  it('file_mode names the extra bits; file_owner names the owner', async () => {
    expect((await runCheck('bad', 'file_mode: { path: /etc/issue.net, max: "0644" }')).message).toBe('/etc/issue.net has mode 0666 (group write, other write beyond 0644)');
    const o = await runCheck('bad', 'file_owner: { path: /etc/shadow, user: root }');
    expect(o.message).toBe('/etc/shadow is owned by alice, not root');
    expect(o.evidence).toEqual([{ file: '/etc/shadow', fact: 'owner alice:alice (uid 1000, gid 1000)' }]);
  });

  it('setting: the last assignment wins, across conf.d files, with its line as evidence', async () => {
    const r = await runCheck('good', 'setting: { path: [/etc/security/pwquality.conf, "/etc/security/pwquality.conf.d/*.conf"], key: minlen, syntax: equals, op: eq, value: 14 }');
    expect(r.evidence).toEqual([{ file: '/etc/security/pwquality.conf.d/50-cis.conf', line: 1, text: 'minlen = 14' }]);
    const missing = await runCheck('bare', 'setting: { path: /etc/login.defs, key: PASS_MAX_DAYS, syntax: space, op: le, value: 365 }');
    expect(missing.message).toBe('PASS_MAX_DAYS is not set in /etc/login.defs (no such file)');
  });

  it('sshd: Include read in place, first value wins, Match blocks ignored, defaults named', async () => {
    const r = await runCheck('good', 'sshd: { option: PermitRootLogin, op: eq, value: "no" }');
    expect(r.message).toBe('PermitRootLogin is no (/etc/ssh/sshd_config.d/10-hardening.conf:2; expected = no)');
    expect(r.evidence).toEqual([{ file: '/etc/ssh/sshd_config.d/10-hardening.conf', line: 2, text: 'PermitRootLogin no' }]);
    const d = await runCheck('good', 'sshd: { option: X11Forwarding, op: eq, value: "no" }');
    expect(d.status).toBe('pass');
    expect(d.evidence[0]!.fact).toMatch(/^sshd default: X11Forwarding no/);
    // Case-insensitive values for sshd: "YES" equals "yes".
    expect((await runCheck('bad', 'sshd: { option: PermitRootLogin, op: eq, value: "YES" }')).status).toBe('pass');
  });

  it('sysctl: systemd-sysctl precedence, with the replaced assignment named', async () => {
    const good = await runCheck('good', 'sysctl: { key: net.ipv4.ip_forward, op: eq, value: 0 }');
    expect(good.evidence[0]).toEqual({ file: '/etc/sysctl.d/90-hardening.conf', line: 1, text: 'net.ipv4.ip_forward = 0' });
    expect(good.evidence[1]!.fact).toBe('overrides net.ipv4.ip_forward = 1 at /usr/lib/sysctl.d/50-default.conf:1');
    const bad = await runCheck('bad', 'sysctl: { key: net.ipv4.ip_forward, op: eq, value: 0 }');
    expect(bad.message).toBe('net.ipv4.ip_forward is 1 (/etc/sysctl.conf:2; expected = 0)');
    // Whitespace inside multi-value settings is normalised.
    expect((await runCheck('good', 'sysctl: { key: net.ipv4.tcp_rmem, op: eq, value: "4096 87380 6291456" }')).status).toBe('pass');
  });

  it('package and service evidence', async () => {
    const p = await runCheck('bad', 'package: { name: telnetd, installed: false }');
    expect(p.message).toBe('telnetd 0.17-44 installed');
    expect(p.evidence).toEqual([{ fact: 'package telnetd 0.17-44 (amd64) is installed' }]);
    const s = await runCheck('good', 'service: { name: legacyd, state: enabled }');
    expect(s.status).toBe('pass');
    expect(s.evidence[0]).toEqual({ file: '/etc/init.d/legacyd', fact: 'sysv script legacyd is enabled (runlevels 2)' });
    const t = await runCheck('bad', 'service: { name: [telnet.socket, rsh.socket], state: not_enabled }');
    expect(t.message).toBe('telnet.socket is enabled (expected not enabled)');
    expect(t.evidence[0]).toEqual({ file: '/lib/systemd/system/telnet.socket', fact: 'telnet.socket is enabled (wanted by sockets.target)' });
  });

  it('accounts list each offender with its line, hashes masked', async () => {
    const r = await runCheck('bad', 'accounts: { condition: empty_password }');
    expect(r.evidence).toEqual([
      { file: '/etc/shadow', line: 2, text: 'toor::19700:0:99999:7:::', fact: 'toor has an empty password' },
      { file: '/etc/shadow', line: 6, text: 'bob::19700:0:99999:7:::', fact: 'bob has an empty password' },
    ]);
    const aging = await runCheck('bad', 'accounts: { condition: no_password_aging }');
    expect(aging.evidence.map((e) => e.text)).toEqual(['root:<hash>:19700:0:99999:7:::', 'alice:<hash>:19700:0:99999:7:::', 'carol:<hash>:19700:0::7:::']);
    expect(JSON.stringify(aging)).not.toContain('$6$');
    const uid0 = await runCheck('bad', 'accounts: { condition: uid0_besides_root }');
    expect(uid0.evidence).toEqual([{ file: '/etc/passwd', line: 2, text: 'toor:x:0:0:second root:/root:/bin/bash', fact: 'toor has uid 0' }]);
    const gid = await runCheck('bad', 'accounts: { condition: duplicate_gid }');
    expect(gid.evidence.map((e) => e.line)).toEqual([3, 4]);
    const names = await runCheck('bad', 'accounts: { condition: duplicate_name }');
    expect(names.evidence.map((e) => `${e.file}:${e.line}`)).toEqual(['/etc/passwd:4', '/etc/passwd:7', '/etc/group:5', '/etc/group:6']);
  });

  it('mounts: fstab line evidence, systemd mount units, bind mounts are not partitions', async () => {
    const r = await runCheck('bad', 'mount_option: { path: /tmp, option: nodev }');
    expect(r.evidence).toEqual([{ file: '/etc/fstab', line: 2, text: 'tmpfs /tmp tmpfs defaults,nosuid 0 0' }]);
    const unit = await runCheck('good', 'mount_option: { path: /srv/data, option: nosuid }');
    expect(unit.status).toBe('pass');
    expect(unit.evidence).toEqual([{ file: '/etc/systemd/system/srv-data.mount', line: 5, text: 'Options=nodev,nosuid' }]);
    expect((await runCheck('good', 'separate_partition: { path: /srv/data }')).status).toBe('pass');
    expect((await runCheck('bad', 'separate_partition: { path: /home }')).status).toBe('fail');
  });

  it('kernel modules: dashes and underscores are one name; the disabling line is the evidence', async () => {
    const r = await runCheck('good', 'kernel_module_disabled: { module: usb_storage }');
    expect(r.status).toBe('pass');
    expect(r.evidence).toEqual([{ file: '/etc/modprobe.d/cis.conf', line: 4, text: 'install usb-storage /bin/true' }]);
    const bad = await runCheck('bad', 'kernel_module_disabled: { module: cramfs }');
    expect(bad.message).toBe('cramfs has modprobe.d lines but none disables it (/etc/modprobe.d/cis.conf:1)');
  });

  it('world-writable and setuid lists', async () => {
    const ww = await runCheck('bad', 'world_writable: { paths: [/etc, /var], allow: [/var/spool/allowed] }');
    expect(ww.evidence).toEqual([
      { file: '/etc/issue.net', fact: 'world-writable file, mode 0666' },
      { file: '/etc/ww-file', fact: 'world-writable file, mode 0666' },
      { file: '/var/open', fact: 'world-writable directory without sticky bit, mode 0777' },
    ]);
    const s = await runCheck('bad', 'suid_sgid: { paths: [/usr], allow: ["/usr/bin/*"] }');
    expect(s.evidence).toEqual([
      { file: '/usr/local/bin/evil', fact: 'setuid file, mode 4755' },
      { file: '/usr/local/bin/sgid-tool', fact: 'setgid file, mode 2711' },
    ]);
    const everything = await runCheck('bad', 'suid_sgid: { paths: [/usr], allow: ["/usr/**"] }');
    expect(everything.status).toBe('pass');
  });

  it('fact: dotted paths, [*] with any semantics, unknown values', async () => {
    const os = linuxOs({ packages: [{ name: 'bash', epoch: 0, version: '5.2.15', release: '2', arch: 'amd64' }, { name: 'telnetd', epoch: 0, version: '0.17', release: '44', arch: 'amd64' }] });
    const r = await runCheck('good', 'fact: { path: "packages[*].name", op: eq, value: telnetd }', os);
    expect(r.status).toBe('pass');
    expect(r.evidence).toEqual([{ fact: 'packages[1].name = telnetd' }]);
    expect((await runCheck('good', 'fact: { path: "packages[0].version", op: regex, value: "^5\\\\." }', os)).status).toBe('pass');
    expect((await runCheck('good', 'fact: { path: major_version, op: ge, value: 12 }', os)).status).toBe('pass');
    expect((await runCheck('good', 'fact: { path: distro, op: in, value: [ubuntu, rhel] }', os)).status).toBe('fail');
    const unknown = await runCheck('good', 'fact: { path: security.selinux.mode, op: eq, value: enforcing }', os);
    expect(unknown).toMatchObject({ status: 'fail', message: 'security.selinux.mode is not known (expected = enforcing)' });
    expect((await runCheck('good', 'fact: { path: security.selinux.mode, op: eq, value: enforcing, missing: not_applicable }', os)).status).toBe('not_applicable');
    expect((await runCheck('good', 'fact: { path: timezone, op: absent }', os)).status).toBe('pass');
  });

  it('registry is not applicable on Linux', async () => {
    const r = await runCheck('good', 'registry: { hive: SYSTEM, key: "CurrentControlSet\\\\Control\\\\Lsa", value: LmCompatibilityLevel, op: ge, value_expected: 5 }');
    expect(r.status).toBe('not_applicable');
  });
});
