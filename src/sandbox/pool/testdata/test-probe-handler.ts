/**
 * Test handler run inside a job sandbox: reports what it can see and reach. Not registered
 * anywhere; the launcher tests load it by path.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';

function tryConnect(port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    try {
      const s = connect({ port, host });
      const t = setTimeout(() => (s.destroy(), resolve('timeout')), 2000);
      s.once('connect', () => (clearTimeout(t), s.destroy(), resolve('connected')));
      s.once('error', (e: NodeJS.ErrnoException) => (clearTimeout(t), resolve(e.code ?? e.message)));
    } catch (e) {
      resolve((e as NodeJS.ErrnoException).code ?? String(e));
    }
  });
}

async function attempt<T>(fn: () => Promise<T>): Promise<T | string> {
  try {
    return await fn();
  } catch (e) {
    return `error ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}

export async function probeHandler(payload: { data: Record<string, unknown> }): Promise<{ data: unknown }> {
  const image = (payload.data['image'] as { path: string } | undefined)?.path;
  const hostPaths = (payload.data['host_paths'] as string[] | undefined) ?? [];
  const port = payload.data['port'] as number | undefined;
  const tryOpen = (payload.data['try_open'] as string[] | undefined) ?? [];
  const out: Record<string, unknown> = {
    uid: process.getuid?.(),
    pid: process.pid,
    root: readdirSync('/').sort(),
    visible: Object.fromEntries(hostPaths.map((p) => [p, existsSync(p)])),
    shadow: existsSync('/etc/shadow'),
    passwd: readFileSync('/etc/passwd', 'utf8').split('\n').filter(Boolean).length,
  };
  if (port !== undefined) {
    out['loopback'] = await tryConnect(port, '127.0.0.1');
    out['outside'] = await tryConnect(80, '192.0.2.1');
  }
  if (image) {
    out['image_sync_visible'] = existsSync(image);
    out['image_stat_size'] = await attempt(async () => (await stat(image)).size);
    out['image_head'] = await attempt(async () => {
      const fh = await open(image, 'r');
      try {
        const buf = Buffer.alloc(16);
        const { bytesRead } = await fh.read(buf, 0, 16, 0);
        const tail = Buffer.alloc(4);
        await fh.read(tail, 0, 4, (await fh.stat()).size - 4);
        return `${buf.subarray(0, bytesRead).toString('hex')}|${tail.toString('hex')}`;
      } finally {
        await fh.close();
      }
    });
    out['sibling'] = await attempt(async () => (await stat(join(dirname(image), 'sibling.txt'))).size);
    out['write'] = await attempt(async () => {
      const fh = await open(image, 'r+');
      await fh.close();
      return 'opened for writing';
    });
  }
  // Other host files through fs/promises (the brokered API): the image's backing files, strangers.
  out['opened'] = Object.fromEntries(
    await Promise.all(
      tryOpen.map(async (p) => [
        p,
        await attempt(async () => {
          const fh = await open(p, 'r');
          try {
            const buf = Buffer.alloc(4);
            await fh.read(buf, 0, 4, 0);
            return buf.toString('latin1');
          } finally {
            await fh.close();
          }
        }),
      ]),
    ),
  );
  return { data: out };
}
