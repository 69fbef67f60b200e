/** The machine type of a Windows PE image (ntoskrnl.exe, kernel32.dll) gives the OS architecture. */
import type { GuestFileSystem } from '../../fs/vfs.js';
import type { WindowsArch } from './types.js';

const MACHINES: Record<number, WindowsArch> = {
  0x014c: 'i386',
  0x8664: 'x86_64',
  0xaa64: 'aarch64',
  0x01c4: 'arm', // ARMNT (Windows RT)
  0x0200: 'ia64',
};

/** Largest e_lfanew accepted: real images put the PE header within the first few hundred bytes. */
const MAX_LFANEW = 64 * 1024;

/** The "MZ" header points (e_lfanew at 0x3c) at "PE\0\0" followed by the COFF machine field. */
export function peMachine(head: Uint8Array): number | undefined {
  if (head.length < 0x40 || head[0] !== 0x4d || head[1] !== 0x5a) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const lfanew = dv.getUint32(0x3c, true);
  if (lfanew < 0x40 || lfanew + 6 > head.length) return undefined;
  if (dv.getUint32(lfanew, false) !== 0x50450000) return undefined;
  return dv.getUint16(lfanew + 4, true);
}

export function machineArch(machine: number): WindowsArch | undefined {
  return MACHINES[machine];
}

/** What a first read takes: enough for the PE header of every real image (e_lfanew is a few hundred). */
const FIRST_READ = 4096;

/** Architecture of a PE file in the guest, or undefined when it is not a recognisable PE image. */
export async function peArch(view: GuestFileSystem, path: string): Promise<WindowsArch | undefined> {
  const r = await view.resolve(path, true);
  const st = await r.mount.fs.stat(r.node);
  if (st.type !== 'file') return undefined;
  const want = Math.min(st.size, MAX_LFANEW + 8);
  const readHead = async (n: number): Promise<Uint8Array> => {
    const chunks: Uint8Array[] = [];
    let got = 0;
    while (got < n) {
      const c = await r.mount.fs.read(r.node, got, n - got);
      if (c.length === 0) break;
      chunks.push(c);
      got += c.length;
    }
    if (chunks.length === 1) return chunks[0]!.subarray(0, got);
    const head = new Uint8Array(got);
    let at = 0;
    for (const c of chunks) {
      head.set(c.subarray(0, got - at), at);
      at += c.length;
    }
    return head;
  };
  // The header is nearly always in the first page; only an odd e_lfanew needs the rest.
  const first = await readHead(Math.min(want, FIRST_READ));
  let m = peMachine(first);
  if (m === undefined && want > first.length && first.length >= 0x40) {
    const lfanew = new DataView(first.buffer, first.byteOffset, first.byteLength).getUint32(0x3c, true);
    if (lfanew + 6 > first.length && lfanew + 6 <= want) m = peMachine(await readHead(want));
  }
  return m === undefined ? undefined : machineArch(m);
}
