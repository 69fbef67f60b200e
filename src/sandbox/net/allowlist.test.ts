/** Allowlist parsing and resolution: what is accepted, what is refused and why. */
import { describe, expect, it } from 'vitest';
import { formatRule, hostsFile, parseAllowEntry, parseAllowList, resolveAllowlist } from './allowlist.js';
import { cidrContains, cidrsOverlap, formatIpv4, parseCidr, parseIpv4 } from './ipv4.js';
import { ownerPid, pool, slotAddresses, slotCount, slotOfIface } from './naming.js';

describe('allowlist entries', () => {
  it('parse addresses, networks, port ranges and protocols', () => {
    expect(parseAllowEntry('198.51.100.7:443')).toMatchObject({ cidr: { base: parseIpv4('198.51.100.7'), prefix: 32 }, ports: [443, 443], protocol: 'tcp' });
    expect(parseAllowEntry('10.0.0.0/8:8000-8100/udp')).toMatchObject({ cidr: { prefix: 8 }, ports: [8000, 8100], protocol: 'udp' });
    expect(parseAllowEntry('0.0.0.0/0:443')).toMatchObject({ cidr: { base: 0, prefix: 0 } });
    expect(parseAllowEntry('Redis.Example.COM.:6379/TCP')).toMatchObject({ hostname: 'redis.example.com', ports: [6379, 6379], protocol: 'tcp' });
    expect(parseAllowList(' a.example:1, 192.0.2.1:2 ,')).toHaveLength(2);
  });

  it.each([
    ['example.com', /not HOST:PORT/],
    ['example.com:0', /out of range/],
    ['example.com:70000', /out of range/],
    ['example.com:90-80', /backwards/],
    ['10.0.0.1/8:80', /host bits must be zero/],
    ['300.1.1.1:80', /not a valid IPv4/],
    ['010.1.1.1:80', /not a valid IPv4/],
    ['[2001:db8::1]:443', /IPv6 destinations are not supported/],
    ['2001:db8::1:443', /IPv6/],
    ['127.0.0.1:6379', /loopback destination/],
    ['127.0.0.0/8:1', /loopback/],
    ['bad_host!:80', /not a valid hostname/],
    ['x:80/sctp', /not HOST:PORT/],
  ])('refuse %s', (entry, message) => {
    expect(() => parseAllowEntry(entry)).toThrow(message);
  });

  it('refuse an empty list', () => {
    expect(() => parseAllowList(' , ')).toThrow(/empty allowlist/);
  });

  it('resolve hostnames once, dedupe rules, refuse names that resolve to loopback', async () => {
    const asked: string[] = [];
    const resolver = async (name: string): Promise<string[]> => {
      asked.push(name);
      return name === 'db.internal' ? ['192.0.2.10', '192.0.2.11'] : name === 'localhost' ? ['127.0.0.1'] : [];
    };
    const r = await resolveAllowlist(['db.internal:5432', 'DB.internal:5432', '192.0.2.10:5432', 'db.internal:6379/udp'], resolver);
    expect(asked).toEqual(['db.internal']);
    expect(r.rules.map(formatRule)).toEqual(['192.0.2.10:5432/tcp', '192.0.2.11:5432/tcp', '192.0.2.10:6379/udp', '192.0.2.11:6379/udp']);
    expect(hostsFile(r.hosts, 'box')).toBe('127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost ip6-loopback\n192.0.2.10\tdb.internal\n192.0.2.11\tdb.internal\n');
    await expect(resolveAllowlist(['localhost:6379'], resolver)).rejects.toThrow(/"localhost:6379" \(localhost resolves to 127\.0\.0\.1\) is a loopback destination/);
    await expect(resolveAllowlist(['nowhere.example:1'], resolver)).rejects.toThrow(/no IPv4 address/);
    await expect(resolveAllowlist(['x.example:1'], async () => Promise.reject(new Error('ENOTFOUND')))).rejects.toThrow(/cannot resolve "x.example" on the host: ENOTFOUND/);
  });
});

describe('IPv4 and pool arithmetic', () => {
  it('CIDRs', () => {
    expect(formatIpv4(parseIpv4('255.255.255.255')!)).toBe('255.255.255.255');
    const ten = parseCidr('10.0.0.0/8')!;
    expect(cidrContains(ten, parseIpv4('10.255.0.1')!)).toBe(true);
    expect(cidrContains(ten, parseIpv4('11.0.0.1')!)).toBe(false);
    expect(cidrsOverlap(ten, parseCidr('10.207.0.0/16')!)).toBe(true);
    expect(cidrsOverlap(parseCidr('10.207.0.0/16')!, parseCidr('10.208.0.0/16')!)).toBe(false);
    expect(parseCidr('0.0.0.0/0')).toEqual({ base: 0, prefix: 0 });
  });

  it('slots are disjoint /30s named after their index', () => {
    const p = pool('10.207.0.0/16');
    expect(slotCount(p)).toBe(16384);
    expect(slotAddresses(p, 0)).toEqual({ slot: 0, hostIface: 'ggsb0', host: '10.207.0.1', sandbox: '10.207.0.2', subnet: '10.207.0.0/30' });
    expect(slotAddresses(p, 16383)).toMatchObject({ hostIface: 'ggsb16383', host: '10.207.255.253', sandbox: '10.207.255.254' });
    expect(() => slotAddresses(p, 16384)).toThrow(RangeError);
    expect(slotOfIface('ggsb42')).toBe(42);
    expect(slotOfIface('ggsb42x')).toBeUndefined();
    expect(() => pool('10.0.0.0/31')).toThrow(/between \/8 and \/30/);
    expect(ownerPid('guestguard-1234-5-a1b2c3')).toBe(1234);
    expect(ownerPid('guestguard-x-5-a1b2c3')).toBeUndefined();
  });
});
