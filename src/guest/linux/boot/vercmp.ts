/**
 * rpmvercmp(3)-style comparison: runs of digits compare numerically, runs of letters
 * lexically, "~" sorts before anything (pre-releases), separators only split segments. Used to
 * order boot entries and kernels newest first, as GRUB's blscfg and systemd-boot do.
 */
export function vercmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  // Bounded by the string lengths: every iteration consumes at least one character.
  while (i < a.length || j < b.length) {
    while (i < a.length && !/[A-Za-z0-9~^]/.test(a[i]!)) i++;
    while (j < b.length && !/[A-Za-z0-9~^]/.test(b[j]!)) j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const digit = /[0-9]/.test(a[i]!);
    const re = digit ? /[0-9]/ : /[A-Za-z]/;
    let ie = i;
    let je = j;
    while (ie < a.length && re.test(a[ie]!)) ie++;
    while (je < b.length && re.test(b[je]!)) je++;
    const sa = a.slice(i, ie);
    const sb = b.slice(j, je);
    if (sb === '') return digit ? 1 : -1;
    if (digit) {
      const na = sa.replace(/^0+/, '');
      const nb = sb.replace(/^0+/, '');
      if (na.length !== nb.length) return na.length > nb.length ? 1 : -1;
      if (na !== nb) return na > nb ? 1 : -1;
    } else if (sa !== sb) return sa > sb ? 1 : -1;
    i = ie;
    j = je;
  }
  const ra = a.length - i;
  const rb = b.length - j;
  if (ra === 0 && rb === 0) return 0;
  return ra > rb ? 1 : -1;
}
