/** The VMDK module through the real registry: content detection, reference resolution, chains. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, makePatternedRaw, run, sha256File } from '../../../test/helpers/fixtures.js';
import { detectFormat, openImage } from '../open-image.js';
import { backingChain } from '../disk-image.js';
import { createHash } from 'node:crypto';

const HAVE_QEMU = hasTool('qemu-img') && hasTool('qemu-io');

describe.skipIf(!HAVE_QEMU)('VMDK via openImage', () => {
  const dir = HAVE_QEMU
    ? fixtureDir('vmdk-registry-v1', (d) => {
        makePatternedRaw(join(d, 'base.raw'), 8, 11);
        run('qemu-img', ['convert', '-O', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse', join(d, 'base.raw'), join(d, 'base.vmdk')]);
        run('qemu-img', ['create', '-q', '-f', 'vmdk', '-b', 'base.vmdk', '-F', 'vmdk', join(d, 'child.vmdk')]);
        run('qemu-io', ['-f', 'vmdk', '-c', 'write -P 0x42 1M 64k', join(d, 'child.vmdk')]);
        run('qemu-img', ['convert', '-O', 'raw', join(d, 'child.vmdk'), join(d, 'child.raw')]);
      })
    : '';

  it('detects descriptor and sparse files as vmdk and reads a chain byte-exact', async () => {
    expect(await detectFormat(join(dir, 'base.vmdk'))).toBe('vmdk');
    expect(await detectFormat(join(dir, 'base-s001.vmdk'))).toBe('vmdk');
    expect(await detectFormat(join(dir, 'child.vmdk'))).toBe('vmdk');
    const img = await openImage(join(dir, 'child.vmdk'));
    try {
      expect(img.format).toBe('vmdk');
      expect(backingChain(img).map((b) => b.format)).toEqual(['vmdk']);
      const h = createHash('sha256');
      h.update(await img.read(0, img.size));
      expect(h.digest('hex')).toBe(await sha256File(join(dir, 'child.raw')));
    } finally {
      await img.close();
    }
  });
});
