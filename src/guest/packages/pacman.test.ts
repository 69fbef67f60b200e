/**
 * A pacman local database written by pacman -U from packages makepkg built, read through a
 * real ext4 image and compared with pacman -Q / -Qi. Malformed desc files are hand-made.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../test/helpers/fixtures.js';
import { pacmanDescToPackage, parsePacmanDesc, readPacmanPackages, splitPacmanVersion } from './pacman.js';
import { canBuildPacman, ext4View, pacmanFixture, pacmanQuery } from './test-fixtures.js';
import type { PackageInfo } from './types.js';

describe('pacman desc parsing', () => {
  it('splits [epoch:]pkgver-pkgrel', () => {
    expect(splitPacmanVersion('1:1.2.3-4')).toEqual({ epoch: 1, version: '1.2.3', release: '4' });
    expect(splitPacmanVersion('0.1_beta-2.1')).toEqual({ epoch: 0, version: '0.1_beta', release: '2.1' });
    expect(splitPacmanVersion('20240115')).toEqual({ epoch: 0, version: '20240115', release: '' });
    expect(splitPacmanVersion('')).toBeUndefined();
  });

  it('reads multi-value keys, empty values and ignores unknown lines', () => {
    const d = parsePacmanDesc('%NAME%\nx\n\n%URL%\n\n%LICENSE%\nMIT\nBSD\n\ngarbage\n%VERSION%\n1-1\n');
    expect(d.get('LICENSE')).toEqual(['MIT', 'BSD']);
    expect(d.get('URL')).toEqual([]);
    expect(pacmanDescToPackage(d)).toEqual({ name: 'x', epoch: 0, version: '1', release: '1', arch: '', license: 'MIT AND BSD' });
    expect(pacmanDescToPackage(parsePacmanDesc('%NAME%\nx\n'))).toBeUndefined();
  });
});

/** strftime("%a %b %e %H:%M:%S %Y") in UTC, as pacman -Qi prints dates in the C locale. */
function cDate(unix: number): string {
  const d = new Date(unix * 1000);
  const [wd, , , , hms] = d.toUTCString().split(' ');
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${wd!.replace(',', '')} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms} ${d.getUTCFullYear()}`;
}

describe.runIf(canBuildPacman)('a pacman database written by pacman', () => {
  let fx: ReturnType<typeof pacmanFixture>;
  let pkgs: PackageInfo[];
  let warnings: string[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    fx = pacmanFixture();
    const v = await ext4View(join(fx.dir, 'pacman.img'), fx.root);
    close = v.close;
    ({ packages: pkgs, warnings } = (await readPacmanPackages(v.view))!);
  });
  afterAll(() => close?.());

  it('lists what pacman -Q lists, with the same versions', () => {
    expect(warnings).toEqual([]);
    const q = pacmanQuery(fx.root);
    expect(pkgs.map((p) => p.name).sort()).toEqual([...q.keys()].sort());
    for (const p of pkgs) expect(`${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`).toBe(q.get(p.name));
  });

  it('matches pacman -Qi field by field', () => {
    for (const p of pkgs) {
      const out = run('pacman', ['-Qi', '--root', fx.root, '--dbpath', join(fx.root, 'var/lib/pacman'), p.name], {
        env: { ...process.env, LANG: 'C', LC_ALL: 'C', TZ: 'UTC' },
      });
      const f = new Map(out.split('\n').filter((l) => l.includes(' : ')).map((l) => [l.slice(0, l.indexOf(' : ')).trim(), l.slice(l.indexOf(' : ') + 3)]));
      expect(p.summary).toBe(f.get('Description'));
      expect(p.arch).toBe(f.get('Architecture'));
      expect(p.url ?? 'None').toBe(f.get('URL'));
      expect(p.license!.split(' AND ').join('  ')).toBe(f.get('Licenses'));
      expect(cDate(p.install_time!)).toBe(f.get('Install Date'));
      expect(cDate(p.build_time!)).toBe(f.get('Build Date'));
      expect(`${p.size!.toFixed(2)} B`).toBe(f.get('Installed Size'));
      expect(p.source).toBe(p.name);
    }
    expect(pkgs.find((p) => p.name === 'gg-hello')).toMatchObject({ epoch: 1, version: '1.2.3', release: '4', license: 'MIT AND Apache-2.0' });
  });
});
