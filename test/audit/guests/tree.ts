/** Small helpers to edit a guest tree on the host (as root, for owners and modes). */
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes a file under `root`, creating directories; mode and owner optional. */
export function put(root: string, path: string, content: string, mode = 0o644, owner?: [number, number]): void {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  rmSync(p, { force: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
  if (owner) chownSync(p, owner[0], owner[1]);
}

export function read(root: string, path: string): string {
  const p = join(root, path);
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

export function append(root: string, path: string, text: string): void {
  appendFileSync(join(root, path), text);
}

/** Replaces a regex in a guest file; throws when it does not match, so a changed default is noticed. */
export function edit(root: string, path: string, re: RegExp, by: string): void {
  const before = read(root, path);
  if (!re.test(before)) throw new Error(`${path}: ${re} not found`);
  writeFileSync(join(root, path), before.replace(re, by));
}

export function chmod(root: string, path: string, mode: number): void {
  chmodSync(join(root, path), mode);
}

export function chown(root: string, path: string, uid: number, gid: number): void {
  chownSync(join(root, path), uid, gid);
}

export function link(root: string, target: string, path: string): void {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  rmSync(p, { force: true, recursive: true });
  symlinkSync(target, p);
}
