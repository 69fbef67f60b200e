/**
 * Generates docs/inspection.schema.json from the TypeScript types of the report
 * (src/guest/inspect/types.ts and the section types it references), with the types' doc
 * comments as descriptions. The types are the single source of truth; schema.test.ts fails
 * when the committed schema differs from what they generate (regenerate with
 * GUESTGUARD_UPDATE_SCHEMA=1 npx vitest run test/inspect/schema.test.ts).
 */
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../helpers/fixtures.js';

export const SCHEMA_PATH = join(REPO_ROOT, 'docs', 'inspection.schema.json');
const TYPES_FILE = join(REPO_ROOT, 'src', 'guest', 'inspect', 'types.ts');

export type JsonSchema = { [k: string]: unknown };

export function generateInspectionSchema(): JsonSchema {
  const program = ts.createProgram([TYPES_FILE], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(TYPES_FILE);
  if (!source) throw new Error(`cannot load ${TYPES_FILE}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const exported = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  const rootSymbol = exported.find((s) => s.name === 'InspectionReport');
  if (!rootSymbol) throw new Error('InspectionReport is not exported from types.ts');

  const gen = new Generator(checker);
  const root = gen.objectSchema(checker.getDeclaredTypeOfSymbol(rootSymbol));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:guestguard:inspection-report:1',
    title: 'guestguard inspection report',
    description: [doc(checker, rootSymbol), 'Output of `guestguard inspect --format json` (schema_version 1).'].filter(Boolean).join(' '),
    ...root,
    $defs: Object.fromEntries([...gen.defs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}

function doc(checker: ts.TypeChecker, sym: ts.Symbol): string {
  return ts.displayPartsToString(sym.getDocumentationComment(checker)).replace(/\s*\n\s*/g, ' ').trim();
}

class Generator {
  readonly defs = new Map<string, JsonSchema>();
  /** Named type → the $defs name given to it (names are unique; a clash is an error, not a guess). */
  private readonly names = new Map<ts.Type, string>();

  constructor(private readonly checker: ts.TypeChecker) {}

  schema(type: ts.Type): JsonSchema {
    const f = type.flags;
    if (f & ts.TypeFlags.Any || f & ts.TypeFlags.Unknown) throw new Error(`the report must not contain any/unknown (${this.checker.typeToString(type)})`);
    if (f & ts.TypeFlags.String) return { type: 'string' };
    if (f & ts.TypeFlags.Number) return { type: 'number' };
    if (f & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (f & ts.TypeFlags.Null) return { type: 'null' };
    if (type.isStringLiteral()) return { const: type.value };
    if (type.isNumberLiteral()) return { const: type.value };
    if (f & ts.TypeFlags.BooleanLiteral) return { const: this.checker.typeToString(type) === 'true' };
    if (type.isUnion()) return this.union(type.types);
    if (this.checker.isTupleType(type)) {
      const items = this.checker.getTypeArguments(type as ts.TypeReference).map((t) => this.schema(t));
      return { type: 'array', prefixItems: items, minItems: items.length, maxItems: items.length };
    }
    if (this.checker.isArrayType(type)) {
      const [item] = this.checker.getTypeArguments(type as ts.TypeReference);
      return { type: 'array', items: this.schema(item!) };
    }
    if (f & ts.TypeFlags.Object || type.isIntersection()) return this.named(type) ?? this.objectSchema(type);
    throw new Error(`unsupported type in the report: ${this.checker.typeToString(type)}`);
  }

  private union(members: ts.Type[]): JsonSchema {
    let types = members.filter((t) => !(t.flags & ts.TypeFlags.Undefined));
    const hasNull = types.some((t) => t.flags & ts.TypeFlags.Null);
    types = types.filter((t) => !(t.flags & ts.TypeFlags.Null));
    const bools = types.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
    const schemas: JsonSchema[] = bools.length === 2 ? [{ type: 'boolean' }] : bools.map((t) => this.schema(t));
    schemas.unshift(...types.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral)).map((t) => this.schema(t)));
    if (schemas.length > 0 && schemas.every((s) => 'const' in s && Object.keys(s).length === 1)) {
      // Sorted: the order TypeScript keeps union members in is not part of the contract.
      const values = schemas.map((s) => s['const']).sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
      return { enum: hasNull ? [...values, null] : values };
    }
    if (schemas.length === 1) {
      const only = schemas[0]!;
      if (!hasNull) return only;
      if (typeof only['type'] === 'string' && Object.keys(only).length === 1) return { type: [only['type'], 'null'] };
      return { anyOf: [only, { type: 'null' }] };
    }
    return { anyOf: hasNull ? [...schemas, { type: 'null' }] : schemas };
  }

  /** Interfaces and aliased object types become $defs entries referenced by name. */
  private named(type: ts.Type): JsonSchema | undefined {
    const sym = type.aliasSymbol ?? type.getSymbol();
    if (!sym || sym.name === '__type' || sym.name === '__object' || (!type.aliasSymbol && !(sym.flags & ts.SymbolFlags.Interface))) return undefined;
    // Generic library helpers (Record, Partial, ...) are structural, not names of report parts.
    if (type.aliasSymbol && type.aliasTypeArguments && type.aliasTypeArguments.length > 0) return undefined;
    let name = this.names.get(type);
    if (name === undefined) {
      name = sym.name;
      for (const [t, n] of this.names) if (n === name && t !== type) throw new Error(`two different report types are both named ${name}`);
      this.names.set(type, name);
      this.defs.set(name, {}); // placeholder: recursive types refer to it while it is built
      const s = this.objectSchema(type);
      const d = doc(this.checker, sym);
      this.defs.set(name, d ? { description: d, ...s } : s);
    }
    return { $ref: `#/$defs/${name}` };
  }

  objectSchema(type: ts.Type): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const prop of this.checker.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      const propType = decl ? this.checker.getTypeOfSymbolAtLocation(prop, decl) : this.checker.getTypeOfSymbol(prop);
      const s = this.schema(propType);
      const d = doc(this.checker, prop);
      properties[prop.name] = d ? { description: d, ...s } : s;
      if (!(prop.flags & ts.SymbolFlags.Optional)) required.push(prop.name);
    }
    const index = this.checker.getIndexInfoOfType(type, ts.IndexKind.String);
    const out: JsonSchema = { type: 'object' };
    if (Object.keys(properties).length > 0) out['properties'] = properties;
    if (required.length > 0) out['required'] = required;
    out['additionalProperties'] = index ? this.schema(index.type) : false;
    return out;
  }
}
