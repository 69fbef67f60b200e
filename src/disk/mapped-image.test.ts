/**
 * MappedImage's read loop on a scripted extent map over a real host file: host runs merge only
 * when contiguous in the file and in the output, holes and decoded bytes land where they belong,
 * read() and readInto() agree, and a failing host read surfaces only after the others have ended.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostFile } from './host-file.js';
import { MappedImage, type Extent } from './mapped-image.js';

const KiB = 1024;
const SIZE = 256 * KiB;
const UNIT = 4 * KiB;

/** Virtual unit i → what it is; host units point into the file, so the expected bytes are known. */
type Unit = { kind: 'host'; at: number } | { kind: 'zero' } | { kind: 'bytes' } | { kind: 'backing' };

class ScriptedImage extends MappedImage {
  readonly format = 'scripted';
  readonly size = SIZE;
  readonly name = 'scripted';
  constructor(
    readonly file: HostFile,
    readonly units: Unit[],
    readonly decoded: Uint8Array,
  ) {
    super();
  }
  protected async map(offset: number, maxLength: number): Promise<Extent> {
    await Promise.resolve(); // a real map awaits table loads
    const i = Math.floor(offset / UNIT);
    const within = offset - i * UNIT;
    const length = Math.min(UNIT - within, maxLength);
    const u = this.units[i]!;
    if (u.kind === 'host') return { kind: 'host', file: this.file, offset: u.at + within, length };
    if (u.kind === 'bytes') return { kind: 'bytes', bytes: this.decoded, start: within, length };
    return { kind: u.kind, length };
  }
  close(): Promise<void> {
    return this.file.close();
  }
}

/** Counts host reads and how many run at once. */
function instrument(file: HostFile) {
  const seen = { reads: 0, inflight: 0, max: 0 };
  const inner = file.readInto.bind(file);
  file.readInto = async (...args: Parameters<HostFile['readInto']>) => {
    seen.reads++;
    seen.max = Math.max(seen.max, ++seen.inflight);
    try {
      await new Promise((r) => setTimeout(r, 1));
      return await inner(...args);
    } finally {
      seen.inflight--;
    }
  };
  return seen;
}

describe('MappedImage reads', () => {
  let dir: string;
  let path: string;
  let hostBytes: Buffer;
  const decoded = randomBytes(UNIT);
  const backingBytes = randomBytes(SIZE);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gg-mapped-'));
    path = join(dir, 'host.bin');
    hostBytes = randomBytes(SIZE * 2);
    writeFileSync(path, hostBytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A layout mixing every extent kind; units 8 and 10 are back to back in the file, with unit 9 a hole between them. */
  function layout(): Unit[] {
    const units: Unit[] = [];
    for (let i = 0; i < SIZE / UNIT; i++) {
      if (i >= 8 && i <= 10) units.push(i === 9 ? { kind: 'zero' } : { kind: 'host', at: 100 * KiB + (i - 8) * (UNIT / 2) });
      else if (i % 7 === 3) units.push({ kind: 'zero' });
      else if (i % 11 === 5) units.push({ kind: 'bytes' });
      else if (i % 13 === 6) units.push({ kind: 'backing' });
      // Runs of 3 units contiguous in the file, each run somewhere else.
      else units.push({ kind: 'host', at: SIZE - ((Math.floor(i / 3) * 3 * UNIT) % SIZE) + (i % 3) * UNIT });
    }
    return units;
  }

  function expected(units: Unit[]): Buffer {
    const out = Buffer.alloc(SIZE);
    units.forEach((u, i) => {
      const at = i * UNIT;
      if (u.kind === 'host') hostBytes.copy(out, at, u.at, u.at + UNIT);
      else if (u.kind === 'bytes') Buffer.from(decoded).copy(out, at);
      else if (u.kind === 'backing') backingBytes.copy(out, at, at, at + UNIT);
    });
    return out;
  }

  async function open(units: Unit[]): Promise<ScriptedImage> {
    const img = new ScriptedImage(await HostFile.open(path), units, decoded);
    img.backing = {
      size: SIZE,
      name: 'backing',
      read: async (o: number, l: number) => backingBytes.subarray(o, o + l),
      close: async () => {},
    };
    return img;
  }

  it('puts every extent in place, with read() and readInto() alike', async () => {
    const units = layout();
    const want = expected(units);
    const img = await open(units);
    try {
      expect(Buffer.compare(await img.read(0, SIZE), want)).toBe(0);
      for (const [off, len] of [
        [1000, 70_000],
        [UNIT * 8 - 5, UNIT * 3 + 10],
        [SIZE - 3000, 3000],
      ] as const) {
        expect(Buffer.compare(await img.read(off, len), want.subarray(off, off + len))).toBe(0);
        const buf = Buffer.alloc(len + 100, 0xee);
        await img.readInto(buf, 50, len, off);
        expect(Buffer.compare(buf.subarray(50, 50 + len), want.subarray(off, off + len))).toBe(0);
        expect(buf.subarray(0, 50).every((b) => b === 0xee) && buf.subarray(50 + len).every((b) => b === 0xee)).toBe(true);
      }
    } finally {
      await img.close();
    }
  });

  it('never merges host runs across a hole, and keeps at most 4 host reads in flight', async () => {
    const units = layout();
    const img = await open(units);
    try {
      const seen = instrument(img.file);
      const got = await img.read(UNIT * 8, UNIT * 3);
      expect(Buffer.compare(got, expected(units).subarray(UNIT * 8, UNIT * 11))).toBe(0);
      expect(seen.reads).toBe(2); // units 8 and 10, not one read of three units
      seen.reads = 0;
      await img.read(0, SIZE);
      expect(seen.max).toBeGreaterThan(1);
      expect(seen.max).toBeLessThanOrEqual(4);
    } finally {
      await img.close();
    }
  });

  it('coalesces file-contiguous units into one host read', async () => {
    const units: Unit[] = Array.from({ length: SIZE / UNIT }, (_, i) => ({ kind: 'host', at: 64 * KiB + i * UNIT }));
    const img = await open(units);
    try {
      const seen = instrument(img.file);
      expect(Buffer.compare(await img.read(0, SIZE), hostBytes.subarray(64 * KiB, 64 * KiB + SIZE))).toBe(0);
      expect(seen.reads).toBe(1);
    } finally {
      await img.close();
    }
  });

  it('reports a host read past the end of the file, after the reads in flight have ended', async () => {
    const units = layout();
    units[20] = { kind: 'host', at: SIZE * 2 - 100 }; // runs off the end of the file
    const img = await open(units);
    try {
      const seen = instrument(img.file);
      await expect(img.read(0, SIZE)).rejects.toMatchObject({ code: 'TRUNCATED_IMAGE' });
      expect(seen.inflight).toBe(0);
      await expect(img.readInto(new Uint8Array(10), 5, 10, 0)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    } finally {
      await img.close();
    }
  });
});
