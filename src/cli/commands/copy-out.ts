import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { copyOut } from '../../guest/copy-out.js';
import { GuestguardError } from '../../errors.js';
import { action } from '../errors.js';
import { addGuestOptions, openGuestFromOptions, type GuestOptionValues } from '../guest-options.js';

export function registerCopyOut(program: Command): void {
  const cmd = program
    .command('copy-out')
    .description('copy a guest file or directory tree into a host folder (like virt-copy-out)')
    .argument('<image>', 'disk image')
    .argument('<path>', 'guest file or directory')
    .argument('<dest>', 'existing host folder; the copy is made as DEST/<name>');
  addGuestOptions(cmd);
  cmd.action(
    action(async (image: string, path: string, dest: string, o: GuestOptionValues) => {
      const st = await stat(dest).catch(() => undefined);
      if (!st?.isDirectory()) throw new GuestguardError('INVALID_ARGUMENT', `destination ${dest} is not an existing folder`);
      const { session, view } = await openGuestFromOptions([image], o);
      try {
        const r = await copyOut(view, path, dest);
        for (const s of r.skipped) process.stderr.write(`guestguard: skipped special file ${s}\n`);
        process.stderr.write(`copied ${r.files} files, ${r.dirs} directories, ${r.symlinks} symlinks (${r.bytes} bytes)\n`);
      } finally {
        await session.close();
      }
    }),
  );
}
