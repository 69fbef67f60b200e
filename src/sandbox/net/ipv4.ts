/** IPv4 addresses as unsigned 32-bit numbers: parsing, formatting, CIDR arithmetic. */

export interface Cidr {
  /** Network address (host bits cleared). */
  base: number;
  prefix: number;
}

/** "192.0.2.7" → number, or undefined when the text is not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    // Leading zeros are octal to some resolvers (inet_aton); refuse rather than guess.
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.0.0.0/8" or a bare address (→ /32); undefined when malformed. Host bits must be zero. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  if (addr === undefined) return undefined;
  if (slash < 0) return { base: addr, prefix: 32 };
  const p = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(p) || Number(p) > 32) return undefined;
  const prefix = Number(p);
  if ((addr & ~mask(prefix)) >>> 0 !== 0) return undefined;
  return { base: addr, prefix };
}

export function formatCidr(c: Cidr): string {
  return c.prefix === 32 ? formatIpv4(c.base) : `${formatIpv4(c.base)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrContains(c: Cidr, addr: number): boolean {
  return ((addr & mask(c.prefix)) >>> 0) === c.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

/** 127.0.0.0/8: the loopback network, which a sandbox's own namespace has privately. */
export const LOOPBACK: Cidr = { base: 0x7f000000, prefix: 8 };
