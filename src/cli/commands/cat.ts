import type { Command } from 'commander';
import { action } from '../errors.js';
import { addGuestOptions, openGuestFromOptions, type GuestOptionValues } from '../guest-options.js';

export function registerCat(program: Command): void {
  const cmd = program
    .command('cat')
    .description("write a guest file's bytes to stdout (like virt-cat)")
    .argument('<image>', 'disk image')
    .argument('<path>', 'guest path of a regular file (symlinks are followed inside the guest)');
  addGuestOptions(cmd);
  cmd.action(
    action(async (image: string, path: string, o: GuestOptionValues) => {
      const { session, view } = await openGuestFromOptions([image], o);
      try {
        for await (const chunk of view.stream(path)) {
          if (!process.stdout.write(chunk)) await new Promise<void>((r) => process.stdout.once('drain', r));
        }
      } finally {
        await session.close();
      }
    }),
  );
}
