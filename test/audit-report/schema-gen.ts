/**
 * Generates docs/profile.schema.json (JSON Schema 2020-12) from the report types in
 * src/audit/engine/types.ts, with their doc comments as descriptions, plus the value
 * constraints a TypeScript type cannot say (integer counts, score range, id pattern, date-time).
 * The types stay the single source of truth: schema.test.ts fails when the committed schema
 * differs from what they generate (regenerate with GUESTGUARD_UPDATE_SCHEMA=1).
 *
 * It lives under test/ because it needs the TypeScript compiler, a dev dependency.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../helpers/fixtures.js';

export const PROFILE_SCHEMA_PATH = join(REPO_ROOT, 'docs', 'profile.schema.json');
const TYPES_FILE = join(REPO_ROOT, 'src', 'audit', 'engine', 'types.ts');
const ROOT_TYPE = 'ProfileReport';

export type JsonSchema = { [k: string]: unknown };

const COUNT = { type: 'integer', minimum: 0 };
const ID = { pattern: '^[a-z0-9][a-z0-9_.-]*$' };

/** Constraints by "$defs name" → property (or "*" for every property of that object). */
const REFINE: Record<string, Record<string, JsonSchema>> = {
  ProfileReport: { generator: { minLength: 1 }, generated_at: { format: 'date-time' }, images: { minItems: 1 } },
  StatusCounts: { '*': COUNT },
  Summary: { score: { type: 'integer', minimum: 0, maximum: 100 } },
  'Summary.failed_by_severity': { '*': COUNT },
  ProfileSummary: { id: ID, rules: COUNT, score: { type: 'integer', minimum: 0, maximum: 100 } },
  'ProfileSummary.failed_by_severity': { '*': COUNT },
  Finding: { rule_id: ID, profile: ID },
  Evidence: { line: { type: 'integer', minimum: 1 } },
  OsProfileResult: { major_version: { type: 'integer', minimum: 0 }, minor_version: { type: 'integer', minimum: 0 } },
};
/** Object-level constraints. */
const REFINE_OBJECT: Record<string, JsonSchema> = {
  Evidence: { minProperties: 1 },
};

export function generateProfileSchema(): JsonSchema {
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
  const rootSymbol = (moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []).find((s) => s.name === ROOT_TYPE);
  if (!rootSymbol) throw new Error(`${ROOT_TYPE} is not exported from ${TYPES_FILE}`);

  const gen = new SchemaGenerator(checker);
  const root = gen.object(checker.getDeclaredTypeOfSymbol(rootSymbol), ROOT_TYPE);
  const description = [docOf(checker, rootSymbol), 'Output of `guestguard profile --format json` (schema_version 1). Score formula: docs/profile.md.'].filter(Boolean).join(' ');
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:guestguard:profile-report:1',
    title: 'guestguard profile report',
    description,
    ...root,
    $defs: Object.fromEntries([...gen.defs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}

function docOf(checker: ts.TypeChecker, sym: ts.Symbol): string {
  return ts.displayPartsToString(sym.getDocumentationComment(checker)).replace(/\s*\n\s*/g, ' ').trim();
}

class SchemaGenerator {
  readonly defs = new Map<string, JsonSchema>();
  private readonly named = new Map<ts.Type, string>();

  constructor(private readonly checker: ts.TypeChecker) {}

  /** `where` names the object being built ("Summary", "Summary.failed_by_severity") for REFINE. */
  schema(type: ts.Type, where: string): JsonSchema {
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) throw new Error(`the report must not contain any/unknown (${where})`);
    if (f & ts.TypeFlags.String) return { type: 'string' };
    if (f & ts.TypeFlags.Number) return { type: 'number' };
    if (f & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (f & ts.TypeFlags.Null) return { type: 'null' };
    if (type.isStringLiteral() || type.isNumberLiteral()) return { const: type.value };
    if (type.isUnion()) return this.ref(type) ?? this.union(type, where);
    if (this.checker.isArrayType(type)) {
      const [item] = this.checker.getTypeArguments(type as ts.TypeReference);
      return { type: 'array', items: this.schema(item!, where) };
    }
    if (f & ts.TypeFlags.Object) return this.ref(type) ?? this.object(type, where);
    throw new Error(`unsupported type at ${where}: ${this.checker.typeToString(type)}`);
  }

  private union(type: ts.UnionType, where: string): JsonSchema {
    const members = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined));
    const nullable = members.some((t) => t.flags & ts.TypeFlags.Null);
    const rest = members.filter((t) => !(t.flags & ts.TypeFlags.Null));
    if (rest.every((t) => t.isStringLiteral())) {
      // Sorted: TypeScript's member order is not part of the contract.
      const values: (string | null)[] = rest.map((t) => (t as ts.StringLiteralType).value).sort();
      return { enum: nullable ? [...values, null] : values };
    }
    const schemas = rest.map((t) => this.schema(t, where));
    if (schemas.length === 1 && nullable && typeof schemas[0]!['type'] === 'string' && Object.keys(schemas[0]!).length === 1) return { type: [schemas[0]!['type'], 'null'] };
    const all = nullable ? [...schemas, { type: 'null' }] : schemas;
    return all.length === 1 ? all[0]! : { anyOf: all };
  }

  /** Interfaces and named aliases (Severity, FindingStatus) become $defs; generic helpers (Record) stay inline. */
  private ref(type: ts.Type): JsonSchema | undefined {
    const sym = type.aliasSymbol ?? type.getSymbol();
    if (!sym || sym.name === '__type' || sym.name === '__object') return undefined;
    if (!type.aliasSymbol && !(sym.flags & ts.SymbolFlags.Interface)) return undefined;
    if (type.aliasSymbol && (type.aliasTypeArguments?.length ?? 0) > 0) return undefined;
    let name = this.named.get(type);
    if (name === undefined) {
      name = sym.name;
      for (const [t, n] of this.named) if (n === name && t !== type) throw new Error(`two report types are both named ${name}`);
      this.named.set(type, name);
      this.defs.set(name, {});
      const s = type.isUnion() ? this.union(type, name) : this.object(type, name);
      const d = docOf(this.checker, sym);
      this.defs.set(name, d ? { description: d, ...s } : s);
    }
    return { $ref: `#/$defs/${name}` };
  }

  /**
   * A property written with a named string-literal union (`severity: Severity`) refers to
   * $defs/Severity. Needed because `(typeof SEVERITIES)[number]` leaves no alias on the type.
   */
  private aliasRef(decl: ts.Declaration | undefined): JsonSchema | undefined {
    if (!decl || !ts.isPropertySignature(decl) || !decl.type || !ts.isTypeReferenceNode(decl.type)) return undefined;
    const sym = this.checker.getSymbolAtLocation(decl.type.typeName);
    const alias = sym && sym.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(sym) : sym;
    if (!alias || !(alias.flags & ts.SymbolFlags.TypeAlias)) return undefined;
    const type = this.checker.getDeclaredTypeOfSymbol(alias);
    if (!type.isUnion() || !type.types.every((t) => t.isStringLiteral())) return undefined;
    if (!this.defs.has(alias.name)) {
      const d = docOf(this.checker, alias);
      const s = this.union(type, alias.name);
      this.defs.set(alias.name, d ? { description: d, ...s } : s);
    }
    return { $ref: `#/$defs/${alias.name}` };
  }

  object(type: ts.Type, where: string): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    const refine = REFINE[where] ?? {};
    for (const prop of this.checker.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      const propType = decl ? this.checker.getTypeOfSymbolAtLocation(prop, decl) : this.checker.getTypeOfSymbol(prop);
      const d = docOf(this.checker, prop);
      const s = { ...(this.aliasRef(decl) ?? this.schema(propType, `${where}.${prop.name}`)), ...refine['*'], ...refine[prop.name] };
      properties[prop.name] = d ? { description: d, ...s } : s;
      if (!(prop.flags & ts.SymbolFlags.Optional)) required.push(prop.name);
    }
    for (const key of Object.keys(refine)) if (key !== '*' && !(key in properties)) throw new Error(`REFINE names ${where}.${key}, which the types do not have`);
    if (this.checker.getIndexInfoOfType(type, ts.IndexKind.String)) throw new Error(`open-ended object at ${where}: the report has fixed keys only`);
    const out: JsonSchema = { type: 'object', properties, required, additionalProperties: false, ...REFINE_OBJECT[where] };
    if (required.length === 0) delete out['required'];
    return out;
  }
}
