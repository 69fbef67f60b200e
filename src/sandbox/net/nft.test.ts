/**
 * guestguard's nft scripts, checked by the real nft against the real kernel, inside a private
 * network namespace (unshare --net) so the host's ruleset is never touched.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { hasTool } from '../../../test/helpers/fixtures.js';
import { parseCidr } from './ipv4.js';
import { baseTableScript, forwardGuardScript, sandboxRemovalCommands, sandboxRulesScript, type SandboxRules } from './nft.js';

const canNft = process.geteuid?.() === 0 && hasTool('nft') && hasTool('unshare');

/** Runs a shell script in a fresh network namespace; stdin feeds nothing. */
function inPrivateNetns(script: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('unshare', ['--net', '/bin/sh', '-ec', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const heredoc = (text: string): string => `<<'GG_EOF'\n${text}GG_EOF\n`;

const sample = (id: string, iface: string, address: string): SandboxRules => ({
  id,
  hostIface: iface,
  address,
  ctMark: 0xdeadbeef,
  rules: [
    { dest: parseCidr('192.0.2.10')!, ports: [6379, 6379], protocol: 'tcp', entry: 'a' },
    { dest: parseCidr('10.0.0.0/8')!, ports: [53, 53], protocol: 'udp', entry: 'b' },
    { dest: parseCidr('0.0.0.0/0')!, ports: [8000, 8100], protocol: 'tcp', entry: 'c' },
  ],
});

describe('nft scripts (text)', () => {
  it('every allowed flow is one rule that marks the connection; everything else is rejected', () => {
    const s = sandboxRulesScript(sample('guestguard-1-1-aa', 'ggsb7', '10.207.0.30'));
    expect(s).toContain('add rule inet guestguard guestguard-1-1-aa ip saddr != 10.207.0.30 drop');
    expect(s).toContain('add rule inet guestguard guestguard-1-1-aa ct state established,related ct mark 0xdeadbeef accept');
    expect(s).toContain('add rule inet guestguard guestguard-1-1-aa ip daddr 192.0.2.10 tcp dport 6379 ct mark set 0xdeadbeef accept');
    expect(s).toContain('add rule inet guestguard guestguard-1-1-aa ip daddr 10.0.0.0/8 udp dport 53 ct mark set 0xdeadbeef accept');
    expect(s).toContain('add rule inet guestguard guestguard-1-1-aa tcp dport 8000-8100 ct mark set 0xdeadbeef accept');
    const lines = s.trim().split('\n');
    expect(lines.at(-2)).toBe('add rule inet guestguard guestguard-1-1-aa reject with icmpx type admin-prohibited');
    expect(lines.at(-1)).toBe('add element inet guestguard sandboxes { "ggsb7" : jump guestguard-1-1-aa }');
  });
});

describe.skipIf(!canNft)('nft scripts (kernel)', () => {
  it('validate with nft --check and load twice without duplicating base rules', () => {
    const script = baseTableScript() + sandboxRulesScript(sample('guestguard-1-1-aa', 'ggsb7', '10.207.0.30'));
    const r = inPrivateNetns(`nft --check -f - ${heredoc(script)}nft -f - ${heredoc(baseTableScript())}nft -f - ${heredoc(script)}nft -f - ${heredoc(forwardGuardScript())}nft list table inet guestguard`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/iifname "ggsb\*" iifname vmap @sandboxes/g)).toHaveLength(2); // input + forward, not 2 × 3
    expect(r.stdout.match(/masquerade/g)).toHaveLength(1);
    expect(r.stdout).toContain('"ggsb7" : jump guestguard-1-1-aa');
    expect(r.stdout).toMatch(/chain forward-guard \{\s+type filter hook forward priority filter; policy accept;\s+iifname != "ggsb\*" oifname != "ggsb\*" drop/);
    // The sandbox chain was flushed before being re-added: one copy of its rules.
    expect(r.stdout.match(/ct mark set 0xdeadbeef/g)).toHaveLength(3);
  });

  it('a broken script fails --check with nft saying where', () => {
    const bad = baseTableScript() + sandboxRulesScript(sample('guestguard-1-1-aa', 'ggsb7', '10.207.0.30')).replace('tcp dport 6379', 'tcp dport 99999');
    const r = inPrivateNetns(`nft --check -f - ${heredoc(bad)}`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/99999/);
  });

  it('removal takes one sandbox out and leaves the others', () => {
    const a = sample('guestguard-1-1-aa', 'ggsb7', '10.207.0.30');
    const b = sample('guestguard-2-1-bb', 'ggsb8', '10.207.0.34');
    const remove = sandboxRemovalCommands(a.id, [a.hostIface]).join('\n') + '\n';
    const r = inPrivateNetns(`nft -f - ${heredoc(baseTableScript() + sandboxRulesScript(a) + sandboxRulesScript(b))}nft -f - ${heredoc(remove)}nft list table inet guestguard`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('guestguard-1-1-aa');
    expect(r.stdout).not.toContain('ggsb7');
    expect(r.stdout).toContain('"ggsb8" : jump guestguard-2-1-bb');
    expect(r.stdout).toContain('chain guestguard-2-1-bb');
  });
});
