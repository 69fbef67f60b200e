/**
 * A Fedora-style UEFI guest: root on ext4 plus a real vfat ESP (mkfs.vfat + mtools) mounted at
 * /boot/efi. Covers GRUB's blscfg with Boot Loader Specification entries, grubenv variables in
 * entry options, SELinux mode overridden on the kernel command line, firewalld, and presets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectLinux, type LinuxInfo } from './index.js';
import { canBuildEsp, canBuildImages, closeGuests, fedoraFixture, openGuest } from './test-trees.js';

describe.skipIf(!canBuildImages || !canBuildEsp)('Fedora UEFI guest with BLS entries', () => {
  let info: LinuxInfo;
  beforeAll(async () => {
    const f = fedoraFixture();
    info = await inspectLinux(await openGuest(f.root, [{ path: '/boot/efi', vfat: f.esp }]));
  });
  afterAll(closeGuests);

  it('identifies Fedora with dnf', () => {
    expect(info.identity).toMatchObject({ distro: 'fedora', product_name: 'Fedora Linux 39 (Server Edition)', major_version: 39, minor_version: 0, osinfo: 'fedora39', package_management: 'dnf', hostname: 'fedora-vm' });
    expect(info.identity!.locale?.lang).toBe('C.UTF-8');
    expect(info.identity!.init_system).toBe('systemd');
  });

  it('orders BLS entries newest first and boots grubenv saved_entry', () => {
    const b = info.boot!;
    expect(b.grub).toMatchObject({ config: '/boot/grub2/grub.cfg', uses_bls: true, default_resolved_from: 'f3a5c1e2d4b6478899aabbccddeeff00-6.5.6-300.fc39.x86_64' });
    expect(b.entries.map((e) => [e.source, e.index, e.id])).toEqual([
      ['bls', '0', 'f3a5c1e2d4b6478899aabbccddeeff00-6.10.11-100.fc39.x86_64'],
      ['bls', '1', 'f3a5c1e2d4b6478899aabbccddeeff00-6.5.6-300.fc39.x86_64'],
      ['bls', '2', 'f3a5c1e2d4b6478899aabbccddeeff00-0-rescue'],
      ['grub', '3', 'uefi-firmware'],
    ]);
    // $kernelopts comes from grubenv, which wins over grub.cfg's fallback `set kernelopts=`.
    expect(b.default_entry).toMatchObject({
      kernel: '/vmlinuz-6.5.6-300.fc39.x86_64',
      kernel_path: '/boot/vmlinuz-6.5.6-300.fc39.x86_64',
      cmdline: 'root=UUID=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 ro rhgb quiet enforcing=0',
    });
    expect(b.kernels.map((k) => k.version)).toEqual(['6.10.11-100.fc39.x86_64', '6.5.6-300.fc39.x86_64']);
    expect(b.module_trees.every((t) => t.has_image)).toBe(true);
  });

  it('sees UEFI from the mounted ESP and its EFI binaries', () => {
    const b = info.boot!;
    expect(b.firmware).toBe('uefi');
    expect(b.esp).toEqual({ mount_point: '/boot/efi', device: '/dev/sdb1', fs_type: 'vfat' });
    expect(b.efi_binaries).toEqual(['/boot/efi/EFI/BOOT/BOOTX64.EFI', '/boot/efi/EFI/fedora/grubx64.efi', '/boot/efi/EFI/fedora/shimx64.efi']);
  });

  it('applies enforcing=0 from the default entry to the SELinux mode', () => {
    expect(info.security!.selinux).toEqual({
      config_present: true,
      mode: 'enforcing',
      policy: 'targeted',
      policy_installed: true,
      cmdline: ['enforcing=0'],
      effective_mode: 'permissive',
      autorelabel: false,
    });
  });

  it('reports firewalld and preset-driven unit states', () => {
    expect(info.security!.firewalls.find((f) => f.name === 'firewalld')).toMatchObject({ enabled: true, config_present: true, details: { default_zone: 'FedoraServer', custom_zones: '1' } });
    const s = (n: string) => info.services!.services.find((x) => x.name === n)!;
    expect(s('firewalld.service')).toMatchObject({ state: 'enabled', vendor_preset: 'enabled', aliases: ['dbus-org.fedoraproject.FirewallD1.service'] });
    expect(s('sshd.service')).toMatchObject({ state: 'disabled', vendor_preset: 'enabled' });
    // "disable *" catches everything not enabled earlier.
    expect(s('chronyd.service')).toMatchObject({ state: 'disabled', vendor_preset: 'disabled' });
    expect(info.network!.interfaces).toMatchObject([{ source: 'ifcfg', name: 'ens3', ipv4: { method: 'dhcp' }, start_on_boot: true }]);
    expect(info.warnings).toEqual([]);
  });
});
