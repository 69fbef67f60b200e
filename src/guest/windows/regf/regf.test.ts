/**
 * The hive reader against real hives written by hivex (hivexregedit --merge into a minimal
 * empty hive), then re-laid out into the structures Windows writes and hivex does not (ri index
 * roots over lh/lf/li leaves, lf and li lists, db big-data records). hivexregedit --export and
 * hivexget are the oracles: every key and every value's type and bytes must match.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool } from '../../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../../errors.js';
import {
  HiveEditor,
  emptyHive,
  fixChecksum,
  hivexExport,
  hivexGet,
  hivexMerge,
  regFile,
  seededBytes,
  specBytes,
  toBigData,
  toIndexRoot,
  toLeafKind,
  type OracleValue,
  type RegKeySpec,
} from './hive-testing.js';
import { Hive, RegistryError, RegistryKey, REG_QWORD, type RegData, type RegistryValue } from './index.js';

const HAVE_HIVEX = hasTool('hivexregedit') && hasTool('hivexget');
const UNICODE_KEY = 'Ünïcødé 日本 Key';
const BIG_STRING = 'Lorem ipsum dolor sit amet, ünïcødé 日本語 🎉 '.repeat(700);

function manyKeys(parent: string, n: number, prefix: string): RegKeySpec[] {
  return Array.from({ length: n }, (_, i) => ({ path: `${parent}\\${prefix}${String(i).padStart(4, '0')}`, values: [{ name: 'Index', dword: i }] }));
}

/** Everything the reader must handle, as hivexregedit input. */
function spec(): RegKeySpec[] {
  const deep = Array.from({ length: 40 }, (_, i) => `D${String(i + 1).padStart(2, '0')}`).join('\\');
  return [
    { path: '', values: [{ name: '', sz: 'root default' }] },
    {
      path: 'Types',
      values: [
        { name: '', sz: 'default value' },
        { name: 'String', sz: 'Hello, world' },
        { name: 'Empty', sz: '' },
        { name: 'Path', expand: '%SystemRoot%\\system32\\drivers' },
        { name: 'Multi', multi: ['one', 'two', 'drei', 'ünïcødé'] },
        { name: 'EmptyMulti', multi: [] },
        { name: 'Dword', dword: 0xdeadbeef },
        { name: 'Zero', dword: 0 },
        { name: 'BigEndian', dwordBE: 0x01020304 },
        { name: 'Qword', qword: 0x123456789abcdef0n },
        { name: 'Bin0', binary: new Uint8Array(0) },
        { name: 'Bin3', binary: new Uint8Array([1, 2, 3]) },
        { name: 'Bin4', binary: new Uint8Array([0xff, 0xfe, 0xfd, 0xfc]) },
        { name: 'Bin5', binary: new Uint8Array([1, 2, 3, 4, 5]) },
        { name: 'Bin300', binary: seededBytes(300, 3) },
        { name: 'None', none: new Uint8Array(0) },
        { name: 'NoneData', none: new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2]) },
        { name: 'Link', type: 6, bytes: Buffer.from('\\Registry\\Machine\\System\\ControlSet001', 'utf16le') },
        { name: 'ResourceList', type: 8, bytes: seededBytes(40, 8) },
        { name: 'Unknown', type: 0x1234, bytes: new Uint8Array([0xaa, 0xbb]) },
        { name: 'ShortDword', type: 4, bytes: new Uint8Array([1, 2, 3]) },
        { name: 'Quote"Back\\slash', sz: 'escaped name' },
        { name: 'Größe', sz: 'Latin-1 name' },
        { name: '名前', sz: 'Ünïcødé 日本 🎉 value' },
        { name: 'NoTerminator', type: 1, bytes: Buffer.from('abc', 'utf16le') },
      ],
    },
    {
      path: 'Big',
      values: [
        { name: 'Exact16344', binary: seededBytes(16344, 1) },
        { name: 'Over16345', binary: seededBytes(16345, 2) },
        { name: 'Big100k', binary: seededBytes(100_000, 4) },
        { name: 'LongString', sz: BIG_STRING },
        { name: 'CellOnly20000', binary: seededBytes(20_000, 5) },
      ],
    },
    ...manyKeys('Many', 1500, 'Sub'),
    ...manyKeys('ManyLi', 300, 'Li'),
    ...manyKeys('ManyLf', 200, 'Lf'),
    ...manyKeys('RiOfLf', 120, 'K'),
    ...manyKeys('SmallLi', 5, 'S'),
    { path: `${UNICODE_KEY}\\ñandú`, values: [{ name: 'Ключ', sz: 'значение' }] },
    { path: 'ÄÖÜ Latin1\\Größe' },
    { path: `Deep\\${deep}`, values: [{ name: 'Depth', dword: 40 }] },
    { path: 'ControlSet001\\Services\\Tcpip\\Parameters', values: [{ name: 'Hostname', sz: 'win-host' }] },
  ];
}

interface Fixture {
  plain: string;
  relaid: string;
  oracle: Map<string, Map<string, OracleValue>>;
}

/** Re-lays out the hivex hive: ri/lf/li subkey lists and db big data where Windows would have them. */
async function relayout(plainPath: string, outPath: string): Promise<void> {
  const hive = await Hive.open(readFileSync(plainPath));
  const ed = HiveEditor.load(plainPath);
  const nk = async (p: string) => (await hive.get(p))!.offset;
  toIndexRoot(ed, await nk('Many'), 400, 'lh');
  toIndexRoot(ed, await nk('ManyLi'), 100, 'li');
  toIndexRoot(ed, await nk('RiOfLf'), 50, 'lf');
  toLeafKind(ed, await nk('ManyLf'), 'lf');
  toLeafKind(ed, await nk('SmallLi'), 'li');
  const big = (await hive.get('Big'))!;
  for (const name of ['Over16345', 'Big100k', 'LongString']) toBigData(ed, (await big.value(name))!.offset);
  ed.save(outPath);
}

let fx: Fixture;

beforeAll(async () => {
  if (!HAVE_HIVEX) return;
  const dir = fixtureDir('regf-hives-v2', (d) => {
    const plain = join(d, 'plain.hive');
    writeFileSync(plain, emptyHive());
    hivexMerge(plain, regFile(spec()));
  });
  const plain = join(dir, 'plain.hive');
  const relaid = join(dir, 'relaid.hive');
  await relayout(plain, relaid);
  fx = { plain, relaid, oracle: hivexExport(relaid) };
});

/** Every key and value the reader sees, in the oracle's shape. */
async function readAll(hive: Hive): Promise<Map<string, Map<string, OracleValue>>> {
  const out = new Map<string, Map<string, OracleValue>>();
  for await (const key of hive.walk()) {
    const values = new Map<string, OracleValue>();
    for (const v of await key.values()) values.set(v.name, { type: v.type, bytes: v.raw });
    out.set(key.path, values);
  }
  return out;
}

function sig(ed: HiveEditor, rel: number): string {
  return ed.cellData(rel).toString('latin1', 0, 2);
}

describe.skipIf(!HAVE_HIVEX)('regf hive reader vs hivex', () => {
  it('the re-laid-out hive really uses ri, lf, li and db structures, and hivex reads it unchanged', async () => {
    const hive = await Hive.open(readFileSync(fx.relaid));
    const ed = HiveEditor.load(fx.relaid);
    const listSig = async (p: string) => sig(ed, ed.nkSubkeyList((await hive.get(p))!.offset));
    expect(await listSig('Many')).toBe('ri');
    expect(await listSig('ManyLi')).toBe('ri');
    expect(await listSig('RiOfLf')).toBe('ri');
    expect(await listSig('ManyLf')).toBe('lf');
    expect(await listSig('SmallLi')).toBe('li');
    expect(await listSig('Deep')).toBe('lh'); // untouched hivex lists stay lh
    const big = (await hive.get('Big'))!;
    for (const name of ['Over16345', 'Big100k', 'LongString']) {
      const vk = ed.cellData((await big.value(name))!.offset);
      expect(sig(ed, vk.readUInt32LE(8))).toBe('db');
    }
    // The structural rewrite changed no data, as hivex itself sees it.
    expect(fx.oracle).toEqual(hivexExport(fx.plain));
  });

  for (const which of ['plain', 'relaid'] as const) {
    it(`reads every key and value of the ${which} hive exactly as hivexregedit --export does`, async () => {
      const hive = await Hive.open(readFileSync(fx[which]));
      const mine = await readAll(hive);
      expect([...mine.keys()].sort()).toEqual([...fx.oracle.keys()].sort());
      for (const [path, values] of fx.oracle) {
        const got = mine.get(path)!;
        expect([...got.keys()].sort(), path).toEqual([...values.keys()].sort());
        for (const [name, v] of values) {
          const g = got.get(name)!;
          expect(g.type, `${path} ${name}`).toBe(v.type);
          expect(Buffer.from(g.bytes).equals(Buffer.from(v.bytes)), `${path} "${name}" data`).toBe(true);
        }
      }
      const expected = new Set(['']);
      for (const k of spec()) k.path.split('\\').forEach((_, i, parts) => expected.add(parts.slice(0, i + 1).join('\\')));
      expect(mine.size).toBe(expected.size);
      expect(hive.warnings).toEqual([]);
    });
  }

  it('matches the spec it was built from (types, bytes, and decoded data)', async () => {
    const hive = await Hive.open(readFileSync(fx.relaid));
    for (const k of spec()) {
      const key = await hive.get(k.path);
      expect(key, k.path).toBeDefined();
      for (const v of k.values ?? []) {
        const got = await key!.value(v.name);
        const want = specBytes(v);
        expect(got?.type).toBe(want.type);
        expect(Buffer.from(got!.raw).equals(Buffer.from(want.bytes)), `${k.path} ${v.name}`).toBe(true);
      }
    }
    const t = (await hive.get('Types'))!;
    const data = async (n: string): Promise<RegData> => (await t.value(n))!.data;
    expect(await data('String')).toEqual({ kind: 'string', value: 'Hello, world' });
    expect(await data('Empty')).toEqual({ kind: 'string', value: '' });
    expect(await data('Path')).toEqual({ kind: 'string', value: '%SystemRoot%\\system32\\drivers' });
    expect(await data('Multi')).toEqual({ kind: 'multi', value: ['one', 'two', 'drei', 'ünïcødé'] });
    expect(await data('EmptyMulti')).toEqual({ kind: 'multi', value: [] });
    expect(await data('Dword')).toEqual({ kind: 'dword', value: 0xdeadbeef });
    expect(await data('BigEndian')).toEqual({ kind: 'dword', value: 0x01020304 });
    expect(await data('Qword')).toEqual({ kind: 'qword', value: 0x123456789abcdef0n });
    expect((await data('ShortDword')).kind).toBe('binary');
    expect(await data('Link')).toEqual({ kind: 'string', value: '\\Registry\\Machine\\System\\ControlSet001' });
    expect(await data('NoTerminator')).toEqual({ kind: 'string', value: 'abc' });
    expect(await data('名前')).toEqual({ kind: 'string', value: 'Ünïcødé 日本 🎉 value' });
    expect((await t.value('Qword'))!.type).toBe(REG_QWORD);
    expect((await t.value('Qword'))!.typeName).toBe('REG_QWORD');
    expect((await t.value('Unknown'))!.typeName).toBe('REG_UNKNOWN(0x1234)');
    expect(await t.getString('')).toBe('default value');
    expect(await t.getNumber('Zero')).toBe(0);
    expect(await t.getNumber('String')).toBeUndefined();
    expect(await t.getString('Missing')).toBeUndefined();
    expect((await (await hive.get('Big'))!.value('LongString'))!.asString()).toBe(BIG_STRING);
  });

  it('decodes strings, numbers and multi-strings as hivexget does', async () => {
    const hive = await Hive.open(readFileSync(fx.relaid));
    const t = (await hive.get('Types'))!;
    for (const name of ['String', 'Path', 'Größe', '名前', 'Quote"Back\\slash']) {
      expect(await t.getString(name)).toBe(hivexGet(fx.relaid, 'Types', name));
    }
    // hivexget prints DWORDs as signed 32-bit numbers.
    expect(String((await t.getNumber('Dword'))! | 0)).toBe(hivexGet(fx.relaid, 'Types', 'Dword'));
    expect((await t.value('Multi'))!.asStrings()!.join('\n')).toBe(hivexGet(fx.relaid, 'Types', 'Multi').replace(/\n+$/, ''));
    const p = (await hive.get('ControlSet001\\Services\\Tcpip\\Parameters'))!;
    expect(await p.getString('Hostname')).toBe(hivexGet(fx.relaid, 'ControlSet001\\Services\\Tcpip\\Parameters', 'Hostname'));
  });

  it('looks keys and values up case-insensitively, through every list kind', async () => {
    const hive = await Hive.open(readFileSync(fx.relaid));
    for (const [parent, prefix, n] of [['Many', 'Sub', 1500], ['ManyLi', 'Li', 300], ['ManyLf', 'Lf', 200], ['RiOfLf', 'K', 120], ['SmallLi', 'S', 5]] as const) {
      const key = (await hive.get(parent.toLowerCase()))!;
      expect(key.subkeyCount).toBe(n);
      const names = await key.subkeyNames();
      expect(names).toHaveLength(n);
      // Windows (and hivex) keep subkey lists sorted; the ri split must keep that order.
      expect(names).toEqual([...names].sort());
      for (const i of [0, Math.floor(n / 2), n - 1]) {
        const name = `${prefix}${String(i).padStart(4, '0')}`;
        const sub = await hive.get(`${parent.toUpperCase()}\\${name.toLowerCase()}`);
        expect(sub?.name).toBe(name);
        expect(await sub!.getNumber('INDEX')).toBe(i);
      }
      expect(await key.subkey(`${prefix}9999`)).toBeUndefined();
    }
    expect((await hive.get(`${UNICODE_KEY.toUpperCase()}\\ÑANDÚ`))?.path).toBe(`${UNICODE_KEY}\\ñandú`);
    expect(await (await hive.get(`${UNICODE_KEY}\\ñandú`))!.getString('ключ')).toBe('значение');
    expect((await hive.get('äöü latin1\\GRÖSSE')) === undefined).toBe(true); // no ß → SS folding
    expect((await hive.get('äöü latin1\\GRÖßE'))?.name).toBe('Größe');
    expect(await (await hive.get('types'))!.getString('größe')).toBe('Latin-1 name');
    expect((await hive.get('\\Deep\\D01\\d02\\'))?.path).toBe('Deep\\D01\\D02');
    expect(await hive.get('Nope\\Nothing')).toBeUndefined();
    expect(hive.root.path).toBe('');
    expect(await hive.get('')).toBe(hive.root);
  });

  it('reports names, flags, timestamps and the base block', async () => {
    const hive = await Hive.open(readFileSync(fx.relaid));
    expect(hive.root.name).toMatch(/^CMI-CreateHive\{/);
    expect(hive.header.majorVersion).toBe(1);
    expect(hive.header.dirty).toBe(false);
    expect(hive.header.checksumValid).toBe(true);
    expect(hive.header.primarySequence).toBeGreaterThan(1); // hivex bumps both on commit
    const many = (await hive.get('Many'))!;
    expect(many.lastWritten?.getUTCFullYear()).toBe(2022); // hivex copies the parent's timestamp
    expect(many.isSymlink).toBe(false);
    expect(await many.className()).toBeUndefined();
    expect((await many.valueNames()).length).toBe(0);
    expect((await (await hive.get('Types'))!.valueNames()).find((v) => v.name === 'Bin300')).toEqual({ name: 'Bin300', type: 3, size: 300 });
  });
});

describe.skipIf(!HAVE_HIVEX)('regf hive reader on damaged hives', () => {
  const load = () => Buffer.from(readFileSync(fx.relaid));

  async function expectError(bytes: Uint8Array, code: string, run: (h: Hive) => Promise<unknown> = async () => undefined, match?: RegExp) {
    let err: unknown;
    try {
      await run(await Hive.open(bytes));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as GuestguardError).code).toBe(code);
    if (match) expect((err as Error).message).toMatch(match);
    return err as RegistryError;
  }

  it('refuses files that are not hives, bad checksums, and truncated base blocks', async () => {
    await expectError(new Uint8Array(100), 'CORRUPT_FILESYSTEM', undefined, /smaller than its base block/);
    const notHive = load();
    notHive.write('nope', 0, 'latin1');
    await expectError(notHive, 'CORRUPT_FILESYSTEM', undefined, /no "regf" signature/);
    const badSum = load();
    badSum.writeUInt32LE(badSum.readUInt32LE(48) ^ 1, 48);
    const e = await expectError(badSum, 'CORRUPT_FILESYSTEM', undefined, /checksum/);
    expect(e.offset).toBe(508);
    const tolerated = await Hive.open(badSum, { ignoreChecksum: true });
    expect(tolerated.warnings.join()).toMatch(/checksum/);
    const log = load();
    log.writeUInt32LE(6, 28);
    fixChecksum(log);
    await expectError(log, 'CORRUPT_FILESYSTEM', undefined, /transaction log/);
  });

  it('reads a dirty hive as it is, with a warning', async () => {
    const dirty = load();
    dirty.writeUInt32LE(dirty.readUInt32LE(4) + 1, 4);
    fixChecksum(dirty);
    const hive = await Hive.open(dirty);
    expect(hive.header.dirty).toBe(true);
    expect(hive.warnings.join()).toMatch(/not saved cleanly/);
    expect(await (await hive.get('Types'))!.getString('String')).toBe('Hello, world');
  });

  it('reads what survives of a truncated hive and fails cleanly past the end', async () => {
    // Cut off the bins the re-layout appended (ri lists, db records): the hivex part survives.
    const cut = load().subarray(0, readFileSync(fx.plain).length);
    const hive = await Hive.open(cut);
    expect(hive.warnings.join()).toMatch(/truncated/);
    expect(await (await hive.get('Types'))!.getString('String')).toBe('Hello, world');
    expect(await (await hive.get('Deep\\D01'))!.subkeyNames()).toEqual(['D02']);
    await expectError(cut, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('Big'))!.value('Big100k'), /outside/);
    await expectError(cut, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('Many'))!.subkeys(), /outside/);
  });

  it('refuses a reference to a free cell and a value list overrunning its cell', async () => {
    const hive0 = await Hive.open(load());
    const types = (await hive0.get('Types'))!;
    const freed = new HiveEditor(load());
    freed.free((await types.value('Bin300'))!.offset);
    await expectError(freed.buf, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('Types'))!.values(), /not allocated/);
    const over = new HiveEditor(load());
    over.cellData(types.offset).writeUInt32LE(100_000, 36);
    await expectError(over.buf, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('Types'))!.values(), /overruns/);
  });

  it('stops subkey-list cycles, nested index roots and key-tree cycles', async () => {
    const hive0 = await Hive.open(load());
    const many = (await hive0.get('Many'))!;
    // ri listing the same leaf twice.
    const dup = new HiveEditor(load());
    const ri = dup.cellData(dup.nkSubkeyList(many.offset));
    ri.writeUInt32LE(ri.readUInt32LE(4), 8);
    await expectError(dup.buf, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('Many'))!.subkeys(), /referenced twice/);
    // ri listing itself.
    const self = new HiveEditor(load());
    const riRel = self.nkSubkeyList(many.offset);
    self.cellData(riRel).writeUInt32LE(riRel, 4);
    await expectError(self.buf, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('Many'))!.subkeys(), /referenced twice|another index root/);
    // A subkey entry pointing back at an ancestor: lookups still end, a walk reports the cycle.
    const loop = new HiveEditor(load());
    const deep = (await hive0.get('Deep\\D01\\D02'))!;
    const lh = loop.cellData(loop.nkSubkeyList(deep.offset));
    lh.writeUInt32LE((await hive0.get('Deep'))!.offset, 4);
    const looped = await Hive.open(loop.buf);
    const d02 = (await looped.get('Deep\\D01\\D02'))!;
    expect((await d02.subkeys())[0]!.name).toBe('Deep');
    // The lh hash still says "D03", so a by-name lookup of the intruder does not find it.
    expect(await d02.subkey('Deep')).toBeUndefined();
    await expectError(loop.buf, 'CORRUPT_FILESYSTEM', async (h) => {
      for await (const k of h.walk()) void k;
    }, /reached twice/);
  });

  it('enforces the walk depth limit and the value size limit', async () => {
    const hive = await Hive.open(load(), { maxValueBytes: 50_000 });
    await expect((async () => {
      for await (const k of hive.walk((await hive.get('Deep'))!, 10)) void k;
    })()).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await expect((await hive.get('Big'))!.value('Big100k')).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect((await (await hive.get('Big'))!.value('Over16345'))!.raw.length).toBe(16345);
  });

  it('refuses big-data records with too few segments or short segments', async () => {
    const hive0 = await Hive.open(load());
    const vkRel = (await (await hive0.get('Big'))!.value('Big100k'))!.offset;
    const few = new HiveEditor(load());
    const dbRel = few.cellData(vkRel).readUInt32LE(8);
    few.cellData(dbRel).writeUInt16LE(3, 2);
    await expectError(few.buf, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('Big'))!.value('Big100k'), /segments cannot hold/);
    const shortSeg = new HiveEditor(load());
    const listRel = shortSeg.cellData(shortSeg.cellData(vkRel).readUInt32LE(8)).readUInt32LE(4);
    // Point segment 2 at a small cell (the vk itself).
    shortSeg.cellData(listRel).writeUInt32LE(vkRel, 4);
    await expectError(shortSeg.buf, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('Big'))!.value('Big100k'), /shorter than/);
  });

  it('names the structure and file offset at fault', async () => {
    const hive0 = await Hive.open(load());
    const types = (await hive0.get('Types'))!;
    const bad = new HiveEditor(load());
    bad.cellData(types.offset).write('xx', 0, 'latin1');
    const e = await expectError(bad.buf, 'CORRUPT_FILESYSTEM', async (h) => h.get('Types'), /expected a key node/);
    expect(e.structure).toBe('nk cell');
    expect(e.offset).toBe(4096 + types.offset);
    expect(e.message).toContain(`0x${(4096 + types.offset).toString(16)}`);
  });

  it('refuses lists that name the same value or key twice', async () => {
    const hive0 = await Hive.open(load());
    const types = (await hive0.get('Types'))!;
    const dupValue = new HiveEditor(load());
    const vlist = dupValue.cellData(dupValue.cellData(types.offset).readUInt32LE(40));
    vlist.writeUInt32LE(vlist.readUInt32LE(0), 4);
    await expectError(dupValue.buf, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('Types'))!.values(), /listed twice/);
    const dupKey = new HiveEditor(load());
    const lf = dupKey.cellData(dupKey.nkSubkeyList((await hive0.get('ManyLf'))!.offset));
    lf.writeUInt32LE(lf.readUInt32LE(4), 12);
    await expectError(dupKey.buf, 'CORRUPT_FILESYSTEM', async (h) => (await h.get('ManyLf'))!.subkeys(), /listed twice/);
  });

  it('reads only what a lookup needs', async () => {
    const bytes = load();
    let read = 0;
    const hive = await Hive.openSource({
      size: bytes.length,
      read: async (offset, length) => {
        read += length;
        return bytes.subarray(offset, offset + length);
      },
    });
    expect(await (await hive.get('Many\\Sub1234'))!.getNumber('Index')).toBe(1234);
    expect(await (await hive.get('ControlSet001\\Services\\Tcpip\\Parameters'))!.getString('Hostname')).toBe('win-host');
    // A few list cells and key nodes out of a 13 MB hive.
    expect(read).toBeLessThan(64 * 1024);
  });

  it('answers without waiting exactly when the source holds the bytes (subkeysNow, valuesNow)', async () => {
    const bytes = load();
    const inMemory = await Hive.open(bytes);
    const lazy = await Hive.openSource({ size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) });
    const dump = (values: RegistryValue[]) => values.map((v) => [v.name, v.type, Buffer.from(v.raw).toString('hex')]);
    for (const path of ['Types', 'Many', 'ManyLi', 'RiOfLf', 'SmallLi', 'ManyLf', '']) {
      const key = (await inMemory.get(path))!;
      expect(key.subkeysNow()!.map((k) => k.path), path).toEqual((await key.subkeys()).map((k) => k.path));
      expect(dump(key.valuesNow()!), path).toEqual(dump(await key.values()));
      // A source that only reads asynchronously never answers synchronously, but reads the same.
      const other = (await lazy.get(path))!;
      if (key.subkeyCount > 0) expect(other.subkeysNow()).toBeUndefined();
      if (key.valueCount > 0) expect(other.valuesNow()).toBeUndefined();
      expect((await other.subkeys()).map((k) => k.path)).toEqual((await key.subkeys()).map((k) => k.path));
      expect(dump(await other.values())).toEqual(dump(await key.values()));
    }
    // Values split into big-data segments are always assembled asynchronously.
    const big = (await inMemory.get('Big'))!;
    expect(big.valuesNow()).toBeUndefined();
    expect((await big.values()).find((v) => v.name === 'Big100k')!.raw.length).toBe(100_000);
  });

  it('keeps key objects independent of later lookups', async () => {
    const hive = await Hive.open(load());
    const a = await hive.get('Types');
    const b = await hive.get('TYPES');
    expect(a).toBeInstanceOf(RegistryKey);
    expect(a!.offset).toBe(b!.offset);
    expect(a!.name).toBe('Types');
  });
});
