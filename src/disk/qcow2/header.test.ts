/**
 * Hand-made corruptions of real qemu-img images: each bad header field, extension or table
 * entry must become a typed error naming what is wrong (or, for benign flags, still read).
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, makePatternedRaw, run } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { openImage } from '../open-image.js';
import { qcow2Format, type Qcow2Image } from './index.js';

const MiB = 1024 * 1024;

function build(dir: string): void {
  const raw = join(dir, 'base.raw');
  makePatternedRaw(raw, 4, 11);
  run('qemu-img', ['convert', '-O', 'qcow2', raw, join(dir, 'v3.qcow2')]);
  run('qemu-img', ['convert', '-O', 'qcow2', '-o', 'cluster_size=4k', raw, join(dir, 'c4k.qcow2')]);
  run('qemu-img', ['convert', '-O', 'qcow2', '-o', 'extended_l2=on', raw, join(dir, 'extl2.qcow2')]);
  run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', join(dir, 'overlay.qcow2')]);
}

let dir: string;
/** Patched copies go here (inside the fixture folder, removed after the run). */
let scratch: string;
let counter = 0;

/** A patched copy of a fixture image; `patch` edits the bytes (big-endian, as qcow2 stores them). */
function patched(name: string, patch: (b: Buffer) => void): string {
  const buf = readFileSync(join(dir, `${name}.qcow2`));
  patch(buf);
  const out = join(scratch, `patched-${counter++}.qcow2`);
  writeFileSync(out, buf);
  return out;
}

function extensions(b: Buffer): { type: number; off: number; len: number }[] {
  const out = [];
  let off = b.readUInt32BE(4) === 3 ? b.readUInt32BE(100) : 72;
  for (;;) {
    const type = b.readUInt32BE(off);
    const len = b.readUInt32BE(off + 4);
    if (type === 0) return out;
    out.push({ type, off, len });
    off += 8 + Math.ceil(len / 8) * 8;
  }
}

/** Byte offset of L2 entry `i` of the first L2 table. */
function l2Entry(b: Buffer, i: number, entryBytes = 8): number {
  const l1 = Number(b.readBigUInt64BE(40));
  const l2 = Number(b.readBigUInt64BE(l1) & 0x00fffffffffffe00n);
  return l2 + i * entryBytes;
}

async function openErr(path: string): Promise<GuestguardError> {
  try {
    const img = await openImage(path);
    await img.close();
  } catch (err) {
    expect(err).toBeInstanceOf(GuestguardError);
    return err as GuestguardError;
  }
  throw new Error(`${path} opened without error`);
}

async function readErr(path: string, offset: number, length: number): Promise<GuestguardError> {
  const img = await openImage(path);
  try {
    await img.read(offset, length);
  } catch (err) {
    expect(err).toBeInstanceOf(GuestguardError);
    return err as GuestguardError;
  } finally {
    await img.close();
  }
  throw new Error(`read of ${path} succeeded`);
}

async function readsLikeBase(path: string): Promise<Qcow2Image> {
  const img = (await openImage(path)) as Qcow2Image;
  try {
    expect(Buffer.compare(await img.read(0, 4 * MiB), readFileSync(join(dir, 'base.raw')))).toBe(0);
  } finally {
    await img.close();
  }
  return img;
}

describe.skipIf(!hasTool('qemu-img'))('qcow2 header validation on corrupted real images', () => {
  beforeAll(() => {
    dir = fixtureDir('qcow2-header', build);
    scratch = mkdtempSync(join(dir, 'scratch-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('probes by magic only', () => {
    const head = readFileSync(join(dir, 'v3.qcow2')).subarray(0, 4096);
    expect(qcow2Format.probe(head, new Uint8Array(0), 1 << 20)).toBe(true);
    expect(qcow2Format.probe(readFileSync(join(dir, 'base.raw')).subarray(0, 4096), new Uint8Array(0), 4 * MiB)).toBe(false);
    expect(qcow2Format.probe(new Uint8Array([0x51, 0x46, 0x49]), new Uint8Array(0), 3)).toBe(false);
  });

  it('names an unknown incompatible feature bit', async () => {
    const e = await openErr(patched('v3', (b) => b.writeBigUInt64BE(1n << 5n, 72)));
    expect(e.code).toBe('UNSUPPORTED_IMAGE');
    expect(e.message).toMatch(/incompatible feature bit 5/);
  });

  it('names an unknown incompatible feature from the feature name table', async () => {
    const e = await openErr(
      patched('v3', (b) => {
        const table = extensions(b).find((x) => x.type === 0x6803f857)!;
        // Re-label the table's "extended L2 entries" entry (incompatible bit 4) as bit 40, then set bit 40.
        for (let p = table.off + 8; p < table.off + 8 + table.len; p += 48) if (b[p] === 0 && b[p + 1] === 4) b[p + 1] = 40;
        b.writeBigUInt64BE(1n << 40n, 72);
      }),
    );
    expect(e.code).toBe('UNSUPPORTED_IMAGE');
    expect(e.message).toMatch(/bit 40 \(extended L2 entries\)/);
  });

  it('reads images with the dirty bit set', async () => {
    await readsLikeBase(patched('v3', (b) => b.writeBigUInt64BE(1n, 72)));
  });

  it('reads images with the corrupt bit set, with a warning', async () => {
    const img = await readsLikeBase(patched('v3', (b) => b.writeBigUInt64BE(2n, 72)));
    expect(img.header.corrupt).toBe(true);
    expect(img.warnings.join()).toMatch(/corrupt/);
  });

  it.each([
    ['cluster_bits 8', 'CORRUPT_IMAGE', /cluster_bits 8/, (b: Buffer) => b.writeUInt32BE(8, 20)],
    ['cluster_bits 22', 'UNSUPPORTED_IMAGE', /2 MiB/, (b: Buffer) => b.writeUInt32BE(22, 20)],
    ['cluster_bits 0xffffffff', 'UNSUPPORTED_IMAGE', /cluster size/, (b: Buffer) => b.writeUInt32BE(0xffffffff, 20)],
    ['version 1', 'UNSUPPORTED_IMAGE', /version 1/, (b: Buffer) => b.writeUInt32BE(1, 4)],
    ['version 4', 'UNSUPPORTED_IMAGE', /version 4/, (b: Buffer) => b.writeUInt32BE(4, 4)],
    ['header_length 96', 'CORRUPT_IMAGE', /header_length/, (b: Buffer) => b.writeUInt32BE(96, 100)],
    ['header_length beyond the cluster', 'CORRUPT_IMAGE', /header_length/, (b: Buffer) => b.writeUInt32BE(1 << 20, 100)],
    ['l1_size 0', 'CORRUPT_IMAGE', /too small/, (b: Buffer) => b.writeUInt32BE(0, 36)],
    ['l1_size huge', 'LIMIT_EXCEEDED', /L1 table/, (b: Buffer) => b.writeUInt32BE(0x7fffffff, 36)],
    ['L1 beyond the file', 'TRUNCATED_IMAGE', /L1 table/, (b: Buffer) => b.writeBigUInt64BE(1n << 40n, 40)],
    ['L1 unaligned', 'CORRUPT_IMAGE', /L1 table offset/, (b: Buffer) => b.writeBigUInt64BE(b.readBigUInt64BE(40) + 8n, 40)],
    ['virtual size beyond the L1 table', 'CORRUPT_IMAGE', /too small/, (b: Buffer) => b.writeBigUInt64BE(1n << 50n, 24)],
    ['virtual size above 2^53', 'CORRUPT_IMAGE', /size/, (b: Buffer) => b.writeBigUInt64BE(1n << 62n, 24)],
    ['compression bit without the field', 'CORRUPT_IMAGE', /compression/, (b: Buffer) => b.writeBigUInt64BE(8n, 72)],
    [
      'unknown compression type',
      'UNSUPPORTED_IMAGE',
      /compression type 2/,
      (b: Buffer) => {
        b.writeBigUInt64BE(8n, 72);
        b[104] = 2;
      },
    ],
    ['data file bit without a name', 'UNSUPPORTED_IMAGE', /external data file/, (b: Buffer) => b.writeBigUInt64BE(4n, 72)],
    [
      'header extension overrunning the cluster',
      'CORRUPT_IMAGE',
      /overruns/,
      (b: Buffer) => {
        const first = extensions(b)[0]!;
        b.writeUInt32BE(0x10000, first.off + 4);
      },
    ],
    ['crypt_method 2', 'ENCRYPTED_IMAGE', /LUKS/, (b: Buffer) => b.writeUInt32BE(2, 32)],
    ['crypt_method 9', 'ENCRYPTED_IMAGE', /method 9/, (b: Buffer) => b.writeUInt32BE(9, 32)],
  ] as const)('refuses %s', async (_what, code, message, patch) => {
    const e = await openErr(patched('v3', patch));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it('refuses extended L2 entries with clusters under 16 KiB', async () => {
    const e = await openErr(patched('c4k', (b) => b.writeBigUInt64BE(16n, 72)));
    expect(e).toMatchObject({ code: 'CORRUPT_IMAGE', message: expect.stringMatching(/16 KiB/) });
  });

  it('refuses bad backing file name fields and unknown backing formats', async () => {
    const long = await openErr(patched('overlay', (b) => b.writeUInt32BE(2000, 16)));
    expect(long).toMatchObject({ code: 'CORRUPT_IMAGE', message: expect.stringMatching(/backing file name length/) });
    const outside = await openErr(patched('overlay', (b) => b.writeBigUInt64BE(65530n, 8)));
    expect(outside).toMatchObject({ code: 'CORRUPT_IMAGE', message: expect.stringMatching(/first cluster/) });
    const fmt = await openErr(
      patched('overlay', (b) => {
        const ext = extensions(b).find((x) => x.type === 0xe2792aca)!;
        b.write('xyz', ext.off + 8, 'latin1');
      }),
    );
    expect(fmt).toMatchObject({ code: 'UNSUPPORTED_IMAGE', message: expect.stringMatching(/backing file format "xyz"/) });
  });

  it('refuses a file too small for a header', async () => {
    const p = patched('v3', () => undefined);
    truncateSync(p, 40);
    expect((await openErr(p)).code).toBe('TRUNCATED_IMAGE');
  });

  it('reports a misaligned data cluster offset on read, naming the L2 entry', async () => {
    const p = patched('v3', (b) => {
      const e = l2Entry(b, 0);
      b.writeUInt32BE(b.readUInt32BE(e + 4) | 0x200, e + 4);
    });
    const e = await readErr(p, 0, 4096);
    expect(e).toMatchObject({ code: 'CORRUPT_IMAGE', structure: 'qcow2 L2 entry 0' });
    expect(e.message).toMatch(/not cluster-aligned/);
  });

  it('reports a data cluster beyond the end of the file', async () => {
    const p = patched('v3', (b) => {
      const e = l2Entry(b, 0);
      b.writeBigUInt64BE((1n << 63n) | (1n << 40n), e);
    });
    expect((await readErr(p, 0, 4096)).code).toBe('TRUNCATED_IMAGE');
  });

  it('reports misaligned and out-of-file L2 tables', async () => {
    const unaligned = patched('v3', (b) => {
      const l1 = Number(b.readBigUInt64BE(40));
      b.writeBigUInt64BE(b.readBigUInt64BE(l1) + 512n, l1);
    });
    expect(await readErr(unaligned, 0, 1)).toMatchObject({ code: 'CORRUPT_IMAGE', structure: 'qcow2 L1 entry 0' });
    const beyond = patched('v3', (b) => b.writeBigUInt64BE((1n << 63n) | (1n << 44n), Number(b.readBigUInt64BE(40))));
    expect((await readErr(beyond, 0, 1)).code).toBe('TRUNCATED_IMAGE');
  });

  it('reports an image truncated inside its data', async () => {
    const p = patched('v3', () => undefined);
    truncateSync(p, 400 * 1024);
    // The second random MiB (at 3 MiB) is stored last, beyond the cut.
    expect((await readErr(p, 3 * MiB, 65536)).code).toBe('TRUNCATED_IMAGE');
  });

  it('reports subclusters marked both allocated and zero', async () => {
    const p = patched('extl2', (b) => {
      const e = l2Entry(b, 0, 16);
      b.writeUInt32BE(1, e + 8); // zero bit of subcluster 0; its allocation bit is set already
    });
    expect(await readErr(p, 0, 1)).toMatchObject({ code: 'CORRUPT_IMAGE', message: expect.stringMatching(/both allocated and zero/) });
  });

  it('keeps an unrelated bad L2 entry from breaking other reads', async () => {
    const p = patched('v3', (b) => {
      const e = l2Entry(b, 1);
      b.writeUInt32BE(b.readUInt32BE(e + 4) | 0x200, e + 4);
    });
    const img = await openImage(p);
    try {
      expect(Buffer.compare(await img.read(0, 65536), readFileSync(join(dir, 'base.raw')).subarray(0, 65536))).toBe(0);
      await expect(img.read(65536, 1)).rejects.toMatchObject({ code: 'CORRUPT_IMAGE' });
    } finally {
      await img.close();
    }
  });
});
