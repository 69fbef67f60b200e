/**
 * A small JSON Schema (2020-12) validator for the keywords docs/inspection.schema.json uses.
 * A keyword it does not know is an error, never silently ignored, so a schema it accepts is
 * really checked.
 */
import type { JsonSchema } from './schema-gen.js';

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const ASSERTIONS = new Set(['type', 'const', 'enum', 'anyOf', 'oneOf', '$ref', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems']);

export interface SchemaError {
  path: string;
  message: string;
}

export function validate(schema: JsonSchema, value: unknown, maxErrors = 20): SchemaError[] {
  const errors: SchemaError[] = [];
  check(schema, schema, value, '', errors, maxErrors);
  return errors;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const got = typeOf(v);
  return want === got || (want === 'number' && got === 'integer');
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
  const defs = root['$defs'] as Record<string, JsonSchema> | undefined;
  const target = m ? defs?.[m[1]!] : undefined;
  if (!target) throw new Error(`unresolvable $ref ${ref}`);
  return target;
}

function check(root: JsonSchema, s: JsonSchema, v: unknown, path: string, errors: SchemaError[], max: number): void {
  if (errors.length >= max) return;
  for (const k of Object.keys(s)) if (!ANNOTATIONS.has(k) && !ASSERTIONS.has(k)) throw new Error(`schema keyword "${k}" at ${path || '/'} is not supported by this validator`);
  const fail = (message: string) => errors.push({ path: path || '/', message });

  if (s['$ref'] !== undefined) check(root, resolveRef(root, s['$ref'] as string), v, path, errors, max);
  if (s['type'] !== undefined) {
    const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
    if (!types.some((t) => typeMatches(t, v))) return void fail(`expected ${types.join(' or ')}, got ${typeOf(v)}`);
  }
  if ('const' in s && v !== s['const']) fail(`expected ${JSON.stringify(s['const'])}, got ${JSON.stringify(v)}`);
  if (s['enum'] !== undefined && !(s['enum'] as unknown[]).includes(v as never)) fail(`${JSON.stringify(v)} is not one of ${JSON.stringify(s['enum'])}`);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = s[key] as JsonSchema[] | undefined;
    if (!options) continue;
    const passing = options.filter((o) => {
      const e: SchemaError[] = [];
      check(root, o, v, path, e, 1);
      return e.length === 0;
    }).length;
    if (passing === 0 || (key === 'oneOf' && passing > 1)) {
      // Report the errors of the closest option to make failures readable.
      const tries = options.map((o) => {
        const e: SchemaError[] = [];
        check(root, o, v, path, e, max);
        return e;
      });
      const best = tries.reduce((a, b) => (b.length < a.length ? b : a));
      if (passing > 1) fail(`matches ${passing} oneOf alternatives`);
      else errors.push(...best.slice(0, max - errors.length));
    }
  }
  if (typeOf(v) === 'object') {
    const obj = v as Record<string, unknown>;
    const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
    for (const r of (s['required'] ?? []) as string[]) if (!(r in obj)) fail(`missing required property "${r}"`);
    for (const [k, val] of Object.entries(obj)) {
      const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (props[k]) check(root, props[k]!, val, p, errors, max);
      else if (s['additionalProperties'] === false) errors.push({ path: p, message: 'property not allowed by the schema' });
      else if (typeof s['additionalProperties'] === 'object') check(root, s['additionalProperties'] as JsonSchema, val, p, errors, max);
    }
  }
  if (Array.isArray(v)) {
    const prefix = (s['prefixItems'] ?? []) as JsonSchema[];
    if (s['minItems'] !== undefined && v.length < (s['minItems'] as number)) fail(`fewer than ${s['minItems']} items`);
    if (s['maxItems'] !== undefined && v.length > (s['maxItems'] as number)) fail(`more than ${s['maxItems']} items`);
    v.forEach((item, i) => {
      const itemSchema = i < prefix.length ? prefix[i] : (s['items'] as JsonSchema | undefined);
      if (itemSchema) check(root, itemSchema, item, `${path}/${i}`, errors, max);
    });
  }
}
