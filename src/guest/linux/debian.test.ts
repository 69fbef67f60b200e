/**
 * Every section on one real Debian 12 guest: the debootstrap tree with configuration variations
 * (test-trees.ts), in an ext4 image made by mkfs.ext4 and read through the ext4 driver. One
 * image, one inspection, many checks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFstab } from '../fstab.js';
import { inspectLinux, inspectLinuxIdentity, inspectLinuxServices, type LinuxInfo, type NetworkConfig, type ServiceInfo } from './index.js';
import { canBuildDebian, closeGuests, debianFixture, DEBIAN_UUID, DEBIAN_VIRT_INSPECTOR_XML, HOST_KERNEL, OLD_KERNEL, openGuest } from './test-trees.js';

describe.skipIf(!canBuildDebian)('Debian guest', () => {
  let info: LinuxInfo;
  let fixture: ReturnType<typeof debianFixture>;

  beforeAll(async () => {
    fixture = debianFixture();
    info = await inspectLinux(await openGuest(fixture.img), { fstab: parseFstab(fixture.fstab) });
  });
  afterAll(closeGuests);

  const svc = (name: string, source = 'systemd'): ServiceInfo => {
    const s = info.services!.services.find((x) => x.name === name && x.source === source);
    expect(s, `${source} service ${name}`).toBeDefined();
    return s!;
  };
  const net = (source: string, name: string): NetworkConfig => {
    const c = info.network!.interfaces.find((x) => x.source === source && x.name === name);
    expect(c, `${source} ${name}`).toBeDefined();
    return c!;
  };

  describe('identity', () => {
    it('matches what virt-inspector reports for this tree', () => {
      // Verified with: virt-inspector --format=raw -a root.img (libguestfs 1.48, TCG backend).
      expect(info.identity).toMatchObject({
        name: 'linux',
        distro: 'debian',
        product_name: readFileSync('/work/main/.fixtures/debootstrap-bookworm/root/etc/debian_version', 'utf8').trim(),
        major_version: 12,
        osinfo: 'debian12',
        arch: 'x86_64',
        hostname: 'ggtest-debian',
        package_format: 'deb',
        package_management: 'apt',
        release_file: '/etc/debian_version',
      });
    });

    // The XML is saved when the fixture is built with GUESTGUARD_VIRT_INSPECTOR=1.
    it.skipIf(!existsSync(DEBIAN_VIRT_INSPECTOR_XML))('agrees field by field with the saved virt-inspector output', () => {
      const text = readFileSync(DEBIAN_VIRT_INSPECTOR_XML, 'utf8');
      const field = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1] ?? null;
      const id = info.identity!;
      expect({
        arch: id.arch,
        distro: id.distro,
        product_name: id.product_name,
        major_version: String(id.major_version),
        minor_version: String(id.minor_version),
        package_format: id.package_format,
        package_management: id.package_management,
        hostname: id.hostname,
        osinfo: id.osinfo,
      }).toEqual({
        arch: field('arch'),
        distro: field('distro'),
        product_name: field('product_name'),
        major_version: field('major_version'),
        minor_version: field('minor_version'),
        package_format: field('package_format'),
        package_management: field('package_management'),
        hostname: field('hostname'),
        osinfo: field('osinfo'),
      });
    });

    it('reports os-release, machine id, timezone, locale and init system', () => {
      const id = info.identity!;
      expect(id.os_release).toMatchObject({ id: 'debian', version_id: '12', version_codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' });
      expect(id.machine_id).toMatch(/^[0-9a-f]{32}$/);
      // /etc/localtime wins over a stale /etc/timezone, as timedatectl reads it.
      expect([id.timezone, id.timezone_source]).toEqual(['Europe/Berlin', '/etc/localtime']);
      expect(id.locale).toEqual({ lang: 'en_US.UTF-8', variables: { LANG: 'en_US.UTF-8', LC_TIME: 'en_GB.UTF-8' }, source: '/etc/default/locale' });
      expect([id.init_system, id.init_path]).toEqual(['systemd', '/usr/lib/systemd/systemd']);
      expect(id.arch_binary).toBe('/usr/bin/bash');
    });

    it('sees cloud-init installed but switched off, and the QEMU guest agent', () => {
      const id = info.identity!;
      expect(id.cloud_init).toMatchObject({ installed: true, disabled_by_file: true, enabled: false, enabled_units: ['cloud-init.service'], datasource_list: ['NoCloud', 'None'] });
      expect(id.guest_tools.qemu_guest_agent).toEqual({ installed: true, enabled: true, evidence: ['/usr/sbin/qemu-ga', 'qemu-guest-agent.service (static)'] });
      expect(id.guest_tools.open_vm_tools.installed).toBe(false);
      expect(id.guest_tools.hyperv_daemons.installed).toBe(false);
    });
  });

  describe('services', () => {
    it('finds the default target and enabled units from .wants links', () => {
      expect(info.services!.init_system).toBe('systemd');
      expect(info.services!.default_target).toBe('multi-user.target');
      expect(svc('ssh.service')).toMatchObject({ state: 'enabled', wanted_by: ['multi-user.target'], aliases: ['sshd.service'], path: '/usr/lib/systemd/system/ssh.service' });
      expect(svc('sshd.service')).toMatchObject({ state: 'alias', alias_of: 'ssh.service' });
      expect(svc('networking.service').wanted_by).toEqual(['multi-user.target', 'network-online.target']);
      expect(svc('nftables.service')).toMatchObject({ state: 'enabled', wanted_by: ['sysinit.target'] });
    });

    it('reports masked units (link to /dev/null, empty file) even when wanted', () => {
      expect(svc('apt-daily.timer')).toMatchObject({ state: 'masked', wanted_by: ['timers.target'] });
      expect(svc('fstrim.service').state).toBe('masked');
      expect(svc('fstrim.timer').state).toBe('enabled');
      // Debian masks the SysV-only names it replaced with native units.
      expect(svc('hwclock.service').state).toBe('masked');
    });

    it('handles template instances, static, indirect and disabled units', () => {
      expect(svc('getty@tty1.service')).toMatchObject({ state: 'enabled', template: 'getty@.service', wanted_by: ['getty.target'] });
      expect(svc('serial-getty@ttyS0.service')).toMatchObject({ state: 'enabled', template: 'serial-getty@.service' });
      expect(svc('getty@.service').state).toBe('enabled');
      expect(svc('qemu-guest-agent.service').state).toBe('static');
      expect(svc('legacy-helper.service').state).toBe('indirect');
      expect(svc('systemd-networkd.service')).toMatchObject({ state: 'disabled', vendor_preset: 'enabled' });
      expect(svc('ssh.socket').state).toBe('disabled');
    });

    it('applies drop-ins and reports Alias= links and presets', () => {
      expect(svc('myapp.service')).toMatchObject({
        state: 'enabled',
        exec_start: ['/usr/local/bin/myapp --prod'],
        user: 'app',
        dropins: ['/etc/systemd/system/myapp.service.d/override.conf'],
        aliases: ['webapp.service'],
        vendor_preset: 'disabled',
      });
      expect(svc('cron.service').vendor_preset).toBe('enabled');
      expect(info.services!.preset_files).toEqual(['/etc/systemd/system-preset/80-local.preset', '/usr/lib/systemd/system-preset/90-systemd.preset']);
    });

    it('lists SysV scripts with their rc links, noting native units that shadow them', () => {
      expect(svc('legacyd', 'sysv')).toMatchObject({ state: 'enabled', runlevels: ['2', '3', '4', '5'], stop_runlevels: ['0', '1', '6'], description: 'Legacy daemon', shadowed_by: null });
      expect(svc('ssh', 'sysv').shadowed_by).toBe('ssh.service');
      expect(svc('hwclock.sh', 'sysv')).toMatchObject({ runlevels: ['S'], shadowed_by: 'hwclock.service' });
    });

    it('gives the same answer when the section runs alone', async () => {
      const alone = await inspectLinuxServices(await openGuest(fixture.img));
      expect(alone).toEqual(info.services);
    });
  });

  describe('users', () => {
    it('finds uid-0 accounts, empty and locked passwords', () => {
      const u = info.users!;
      expect(u.uid0_accounts).toEqual(['root', 'toor']);
      expect(u.duplicate_uids).toEqual([{ uid: 0, names: ['root', 'toor'] }]);
      expect(u.empty_password_accounts).toEqual(['eve']);
      const by = (n: string) => u.users.find((x) => x.name === n)!;
      expect(by('root').password).toEqual({ kind: 'hash', locked: false, algorithm: 'sha512crypt', source: 'shadow' });
      expect(by('bob').password).toMatchObject({ kind: 'hash', locked: true });
      expect(by('deploy').password).toMatchObject({ kind: 'none', locked: true });
      expect(by('nobody').password).toMatchObject({ kind: 'none', locked: true });
      expect(by('toor').aging?.must_change).toBe(true);
      expect(by('bob').aging).toMatchObject({ min_days: 1, max_days: 90, warn_days: 14, inactive_days: 30, expire_days: 20000, expire_date: '2024-10-04' });
      expect(by('bob').login_shell).toBe(false);
      expect(by('alice')).toMatchObject({ system: false, login_shell: true, primary_group: 'alice', groups: ['sudo'] });
      expect(by('daemon').system).toBe(true);
    });

    it('resolves sudo rights through groups, aliases, includedir and #include', () => {
      const u = info.users!;
      const rules = (n: string) => u.users.find((x) => x.name === n)!.sudo;
      expect(rules('alice').admin_groups).toEqual(['sudo']);
      expect(rules('alice').rules.map((r) => `${r.file}:${r.line}`)).toEqual(['/etc/sudoers:50', '/etc/sudoers.d/90-deploy:4']);
      expect(rules('deploy').rules).toEqual([{ file: '/etc/sudoers.d/90-deploy', line: 2, text: 'deploy ALL=(ALL) NOPASSWD: ALL', nopasswd: true, all_commands: true }]);
      expect(rules('bob').rules.map((r) => r.text)).toEqual(['OPS ALL = (root) /usr/bin/systemctl restart *']);
      // disabled.conf has a dot in its name, so sudo never reads it; eve's rule comes from sudoers.local.
      expect(rules('eve').rules.map((r) => r.file)).toEqual(['/etc/sudoers.local']);
      expect(u.sudoers.files).toEqual(['/etc/sudoers', '/etc/sudoers.d/90-deploy', '/etc/sudoers.d/README', '/etc/sudoers.d/extra', '/etc/sudoers.local']);
      expect(u.sudoers.user_aliases).toEqual({ OPS: ['%ops', 'alice'] });
      expect(u.sudoers.defaults.map((d) => d.text)).toContain('Defaults:eve !authenticate');
    });

    it('reports groups with members and gshadow administrators', () => {
      const g = info.users!.groups.find((x) => x.name === 'ops')!;
      expect(g).toMatchObject({ gid: 1100, members: ['bob'], admins: ['bob'] });
      expect(info.users!.groups.find((x) => x.name === 'root')!.primary_members).toEqual(['root', 'toor']);
    });
  });

  describe('network', () => {
    it('reads ifupdown with source and source-directory includes', () => {
      expect(net('ifupdown', 'eth0')).toMatchObject({
        file: '/etc/network/interfaces',
        start_on_boot: true,
        ipv4: { method: 'static', addresses: ['10.0.0.5/24'], gateway: '10.0.0.1' },
        ipv6: { method: 'static', addresses: ['2001:db8::5/64'], gateway: '2001:db8::1' },
        dns: ['1.1.1.1', '8.8.8.8'],
        dns_search: ['example.org'],
        routes: [{ to: '172.16.0.0/12', via: '10.0.0.254' }],
      });
      expect(net('ifupdown', 'bond0')).toMatchObject({ type: 'bond', members: ['eth2', 'eth3'], ipv4: { method: 'dhcp' } });
      expect(net('ifupdown', 'eth0.10')).toMatchObject({ type: 'vlan', members: ['eth0'], start_on_boot: true, file: '/etc/network/extra.d/vlan10' });
      expect(net('ifupdown', 'lo').type).toBe('loopback');
      // source-directory skips names run-parts would skip.
      expect(info.network!.interfaces.some((c) => c.name === 'eth9')).toBe(false);
    });

    it('merges netplan files in name order, with /etc shadowing /lib', () => {
      expect(net('netplan', 'ens4')).toMatchObject({
        ipv4: { method: 'static', addresses: ['192.0.2.10/24'], gateway: '192.0.2.1' },
        ipv6: { method: 'static', addresses: ['2001:db8:1::10/64'] },
        dns: ['192.0.2.53', '2001:db8:1::53'],
        dns_search: ['corp.example'],
        mtu: 9000,
        routes: [
          { to: 'default', via: '192.0.2.1' },
          { to: '198.51.100.0/24', via: '192.0.2.254' },
        ],
      });
      expect(net('netplan', 'eth0')).toMatchObject({ mac_address: '52:54:00:ab:cd:ef', ipv4: { method: 'dhcp', addresses: ['198.51.100.7/24'] }, file: '/etc/netplan/60-static.yaml' });
      expect(net('netplan', 'wlan0')).toMatchObject({ type: 'wifi', wifi_ssid: 'HomeNet', has_secrets: true });
      expect(info.network!.interfaces.some((c) => c.name === 'shadowed0')).toBe(false);
      expect(JSON.stringify(info.network)).not.toContain('hunter22');
    });

    it('reads NetworkManager keyfiles, ifcfg files and systemd-networkd', () => {
      expect(net('networkmanager', 'Wired connection 1')).toMatchObject({
        interface: 'enp1s0',
        start_on_boot: false,
        mac_address: '52:54:00:12:34:56',
        ipv4: { method: 'static', addresses: ['192.168.50.5/24', '192.168.51.5/24'], gateway: '192.168.50.1' },
        ipv6: { method: 'auto' },
        dns: ['9.9.9.9', '149.112.112.112'],
        routes: [{ to: '10.20.0.0/16', via: '192.168.50.254' }],
      });
      expect(net('networkmanager', 'Office')).toMatchObject({ type: 'wifi', wifi_ssid: 'OfficeWLAN', has_secrets: true, ipv6: { method: 'ignore' } });
      expect(info.network!.interfaces.some((c) => c.name === 'stale backup')).toBe(false);
      expect(JSON.stringify(info.network)).not.toContain('supersecret');
      expect(net('ifcfg', 'eth1')).toMatchObject({
        mac_address: '52:54:00:aa:bb:cc',
        ipv4: { method: 'static', addresses: ['172.20.0.10/16'], gateway: '172.20.0.1' },
        ipv6: { method: 'static', addresses: ['2001:db8:20::10/64'], gateway: '2001:db8:20::1' },
        dns: ['172.20.0.2', '172.20.0.3'],
        dns_search: ['corp.example', 'lab.example'],
      });
      expect(info.network!.interfaces.filter((c) => c.source === 'ifcfg')).toHaveLength(1);
      expect(net('networkd', '20-wired')).toMatchObject({
        interface: 'en* eth*',
        ipv4: { method: 'dhcp', addresses: ['10.30.0.4/24'], gateway: '10.30.0.1' },
        dns_search: ['corp.example'],
        routes: [
          { to: '10.40.0.0/16', via: '10.30.0.1' },
          { to: 'default', via: '10.30.0.254' },
        ],
      });
      // Masked by a /dev/null link in /etc.
      expect(info.network!.interfaces.some((c) => c.name === '80-container-host0')).toBe(false);
    });

    it('reports enabled managers, resolv.conf and hosts', () => {
      expect(info.network!.managers).toMatchObject({ ifupdown: true, networkmanager: false, networkd: false });
      expect(info.network!.resolv_conf.present).toBe(true);
      expect(info.network!.hosts.find((h) => h.address === '127.0.1.1')?.names).toEqual(['ggtest-debian.example.org', 'ggtest-debian']);
    });
  });

  describe('boot', () => {
    it('matches kernels with module trees and reads the real bzImage banner', () => {
      const b = info.boot!;
      const v = HOST_KERNEL!.version;
      expect(b.kernels.map((k) => [k.path, k.version, k.modules_dir, k.initrd])).toEqual([
        [`/boot/vmlinuz-${v}`, v, `/lib/modules/${v}`, `/boot/initrd.img-${v}`],
        [`/boot/vmlinuz-${OLD_KERNEL}`, OLD_KERNEL, `/lib/modules/${OLD_KERNEL}`, `/boot/initrd.img-${OLD_KERNEL}`],
      ]);
      expect(b.kernels[0]!.banner?.startsWith(`${v} (`)).toBe(true);
      expect(b.kernels[0]!.config).toBe(HOST_KERNEL!.config ? `/boot/config-${v}` : null);
      expect(b.kernels[1]!.banner).toBeNull();
      expect(b.module_trees.find((t) => t.version === '3.2.0-4-amd64')).toMatchObject({ has_image: false });
    });

    it('resolves GRUB_DEFAULT=saved through grubenv into the submenu', () => {
      const b = info.boot!;
      expect(b.bootloader).toBe('grub2');
      expect(b.grub).toMatchObject({ config: '/boot/grub/grub.cfg', env_file: '/boot/grub/grubenv', default_setting: '${saved_entry}', uses_bls: false, timeout: '5' });
      expect(b.default_entry).toMatchObject({
        index: '1>2',
        title: `Debian GNU/Linux, with Linux ${OLD_KERNEL}`,
        kernel: `/boot/vmlinuz-${OLD_KERNEL}`,
        kernel_path: `/boot/vmlinuz-${OLD_KERNEL}`,
        initrd: [`/boot/initrd.img-${OLD_KERNEL}`],
      });
      expect(b.kernel_cmdline).toBe(`root=UUID=${DEBIAN_UUID} ro apparmor=0 quiet`);
      expect(b.entries.map((e) => e.index)).toEqual(['0', '1', '1>0', '1>1', '1>2', '1>3', '2']);
    });

    it('reads /etc/default/grub as grub-mkconfig sources it, and finds BIOS GRUB', () => {
      const b = info.boot!;
      expect(b.grub_defaults?.values).toMatchObject({ GRUB_DEFAULT: 'saved', GRUB_CMDLINE_LINUX_DEFAULT: 'quiet', GRUB_CMDLINE_LINUX: ' console=ttyS0,115200' });
      expect(b.firmware).toBe('bios');
      expect(b.esp).toBeNull();
    });
  });

  describe('security', () => {
    it('evaluates sshd_config with Include globs, relative includes and Match blocks', () => {
      const s = info.security!.sshd;
      expect(s.files).toEqual(['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/10-hardening.conf', '/etc/ssh/sshd_config.d/50-late.conf', '/etc/ssh/local/extra.conf']);
      // First value wins: the drop-in included at the top beats later lines.
      expect(s.effective['passwordauthentication']).toBe('no');
      expect(s.origin['passwordauthentication']).toBe('/etc/ssh/sshd_config.d/10-hardening.conf:1');
      expect(s.effective['permitrootlogin']).toBe('no');
      expect(s.effective['port']).toBe('2222 22');
      expect(s.effective['maxauthtries']).toBe('3');
      expect(s.effective['banner']).toBe('/etc/issue.net');
      expect(s.effective['kbdinteractiveauthentication']).toBe('no');
      expect(s.effective['subsystem sftp']).toBe('/usr/lib/openssh/sftp-server');
      expect([s.effective['pubkeyauthentication'], s.origin['pubkeyauthentication']]).toEqual(['yes', 'default']);
      // A Match in an included file ends with that file; the main file's Match is separate.
      expect(s.match_blocks.map((m) => [m.criteria, m.file, m.settings.map((x) => x.keyword)])).toEqual([
        ['User backup', '/etc/ssh/sshd_config.d/50-late.conf', ['passwordauthentication', 'allowtcpforwarding']],
        ['Group sftponly', '/etc/ssh/sshd_config', ['chrootdirectory', 'forcecommand', 'passwordauthentication']],
      ]);
      expect(s.host_keys).toEqual(['/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_rsa_key']);
    });

    it('merges sysctl.d with systemd precedence and sysctl.conf via 99-sysctl.conf', () => {
      const s = info.security!.sysctl;
      expect(s.files).toEqual([
        '/etc/sysctl.d/10-forward.conf',
        '/usr/lib/sysctl.d/50-pid-max.conf',
        '/usr/lib/sysctl.d/50-vendor.conf',
        '/etc/sysctl.d/60-admin.conf',
        '/usr/lib/sysctl.d/99-protect-links.conf',
        '/etc/sysctl.d/99-sysctl.conf',
      ]);
      expect(s.masked).toEqual(['/etc/sysctl.d/55-masked.conf']);
      expect(s.settings['net.ipv4.ip_forward']?.value).toBe('1');
      expect(s.settings['kernel.vendor_only']).toBeUndefined();
      expect(s.settings['vm.swappiness']).toBeUndefined();
      expect(s.settings['kernel.kptr_restrict']).toMatchObject({ value: '0', file: '/etc/sysctl.d/99-sysctl.conf' });
      expect(s.settings['kernel.kptr_restrict']!.overrides.map((o) => o.value)).toEqual(['1', '2']);
      expect(s.settings['net.ipv4.conf.all.rp_filter']).toMatchObject({ value: '1', overrides: [{ value: '2', file: '/usr/lib/sysctl.d/50-vendor.conf', line: 2 }] });
      expect(s.settings['net.ipv6.conf.all.disable_ipv6']?.value).toBe('1');
    });

    it('reports firewalls, AppArmor and SELinux facts', () => {
      const sec = info.security!;
      const fw = (n: string) => sec.firewalls.find((f) => f.name === n)!;
      expect(fw('nftables')).toMatchObject({ config_present: true, enabled: true, rule_count: 3, details: { tables: '1' } });
      expect(fw('iptables')).toMatchObject({ config_present: true, enabled: false, rule_count: 3 });
      expect(fw('ufw')).toMatchObject({ config_present: true, enabled: false });
      expect(fw('firewalld')).toMatchObject({ config_present: false, enabled: false });
      expect(sec.apparmor).toEqual({ installed: true, profiles: 2, disabled_profiles: 1, complain_profiles: 0, service_enabled: true, cmdline_disabled: true });
      expect(sec.selinux).toMatchObject({ config_present: false, mode: null, effective_mode: null });
    });

    it('reads login.defs, pwquality and PAM password stacks', () => {
      const a = info.security!.auth;
      expect(a.login_defs).toMatchObject({ PASS_MAX_DAYS: '99999', ENCRYPT_METHOD: 'SHA512', UID_MIN: '1000' });
      expect(a.pwquality).toEqual({ minlen: '14', dcredit: '-1' });
      expect(a.pam.find((p) => p.module === 'pam_pwquality.so')).toEqual({ file: '/etc/pam.d/common-password', line: 1, type: 'password', control: 'requisite', module: 'pam_pwquality.so', args: ['retry=3'] });
      expect(a.pam.find((p) => p.module === 'pam_unix.so' && p.type === 'password')?.control).toBe('[success=1 default=ignore]');
    });

    it('turns fstab entries into mount-option facts', () => {
      const m = info.security!.mounts!;
      const at = (p: string) => m.mounts.find((x) => x.mount_point === p)!;
      expect(at('/tmp')).toMatchObject({ nodev: true, nosuid: true, noexec: true });
      expect(at('/home')).toMatchObject({ nodev: true, nosuid: false, noexec: false });
      // "user" implies noexec,nosuid,nodev; the later "exec" turns noexec back off.
      expect(at('/srv/usb')).toMatchObject({ nodev: true, nosuid: true, noexec: false });
      expect(m.separate).toEqual({ '/tmp': true, '/var': false, '/var/tmp': true, '/var/log': false, '/home': true, '/dev/shm': false });
      expect(m.swap).toEqual(['/swapfile']);
    });
  });

  it('turns unreadable files into warnings and keeps going', () => {
    expect(info.errors).toEqual([]);
    expect(info.warnings.some((w) => w.startsWith('/etc/sysctl.d/70-loop.conf:') && /symbolic links/.test(w))).toBe(true);
    expect(info.warnings.some((w) => w.startsWith('/etc/netplan/99-broken.yaml: not valid YAML'))).toBe(true);
  });

  it('runs only the requested sections', async () => {
    const only = await inspectLinux(await openGuest(fixture.img), { sections: { identity: true, services: false, users: false, network: false, boot: false, security: false } });
    expect(Object.keys(only).sort()).toEqual(['errors', 'identity', 'warnings']);
    expect(only.identity).toEqual(await inspectLinuxIdentity(await openGuest(fixture.img)));
  });
});
