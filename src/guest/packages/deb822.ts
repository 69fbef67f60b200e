/**
 * deb822 control paragraphs (dpkg's status file and friends): "Field: value" lines,
 * continuation lines starting with a space or tab, paragraphs separated by blank lines.
 */
import { dbError, LIMITS, warn } from './types.js';

/** Field names are case-insensitive in deb822; keys are stored lower-cased. */
export type Paragraph = Map<string, string>;

export function parseDeb822(text: string, name = 'control file'): { paragraphs: Paragraph[]; warnings: string[] } {
  const paragraphs: Paragraph[] = [];
  const warnings: string[] = [];
  let current: Paragraph | undefined;
  let lastKey: string | undefined;
  let lineNo = 0;
  for (const rawLine of text.split('\n')) {
    lineNo++;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') {
      if (current) paragraphs.push(current);
      current = undefined;
      lastKey = undefined;
      if (paragraphs.length > LIMITS.packages) throw dbError('LIMIT_EXCEEDED', `${name} has more than ${LIMITS.packages} paragraphs`);
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current && lastKey !== undefined) current.set(lastKey, `${current.get(lastKey)}\n${line.slice(1)}`);
      else warn(warnings, `${name}:${lineNo}: continuation line outside a field`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      warn(warnings, `${name}:${lineNo}: not a "Field: value" line`);
      continue;
    }
    current ??= new Map();
    lastKey = line.slice(0, colon).trim().toLowerCase();
    current.set(lastKey, line.slice(colon + 1).trim());
  }
  if (current) paragraphs.push(current);
  return { paragraphs, warnings };
}
