/**
 * Parser for the LVM2 config text format used by VG metadata:
 *
 *   name { key = value  section { ... } }     # comments to end of line
 *
 * Values are strings ("..." with \" and \\ escapes), numbers, or [arrays] of those. Input
 * size, nesting depth and node count are bounded; keys live in Maps so no key can reach
 * Object.prototype.
 */
import { VolumeError } from '../../errors.js';

export type ConfigScalar = string | number;
export type ConfigValue = ConfigScalar | ConfigScalar[];

export class ConfigSection {
  readonly values = new Map<string, ConfigValue>();
  readonly sections = new Map<string, ConfigSection>();
  constructor(readonly name: string) {}

  str(key: string): string | undefined {
    const v = this.values.get(key);
    return typeof v === 'string' ? v : undefined;
  }
  num(key: string): number | undefined {
    const v = this.values.get(key);
    return typeof v === 'number' ? v : undefined;
  }
  arr(key: string): ConfigScalar[] | undefined {
    const v = this.values.get(key);
    return Array.isArray(v) ? v : undefined;
  }
  section(key: string): ConfigSection | undefined {
    return this.sections.get(key);
  }
}

export interface ConfigLimits {
  maxBytes?: number;
  maxDepth?: number;
  /** Total values + sections + array elements. */
  maxNodes?: number;
}

const DEFAULTS = { maxBytes: 16 << 20, maxDepth: 32, maxNodes: 1_000_000 };

function isIdentChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    c === 0x5f || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x2f || c === 0x40
  );
}

class Parser {
  private pos = 0;
  private nodes = 0;
  constructor(
    private readonly s: string,
    private readonly where: string,
    private readonly maxDepth: number,
    private readonly maxNodes: number,
  ) {}

  fail(message: string): never {
    throw new VolumeError('CORRUPT_VOLUME', `${message} (line ${this.line()})`, { structure: this.where, offset: this.pos });
  }

  private line(): number {
    let n = 1;
    for (let i = 0; i < this.pos && i < this.s.length; i++) if (this.s.charCodeAt(i) === 10) n++;
    return n;
  }

  private count(): void {
    if (++this.nodes > this.maxNodes) this.fail(`more than ${this.maxNodes} nodes`);
  }

  private skip(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x23) {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl + 1;
      } else if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  private ident(): string {
    const start = this.pos;
    while (this.pos < this.s.length && isIdentChar(this.s.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) this.fail(`expected a name, found ${JSON.stringify(this.s.slice(this.pos, this.pos + 10))}`);
    return this.s.slice(start, this.pos);
  }

  parseBody(section: ConfigSection, depth: number, closing: boolean): void {
    for (;;) {
      this.skip();
      if (this.pos >= this.s.length) {
        if (closing) this.fail(`unterminated section "${section.name}"`);
        return;
      }
      if (this.s[this.pos] === '}') {
        if (!closing) this.fail('unexpected "}"');
        this.pos++;
        return;
      }
      const key = this.ident();
      this.skip();
      const c = this.s[this.pos];
      this.count();
      if (c === '{') {
        if (depth + 1 > this.maxDepth) this.fail(`sections nested deeper than ${this.maxDepth}`);
        this.pos++;
        const child = new ConfigSection(key);
        this.parseBody(child, depth + 1, true);
        section.sections.set(key, child);
      } else if (c === '=') {
        this.pos++;
        this.skip();
        section.values.set(key, this.value());
      } else {
        this.fail(`expected "=" or "{" after "${key}"`);
      }
    }
  }

  private value(): ConfigValue {
    if (this.s[this.pos] === '[') {
      this.pos++;
      const out: ConfigScalar[] = [];
      for (;;) {
        this.skip();
        if (this.s[this.pos] === ']') {
          this.pos++;
          return out;
        }
        if (out.length > 0) {
          if (this.s[this.pos] !== ',') this.fail('expected "," or "]" in array');
          this.pos++;
          this.skip();
        }
        this.count();
        out.push(this.scalar());
      }
    }
    return this.scalar();
  }

  private scalar(): ConfigScalar {
    const s = this.s;
    if (this.pos >= s.length) this.fail('unexpected end of text');
    if (s[this.pos] === '"') {
      this.pos++;
      let out = '';
      for (;;) {
        if (this.pos >= s.length) this.fail('unterminated string');
        const ch = s[this.pos]!;
        if (ch === '"') {
          this.pos++;
          return out;
        }
        if (ch === '\\' && this.pos + 1 < s.length) {
          out += s[this.pos + 1];
          this.pos += 2;
        } else {
          out += ch;
          this.pos++;
        }
      }
    }
    const m = /^[-+]?[0-9]+(\.[0-9]+)?/u.exec(s.slice(this.pos, this.pos + 40));
    if (!m) this.fail(`expected a value, found ${JSON.stringify(s.slice(this.pos, this.pos + 10))}`);
    this.pos += m[0].length;
    const n = Number(m[0]);
    if (!m[1] && !Number.isSafeInteger(n)) this.fail(`number ${m[0]} is too large`);
    return n;
  }
}

/** Parses LVM config text into a root section (named ""). */
export function parseLvmConfig(text: string, where = 'LVM2 metadata', limits: ConfigLimits = {}): ConfigSection {
  const maxBytes = limits.maxBytes ?? DEFAULTS.maxBytes;
  if (text.length > maxBytes) {
    throw new VolumeError('LIMIT_EXCEEDED', `metadata text of ${text.length} bytes exceeds ${maxBytes}`, { structure: where });
  }
  const root = new ConfigSection('');
  new Parser(text, where, limits.maxDepth ?? DEFAULTS.maxDepth, limits.maxNodes ?? DEFAULTS.maxNodes).parseBody(root, 0, false);
  return root;
}
