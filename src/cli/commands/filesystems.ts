import type { Command } from 'commander';
import { listFilesystems } from '../../guest/filesystem-list.js';
import { DiskSession } from '../../guest/session.js';
import { action } from '../errors.js';
import { humanSize, writeJson } from '../format.js';
import { addImageOptions, imageOptions } from '../image-options.js';

export function registerFilesystems(program: Command): void {
  const cmd = program
    .command('filesystems')
    .description('list every filesystem on the disks with type, label, UUID, size and guest mount point (like virt-filesystems)')
    .argument('<image...>', 'disk images of one guest')
    .option('--json', 'one JSON array');
  addImageOptions(cmd);
  cmd.action(
    action(async (images: string[], o: { json?: boolean }) => {
      const session = await DiskSession.open(images, imageOptions(cmd.opts()));
      try {
        const rows = await listFilesystems(session);
        if (o.json) return writeJson(rows);
        const out = [`${'DEVICE'.padEnd(30)} ${'TYPE'.padEnd(18)} ${'SIZE'.padStart(10)}  ${'MOUNTPOINT'.padEnd(12)} ${'LABEL'.padEnd(16)} UUID`];
        for (const r of rows) {
          out.push(`${r.device.padEnd(30)} ${r.type.padEnd(18)} ${humanSize(r.size).padStart(10)}  ${(r.mountpoint ?? '').padEnd(12)} ${(r.label ?? '').padEnd(16)} ${r.uuid ?? ''}`);
        }
        process.stdout.write(out.join('\n') + '\n');
      } finally {
        await session.close();
      }
    }),
  );
}
