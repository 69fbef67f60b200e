import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GuestguardError } from '../../errors.js';
import { run } from '../../../test/helpers/fixtures.js';
import { parseRpmHeader, RPM_TYPE, RPMTAG, rpmHeaderToPackage } from './rpm-header.js';
import { canBuildRpm, rpmFixture } from './test-fixtures.js';
import { PackageDbError } from './types.js';

interface E {
  tag: number;
  type: number;
  data: Uint8Array;
  count: number;
}
const str = (tag: number, s: string): E => ({ tag, type: RPM_TYPE.STRING, data: new TextEncoder().encode(s + '\0'), count: 1 });
const i32 = (tag: number, v: number): E => {
  const d = new Uint8Array(4);
  new DataView(d.buffer).setUint32(0, v, false);
  return { tag, type: RPM_TYPE.INT32, data: d, count: 1 };
};

/**
 * Encodes a header the way rpm lays one out: optional immutable region covering the first
 * `regionCount` entries (region entry first, trailer at the end of the region's data), then
 * the remaining "dribble" entries. Used only for edge cases real tools do not produce on demand.
 */
function encode(entries: E[], regionCount?: number): Uint8Array {
  const data: number[] = [];
  const index: [number, number, number, number][] = [];
  const align = (t: number) => ({ 3: 2, 4: 4, 5: 8 })[t as 3 | 4 | 5] ?? 1;
  const put = (e: E) => {
    while (data.length % align(e.type) !== 0) data.push(0);
    index.push([e.tag, e.type, data.length, e.count]);
    data.push(...e.data);
  };
  const region = regionCount !== undefined;
  const inRegion = region ? entries.slice(0, regionCount) : [];
  const rest = region ? entries.slice(regionCount) : entries;
  if (region) index.push([RPMTAG.HEADERIMMUTABLE, RPM_TYPE.BIN, 0, 16]);
  inRegion.forEach(put);
  if (region) {
    const trailerAt = data.length;
    index[0]![2] = trailerAt;
    const t = new DataView(new ArrayBuffer(16));
    t.setUint32(0, RPMTAG.HEADERIMMUTABLE, false);
    t.setUint32(4, RPM_TYPE.BIN, false);
    t.setInt32(8, -(inRegion.length + 1) * 16, false);
    t.setUint32(12, 16, false);
    data.push(...new Uint8Array(t.buffer));
  }
  rest.forEach(put);
  const out = new Uint8Array(8 + index.length * 16 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, index.length, false);
  dv.setUint32(4, data.length, false);
  index.forEach((e, i) => e.forEach((v, j) => (j === 2 ? dv.setInt32(8 + i * 16 + j * 4, v, false) : dv.setUint32(8 + i * 16 + j * 4, v, false))));
  out.set(data, 8 + index.length * 16);
  return out;
}

const base = [str(RPMTAG.NAME, 'pkg'), str(RPMTAG.VERSION, '1.0'), str(RPMTAG.RELEASE, '1'), str(RPMTAG.ARCH, 'x86_64')];

function expectCorrupt(fn: () => unknown, re: RegExp) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PackageDbError);
    expect((err as GuestguardError).message).toMatch(re);
    expect((err as GuestguardError).structure).toBeDefined();
    return;
  }
  throw new Error('expected a PackageDbError');
}

describe('rpm header parser', () => {
  it('reads a region header with install-time dribble entries overriding region duplicates', () => {
    const blob = encode([...base, i32(RPMTAG.INSTALLTIME, 111), i32(RPMTAG.INSTALLTIME, 222), i32(RPMTAG.SIZE, 5)], 5);
    const p = rpmHeaderToPackage(parseRpmHeader(blob));
    expect(p).toEqual({ name: 'pkg', epoch: 0, version: '1.0', release: '1', arch: 'x86_64', install_time: 222, size: 5 });
  });

  it('prefers LONGSIZE over SIZE and reads I18N strings in the C locale', () => {
    const big = new Uint8Array(8);
    new DataView(big.buffer).setBigUint64(0, 5_000_000_000n, false);
    const i18n: E = { tag: RPMTAG.SUMMARY, type: RPM_TYPE.I18NSTRING, data: new TextEncoder().encode('C summary\0Deutsch\0'), count: 2 };
    const blob = encode([...base, i32(RPMTAG.SIZE, 7), { tag: RPMTAG.LONGSIZE, type: RPM_TYPE.INT64, data: big, count: 1 }, i18n]);
    const p = rpmHeaderToPackage(parseRpmHeader(blob));
    expect(p.size).toBe(5_000_000_000);
    expect(p.summary).toBe('C summary');
    expect(parseRpmHeader(blob).stringArray(RPMTAG.SUMMARY)).toEqual(['C summary', 'Deutsch']);
  });

  it('rejects malformed headers with typed errors naming the structure', () => {
    const good = encode(base, 4);
    expectCorrupt(() => parseRpmHeader(good.subarray(0, 20)), /needs \d+ bytes/);
    expectCorrupt(() => parseRpmHeader(new Uint8Array(4)), /too short/);
    const zero = good.slice();
    new DataView(zero.buffer).setUint32(0, 0, false);
    expectCorrupt(() => parseRpmHeader(zero), /0 index entries/);
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(4, 0x7fffffff, false);
    expectCorrupt(() => parseRpmHeader(huge), /data store/);
    const badType = good.slice();
    new DataView(badType.buffer).setUint32(8 + 16 + 4, 42, false);
    expectCorrupt(() => parseRpmHeader(badType), /unknown type 42/);
    const badOff = good.slice();
    new DataView(badOff.buffer).setInt32(8 + 16 + 8, -5, false);
    expectCorrupt(() => parseRpmHeader(badOff), /outside/);
    const badTrailer = good.slice();
    const dl = new DataView(good.buffer).getUint32(4, false);
    new DataView(badTrailer.buffer).setInt32(8 + 5 * 16 + dl - 16 + 8, -16 * 99, false);
    expectCorrupt(() => parseRpmHeader(badTrailer), /region trailer/);
    const misaligned = encode([...base, i32(RPMTAG.EPOCH, 1)]);
    const mv = new DataView(misaligned.buffer);
    mv.setInt32(8 + 4 * 16 + 8, mv.getInt32(8 + 4 * 16 + 8, false) + 1, false);
    expectCorrupt(() => parseRpmHeader(misaligned), /misaligned/);
    const unterminated = encode([str(RPMTAG.NAME, 'x'), ...base.slice(1)]);
    unterminated.fill(0x41, unterminated.length - 1);
    expectCorrupt(() => rpmHeaderToPackage(parseRpmHeader(unterminated)), /NUL-terminated/);
    expectCorrupt(() => rpmHeaderToPackage(parseRpmHeader(encode([str(RPMTAG.NAME, 'x')]))), /lacks NAME/);
    expectCorrupt(() => parseRpmHeader(encode([...base, i32(RPMTAG.ARCH, 3)])).string(RPMTAG.ARCH), /expected a string/);
  });

  describe.runIf(canBuildRpm)('headers inside .rpm files built by rpmbuild', () => {
    it('reads the main header after the lead and signature header, like rpm -qp', () => {
      const fx = rpmFixture();
      const dir = join(fx.dir, 'RPMS/noarch');
      for (const f of readdirSync(dir)) {
        const file = new Uint8Array(readFileSync(join(dir, f)));
        // 96-byte lead, then the signature header (8-byte aligned), then the main header.
        const sv = new DataView(file.buffer, file.byteOffset + 96);
        const sigLen = 16 + sv.getUint32(8, false) * 16 + sv.getUint32(12, false);
        const mainAt = 96 + Math.ceil(sigLen / 8) * 8;
        const h = parseRpmHeader(file.subarray(mainAt), `${f} header`, mainAt);
        const p = rpmHeaderToPackage(h);
        const q = run('rpm', ['-qp', '--nosignature', '--qf', '%{NAME}|%{EPOCH}|%{VERSION}|%{RELEASE}|%{ARCH}|%{LICENSE}|%{SUMMARY}|%{LONGSIZE}', join(dir, f)], {
          env: { ...process.env, LANG: 'C', LC_ALL: 'C' },
        }).split('|');
        expect([p.name, String(h.number(RPMTAG.EPOCH) ?? '(none)'), p.version, p.release, p.arch, p.license, p.summary, String(p.size)]).toEqual(q);
        expect(p.install_time).toBeUndefined();
      }
    });
  });
});
