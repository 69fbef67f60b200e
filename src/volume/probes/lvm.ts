/** LVM2 physical volume label ("LABELONE" ... "LVM2 001" in one of sectors 0–3). */
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { findPvLabel } from '../lvm/label.js';

export async function probeLvm(r: ProbeReader): Promise<ContentProbe | undefined> {
  const head = await r.read(0, 2048);
  if (!head) return undefined;
  const label = findPvLabel(head);
  if (!label) return undefined;
  return { fs: 'LVM2_member', uuid: label.pvUuid, details: { version: 'LVM2 001' } };
}
