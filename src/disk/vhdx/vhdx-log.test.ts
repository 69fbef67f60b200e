/**
 * VHDX log replay. qemu writes a log entry for every BAT update and flushes it at once, so a
 * dirty image is what a crash between the two leaves: we take qemu's real log entry after a
 * write, put back the pre-write BAT sector and mark the log dirty in the headers. qemu itself
 * then confirms the image is dirty (it refuses to open it read-only) and provides the expected
 * contents by replaying the log (`qemu-img check -r all`). Hand-built multi-entry logs are
 * checked the same way; wrap-around (which qemu's own search does not follow) is checked
 * against the same writes applied directly to the file and read by qemu.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fixtureDir, hasTool, run, sha256, sha256File } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { openImage } from '../open-image.js';
import { deviceSha256, prng, sampleDevice, scratchDir } from '../vhd/image-testing.js';
import { crc32cWithZeroedField } from '../../util/crc32c.js';
import { VhdxImage } from './vhdx-image.js';
import { batEntry, layout, logEntry, setBatEntry, setLogGuid, type LogDescriptor } from './vhdx-testing.js';

const haveQemu = hasTool('qemu-img') && hasTool('qemu-io');
const MiB = 1024 * 1024;

function build(dir: string): void {
  const raw = Buffer.alloc(6 * MiB);
  for (const b of [0, 2, 4]) for (let i = b * MiB; i < (b + 1) * MiB; i++) raw[i] = (i * 29 + b) & 0xff;
  writeFileSync(join(dir, 'small.raw'), raw);
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'vhdx', '-o', 'block_size=1M', join(dir, 'small.raw'), join(dir, 'clean.vhdx')]);

  // A real qemu log entry: write into the unallocated block 1, which allocates it and logs the BAT update.
  copyFileSync(join(dir, 'clean.vhdx'), join(dir, 'post.vhdx'));
  run('qemu-io', ['-f', 'vhdx', '-c', 'write -P 0x5a 1M 64k', join(dir, 'post.vhdx')]);
  const pre = readFileSync(join(dir, 'clean.vhdx'));
  const dirty = Buffer.from(readFileSync(join(dir, 'post.vhdx')));
  const l = layout(dirty);
  const entry = dirty.subarray(l.logOffset, l.logOffset + 4096);
  if (entry.toString('latin1', 0, 4) !== 'loge') throw new Error('qemu left no log entry');
  // Undo what the log replay did: the logged sectors go back to their pre-write contents.
  for (let i = 0; i < entry.readUInt32LE(24); i++) {
    const d = 64 + i * 32;
    if (entry.toString('latin1', d, d + 4) !== 'desc') continue;
    const off = Number(entry.readBigUInt64LE(d + 16));
    pre.copy(dirty, off, off, off + 4096);
  }
  setLogGuid(dirty, entry.subarray(32, 48));
  writeFileSync(join(dir, 'dirty.vhdx'), dirty);
  replayWithQemu(dir, 'dirty');
}

/** qemu's own replay of a dirty image (on a copy), converted to raw: the expected contents. */
function replayWithQemu(dir: string, name: string, track = false): void {
  if (track) derived.push(join(dir, `${name}.replayed.vhdx`), join(dir, `${name}.expected.raw`));
  copyFileSync(join(dir, `${name}.vhdx`), join(dir, `${name}.replayed.vhdx`));
  run('qemu-img', ['check', '-r', 'all', join(dir, `${name}.replayed.vhdx`)]);
  run('qemu-img', ['convert', '-f', 'vhdx', '-O', 'raw', join(dir, `${name}.replayed.vhdx`), join(dir, `${name}.expected.raw`)]);
}

const dir = haveQemu ? fixtureDir('vhdx-log', build) : '';

/** Files written during the run; removed afterwards so the fixture folder stays as built. */
const derived: string[] = [];
afterAll(() => {
  for (const p of derived) rmSync(p, { force: true });
});

/** A clean image with `entries` written into its log (at sector positions) and the log marked dirty. */
function withLog(name: string, entries: { sector: number; bytes: Buffer }[], logGuid: Buffer): string {
  const img = Buffer.from(readFileSync(join(dir, 'clean.vhdx')));
  const l = layout(img);
  for (const e of entries) {
    for (let i = 0; i < e.bytes.length; i += 4096) {
      const sector = (e.sector + i / 4096) % (l.logLength / 4096);
      e.bytes.copy(img, l.logOffset + sector * 4096, i, i + 4096);
    }
  }
  setLogGuid(img, logGuid);
  const path = join(dir, `${name}.vhdx`);
  derived.push(path);
  writeFileSync(path, img);
  return path;
}

/** The clean image's BAT page with some entries changed (a log data sector's payload). */
function batPage(edit: (img: Buffer, l: ReturnType<typeof layout>) => void): Buffer {
  const img = Buffer.from(readFileSync(join(dir, 'clean.vhdx')));
  const l = layout(img);
  edit(img, l);
  return img.subarray(l.batOffset, l.batOffset + 4096);
}

describe.skipIf(!haveQemu)('VHDX log replay', () => {
  it('replays a real qemu log entry left by an interrupted write', async () => {
    const path = join(dir, 'dirty.vhdx');
    // qemu agrees the image needs replay: it refuses to open it read-only.
    expect(() => run('qemu-img', ['info', '-f', 'vhdx', path])).toThrow(/log that needs to be replayed/);
    const img = (await openImage(path)) as VhdxImage;
    try {
      expect(img.replayedLogEntries).toBe(1);
      expect(await deviceSha256(img)).toBe(await sha256File(join(dir, 'dirty.expected.raw')));
      // Block 1 was allocated only through the log: without replay it would read as zeros.
      expect((await img.read(MiB, 4)).every((b) => b === 0x5a)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it('replays a multi-entry sequence in order (zero and data descriptors, payload too) and ignores a stale entry', async () => {
    const guid = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
    const clean = readFileSync(join(dir, 'clean.vhdx'));
    const l = layout(clean);
    const p0 = batEntry(clean, l, 0).offset;
    const p2 = batEntry(clean, l, 2).offset;
    const size = clean.length;
    const swapped = batPage((img) => {
      setBatEntry(img, l, 0, 6, p2);
      setBatEntry(img, l, 2, 6, p0);
    });
    const final = batPage((img) => {
      setBatEntry(img, l, 0, 6, p2);
      setBatEntry(img, l, 2, 6, p0);
      setBatEntry(img, l, 4, 0, 0);
    });
    const common = { logGuid: guid, flushedFileOffset: size, lastFileOffset: size };
    const a = logEntry({ ...common, sequence: 10n, tail: 0, descriptors: [{ zero: false, fileOffset: l.batOffset, data: swapped }] });
    const bDescs: LogDescriptor[] = [
      { zero: true, fileOffset: l.batOffset, length: 4096 },
      { zero: false, fileOffset: l.batOffset, data: final },
      { zero: true, fileOffset: p0, length: 8192 },
      { zero: false, fileOffset: p2 + 65536, data: Buffer.alloc(4096, 0xa5) },
    ];
    const b = logEntry({ ...common, sequence: 11n, tail: 0, descriptors: bDescs });
    const stale = logEntry({ ...common, sequence: 5n, tail: 100 * 4096, descriptors: [{ zero: true, fileOffset: l.batOffset, length: 4096 }] });
    const path = withLog('multi', [{ sector: 0, bytes: a }, { sector: a.length / 4096, bytes: b }, { sector: 100, bytes: stale }], guid);
    replayWithQemu(dir, 'multi', true);
    const img = (await openImage(path)) as VhdxImage;
    try {
      expect(img.replayedLogEntries).toBe(2);
      expect(await deviceSha256(img)).toBe(await sha256File(join(dir, 'multi.expected.raw')));
      expect((await img.read(2 * MiB, 8192)).every((x) => x === 0)).toBe(true);
      expect((await img.read(65536, 4096)).every((x) => x === 0xa5)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it('follows a sequence that wraps around the end of the circular log', async () => {
    const guid = Buffer.from('aa23456789abcdeffedcba98765432bb', 'hex');
    const clean = readFileSync(join(dir, 'clean.vhdx'));
    const l = layout(clean);
    const p0 = batEntry(clean, l, 0).offset;
    const size = clean.length;
    const common = { logGuid: guid, flushedFileOffset: size, lastFileOffset: size };
    const sectors = l.logLength / 4096;
    // Entry A: 1 descriptor sector + 2 data sectors starting two sectors before the end.
    const a = logEntry({
      ...common,
      sequence: 7n,
      tail: (sectors - 2) * 4096,
      descriptors: [
        { zero: false, fileOffset: p0, data: Buffer.alloc(4096, 0x11) },
        { zero: false, fileOffset: p0 + 4096, data: Buffer.alloc(4096, 0x22) },
      ],
    });
    const b = logEntry({ ...common, sequence: 8n, tail: (sectors - 2) * 4096, descriptors: [{ zero: false, fileOffset: p0 + 4096, data: Buffer.alloc(4096, 0x33) }] });
    const path = withLog('wrap', [{ sector: sectors - 2, bytes: a }, { sector: 1, bytes: b }], guid);
    // Expected: the same writes applied directly to a clean copy, read by qemu.
    const applied = Buffer.from(clean);
    applied.fill(0x11, p0, p0 + 4096);
    applied.fill(0x33, p0 + 4096, p0 + 8192);
    derived.push(join(dir, 'wrap-applied.vhdx'), join(dir, 'wrap.expected.raw'));
    writeFileSync(join(dir, 'wrap-applied.vhdx'), applied);
    run('qemu-img', ['convert', '-f', 'vhdx', '-O', 'raw', join(dir, 'wrap-applied.vhdx'), join(dir, 'wrap.expected.raw')]);
    const img = (await openImage(path)) as VhdxImage;
    try {
      expect(img.replayedLogEntries).toBe(2);
      expect(await deviceSha256(img)).toBe(await sha256File(join(dir, 'wrap.expected.raw')));
    } finally {
      await img.close();
    }
  });

  it('opens an image whose dirty log holds no valid entry without replaying anything', async () => {
    const path = withLog('empty-log', [{ sector: 0, bytes: Buffer.alloc(4096, 0x77) }], Buffer.alloc(16, 0x42));
    const img = (await openImage(path)) as VhdxImage;
    try {
      expect(img.replayedLogEntries).toBe(0);
      expect(await deviceSha256(img)).toBe(sha256(readFileSync(join(dir, 'small.raw'))));
    } finally {
      await img.close();
    }
  });

  it('refuses a log whose entry says the file was longer than it is', async () => {
    const guid = Buffer.alloc(16, 0x24);
    const clean = readFileSync(join(dir, 'clean.vhdx'));
    const l = layout(clean);
    const e = logEntry({
      sequence: 3n,
      tail: 0,
      logGuid: guid,
      flushedFileOffset: clean.length + MiB,
      lastFileOffset: clean.length + MiB,
      descriptors: [{ zero: true, fileOffset: l.batOffset, length: 4096 }],
    });
    const err = (await openImage(withLog('truncated-log', [{ sector: 0, bytes: e }], guid)).catch((x: unknown) => x)) as GuestguardError;
    expect(err).toBeInstanceOf(GuestguardError);
    expect(err.code).toBe('TRUNCATED_IMAGE');
    expect(err.structure).toBe('VHDX log');
  });
  it('fuzz: log entries with valid checksums but damaged fields replay or fail with a typed error', async () => {
    const tmp = scratchDir('gg-vhdx-fuzz-');
    const dirty = readFileSync(join(dir, 'dirty.vhdx'));
    const path = join(tmp, 'dirty.vhdx');
    writeFileSync(path, dirty);
    const l = layout(dirty);
    const entryLen = dirty.readUInt32LE(l.logOffset + 8);
    const original = dirty.subarray(l.logOffset, l.logOffset + entryLen);
    const rnd = prng(13);
    const pick = (n: number) => Math.floor(rnd() * n);
    const fh = await open(path, 'r+');
    let opened = 0;
    let rejected = 0;
    try {
      for (let i = 0; i < 600; i++) {
        const e = Buffer.from(original);
        for (let k = 1 + pick(4); k > 0; k--) {
          const at = rnd() < 0.7 ? pick(96) : rnd() < 0.5 ? 4096 + pick(8) : pick(e.length);
          e[at] = rnd() < 0.5 ? pick(256) : e[at]! ^ (1 << pick(8));
        }
        // Keep the checksum valid so the replay logic itself sees the damage.
        const len = e.readUInt32LE(8);
        const span = len > 0 && len <= e.length && len % 4096 === 0 ? len : e.length;
        e.writeUInt32LE(crc32cWithZeroedField(e.subarray(0, span), 4), 4);
        await fh.write(e, 0, e.length, l.logOffset);
        try {
          const img = await openImage(path);
          try {
            await sampleDevice(img, 256 * 1024, 4096);
          } finally {
            await img.close();
          }
          opened++;
        } catch (err) {
          if (!(err instanceof GuestguardError)) throw new Error(`log fuzz iteration ${i}: untyped ${String((err as Error).stack)}`);
          rejected++;
        }
      }
    } finally {
      await fh.close();
      rmSync(tmp, { recursive: true, force: true });
    }
    expect(opened + rejected).toBe(600);
    expect(opened).toBeGreaterThan(50);
  }, 60_000);
});
