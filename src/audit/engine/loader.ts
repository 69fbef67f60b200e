/**
 * Rule files: YAML parsed with node positions kept, validated with the zod schema, and every
 * problem reported as "FILE:LINE:COL: path.to.field: message" at the YAML node at fault.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { GuestguardError } from '../../errors.js';
import { PolicyError } from './policy-error.js';
import { policyFileSchema, type Override, type ProfileMeta, type Rule } from './schema.js';

/** A rule file larger than this is not a policy. */
export const MAX_POLICY_BYTES = 4 * 1024 * 1024;
export { PolicyError };

/** A validated rule file. */
export interface LoadedPolicy {
  /** Where it came from: a host path as given, or "builtin:<id>.yaml". */
  file: string;
  profile: ProfileMeta;
  rules: Rule[];
  overrides: Override[];
  /** Rule id → "FILE:LINE:COL" of its id, for messages that name a rule's place (duplicates across files). */
  locations: Record<string, string>;
}

export async function loadPolicyFile(path: string): Promise<LoadedPolicy> {
  let text: string;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new PolicyError([`${path}: not a regular file`], { path });
    if (st.size > MAX_POLICY_BYTES) throw new PolicyError([`${path}: ${st.size} bytes is larger than the ${MAX_POLICY_BYTES}-byte limit for policy files`], { path });
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof GuestguardError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new GuestguardError(e.code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', `cannot read policy file ${path}: ${e.message}`, { path });
  }
  return parsePolicy(text, path);
}

type Seg = string | number;

export function parsePolicy(text: string, fileName: string): LoadedPolicy {
  if (text.length > MAX_POLICY_BYTES) throw new PolicyError([`${fileName}: larger than the ${MAX_POLICY_BYTES}-byte limit for policy files`], { path: fileName });
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const p = lc.linePos(offset);
    return `${fileName}:${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) {
    throw new PolicyError(
      doc.errors.map((e) => `${at(e.pos[0])}: ${e.message.split('\n')[0]}`),
      { path: fileName },
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PolicyError([`${at(0)}: ${(err as Error).message}`], { path: fileName });
  }
  const r = policyFileSchema.safeParse(data ?? {});
  if (!r.success) {
    // Listed in file order, whatever order the schema found them in.
    const found: { offset: number; text: string }[] = [];
    for (const i of r.error.issues) {
      const path = i.path as Seg[];
      if (i.code === 'unrecognized_keys') {
        for (const k of i.keys) {
          const offset = locate(doc, [...path, k], true);
          found.push({ offset, text: `${at(offset)}: ${formatPath([...path, k])}: unknown key "${k}"` });
        }
        continue;
      }
      const onKey = i.code === 'custom' && (i.params as { at?: string } | undefined)?.at === 'key';
      const offset = locate(doc, path, onKey);
      found.push({ offset, text: `${at(offset)}: ${formatPath(path) || '(file)'}: ${i.message}` });
    }
    found.sort((a, b) => a.offset - b.offset);
    throw new PolicyError(
      found.map((f) => f.text),
      { path: fileName },
    );
  }
  const locations: Record<string, string> = {};
  r.data.rules.forEach((rule, i) => (locations[rule.id] = at(locate(doc, ['rules', i, 'id']))));
  return { file: fileName, profile: r.data.profile, rules: r.data.rules, overrides: r.data.overrides, locations };
}

/** "rules[3].check.sshd.op". */
export function formatPath(path: readonly Seg[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/**
 * Offset of the YAML node a zod path names: the deepest node that exists along it (a missing
 * field points at the map that lacks it, a field whose value is empty at its key). With
 * `onKey`, the last step's key is the place (an unknown key points at the key itself).
 */
function locate(doc: Document, path: readonly Seg[], onKey = false): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) break;
      const keyAt = rangeStart(pair.key) ?? offset;
      const valueAt = rangeStart(pair.value);
      offset = valueAt === undefined || (onKey && i === path.length - 1) ? keyAt : valueAt;
      node = pair.value;
      if (valueAt === undefined) break;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(item) ?? offset;
    } else break;
  }
  return offset;
}

function rangeStart(n: unknown): number | undefined {
  const r = (n as Node | null | undefined)?.range;
  return Array.isArray(r) ? r[0] : undefined;
}
