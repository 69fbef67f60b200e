/** registry checks on a real ext4 image holding SYSTEM and SOFTWARE hives written by hivexregedit. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool } from '../../../test/helpers/fixtures.js';
import { closeGuests, makeExt4, openGuest } from '../../guest/linux/test-trees.js';
import { emptyHive, hivexMerge, regFile } from '../../guest/windows/regf/hive-testing.js';
import { evaluateCheck } from './evaluate.js';
import { AuditFacts } from './facts.js';
import { checkOf, closeVariants, variantFacts, windowsOs } from './test-support.js';

const CAN = ['hivexregedit', 'mkfs.ext4'].every(hasTool);

function windowsImage(): string {
  const dir = fixtureDir('audit-engine-windows-v1', (d) => {
    const config = join(d, 'tree', 'Windows', 'System32', 'config');
    mkdirSync(config, { recursive: true });
    const system = join(config, 'SYSTEM');
    writeFileSync(system, emptyHive({ fileName: 'SYSTEM' }));
    hivexMerge(
      system,
      regFile(
        [
          { path: 'Select', values: [{ name: 'Current', dword: 2 }, { name: 'Default', dword: 2 }] },
          { path: 'ControlSet001\\Control\\Terminal Server', values: [{ name: 'fDenyTSConnections', dword: 0 }] },
          { path: 'ControlSet002\\Control\\Terminal Server', values: [{ name: 'fDenyTSConnections', dword: 1 }] },
          { path: 'ControlSet002\\Control\\Terminal Server\\WinStations\\RDP-Tcp', values: [{ name: 'UserAuthentication', dword: 1 }] },
          { path: 'ControlSet002\\Services\\LanmanServer\\Parameters', values: [{ name: 'SMB1', dword: 1 }, { name: 'NullSessionShares', multi: ['COMCFG', 'DFS$'] }] },
        ],
        'HKEY_LOCAL_MACHINE\\SYSTEM',
      ),
      'HKEY_LOCAL_MACHINE\\SYSTEM',
    );
    const software = join(config, 'SOFTWARE');
    writeFileSync(software, emptyHive({ fileName: 'SOFTWARE' }));
    hivexMerge(
      software,
      regFile([{ path: 'Microsoft\\Windows NT\\CurrentVersion\\Winlogon', values: [{ name: 'AutoAdminLogon', sz: '1' }, { name: 'DefaultUserName', sz: 'admin' }] }], 'HKEY_LOCAL_MACHINE\\SOFTWARE'),
      'HKEY_LOCAL_MACHINE\\SOFTWARE',
    );
    makeExt4(join(d, 'tree'), join(d, 'win.img'), 'winsys');
  });
  return join(dir, 'win.img');
}

describe.skipIf(!CAN)('registry check', () => {
  afterAll(async () => {
    await closeGuests();
    await closeVariants();
  });
  const run = async (yaml: string, hives: { system: string | null; software: string | null } = { system: null, software: null }) =>
    evaluateCheck(checkOf(yaml), AuditFacts.fromGuest(await openGuest(windowsImage()), windowsOs({ hives })));

  it('CurrentControlSet is the Select\\Current set', async () => {
    const r = await run('registry: { hive: SYSTEM, key: "CurrentControlSet\\\\Control\\\\Terminal Server", value: fDenyTSConnections, op: eq, value_expected: 1 }');
    expect(r).toEqual({
      status: 'pass',
      message: 'HKLM\\SYSTEM\\ControlSet002\\Control\\Terminal Server\\fDenyTSConnections is 1 (expected = 1)',
      evidence: [{ file: '/Windows/System32/config/SYSTEM', fact: 'HKLM\\SYSTEM\\ControlSet002\\Control\\Terminal Server\\fDenyTSConnections = 1 (REG_DWORD)' }],
    });
    expect((await run('registry: { hive: SYSTEM, key: "ControlSet001\\\\Control\\\\Terminal Server", value: fDenyTSConnections, op: eq, value_expected: 1 }')).status).toBe('fail');
  });

  it('fails, passes and handles missing values', async () => {
    const smb = 'registry: { hive: SYSTEM, key: "CurrentControlSet\\\\Services\\\\LanmanServer\\\\Parameters", value: ';
    expect((await run(`${smb}SMB1, op: eq, value_expected: 0 }`)).status).toBe('fail');
    const missing = await run(`${smb}SMB2, op: eq, value_expected: 0 }`);
    expect(missing).toMatchObject({ status: 'fail', message: 'HKLM\\SYSTEM\\ControlSet002\\Services\\LanmanServer\\Parameters\\SMB2 is not set (expected = 0)' });
    expect((await run(`${smb}SMB2, op: eq, value_expected: 0, missing: pass }`)).status).toBe('pass');
    expect((await run(`${smb}SMB2, op: absent }`)).status).toBe('pass');
    expect((await run('registry: { hive: SYSTEM, key: "CurrentControlSet\\\\Nope", value: X, op: exists }')).message).toBe('HKLM\\SYSTEM\\ControlSet002\\Nope\\X is not set (no such key) (expected set)');
    expect((await run(`${smb}NullSessionShares, op: regex, value_expected: "^comcfg$" }`)).status).toBe('pass');
  });

  it('strings compare case-insensitively; the hive path from inspection is used when known', async () => {
    const hives = { system: '/Windows/System32/config/SYSTEM', software: '/Windows/System32/config/SOFTWARE' };
    const winlogon = 'registry: { hive: SOFTWARE, key: "Microsoft\\\\Windows NT\\\\CurrentVersion\\\\Winlogon", value: ';
    expect((await run(`${winlogon}DefaultUserName, op: eq, value_expected: ADMIN }`, hives)).status).toBe('pass');
    expect((await run(`${winlogon}AutoAdminLogon, op: ne, value_expected: "1" }`, hives)).status).toBe('fail');
  });

  it('a Windows OS without hives is an error naming what is missing', async () => {
    const r = await evaluateCheck(checkOf('registry: { hive: SYSTEM, key: Select, value: Current, op: exists }'), await variantFacts('bare', windowsOs()));
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/^registry: NOT_FOUND: no Windows system root/);
  });
});
