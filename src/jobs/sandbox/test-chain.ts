/**
 * Test support: a real backing chain made by qemu-img. A raw disk holding an ext4 filesystem
 * (mkfs.ext4 -d) with a small Linux identity, converted to base.qcow2; overlay.qcow2 on top of
 * it (qemu-img create -b base.qcow2 -F qcow2) with one block rewritten by qemu-io, so an answer
 * needs both layers: /etc/hostname comes from the overlay, everything else from the base.
 * raw-overlay.qcow2 sits directly on the raw disk.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasTool, run } from '../../../test/helpers/fixtures.js';

export const canMakeChain = ['qemu-img', 'qemu-io', 'mkfs.ext4'].every(hasTool);

export interface ChainImages {
  dir: string;
  raw: string;
  base: string;
  overlay: string;
  rawOverlay: string;
  /** A qcow2 in the same folder that belongs to no chain. */
  stranger: string;
  /** /etc/hostname as the base has it, and as the overlay has it. */
  baseHostname: string;
  overlayHostname: string;
}

/** Builds the chain in `dir` (a few MiB; about a second). Files are root-only readable when run as root. */
export function makeChainImages(dir: string): ChainImages {
  const tree = join(dir, 'tree');
  for (const d of ['etc', 'usr/bin', 'usr/lib', 'usr/sbin', 'var/lib/dpkg', 'tmp', 'root']) mkdirSync(join(tree, d), { recursive: true });
  const baseHostname = 'chain-base-vm';
  const overlayHostname = 'chain-over-vm';
  writeFileSync(join(tree, 'etc', 'hostname'), `${baseHostname}\n`);
  writeFileSync(
    join(tree, 'etc', 'os-release'),
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n',
  );
  writeFileSync(join(tree, 'etc', 'debian_version'), '12.5\n');
  writeFileSync(join(tree, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n');
  writeFileSync(join(tree, 'etc', 'group'), 'root:x:0:\nalice:x:1000:\n');
  writeFileSync(join(tree, 'etc', 'fstab'), 'LABEL=chainroot / ext4 defaults 0 1\n');
  writeFileSync(join(tree, 'var', 'lib', 'dpkg', 'status'), '');

  const raw = join(dir, 'base.raw');
  run('truncate', ['-s', '64M', raw]);
  run('mkfs.ext4', ['-q', '-F', '-b', '4096', '-L', 'chainroot', '-U', '5b0e9d52-7a1c-4b9e-9e53-0c1f2d3e4f50', '-d', tree, raw]);
  const base = join(dir, 'base.qcow2');
  run('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, base]);
  const overlay = join(dir, 'overlay.qcow2');
  // Relative backing names, as qemu writes them for images that live side by side.
  run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', overlay], { cwd: dir });
  const rawOverlay = join(dir, 'raw-overlay.qcow2');
  run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'base.raw', '-F', 'raw', rawOverlay], { cwd: dir });

  // The block holding /etc/hostname (4 KiB blocks, so its offset is block-aligned): rewrite it in
  // the overlay only, same length, so the file size in the (base) inode still fits.
  const at = readFileSync(raw).indexOf(`${baseHostname}\n`);
  if (at < 0 || at % 4096 !== 0) throw new Error(`hostname block not found at a block boundary (${at})`);
  const block = Buffer.alloc(4096);
  block.write(`${overlayHostname}\n`, 'latin1');
  const blockFile = join(dir, 'hostname.block');
  writeFileSync(blockFile, block);
  run('qemu-io', ['-f', 'qcow2', '-c', `write -q -s ${blockFile} ${at} 4096`, overlay]);

  const stranger = join(dir, 'stranger.qcow2');
  run('qemu-img', ['create', '-q', '-f', 'qcow2', stranger, '16M']);
  if (process.geteuid?.() === 0) for (const f of [raw, base, overlay, rawOverlay, stranger]) chmodSync(f, 0o600);
  return { dir, raw, base, overlay, rawOverlay, stranger, baseHostname, overlayHostname };
}
