import type { FilesystemCatalog, GuestFilesystemInfo } from './filesystems.js';

/**
 * Maps a device name as the guest writes it (fstab, grub) to the name guestguard uses, the way
 * libguestfs canonicalises them: /dev/vda1, /dev/xvda1, /dev/hda1 → /dev/sda1;
 * /dev/nvme0n1p2 → /dev/sda2; /dev/mapper/vg-lv_root → /dev/vg/lv_root.
 */
export function canonicalDeviceName(name: string): string {
  let m = /^\/dev\/(?:[shv]d|xvd)([a-z]+)(\d*)$/.exec(name);
  if (m) return `/dev/sd${m[1]}${m[2]}`;
  m = /^\/dev\/nvme(\d+)n\d+(?:p(\d+))?$/.exec(name);
  if (m) return `/dev/sd${diskLetter(Number(m[1]))}${m[2] ?? ''}`;
  m = /^\/dev\/mapper\/(.+)$/.exec(name);
  if (m) {
    // device-mapper names double a dash inside VG and LV names and join them with a single one.
    const split = /^((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(m[1]!);
    if (split) return `/dev/${split[1]!.replace(/--/g, '-')}/${split[2]!.replace(/--/g, '-')}`;
  }
  return name;
}

function diskLetter(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** Finds the filesystem an fstab spec (UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/...) names. */
export function resolveSpec(spec: string, catalog: FilesystemCatalog): GuestFilesystemInfo | undefined {
  const base = catalog.filesystems.filter((f) => f.subvolume === undefined);
  const eq = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();
  const tag = /^(UUID|LABEL|PARTUUID|PARTLABEL)=["']?(.*?)["']?$/.exec(spec);
  const byLink = /^\/dev\/disk\/by-(uuid|label|partuuid|partlabel)\/(.+)$/.exec(spec);
  const kind = tag ? tag[1]!.toUpperCase() : byLink ? byLink[1]!.toUpperCase() : undefined;
  const value = tag ? tag[2]! : byLink ? decodeLinkName(byLink[2]!) : undefined;
  if (kind && value !== undefined) {
    switch (kind) {
      case 'UUID':
        return base.find((f) => eq(f.uuid, value));
      case 'LABEL':
        return base.find((f) => f.label === value);
      case 'PARTUUID':
        return base.find((f) => eq(f.volume.partition?.uuid, value));
      case 'PARTLABEL':
        return base.find((f) => f.volume.partition?.label === value);
    }
  }
  const canon = canonicalDeviceName(spec);
  return base.find((f) => f.device === canon);
}

/** udev escapes characters in by-label link names as \xHH. */
function decodeLinkName(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
