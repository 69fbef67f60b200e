/** Test helpers: which processes descend from this one (to prove sandboxes leave nothing behind). */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  cmd: string;
}

function readAll(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(e), ppid, cmd });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Every live descendant of `root` (default: this process), zombies included. */
export function descendants(root = process.pid): ProcInfo[] {
  const all = readAll();
  const kids = new Map<number, ProcInfo[]>();
  for (const p of all) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const c of kids.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

/** Descendants that belong to sandboxes (the launch chain, bwrap, the warm supervisor). */
export function sandboxProcesses(root = process.pid): ProcInfo[] {
  return descendants(root).filter((p) => /bwrap|guestguard-launch|setpriv|prlimit/.test(p.cmd));
}

/** True when the process exists (zombies count as gone: they hold no resources but a pid). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
