import type { Command } from 'commander';
import { listGuestPath, type ListingEntry } from '../../guest/listing.js';
import { action } from '../errors.js';
import { addGuestOptions, openGuestFromOptions, type GuestOptionValues } from '../guest-options.js';

export function registerLs(program: Command): void {
  const cmd = program
    .command('ls')
    .description('list a directory inside the guest (like virt-ls)')
    .argument('<image>', 'disk image')
    .argument('<path>', 'guest path, e.g. /etc')
    .option('-l, --long', 'long listing: type, mode, owner, size, mtime')
    .option('-R, --recursive', 'the whole subtree, the path included')
    .option('--checksum [type]', 'add a checksum of every regular file (default sha256), like virt-ls --checksum')
    .option('--json', 'one JSON array of {path,type,mode,uid,gid,size,mtime,target?,checksum?}');
  addGuestOptions(cmd);
  cmd.action(
    action(async (image: string, path: string, o: GuestOptionValues & { long?: boolean; recursive?: boolean; json?: boolean; checksum?: string | boolean }) => {
      const { session, view } = await openGuestFromOptions([image], o);
      try {
        const out = process.stdout;
        let first = true;
        if (o.json) out.write('[');
        const checksum = o.checksum === true ? 'sha256' : o.checksum || undefined;
        for await (const e of listGuestPath(view, path, { recursive: Boolean(o.recursive), checksum })) {
          if (o.json) {
            out.write((first ? '\n' : ',\n') + JSON.stringify(e));
          } else {
            const name = o.recursive ? e.path : basename(e.path);
            out.write((o.long ? longLine(e) : e.checksum !== undefined ? `${name} ${e.checksum}` : name) + '\n');
          }
          first = false;
        }
        if (o.json) out.write(first ? ']\n' : '\n]\n');
      } finally {
        await session.close();
      }
    }),
  );
}

const TYPE_CHAR: Record<ListingEntry['type'], string> = { file: '-', dir: 'd', symlink: 'l', chardev: 'c', blockdev: 'b', fifo: 'p', socket: 's' };

function modeString(e: ListingEntry): string {
  const m = e.mode;
  const rwx = (shift: number, special: number, ch: string) => {
    const r = m & (4 << shift) ? 'r' : '-';
    const w = m & (2 << shift) ? 'w' : '-';
    const x = m & (1 << shift);
    const xs = m & special ? (x ? ch : ch.toUpperCase()) : x ? 'x' : '-';
    return r + w + xs;
  };
  return TYPE_CHAR[e.type] + rwx(6, 0o4000, 's') + rwx(3, 0o2000, 's') + rwx(0, 0o1000, 't');
}

function longLine(e: ListingEntry): string {
  const time = new Date(e.mtime * 1000).toISOString().replace('T', ' ').slice(0, 19);
  const link = e.target !== undefined ? ` -> ${e.target}` : '';
  const sum = e.checksum !== undefined ? ` ${e.checksum}` : '';
  return `${modeString(e)} ${String(e.uid).padStart(5)} ${String(e.gid).padStart(5)} ${String(e.size).padStart(12)} ${time} ${e.path}${link}${sum}`;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1) || '/';
}
