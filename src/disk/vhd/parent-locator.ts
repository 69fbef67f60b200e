/**
 * Parent locators of a differencing VHD: turns the platform-specific entries (Windows UTF-16
 * absolute/relative paths, Mac OS X file URLs, deprecated ANSI paths) into names that
 * ImageContext.openBacking can resolve on this host, in the order they should be tried.
 */
import type { HostFile } from '../host-file.js';
import { latin1 } from '../../util/binary.js';
import type { DynamicHeader } from './dynamic-header.js';

/** Longest locator payload read (a Windows long path is at most 32 767 UTF-16 units). */
const MAX_LOCATOR_BYTES = 65536;

/** Reads each locator's payload and decodes it; unreadable or undecodable ones are skipped. */
export async function readLocatorPaths(file: HostFile, header: DynamicHeader): Promise<string[]> {
  const out: string[] = [];
  for (const loc of header.locators) {
    if (loc.dataLength === 0 || loc.dataLength > MAX_LOCATOR_BYTES) continue;
    if (loc.dataOffset + loc.dataLength > file.size) continue;
    const raw = await file.read(loc.dataOffset, loc.dataLength, `VHD parent locator ${loc.code}`);
    const path = decodeLocator(loc.code, raw);
    if (path) out.push(path);
  }
  return out;
}

export function decodeLocator(code: string, raw: Uint8Array): string | undefined {
  let s: string;
  switch (code) {
    case 'W2ku':
    case 'W2ru':
      s = new TextDecoder('utf-16le').decode(raw.subarray(0, raw.length & ~1));
      break;
    case 'Wi2k':
    case 'Wi2r':
      s = latin1(raw);
      break;
    case 'MacX':
      s = fileUrlToPath(new TextDecoder().decode(raw).replace(/\0+$/, '')) ?? '';
      break;
    default:
      return undefined; // "Mac " aliases are opaque Carbon records
  }
  s = s.replace(/\0.*$/s, '');
  return s.length > 0 ? s : undefined;
}

function fileUrlToPath(url: string): string | undefined {
  const m = /^file:\/\/(?:localhost)?(\/.*)$/i.exec(url);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

/** Windows path → the form this host can look up: forward slashes, no "\\?\" or ".\" prefix. */
function hostForm(p: string): string {
  let s = p.replace(/^\\\\\?\\/, '').replace(/\\/g, '/');
  if (s.startsWith('./')) s = s.slice(2);
  return s;
}

function baseName(p: string): string {
  const s = hostForm(p);
  return s.slice(s.lastIndexOf('/') + 1);
}

/**
 * Names to try, in order: each locator as stored (relative paths resolve against the child's
 * folder), then the header's parent file name, then the bare file names of all of them (a
 * parent moved next to its child, or found through --backing-dir).
 */
export function parentCandidates(locatorPaths: string[], parentName: string): string[] {
  const all = [...locatorPaths.map(hostForm), ...(parentName ? [hostForm(parentName)] : [])];
  const names = [...all, ...all.map(baseName)].filter((s) => s.length > 0 && !s.endsWith('/'));
  return [...new Set(names)];
}
