/**
 * Typed errors carry the failing command and its stderr: real nft refusing a rule, and stand-in
 * tools (small shell scripts) printing what ip/nft print when the host says no.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool } from '../../../test/helpers/fixtures.js';
import { CleanupFailedError, LinkingFailedError, NftablesNotAvailableError, PrivilegeRequiredError, RuleAdditionFailedError, TableCreationFailedError } from './errors.js';
import { addSandboxRules, ensureTable, removeSandboxRules } from './firewall.js';
import { parseCidr } from './ipv4.js';
import { createLink, removeLink } from './link.js';
import { pool } from './naming.js';
import { setupNetwork } from './setup.js';

const dir = mkdtempSync(join(tmpdir(), 'gg-net-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in tool that prints `stderr` and exits with `code`. */
function tool(name: string, stderr: string, code = 1): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\ncat >/dev/null\nprintf '%s\\n' '${stderr}' >&2\nexit ${code}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('network errors', () => {
  it('map nft failures to their kind, keeping command, stderr and the script', async () => {
    const perm = tool('nft-eperm', 'Error: Could not process rule: Operation not permitted');
    const nokernel = tool('nft-nomod', 'Error: Could not process rule: Protocol not supported');
    const other = tool('nft-other', 'Error: syntax error, unexpected junk');
    await expect(ensureTable(perm, true)).rejects.toBeInstanceOf(PrivilegeRequiredError);
    await expect(ensureTable(nokernel, true)).rejects.toBeInstanceOf(NftablesNotAvailableError);
    const e = await ensureTable(other, true).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TableCreationFailedError);
    expect(e).toMatchObject({ kind: 'TableCreationFailed', command: [other, '-f', '-'], stderr: 'Error: syntax error, unexpected junk\n', failure: 'setup-failed' });
    expect((e as TableCreationFailedError).input).toContain('add table inet guestguard');
    expect((e as Error).message).toMatch(/^sandbox: network: cannot create table inet guestguard: .*nft-other -f -: Error: syntax error/);
    await expect(ensureTable(join(dir, 'no-such-nft'), true)).rejects.toBeInstanceOf(NftablesNotAvailableError);
  });

  it.skipIf(process.geteuid?.() !== 0 || !hasTool('nft'))('RuleAdditionFailed carries what the real nft said', async () => {
    const e = await addSandboxRules('nft', {
      id: 'guestguard-1-1-ee',
      hostIface: 'ggsb99999',
      address: '10.207.0.2',
      ctMark: 1,
      rules: [{ dest: parseCidr('192.0.2.1')!, ports: [1, 99999], protocol: 'tcp', entry: 'x' }],
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RuleAdditionFailedError);
    expect((e as RuleAdditionFailedError).stderr).toMatch(/99999/);
    expect((e as RuleAdditionFailedError).command).toEqual(['nft', '-f', '-']);
  });

  it('link failures: permission vs anything else; cleanup collects every failed step', async () => {
    const eperm = tool('ip-eperm', 'mount --make-shared /run/netns failed: Operation not permitted');
    await expect(createLink(eperm, 'guestguard-1-1-aa', pool())).rejects.toBeInstanceOf(PrivilegeRequiredError);
    const broken = tool('ip-broken', 'RTNETLINK answers: Invalid argument');
    const e = await createLink(broken, 'guestguard-1-1-aa', pool()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LinkingFailedError);
    expect(e).toMatchObject({ command: [broken, 'netns', 'add', 'guestguard-1-1-aa'], stderr: 'RTNETLINK answers: Invalid argument\n' });
    // Gone already is not an error; anything else is, and every step is tried.
    expect(await removeLink(tool('ip-gone', 'Cannot find device "ggsb1"'), 'guestguard-1-1-aa', 'ggsb1')).toHaveLength(1); // netns del: same text is not "No such file"
    const errors = [...(await removeLink(broken, 'guestguard-1-1-aa', 'ggsb1')), ...(await removeSandboxRules(tool('nft-busy', 'Error: Resource busy'), 'guestguard-1-1-aa', ['ggsb1']))];
    expect(errors.map((x) => x.command.slice(1).join(' '))).toEqual(['link del dev ggsb1', 'netns del guestguard-1-1-aa', '-f -', '-f -', '-f -']);
    const all = new CleanupFailedError('network of guestguard-1-1-aa', errors);
    expect(all).toMatchObject({ kind: 'CleanupFailed', errors });
    expect(all.message).toMatch(/failed in 5 step\(s\); first: .*link del dev ggsb1/);
  });

  it('an allowlist without root is PrivilegeRequired, before anything is created', async () => {
    const spy = vi.spyOn(process, 'geteuid').mockReturnValue(1000);
    try {
      const e = await setupNetwork('guestguard-1-1-aa', { allow: ['192.0.2.1:443'] }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PrivilegeRequiredError);
      expect(e).toMatchObject({ kind: 'PrivilegeRequired', failure: 'unavailable' });
    } finally {
      spy.mockRestore();
    }
  });
});
