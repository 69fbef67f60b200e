/**
 * Exit status of `guestguard inspect`: 0 when an OS is found (covered by the guest tests), 1
 * when the disks hold none (the report is still printed), 2 on bad input, always with one
 * clean line on stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { expectCleanFailure } from '../helpers/cli.js';
import { fixtureDir, hasTool, run } from '../helpers/fixtures.js';
import { expectValidReport, inspect } from './helpers.js';
import { parseXml } from './xml-parse.js';

describe.runIf(hasTool('mkfs.ext4') && hasTool('sgdisk') && hasTool('qemu-img'))('inspect exit codes', () => {
  let dir: string;
  beforeAll(() => {
    dir = fixtureDir('inspect-exit-codes-v1', (d) => {
      // A data disk: GPT with one ext4 partition of plain files, no OS.
      const tree = join(d, 'data');
      mkdirSync(join(tree, 'photos'), { recursive: true });
      writeFileSync(join(tree, 'photos/readme.txt'), 'not an operating system\n');
      run('truncate', ['-s', '16M', join(d, 'data.raw')]);
      run('sgdisk', ['--clear', '-n', '1:2048:0', '-t', '1:8300', join(d, 'data.raw')]);
      run('mkfs.ext4', ['-q', '-F', '-L', 'data', '-d', tree, '-E', `offset=${2048 * 512}`, join(d, 'data.raw'), '12M']);
      run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', join(d, 'data.raw'), join(d, 'data.qcow2')]);
      writeFileSync(join(d, 'garbage.qcow2'), Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(4096, 0xee)]));
    });
  });

  it('1: no operating system — the empty report is printed in every format', () => {
    const img = join(dir, 'data.qcow2');
    const r = inspect(['--format', 'json', img]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('guestguard: no operating system found on the disks\n');
    const report = JSON.parse(r.stdout);
    expectValidReport(report);
    expect(report).toMatchObject({ operating_systems: [], disks: [{ device: '/dev/sda', format: 'qcow2', partition_table: 'gpt' }] });
    expect(parseXml(inspect(['--format', 'xml', img]).stdout)).toEqual({ name: 'operatingsystems', attrs: {}, children: [], text: '' });
    expect(parseYaml(inspect(['--format', 'yaml', img]).stdout)).toEqual(report);
    const t = inspect(['--format', 'table', img]);
    expect(t.status).toBe(1);
    expect(t.stdout).toContain('No operating system found.');
  });

  it('2: missing image, damaged image, bad options', () => {
    expect(expectCleanFailure(inspect([join(dir, 'does-not-exist.qcow2')]))).toMatch(/does-not-exist/);
    expect(expectCleanFailure(inspect([join(dir, 'garbage.qcow2')]))).toMatch(/^guestguard: /);
    // The image is not what --image-format says.
    expectCleanFailure(inspect(['--image-format', 'vhdx', join(dir, 'data.qcow2')]));
    // Usage errors: commander's message plus the shared "(run with --help for usage)" hint.
    for (const args of [['--format', 'html', join(dir, 'data.qcow2')], []]) {
      const r = inspect(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stdout).toBe('');
    }
  });
});
