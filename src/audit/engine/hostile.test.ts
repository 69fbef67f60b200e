/**
 * A hostile guest: oversized files, symlink loops, a directory tree deeper than the walk
 * limit, a FIFO where a config file should be, include loops. Every rule must end in a
 * decision or a typed error with the reason, quickly, and the other rules must not notice.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, run } from '../../../test/helpers/fixtures.js';
import { canBuildImages, closeGuests, link, makeExt4, openGuest, put } from '../../guest/linux/test-trees.js';
import { evaluateCheck, evaluateRules } from './evaluate.js';
import { AuditFacts } from './facts.js';
import { parsePolicy } from './loader.js';
import { checkOf, linuxOs } from './test-support.js';
import { walkPermissions } from './walk.js';

const DEPTH = 70;

function hostileImage(): string {
  const dir = fixtureDir('audit-engine-hostile-v1', (d) => {
    const t = join(d, 'tree');
    put(t, 'etc/os-release', 'ID=debian\nVERSION_ID=12\n');
    put(t, 'etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n::::\nx:x:notanumber:0::/:/bin/sh\n' + 'garbage line without colons\n'.repeat(100));
    put(t, 'etc/huge.conf', 'PASS_MAX_DAYS 90\n'.repeat(320_000));
    put(t, 'etc/modprobe.d/huge.conf', 'blacklist cramfs\n'.repeat(300_000));
    link(t, 'loop2', 'etc/loop1');
    link(t, 'loop1', 'etc/loop2');
    link(t, '/etc/self', 'etc/self');
    put(t, 'etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config\nInclude /etc/ssh/sshd_config.d/*\nPermitRootLogin no\n');
    put(t, 'etc/ssh/sshd_config.d/a', 'Include /etc/ssh/sshd_config.d/a\n');
    put(t, 'etc/fstab', 'tmpfs /tmp\n\u0000\u0001 garbage\n/dev/x /var/log ext4\n');
    mkdirSync(join(t, 'etc/login.defs'), { recursive: true });
    run('mkfifo', [join(t, 'etc/fifo.conf')]);
    let deep = join(t, 'var/deep');
    for (let i = 0; i < DEPTH; i++) deep = join(deep, 'd');
    mkdirSync(deep, { recursive: true });
    put(deep, 'ww', 'x', 0o666);
    put(t, 'var/shallow-ww', 'x', 0o666);
    chmodSync(join(t, 'var/shallow-ww'), 0o666);
    makeExt4(t, join(d, 'root.img'));
    // The image is what tests read; the 11 MiB of tree behind it need not stay.
    rmSync(t, { recursive: true, force: true });
  });
  return join(dir, 'root.img');
}

describe.skipIf(!canBuildImages)('hostile guest', () => {
  afterAll(closeGuests);
  const facts = async () => AuditFacts.fromGuest(await openGuest(hostileImage()), linuxOs());
  const check = async (yaml: string, f?: AuditFacts) => evaluateCheck(checkOf(yaml), f ?? (await facts()));

  it('huge files are a typed error, not a read of the whole file', async () => {
    const r = await check('file_content: { path: /etc/huge.conf, regex: PASS, present: true }');
    expect(r.status).toBe('error');
    expect(r.message).toBe('file_content: LIMIT_EXCEEDED: /etc/huge.conf is 5440000 bytes, more than the 4194304-byte limit for files rules read');
    const s = await check('setting: { path: /etc/huge.conf, key: PASS_MAX_DAYS, syntax: space, op: le, value: 90 }');
    expect(s.status).toBe('error');
  });

  it('an oversized modprobe.d file is skipped with a warning', async () => {
    const f = await facts();
    const r = await check('kernel_module_disabled: { module: cramfs }', f);
    expect(r.status).toBe('fail');
    expect(f.warnings.some((w) => w.startsWith('/etc/modprobe.d/huge.conf: ') && w.includes('limit'))).toBe(true);
  });

  it('symlink loops: the link exists, reading through it is an error naming the loop', async () => {
    expect((await check('file_exists: { path: /etc/loop1 }')).status).toBe('pass');
    const m = await check('file_mode: { path: /etc/loop1, max: "0644" }');
    expect(m).toMatchObject({ status: 'error' });
    expect(m.message).toMatch(/^file_mode: SYMLINK_LOOP: too many levels of symbolic links/);
    expect((await check('file_content: { path: /etc/self, regex: x, present: false }')).message).toMatch(/SYMLINK_LOOP/);
  });

  it('a FIFO or a directory where a config file should be', async () => {
    expect((await check('file_content: { path: /etc/fifo.conf, regex: x, present: false }')).message).toBe('file_content: INVALID_ARGUMENT: /etc/fifo.conf is not a regular file (fifo)');
    // login.defs is a directory: the setting is not set (a directory holds no settings).
    expect((await check('setting: { path: /etc/login.defs, key: PASS_MAX_DAYS, syntax: space, op: le, value: 90 }')).status).toBe('fail');
  });

  it('include loops in sshd_config end', async () => {
    expect((await check('sshd: { option: PermitRootLogin, op: eq, value: "no" }')).status).toBe('pass');
  });

  it('garbage in passwd and fstab is skipped', async () => {
    const a = await check('accounts: { condition: uid0_besides_root }');
    expect(a.status).toBe('pass');
    expect((await check('separate_partition: { path: /var/log }')).status).toBe('pass');
    expect((await check('mount_option: { path: /tmp, option: nodev }')).status).toBe('fail');
  });

  it('a tree deeper than the walk limit: skipped and reported, the rest still walked', async () => {
    const onlyDeep = await check('world_writable: { paths: [/var/deep] }');
    expect(onlyDeep.status).toBe('error');
    expect(onlyDeep.message).toMatch(/^walk of \/var\/deep incomplete: \/var\/deep(\/d){64} is deeper than 64 levels: cannot tell whether there are world-writable files or directories$/);
    const all = await check('world_writable: { paths: [/var] }');
    expect(all.status).toBe('fail');
    expect(all.evidence).toEqual([{ file: '/var/shallow-ww', fact: 'world-writable file, mode 0666' }]);
    expect(all.message).toMatch(/\(walk incomplete: walk of \/var incomplete: .* is deeper than 64 levels\)$/);
  });

  it('the entry budget stops a walk', async () => {
    const view = await openGuest(hostileImage());
    const w = await walkPermissions(view, '/var', { entries: 10, depth: 64 });
    expect(w.visited).toBe(10);
    expect(w.incomplete).toBe('walk of /var incomplete: stopped after 10 entries');
    const full = await walkPermissions(view, '/var', { entries: 1000, depth: 100 });
    expect(full.incomplete).toBeUndefined();
    expect(full.entries.map((e) => e.path).sort()).toEqual([`/var/deep${'/d'.repeat(DEPTH)}/ww`, '/var/shallow-ww']);
  });

  it('a whole policy over the hostile guest finishes quickly, every rule decided or errored', async () => {
    const p = parsePolicy(
      `profile: { id: h, title: Hostile }
rules:
  - { id: h.1, title: t, severity: high, check: { file_content: { path: /etc/huge.conf, regex: x, present: true } } }
  - { id: h.2, title: t, severity: high, check: { world_writable: { paths: [/] } } }
  - { id: h.3, title: t, severity: high, check: { suid_sgid: { paths: [/] } } }
  - { id: h.4, title: t, severity: high, check: { accounts: { condition: empty_password } } }
  - { id: h.5, title: t, severity: high, check: { service: { name: ssh, state: not_enabled } } }
  - { id: h.6, title: t, severity: high, check: { sysctl: { key: kernel.kptr_restrict, op: ge, value: 1 } } }
  - { id: h.7, title: t, severity: high, check: { file_mode: { path: "/etc/*", max: "0644" } } }
`,
      'hostile.yaml',
    );
    const started = Date.now();
    const f = await evaluateRules(p.rules, await facts());
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(f.map((x) => x.status)).toEqual(['error', 'fail', 'error', 'pass', 'pass', 'fail', 'error']);
  });
});
