/**
 * Distro identity against libguestfs's rules (daemon/inspect_fs_unix.ml, inspect_fs.ml,
 * lib/inspect-osinfo.c): each tree carries its distribution's release files as shipped, is
 * written to a real ext4 image and read back through the ext4 driver. The expected values are
 * what libguestfs computes; the comment on each tree names the rule that decides it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inspectLinuxBoot, inspectLinuxIdentity, inspectLinuxServices } from './index.js';
import { canBuildImages, closeGuests, distroImages, HOST_KERNEL, openGuest, type DistroTree } from './test-trees.js';

const usrMerged = { bin: 'usr/bin', sbin: 'usr/sbin', lib: 'usr/lib' };

const TREES: DistroTree[] = [
  {
    // os-release names ubuntu with VERSION_ID 22.04: parse_os_release succeeds; PRETTY_NAME is the product.
    name: 'ubuntu2204',
    files: {
      'usr/lib/os-release':
        'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nHOME_URL="https://www.ubuntu.com/"\nSUPPORT_URL="https://help.ubuntu.com/"\nBUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"\nPRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"\nUBUNTU_CODENAME=jammy\n',
      'etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.4 LTS"\n',
      'etc/debian_version': 'bookworm/sid\n',
      'etc/hostname': 'jammy-vm\n',
      'var/lib/dpkg/status': '',
    },
    links: { ...usrMerged, 'etc/os-release': '../usr/lib/os-release' },
    elf: 'usr/bin/bash',
    expect: { distro: 'ubuntu', product_name: 'Ubuntu 22.04.4 LTS', major: 22, minor: 4, osinfo: 'ubuntu22.04', package_format: 'deb', package_management: 'apt' },
  },
  {
    // ID=rhel, VERSION_ID=9.4: os-release decides.
    name: 'rhel94',
    files: {
      'etc/os-release':
        'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\nANSI_COLOR="0;31"\nLOGO="fedora-logo-icon"\nCPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"\nHOME_URL="https://www.redhat.com/"\nDOCUMENTATION_URL="https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/9"\nBUG_REPORT_URL="https://bugzilla.redhat.com/"\n\nREDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 9"\nREDHAT_BUGZILLA_PRODUCT_VERSION=9.4\nREDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"\nREDHAT_SUPPORT_PRODUCT_VERSION="9.4"\n',
      'etc/redhat-release': 'Red Hat Enterprise Linux release 9.4 (Plow)\n',
    },
    expect: { distro: 'rhel', product_name: 'Red Hat Enterprise Linux 9.4 (Plow)', major: 9, minor: 4, osinfo: 'rhel9.4', package_format: 'rpm', package_management: 'dnf' },
  },
  {
    // os-release gives only "7" for CentOS, so libguestfs bails out to /etc/centos-release (re_centos → 7.9).
    name: 'centos7',
    files: {
      'etc/os-release':
        'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\nANSI_COLOR="0;31"\nCPE_NAME="cpe:/o:centos:centos:7"\nHOME_URL="https://www.centos.org/"\nBUG_REPORT_URL="https://bugs.centos.org/"\n\nCENTOS_MANTISBT_PROJECT="CentOS-7"\nCENTOS_MANTISBT_PROJECT_VERSION="7"\nREDHAT_SUPPORT_PRODUCT="centos"\nREDHAT_SUPPORT_PRODUCT_VERSION="7"\n\n',
      'etc/centos-release': 'CentOS Linux release 7.9.2009 (Core)\n',
      'etc/redhat-release': 'CentOS Linux release 7.9.2009 (Core)\n',
      'etc/sysconfig/network': '# Created by anaconda\nHOSTNAME=centos7.example.com\n',
    },
    expect: { distro: 'centos', product_name: 'CentOS Linux release 7.9.2009 (Core)', major: 7, minor: 9, osinfo: 'centos7.0', package_format: 'rpm', package_management: 'yum' },
  },
  {
    // CentOS Stream: VERSION_ID="9" bails out; centos-release has no minor (re_centos_no_minor).
    name: 'centos-stream9',
    files: {
      'etc/os-release':
        'NAME="CentOS Stream"\nVERSION="9"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="CentOS Stream 9"\nANSI_COLOR="0;31"\nLOGO="fedora-logo-icon"\nCPE_NAME="cpe:/o:centos:centos:9"\nHOME_URL="https://centos.org/"\nBUG_REPORT_URL="https://issues.redhat.com/"\nREDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux 9"\nREDHAT_SUPPORT_PRODUCT_VERSION="CentOS Stream"\n',
      'etc/centos-release': 'CentOS Stream release 9\n',
      'etc/redhat-release': 'CentOS Stream release 9\n',
    },
    expect: { distro: 'centos', product_name: 'CentOS Stream release 9', major: 9, minor: 0, osinfo: 'centos9', package_format: 'rpm', package_management: 'dnf' },
  },
  {
    // ID=rocky with a minor version: os-release decides; osinfo drops the minor for rocky ≥ 8.
    name: 'rocky93',
    files: {
      'etc/os-release':
        'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\nANSI_COLOR="0;32"\nLOGO="fedora-logo-icon"\nCPE_NAME="cpe:/o:rocky:rocky:9::baseos"\nHOME_URL="https://rockylinux.org/"\nBUG_REPORT_URL="https://bugs.rockylinux.org/"\nSUPPORT_END="2032-05-31"\nROCKY_SUPPORT_PRODUCT="Rocky-Linux-9"\nROCKY_SUPPORT_PRODUCT_VERSION="9.3"\nREDHAT_SUPPORT_PRODUCT="Rocky Linux"\nREDHAT_SUPPORT_PRODUCT_VERSION="9.3"\n',
      'etc/rocky-release': 'Rocky Linux release 9.3 (Blue Onyx)\n',
      'etc/redhat-release': 'Rocky Linux release 9.3 (Blue Onyx)\n',
    },
    expect: { distro: 'rocky', product_name: 'Rocky Linux 9.3 (Blue Onyx)', major: 9, minor: 3, osinfo: 'rocky9', package_format: 'rpm', package_management: 'dnf' },
  },
  {
    // libguestfs has no AlmaLinux: ID=almalinux is unknown, and /etc/redhat-release matches none of
    // the named regexes, so the generic "redhat-based" parser takes the first line.
    name: 'alma94',
    files: {
      'etc/os-release':
        'NAME="AlmaLinux"\nVERSION="9.4 (Seafoam Ocelot)"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"\nANSI_COLOR="0;34"\nLOGO="fedora-logo-icon"\nCPE_NAME="cpe:/o:almalinux:almalinux:9::baseos"\nHOME_URL="https://almalinux.org/"\nDOCUMENTATION_URL="https://wiki.almalinux.org/"\nBUG_REPORT_URL="https://bugs.almalinux.org/"\n\nALMALINUX_MANTISBT_PROJECT="AlmaLinux-9"\nALMALINUX_MANTISBT_PROJECT_VERSION="9.4"\nREDHAT_SUPPORT_PRODUCT="AlmaLinux"\nREDHAT_SUPPORT_PRODUCT_VERSION="9.4"\nSUPPORT_END=2032-06-01\n',
      'etc/almalinux-release': 'AlmaLinux release 9.4 (Seafoam Ocelot)\n',
    },
    links: { 'etc/redhat-release': 'almalinux-release', 'etc/system-release': 'almalinux-release' },
    expect: { distro: 'redhat-based', product_name: 'AlmaLinux release 9.4 (Seafoam Ocelot)', major: 9, minor: 4, osinfo: 'redhat-based9.4', package_format: 'rpm', package_management: 'dnf' },
  },
  {
    // ID="ol" is unknown to libguestfs; /etc/oracle-release is tested before redhat-release (re_oracle_linux).
    name: 'oracle94',
    files: {
      'etc/os-release':
        'NAME="Oracle Linux Server"\nVERSION="9.4"\nID="ol"\nID_LIKE="fedora"\nVARIANT="Server"\nVARIANT_ID="server"\nVERSION_ID="9.4"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Oracle Linux Server 9.4"\nANSI_COLOR="0;31"\nCPE_NAME="cpe:/o:oracle:linux:9:4:server"\nHOME_URL="https://linux.oracle.com/"\nBUG_REPORT_URL="https://github.com/oracle/oracle-linux"\n\nORACLE_BUGZILLA_PRODUCT="Oracle Linux 9"\nORACLE_BUGZILLA_PRODUCT_VERSION=9.4\nORACLE_SUPPORT_PRODUCT="Oracle Linux"\nORACLE_SUPPORT_PRODUCT_VERSION=9.4\n',
      'etc/oracle-release': 'Oracle Linux Server release 9.4\n',
      'etc/redhat-release': 'Red Hat Enterprise Linux release 9.4 (Plow)\n',
    },
    expect: { distro: 'oraclelinux', product_name: 'Oracle Linux Server release 9.4', major: 9, minor: 4, osinfo: 'oraclelinux9.4', package_format: 'rpm', package_management: 'dnf' },
  },
  {
    // ID=fedora; dnf is installed, so package management is dnf (check_package_management).
    name: 'fedora39',
    files: {
      'usr/lib/os-release':
        'NAME="Fedora Linux"\nVERSION="39 (Cloud Edition)"\nID=fedora\nVERSION_ID=39\nVERSION_CODENAME=""\nPLATFORM_ID="platform:f39"\nPRETTY_NAME="Fedora Linux 39 (Cloud Edition)"\nANSI_COLOR="0;38;2;60;110;180"\nLOGO=fedora-logo-icon\nCPE_NAME="cpe:/o:fedoraproject:fedora:39"\nHOME_URL="https://fedoraproject.org/"\nSUPPORT_END=2024-11-12\nVARIANT="Cloud Edition"\nVARIANT_ID=cloud\n',
      'etc/fedora-release': 'Fedora release 39 (Thirty Nine)\n',
      'usr/bin/dnf': '#!/usr/bin/python3\n',
    },
    links: { ...usrMerged, 'etc/os-release': '../usr/lib/os-release', 'etc/redhat-release': 'fedora-release' },
    elf: 'usr/bin/bash',
    expect: { distro: 'fedora', product_name: 'Fedora Linux 39 (Cloud Edition)', major: 39, minor: 0, osinfo: 'fedora39', package_format: 'rpm', package_management: 'dnf' },
  },
  {
    // ID="opensuse-leap" maps to opensuse.
    name: 'leap155',
    files: {
      'usr/lib/os-release':
        'NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\nANSI_COLOR="0;32"\nCPE_NAME="cpe:/o:opensuse:leap:15.5"\nBUG_REPORT_URL="https://bugs.opensuse.org"\nHOME_URL="https://www.opensuse.org/"\nDOCUMENTATION_URL="https://en.opensuse.org/Portal:Leap"\nLOGO="distributor-logo-Leap"\n',
      'etc/HOSTNAME': 'leap\n',
    },
    links: { 'etc/os-release': '../usr/lib/os-release' },
    expect: { distro: 'opensuse', product_name: 'openSUSE Leap 15.5', major: 15, minor: 5, osinfo: 'opensuse15.5', package_format: 'rpm', package_management: 'zypper' },
  },
  {
    // ID="sles"; osinfo uses "sle" from 15 on, with the service pack as "sp".
    name: 'sles15sp5',
    files: {
      'usr/lib/os-release':
        'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"\nID="sles"\nID_LIKE="suse"\nANSI_COLOR="0;32"\nCPE_NAME="cpe:/o:suse:sles:15:sp5"\nDOCUMENTATION_URL="https://documentation.suse.com/"\n',
    },
    links: { 'etc/os-release': '../usr/lib/os-release' },
    expect: { distro: 'sles', product_name: 'SUSE Linux Enterprise Server 15 SP5', major: 15, minor: 5, osinfo: 'sle15sp5', package_format: 'rpm', package_management: 'zypper' },
  },
  {
    // ID=alpine, VERSION_ID=3.19.1 → 3.19; /bin/ls is a busybox applet link.
    name: 'alpine319',
    files: {
      'etc/os-release': 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\nHOME_URL="https://alpinelinux.org/"\nBUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n',
      'etc/alpine-release': '3.19.1\n',
      'etc/hostname': 'alpine\n',
      'lib/apk/db/installed': '',
      'sbin/openrc': '',
      'etc/init.d/sshd': '#!/sbin/openrc-run\n\ndescription="OpenBSD Secure Shell server"\ncommand="/usr/sbin/sshd"\n',
      'etc/init.d/networking': '#!/sbin/openrc-run\n\ndescription="Configures network interfaces"\n',
      'etc/init.d/crond': '#!/sbin/openrc-run\n\nname="busybox $SVCNAME"\ncommand="/usr/sbin/$SVCNAME"\n',
      'etc/init.d/qemu-guest-agent': '#!/sbin/openrc-run\n\nname="QEMU Guest Agent"\n',
      'usr/bin/qemu-ga': '',
      'etc/network/interfaces': 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n',
      'boot/extlinux.conf':
        '# Generated by update-extlinux 6.04_pre1-r15\nDEFAULT menu.c32\nPROMPT 0\nMENU TITLE Alpine/Linux Boot Menu\nMENU HIDDEN\nMENU AUTOBOOT Alpine will be booted automatically in # seconds.\nTIMEOUT 10\nLABEL lts\n  MENU LABEL Linux lts\n  LINUX vmlinuz-lts\n  INITRD initramfs-lts\n  APPEND root=UUID=6f3d2a1b-0c9e-4d8f-a7b6-c5d4e3f2a1b0 modules=sd-mod,usb-storage,ext4 quiet rootfstype=ext4\nLABEL virt\n  MENU DEFAULT\n  MENU LABEL Linux virt\n  LINUX vmlinuz-virt\n  INITRD initramfs-virt\n  APPEND root=UUID=6f3d2a1b-0c9e-4d8f-a7b6-c5d4e3f2a1b0 modules=sd-mod,usb-storage,ext4 console=ttyS0 rootfstype=ext4\nMENU SEPARATOR\n',
      'boot/extlinux/ldlinux.sys': '',
      'boot/vmlinuz-virt': '',
      'boot/initramfs-virt': '',
    },
    links: {
      'bin/ls': '/bin/busybox',
      'bin/sh': '/bin/busybox',
      'sbin/init': '/bin/busybox',
      'etc/runlevels/default/sshd': '/etc/init.d/sshd',
      'etc/runlevels/default/qemu-guest-agent': '/etc/init.d/qemu-guest-agent',
      'etc/runlevels/boot/networking': '/etc/init.d/networking',
    },
    elf: 'bin/busybox',
    expect: { distro: 'alpinelinux', product_name: 'Alpine Linux v3.19', major: 3, minor: 19, osinfo: 'alpinelinux3.19', package_format: 'apk', package_management: 'apk' },
  },
  {
    // Rolling: no VERSION_ID, so version (0, 0); BUILD_ID=rolling.
    name: 'arch',
    files: {
      'usr/lib/os-release':
        'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\nANSI_COLOR="38;2;23;147;209"\nHOME_URL="https://archlinux.org/"\nDOCUMENTATION_URL="https://wiki.archlinux.org/"\nSUPPORT_URL="https://bbs.archlinux.org/"\nBUG_REPORT_URL="https://gitlab.archlinux.org/groups/archlinux/-/issues"\nPRIVACY_POLICY_URL="https://terms.archlinux.org/docs/privacy-policy/"\nLOGO=archlinux-logo\n',
      'etc/arch-release': '',
      'boot/loader/loader.conf': 'default  arch.conf\ntimeout  4\nconsole-mode max\neditor   no\n',
      'boot/loader/entries/arch.conf': 'title   Arch Linux\nlinux   /vmlinuz-linux\ninitrd  /initramfs-linux.img\noptions root=PARTUUID=7a1e3c5d-2b4f-4a6e-8c0d-9e1f2a3b4c5d rw\n',
      'boot/loader/entries/arch-fallback.conf': 'title   Arch Linux (fallback initramfs)\nlinux   /vmlinuz-linux\ninitrd  /initramfs-linux-fallback.img\noptions root=PARTUUID=7a1e3c5d-2b4f-4a6e-8c0d-9e1f2a3b4c5d rw\n',
      'boot/EFI/systemd/systemd-bootx64.efi': '',
      'boot/EFI/BOOT/BOOTX64.EFI': '',
      'boot/initramfs-linux.img': '',
      [`usr/lib/modules/${HOST_KERNEL?.version ?? 'none'}/pkgbase`]: 'linux\n',
      // Without a host kernel to copy, a stand-in image that has no banner.
      ...(HOST_KERNEL ? {} : { 'boot/vmlinuz-linux': 'not a bzImage\n' }),
    },
    links: { ...usrMerged, 'etc/os-release': '../usr/lib/os-release' },
    copies: HOST_KERNEL ? { 'boot/vmlinuz-linux': HOST_KERNEL.image } : {},
    elf: 'usr/bin/bash',
    expect: { distro: 'archlinux', product_name: 'Arch Linux', major: 0, minor: 0, osinfo: 'archlinux', package_format: 'pacman', package_management: 'pacman' },
  },
  {
    // ID="amzn" is unknown to libguestfs and there is no redhat-release: no distro, but PRETTY_NAME
    // and VERSION_ID stay. Packaging is then detected from the rpm database (our extension).
    name: 'amzn2023',
    files: {
      'usr/lib/os-release':
        'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\nPLATFORM_ID="platform:al2023"\nPRETTY_NAME="Amazon Linux 2023.4.20240401"\nANSI_COLOR="0;33"\nCPE_NAME="cpe:2.3:o:amazon:amazon_linux:2023"\nHOME_URL="https://aws.amazon.com/linux/amazon-linux-2023/"\nDOCUMENTATION_URL="https://docs.aws.amazon.com/linux/"\nSUPPORT_URL="https://aws.amazon.com/premiumsupport/"\nBUG_REPORT_URL="https://github.com/amazonlinux/amazon-linux-2023"\nVENDOR_NAME="AWS"\nVENDOR_URL="https://aws.amazon.com/"\nSUPPORT_END="2028-03-15"\n',
      'etc/system-release': 'Amazon Linux release 2023.4.20240401 (Amazon Linux)\n',
      'var/lib/rpm/rpmdb.sqlite': '',
      'usr/bin/dnf': '#!/usr/bin/python3\n',
    },
    links: { ...usrMerged, 'etc/os-release': '../usr/lib/os-release' },
    elf: 'usr/bin/bash',
    expect: { distro: null, product_name: 'Amazon Linux 2023.4.20240401', major: 2023, minor: 0, osinfo: null, package_format: 'rpm', package_management: 'dnf' },
  },
  {
    // No os-release (CentOS 6): centos-release with re_centos.
    name: 'centos6',
    files: { 'etc/centos-release': 'CentOS release 6.10 (Final)\n', 'etc/redhat-release': 'CentOS release 6.10 (Final)\n' },
    expect: { distro: 'centos', product_name: 'CentOS release 6.10 (Final)', major: 6, minor: 10, osinfo: 'centos6.10', package_format: 'rpm', package_management: 'yum' },
  },
  {
    // RHEL 5 "Update" naming (re_rhel_old).
    name: 'rhel5',
    files: { 'etc/redhat-release': 'Red Hat Enterprise Linux Server release 5 (Tikanga Update 11)\n' },
    expect: { distro: 'rhel', product_name: 'Red Hat Enterprise Linux Server release 5 (Tikanga Update 11)', major: 5, minor: 11, osinfo: 'rhel5.11', package_format: 'rpm', package_management: 'yum' },
  },
  {
    // SLES 11 SP4: /etc/SuSE-release with VERSION and PATCHLEVEL lines.
    name: 'sles11sp4',
    files: { 'etc/SuSE-release': 'SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n' },
    expect: { distro: 'sles', product_name: 'SUSE Linux Enterprise Server 11 (x86_64)', major: 11, minor: 4, osinfo: 'sles11sp4', package_format: 'rpm', package_management: 'zypper' },
  },
  {
    // Debian 7: only /etc/debian_version (parse_generic).
    name: 'debian7',
    files: { 'etc/debian_version': '7.11\n', 'etc/hostname': 'wheezy\n' },
    expect: { distro: 'debian', product_name: '7.11', major: 7, minor: 11, osinfo: 'debian7', package_format: 'deb', package_management: 'apt' },
  },
  {
    // Ubuntu 12.04: lsb-release only.
    name: 'ubuntu1204',
    files: { 'etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=12.04\nDISTRIB_CODENAME=precise\nDISTRIB_DESCRIPTION="Ubuntu 12.04.5 LTS"\n', 'etc/debian_version': 'wheezy/sid\n' },
    expect: { distro: 'ubuntu', product_name: 'Ubuntu 12.04.5 LTS', major: 12, minor: 4, osinfo: 'ubuntu12.04', package_format: 'deb', package_management: 'apt' },
  },
  {
    // Debian testing: os-release has no VERSION_ID, debian_version has no number.
    name: 'debian-sid',
    files: {
      'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nVERSION_CODENAME=trixie\nID=debian\nHOME_URL="https://www.debian.org/"\n',
      'etc/debian_version': 'trixie/sid\n',
    },
    expect: { distro: 'debian', product_name: 'trixie/sid', major: 0, minor: 0, osinfo: null, package_format: 'deb', package_management: 'apt' },
  },
];

describe.skipIf(!canBuildImages)('distribution identity (libguestfs rules)', () => {
  const images = canBuildImages ? distroImages(TREES, `v3-${HOST_KERNEL?.version ?? 'none'}`) : new Map<string, string>();
  afterAll(closeGuests);

  for (const tree of TREES) {
    it(`${tree.name}: distro, product, version, osinfo, packaging`, async () => {
      const img = images.get(tree.name);
      expect(img, `image for ${tree.name}`).toBeDefined();
      const id = await inspectLinuxIdentity(await openGuest(img!));
      expect({
        distro: id.distro,
        product_name: id.product_name,
        major: id.major_version,
        minor: id.minor_version,
        osinfo: id.osinfo,
        package_format: id.package_format,
        package_management: id.package_management,
      }).toEqual(tree.expect);
      expect(id.arch).toBe('x86_64');
    });
  }

  it('keeps the raw os-release fields and libguestfs extras', async () => {
    const alma = await inspectLinuxIdentity(await openGuest(images.get('alma94')!));
    expect(alma.os_release).toMatchObject({ path: '/etc/os-release', id: 'almalinux', id_like: ['rhel', 'centos', 'fedora'], version_id: '9.4' });
    expect(alma.release_file).toBe('/etc/redhat-release');
    const arch = await inspectLinuxIdentity(await openGuest(images.get('arch')!));
    expect(arch.build_id).toBe('rolling');
    expect(arch.release_file).toBe('/etc/os-release');
    expect(arch.arch_binary).toBe('/usr/bin/bash');
  });

  it('reads hostnames from /etc/hostname, /etc/HOSTNAME and /etc/sysconfig/network', async () => {
    expect((await inspectLinuxIdentity(await openGuest(images.get('ubuntu2204')!))).hostname).toBe('jammy-vm');
    expect((await inspectLinuxIdentity(await openGuest(images.get('leap155')!))).hostname).toBe('leap');
    const c7 = await inspectLinuxIdentity(await openGuest(images.get('centos7')!));
    expect([c7.hostname, c7.hostname_source]).toEqual(['centos7.example.com', '/etc/sysconfig/network']);
    expect((await inspectLinuxIdentity(await openGuest(images.get('rhel94')!))).hostname).toBeNull();
  });

  it('follows /bin/ls → busybox for the architecture and finds OpenRC on Alpine', async () => {
    const view = await openGuest(images.get('alpine319')!);
    const a = await inspectLinuxIdentity(view);
    expect(a.arch_binary).toBe('/bin/busybox');
    expect(a.init_system).toBe('openrc');
    expect(a.guest_tools.qemu_guest_agent).toEqual({ installed: true, enabled: true, evidence: ['/usr/bin/qemu-ga', '/etc/init.d/qemu-guest-agent (runlevel default)'] });
    const s = await inspectLinuxServices(view);
    expect(s.services.map((x) => [x.name, x.source, x.state, x.runlevels, x.description])).toEqual([
      ['crond', 'openrc', 'disabled', [], null],
      ['networking', 'openrc', 'enabled', ['boot'], 'Configures network interfaces'],
      ['qemu-guest-agent', 'openrc', 'enabled', ['default'], null],
      ['sshd', 'openrc', 'enabled', ['default'], 'OpenBSD Secure Shell server'],
    ]);
  });

  it('reads Alpine extlinux with a MENU DEFAULT label', async () => {
    const b = await inspectLinuxBoot(await openGuest(images.get('alpine319')!));
    expect(b.bootloader).toBe('extlinux');
    expect(b.default_entry).toMatchObject({ title: 'Linux virt', kernel: 'vmlinuz-virt', initrd: ['initramfs-virt'], kernel_path: null });
    expect(b.kernel_cmdline).toBe('root=UUID=6f3d2a1b-0c9e-4d8f-a7b6-c5d4e3f2a1b0 modules=sd-mod,usb-storage,ext4 console=ttyS0 rootfstype=ext4');
    expect(b.firmware).toBe('bios');
  });

  it('reads systemd-boot entries and versions an unversioned kernel from its bzImage banner', async () => {
    const b = await inspectLinuxBoot(await openGuest(images.get('arch')!));
    expect(b.bootloader).toBe('systemd-boot');
    expect(b.entries.map((e) => e.id)).toEqual(['arch-fallback', 'arch']);
    expect(b.default_entry).toMatchObject({ id: 'arch', title: 'Arch Linux', kernel_path: '/boot/vmlinuz-linux', cmdline: 'root=PARTUUID=7a1e3c5d-2b4f-4a6e-8c0d-9e1f2a3b4c5d rw' });
    const v = HOST_KERNEL?.version;
    expect(b.kernels).toMatchObject([{ path: '/boot/vmlinuz-linux', version: v ?? 'linux', modules_dir: v ? `/lib/modules/${v}` : null, initrd: '/boot/initramfs-linux.img' }]);
    expect(b.firmware).toBe('uefi');
  });
});
