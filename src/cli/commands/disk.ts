import type { Command } from 'commander';
import { describeDisk, type DiskReport, type VolumeReport } from '../../volume/report.js';
import { action } from '../errors.js';
import { humanSize, writeJson } from '../format.js';
import { imageOptions, addImageOptions } from '../image-options.js';

export function registerDisk(program: Command): void {
  const cmd = program
    .command('disk')
    .description('describe a disk image: format, virtual size, backing chain, partitions, LVM and filesystems')
    .argument('<image>', 'disk image (raw, qcow2, vmdk, vhd, vhdx, vdi; detected by content)')
    .option('--json', 'print one JSON object');
  addImageOptions(cmd);
  cmd.action(
    action(async (image: string, opts: { json?: boolean }) => {
      const report = await describeDisk(image, imageOptions(cmd.opts()));
      if (opts.json) writeJson(report);
      else process.stdout.write(renderDisk(report));
    }),
  );
}

export function renderDisk(r: DiskReport): string {
  const lines: string[] = [];
  lines.push(`${r.path}`);
  lines.push(`  format:       ${r.format}`);
  lines.push(`  virtual size: ${humanSize(r.virtual_size)} (${r.virtual_size} bytes)`);
  if (r.backing.length > 0) {
    lines.push(`  backing:      ${r.backing.map((b) => `${b.path} (${b.format})`).join(' -> ')}`);
  }
  lines.push(`  partitions:   ${r.partition_table}`);
  for (const w of r.warnings) lines.push(`  warning:      ${w}`);
  lines.push('');
  lines.push(`${'DEVICE'.padEnd(28)} ${'START'.padStart(14)} ${'SIZE'.padStart(10)}  ${'TYPE'.padEnd(22)} ${'FS'.padEnd(12)} LABEL / UUID`);
  const walk = (vols: VolumeReport[], prefix: string) => {
    vols.forEach((v, i) => {
      const last = i === vols.length - 1;
      const branch = prefix.length === 0 && vols === r.volumes ? '' : last ? '└─ ' : '├─ ';
      const dev = `${prefix}${branch}${v.device}`;
      const id = [v.label ? `"${v.label}"` : '', v.uuid ?? ''].filter(Boolean).join(' ');
      lines.push(
        `${dev.padEnd(28)} ${String(v.start).padStart(14)} ${humanSize(v.size).padStart(10)}  ${(v.type ?? '').padEnd(22)} ${(v.fs ?? '').padEnd(12)} ${id}`,
      );
      walk(v.children, prefix + (branch === '' ? '   ' : last ? '   ' : '│  '));
    });
  };
  walk(r.volumes, '');
  return lines.join('\n') + '\n';
}
