/** The htree hashes against e2fsprogs' own implementation (debugfs dx_hash). */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../../test/helpers/fixtures.js';
import { dirHash } from './dirhash.js';

const NAMES = [
  'a',
  'hello',
  'héllo wörld',
  'entry-000001',
  'abcdefghijklmnop',
  '0123456789abcdef0123456789abcdef0',
  '日本語のファイル名.txt',
  '\u00ff\u00fe\u0080 high bytes',
  'x'.repeat(255),
];
const SEED = '86ea7cd7-2d93-4ef9-8a3c-9605b2d75392';

function debugfsHash(name: string, version: number, seed: string | undefined): number {
  const out = execFileSync('debugfs', ['-R', `dx_hash -h HASHALG_${version}${seed ? ` -s ${seed}` : ''} "${name}"`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const m = /Hash of .* is 0x([0-9a-f]+)/.exec(out);
  if (!m) throw new Error(`unexpected debugfs output: ${out}`);
  return parseInt(m[1]!, 16);
}

describe.skipIf(!hasTool('debugfs'))('ext4 directory hashes', () => {
  const seedBytes = Buffer.from(SEED.replace(/-/g, ''), 'hex');
  const seedWords = [0, 1, 2, 3].map((i) => seedBytes.readUInt32LE(i * 4));

  it.each([0, 1, 2, 3, 4, 5])('hash version %i matches debugfs with and without a seed', (version) => {
    for (const name of NAMES) {
      expect(dirHash(Buffer.from(name), version, [0, 0, 0, 0]), `${name} v${version}`).toBe(debugfsHash(name, version, undefined));
      expect(dirHash(Buffer.from(name), version, seedWords), `${name} v${version} seeded`).toBe(debugfsHash(name, version, SEED));
    }
  });

  it('reports unsupported versions', () => {
    expect(dirHash(Buffer.from('x'), 6, [0, 0, 0, 0])).toBeUndefined();
  });
});
