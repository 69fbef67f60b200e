/** LVM identifiers: 32 characters from [0-9a-zA-Z!#], printed in 6-4-4-4-4-4-6 groups. */
const ID_CHARS = /^[0-9A-Za-z!#]{32}$/u;

export function isLvmId(raw: string): boolean {
  return ID_CHARS.test(raw);
}

export function formatLvmUuid(raw: string): string {
  const groups = [6, 4, 4, 4, 4, 4, 6];
  const out: string[] = [];
  let p = 0;
  for (const g of groups) {
    out.push(raw.slice(p, p + g));
    p += g;
  }
  return out.join('-');
}

/** Normalises a UUID from metadata text ("abc123-....") or a label (no dashes) for comparison. */
export function normalizeLvmUuid(s: string): string {
  return s.replace(/-/gu, '');
}
