import { describe, expect, it } from 'vitest';
import { GuestguardError } from '../../errors.js';
import { MAX_EXTENTS, descriptorText, parseDescriptor } from './descriptor.js';
import { probeVmdk } from './index.js';

// As written by qemu-img 7.2 for a snapshot child (embedded in the sparse file, NUL padded).
const QEMU_CHILD = `# Disk DescriptorFile
version=1
CID=7a5c0691
parentCID=df02e9ee
createType="monolithicSparse"
parentFileNameHint="b.vmdk"

# Extent description
RW 8192 SPARSE "c.vmdk"

# The Disk Data Base
#DDB

ddb.virtualHWVersion = "6"
ddb.geometry.cylinders = "0"
ddb.adapterType = "lsilogic"
`;

const enc = (s: string) => new TextEncoder().encode(s);

describe('VMDK descriptor parsing', () => {
  it('reads the header keys, extents and DDB of a qemu-written descriptor', () => {
    const padded = new Uint8Array(10240);
    padded.set(enc(QEMU_CHILD));
    const d = parseDescriptor(descriptorText(padded), 'c.vmdk');
    expect(d.version).toBe(1);
    expect(d.cid).toBe(0x7a5c0691);
    expect(d.parentCid).toBe(0xdf02e9ee);
    expect(d.createType).toBe('monolithicSparse');
    expect(d.parentFileNameHint).toBe('b.vmdk');
    expect(d.extents).toEqual([{ access: 'RW', sectors: 8192, type: 'SPARSE', fileName: 'c.vmdk', offset: 0, line: 9 }]);
    expect(d.ddb.get('adapterType')).toBe('lsilogic');
    expect(d.ddb.get('virtualHWVersion')).toBe('6');
  });

  it('handles CRLF, VMware multi-extent layouts with FLAT offsets, ZERO, RDONLY and NOACCESS', () => {
    const text = [
      '# Disk DescriptorFile',
      'version=1',
      'encoding="UTF-8"',
      'CID=fffffffe',
      'parentCID=ffffffff',
      'createType="twoGbMaxExtentFlat"',
      'RW 4192256 FLAT "Windows Server-f001.vmdk" 0',
      'RW 2048 ZERO',
      'RDONLY 1024 FLAT "/abs/path/disk-flat.vmdk" 63',
      'NOACCESS 100 SPARSE "x.vmdk"',
      'RW 16 VMFS "esx-flat.vmdk"',
      '',
    ].join('\r\n');
    const d = parseDescriptor(text, 'w.vmdk');
    expect(d.parentCid).toBe(0xffffffff);
    expect(d.extents.map((e) => [e.access, e.sectors, e.type, e.fileName, e.offset])).toEqual([
      ['RW', 4192256, 'FLAT', 'Windows Server-f001.vmdk', 0],
      ['RW', 2048, 'ZERO', undefined, 0],
      ['RDONLY', 1024, 'FLAT', '/abs/path/disk-flat.vmdk', 63],
      ['NOACCESS', 100, 'SPARSE', 'x.vmdk', 0],
      ['RW', 16, 'VMFS', 'esx-flat.vmdk', 0],
    ]);
  });

  it('decodes file names in the charset the descriptor declares', () => {
    const head = enc('encoding="windows-1252"\ncreateType="monolithicFlat"\nRW 8 FLAT "caf');
    const bytes = new Uint8Array([...head, 0xe9, ...enc('.vmdk" 0\n'), 0, 0, 0]);
    expect(parseDescriptor(descriptorText(bytes), 'x.vmdk').extents[0]!.fileName).toBe('café.vmdk');
    const utf8 = enc('encoding="UTF-8"\nRW 8 FLAT "café.vmdk" 0\n');
    expect(parseDescriptor(descriptorText(utf8), 'x.vmdk').extents[0]!.fileName).toBe('café.vmdk');
  });

  it('keeps untrusted DDB keys out of object prototypes', () => {
    const d = parseDescriptor('createType="custom"\nddb.__proto__ = "x"\nddb.constructor = "y"\n', 'p.vmdk');
    expect(d.ddb.get('__proto__')).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  for (const [what, text] of [
    ['a malformed extent line', 'RW lots SPARSE "a.vmdk"'],
    ['an extent without a file', 'RW 100 SPARSE'],
    ['a FLAT extent without its offset', 'RW 100 FLAT "a.vmdk"'],
    ['a non-hex CID', 'CID=xyz'],
    ['an absurd extent size', 'RW 99999999999999999 SPARSE "a.vmdk"'],
  ] as const) {
    it(`rejects ${what} with a typed error`, () => {
      let err: unknown;
      try {
        parseDescriptor(`createType="monolithicFlat"\n${text}\n`, 'bad.vmdk', 512);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(GuestguardError);
      expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', structure: 'VMDK descriptor', offset: 512 });
    });
  }

  it('bounds the number of extents', () => {
    const lines = Array.from({ length: MAX_EXTENTS + 1 }, () => 'RW 1 ZERO').join('\n');
    expect(() => parseDescriptor(lines, 'many.vmdk')).toThrow(/more than/);
  });
});

describe('VMDK probe', () => {
  const magic = (s: string) => {
    const b = new Uint8Array(512);
    b.set(enc(s));
    return b;
  };
  it('accepts sparse magics and small descriptor files', () => {
    expect(probeVmdk(magic('KDMV'), 10 << 20)).toBe(true);
    expect(probeVmdk(magic('COWD'), 10 << 20)).toBe(true);
    expect(probeVmdk(enc(QEMU_CHILD), 512)).toBe(true);
    expect(probeVmdk(enc('version=1\nCID=1\ncreateType="vmfs"\n'), 100)).toBe(true);
  });
  it('rejects other content and large text files', () => {
    expect(probeVmdk(magic('QFI\xfb'), 10 << 20)).toBe(false);
    expect(probeVmdk(enc('hello world\n'), 12)).toBe(false);
    expect(probeVmdk(enc(QEMU_CHILD), 10 << 20)).toBe(false);
    expect(probeVmdk(new Uint8Array(0), 0)).toBe(false);
  });
});
