/** One line of /etc/fstab. */
export interface FstabEntry {
  spec: string;
  file: string;
  vfstype: string;
  options: string[];
  freq: number;
  passno: number;
  /** 1-based line number in the guest file, for evidence. */
  line: number;
}

/** fstab escapes spaces and friends as octal (\040). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses fstab text; malformed lines are skipped, as mount(8) does. */
export function parseFstab(text: string): FstabEntry[] {
  const out: FstabEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && i < 100_000; i++) {
    const raw = lines[i]!.replace(/#.*$/, '').trim();
    if (raw.length === 0) continue;
    const f = raw.split(/\s+/);
    if (f.length < 2) continue;
    out.push({
      spec: unescape(f[0]!),
      file: unescape(f[1]!),
      vfstype: f[2] ?? 'auto',
      options: (f[3] ?? 'defaults').split(','),
      freq: Number(f[4] ?? 0) || 0,
      passno: Number(f[5] ?? 0) || 0,
      line: i + 1,
    });
  }
  return out;
}

/** Value of an option like subvol=@home, or undefined. */
export function optionValue(options: string[], key: string): string | undefined {
  for (const o of options) if (o.startsWith(key + '=')) return o.slice(key.length + 1);
  return undefined;
}
