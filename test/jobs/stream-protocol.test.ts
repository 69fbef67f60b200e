/**
 * The pieces of launched (sandboxed) handler processes that need no sandbox: message framing,
 * the file broker's policy, and the brokered fs/promises calls.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BrokeredFileHandle, inFolders } from '../../src/jobs/sandbox/brokered-fs.js';
import { FileBroker, MAX_BROKER_READ } from '../../src/jobs/sandbox/file-broker.js';
import { encodeFrame, MAX_FRAME_BYTES, readFrames } from '../../src/jobs/sandbox/frames.js';
import type { BrokeredStat, FileReply } from '../../src/jobs/sandbox/protocol.js';

const dir = mkdtempSync(join(tmpdir(), 'gg-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function collect(): { input: PassThrough; messages: unknown[]; errors: Error[] } {
  const input = new PassThrough();
  const messages: unknown[] = [];
  const errors: Error[] = [];
  readFrames(input, (m) => messages.push(m), (e) => errors.push(e));
  return { input, messages, errors };
}

describe('frames', () => {
  it('round-trips structured messages split at any byte', () => {
    const msgs = [{ t: 'run', input: { n: 1, when: new Date(0), bytes: Buffer.from('abc'), map: new Map([[1, 'x']]) } }, { t: 'abort', reason: 'é ✓' }, { t: 'done', output: {} }];
    const wire = Buffer.concat(msgs.map(encodeFrame));
    const { input, messages, errors } = collect();
    for (let i = 0; i < wire.length; i += 3) input.write(wire.subarray(i, i + 3));
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(3);
    const first = messages[0] as { input: { when: Date; bytes: Uint8Array; map: Map<number, string> } };
    expect(first.input.when).toEqual(new Date(0));
    expect(Buffer.from(first.input.bytes).toString()).toBe('abc');
    expect(first.input.map.get(1)).toBe('x');
    expect(messages[1]).toEqual({ t: 'abort', reason: 'é ✓' });
  });

  it('stops at an oversized length or an undecodable body instead of allocating or throwing', () => {
    const big = collect();
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    big.input.write(head);
    big.input.write(encodeFrame({ t: 'after' }));
    expect(big.errors[0]?.message).toMatch(/exceeds/);
    expect(big.messages).toEqual([]);

    const junk = collect();
    junk.input.write(Buffer.from([0, 0, 0, 3, 0xff, 0xff, 0xff]));
    expect(junk.errors[0]?.message).toMatch(/undecodable/);
  });

  it('refuses to encode what cannot be cloned', () => {
    expect(() => encodeFrame({ f: () => 1 })).toThrow();
  });
});

describe('file broker', () => {
  const image = join(dir, 'disk.img');
  const other = join(dir, 'other.img');
  const data = Buffer.alloc(100_000);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  writeFileSync(image, data);
  writeFileSync(other, 'not yours');
  symlinkSync(image, join(dir, 'link-to-image'));
  symlinkSync(other, join(dir, 'link-to-other'));
  mkdirSync(join(dir, 'sub'));

  it('serves the job image (also via a symlink to it) and nothing else', async () => {
    const b = await FileBroker.for([image]);
    const st = await b.handle({ op: 'stat', path: image });
    expect(st).toMatchObject({ ok: true, stat: { size: 100_000, kind: 'file' } });
    expect(await b.handle({ op: 'stat', path: join(dir, 'link-to-image') })).toMatchObject({ ok: true });
    for (const p of [other, join(dir, 'link-to-other'), '/etc/shadow', '/etc/passwd', join(dir, 'sub'), join(dir, 'missing')]) {
      expect(await b.handle({ op: 'open', path: p })).toMatchObject({ ok: false, code: 'ENOENT' });
      expect(await b.handle({ op: 'stat', path: p })).toMatchObject({ ok: false, code: 'ENOENT' });
    }
    expect(await b.handle({ op: 'open', path: 'disk.img' })).toMatchObject({ ok: false, code: 'EINVAL' });
    await b.close();
  });

  it('reads at positions, short at end of file, with bounds on every request', async () => {
    const b = await FileBroker.for([image]);
    const o = (await b.handle({ op: 'open', path: image })) as Extract<FileReply, { ok: true }>;
    const h = o.handle!;
    const r = (await b.handle({ op: 'read', handle: h, position: 99_990, length: 100 })) as Extract<FileReply, { ok: true }>;
    expect(Buffer.from(r.data!)).toEqual(data.subarray(99_990));
    for (const bad of [
      { position: -1, length: 1 },
      { position: 0, length: MAX_BROKER_READ + 1 },
      { position: 1.5, length: 1 },
      { position: 0, length: Number.NaN },
    ]) {
      expect(await b.handle({ op: 'read', handle: h, ...bad })).toMatchObject({ ok: false, code: 'EINVAL' });
    }
    expect(await b.handle({ op: 'read', handle: 999, position: 0, length: 1 })).toMatchObject({ ok: false, code: 'EBADF' });
    expect(await b.handle({ op: 'close', handle: h })).toEqual({ ok: true });
    expect(await b.handle({ op: 'read', handle: h, position: 0, length: 1 })).toMatchObject({ ok: false, code: 'EBADF' });
    await b.close();
    expect(await b.handle({ op: 'stat', path: image })).toMatchObject({ ok: false, code: 'EBADF' });
  });

  it('a brokered file handle reads like a FileHandle, splitting big reads', async () => {
    const b = await FileBroker.for([image]);
    let calls = 0;
    const request = (req: Parameters<FileBroker['handle']>[0]) => {
      calls++;
      return b.handle(req);
    };
    const o = (await b.handle({ op: 'open', path: image })) as { handle: number; stat: BrokeredStat };
    const fh = new BrokeredFileHandle(request, o.handle, o.stat, image);
    expect((await fh.stat()).isFile()).toBe(true);
    const buf = Buffer.alloc(20);
    const r = await fh.read(buf, 5, 10, 1000);
    expect(r.bytesRead).toBe(10);
    expect(buf.subarray(5, 15)).toEqual(data.subarray(1000, 1010));
    // Sequential reads (position null) advance a cursor; the last one is short.
    const all: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.alloc(40_000);
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      all.push(chunk.subarray(0, bytesRead));
    }
    expect(Buffer.concat(all)).toEqual(data);
    await fh.close();
    await expect(fh.read(buf, 0, 1, 0)).rejects.toMatchObject({ code: 'EBADF' });
    expect(calls).toBeGreaterThan(3);
    await b.close();
  });

  it('routes only paths inside the brokered folders', () => {
    expect(inFolders('/srv/img/a.qcow2', ['/srv/img'])).toBe(true);
    expect(inFolders('/srv/img/../img/a', ['/srv/img'])).toBe(true);
    expect(inFolders('/srv/image/a', ['/srv/img'])).toBe(false);
    expect(inFolders('/srv/img/../x', ['/srv/img'])).toBe(false);
  });
});
