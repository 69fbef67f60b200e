/**
 * The files of an image's backing chain, found on the host with the disk layer, and a file
 * broker that serves exactly those: real qcow2/raw chains made by qemu-img, no sandbox needed.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestguardError } from '../../errors.js';
import { run } from '../../../test/helpers/fixtures.js';
import { JobError } from '../errors.js';
import { FileBroker, FileNotBrokeredError } from './file-broker.js';
import { assertChainInsideRoots, imageChainFiles, imageRefOf } from './image-chain.js';
import { canMakeChain, makeChainImages, type ChainImages } from './test-chain.js';

describe.skipIf(!canMakeChain)('image chains for the file broker (real qemu-img images)', () => {
  let c: ChainImages;

  beforeAll(() => {
    c = makeChainImages(mkdtempSync(join(tmpdir(), 'gg-chain-')));
  });
  afterAll(() => {
    if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  it('lists the image and its backing files, top first, as the disk layer finds them', async () => {
    expect(await imageChainFiles({ path: c.overlay })).toEqual([c.overlay, c.base]);
    expect(await imageChainFiles({ path: c.rawOverlay })).toEqual([c.rawOverlay, c.raw]);
    expect(await imageChainFiles({ path: c.base })).toEqual([c.base]);
    expect(await imageChainFiles({ path: c.raw })).toEqual([c.raw]);
    // The payload's format is honoured as the handler honours it: a qcow2 read as raw has no chain.
    expect(await imageChainFiles({ path: c.overlay, format: 'raw' })).toEqual([c.overlay]);
    // A symlinked top image: backing names resolve against the folder the image is named in.
    const link = join(c.dir, 'link-to-overlay.qcow2');
    symlinkSync(c.overlay, link);
    expect(await imageChainFiles({ path: link })).toEqual([link, c.base]);
  });

  it('fails with the disk layer typed errors for broken chains (missing, looping)', async () => {
    const orphan = join(c.dir, 'orphan.qcow2');
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', 'gone.qcow2', '-F', 'qcow2', orphan, '64M'], { cwd: c.dir });
    await expect(imageChainFiles({ path: orphan })).rejects.toMatchObject({ code: 'BACKING_FILE_MISSING' });
    const a = join(c.dir, 'loop-a.qcow2');
    const b = join(c.dir, 'loop-b.qcow2');
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', 'loop-b.qcow2', '-F', 'qcow2', a, '64M'], { cwd: c.dir });
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', 'loop-a.qcow2', '-F', 'qcow2', b, '64M'], { cwd: c.dir });
    const err = await imageChainFiles({ path: a }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestguardError);
    expect((err as GuestguardError).code).toBe('CORRUPT_IMAGE');
    expect((err as Error).message).toMatch(/loops back/);
  });

  it('the broker serves the whole chain read-only and refuses any other file with FileNotBrokeredError', async () => {
    const files = await imageChainFiles({ path: c.overlay });
    const broker = await FileBroker.for(files);
    try {
      for (const f of files) {
        expect(await broker.check(f)).toBe(f);
        const o = await broker.handle({ op: 'open', path: f });
        expect(o).toMatchObject({ ok: true, stat: { kind: 'file' } });
        const h = (o as { handle: number }).handle;
        const r = await broker.handle({ op: 'read', handle: h, position: 0, length: 4 });
        expect(Buffer.from((r as { data: Uint8Array }).data).toString('latin1')).toBe('QFI\xfb');
        expect(await broker.handle({ op: 'close', handle: h })).toEqual({ ok: true });
      }
      // Not in the chain: a qcow2 next to it, the raw disk of the other chain, host files, the folder itself.
      for (const p of [c.stranger, c.raw, c.rawOverlay, '/etc/passwd', c.dir, join(c.dir, 'missing.qcow2')]) {
        await expect(broker.check(p)).rejects.toBeInstanceOf(FileNotBrokeredError);
        for (const op of ['open', 'stat'] as const) {
          expect(await broker.handle({ op, path: p })).toEqual({ ok: false, code: 'ENOENT', message: expect.stringMatching(/only the job's image and its backing files/), refused: true });
        }
      }
    } finally {
      await broker.close();
    }
  });

  it('can confine a chain to the allowed image folders', async () => {
    const files = await imageChainFiles({ path: c.overlay });
    await expect(assertChainInsideRoots(files, [c.dir], c.overlay)).resolves.toBeUndefined();
    await expect(assertChainInsideRoots(files, [], c.overlay)).resolves.toBeUndefined();
    // The overlay allowed (a root may be a file), its base not: refused, naming the base.
    const elsewhere = mkdtempSync(join(tmpdir(), 'gg-chain-root-'));
    try {
      const err = await assertChainInsideRoots([c.overlay, c.base], [elsewhere, c.overlay], c.overlay).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobError);
      expect(err).toMatchObject({ code: 'VALIDATION_ERROR', details: { file: c.base } });
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('reads payload.data.image defensively', () => {
    expect(imageRefOf({ image: { path: '/x.qcow2', format: 'qcow2' } })).toEqual({ path: '/x.qcow2', format: 'qcow2' });
    expect(imageRefOf({ image: { path: '/x.qcow2', format: 7 } })).toEqual({ path: '/x.qcow2' });
    for (const bad of [{}, { image: null }, { image: 'x' }, { image: { path: '' } }, { image: { path: 1 } }]) expect(imageRefOf(bad)).toBeUndefined();
  });
});
