export const COMPLIANCE_YAML = String.raw`
# Built-in profile "compliance": automatable CIS Level 1 Server recommendations (plus
# the Level 2 partition and auditd items, marked as such) for Debian/Ubuntu (CIS Debian
# Linux 12 Benchmark v1.1.0 section ids) and the RHEL family (CIS Red Hat Enterprise
# Linux 9 Benchmark v2.0.0 section ids), with PCI-DSS v4.0 requirement ids where a
# requirement maps. Rules whose check differs between the families carry a .debian or
# .rhel suffix and an applies_to.family; the others hold both references.
#
# This module holds the YAML as a string so the compiled package carries it; line N of
# the YAML is line N of this file, so loader errors point here.
profile:
  id: compliance
  title: 'CIS Level 1 Server (Debian 12, RHEL 9)'
  description: 'Static checks of the CIS Level 1 Server recommendations that can be judged from a disk image: mount options and partitions, unneeded filesystems and services, network parameters, logging and auditing, SSH, PAM and password policy, file permissions, cron and accounts. Runtime-only recommendations (running processes, loaded rules) are not covered.'
  version: '1.0'
rules:
  - id: cis.fs.cramfs-disabled
    title: 'The cramfs kernel module cannot be loaded'
    severity: low
    description: 'modprobe.d (/etc, /run, /usr/lib, /lib) has "install cramfs /bin/false" (or /bin/true) or "blacklist cramfs"; cramfs is a compressed read-only filesystem used by embedded devices.'
    rationale: 'Every filesystem driver the kernel loads on demand is attack surface: a crafted image or USB stick can reach bugs in drivers a server never needs.'
    remediation: 'printf "install cramfs /bin/false\nblacklist cramfs\n" > /etc/modprobe.d/cramfs.conf'
    references:
      - { standard: cis-debian-12, id: '1.1.1.1' }
      - { standard: cis-rhel-9, id: '1.1.1.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: cramfs } }
  - id: cis.fs.freevxfs-disabled
    title: 'The freevxfs kernel module cannot be loaded'
    severity: low
    description: 'modprobe.d (/etc, /run, /usr/lib, /lib) has "install freevxfs /bin/false" (or /bin/true) or "blacklist freevxfs"; freevxfs is the Veritas filesystem driver.'
    rationale: 'Every filesystem driver the kernel loads on demand is attack surface: a crafted image or USB stick can reach bugs in drivers a server never needs.'
    remediation: 'printf "install freevxfs /bin/false\nblacklist freevxfs\n" > /etc/modprobe.d/freevxfs.conf'
    references:
      - { standard: cis-debian-12, id: '1.1.1.2' }
      - { standard: cis-rhel-9, id: '1.1.1.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: freevxfs } }
  - id: cis.fs.hfs-disabled
    title: 'The hfs kernel module cannot be loaded'
    severity: low
    description: 'modprobe.d (/etc, /run, /usr/lib, /lib) has "install hfs /bin/false" (or /bin/true) or "blacklist hfs"; hfs is the classic Mac OS filesystem.'
    rationale: 'Every filesystem driver the kernel loads on demand is attack surface: a crafted image or USB stick can reach bugs in drivers a server never needs.'
    remediation: 'printf "install hfs /bin/false\nblacklist hfs\n" > /etc/modprobe.d/hfs.conf'
    references:
      - { standard: cis-debian-12, id: '1.1.1.3' }
      - { standard: cis-rhel-9, id: '1.1.1.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: hfs } }
  - id: cis.fs.hfsplus-disabled
    title: 'The hfsplus kernel module cannot be loaded'
    severity: low
    description: 'modprobe.d (/etc, /run, /usr/lib, /lib) has "install hfsplus /bin/false" (or /bin/true) or "blacklist hfsplus"; hfsplus is the Mac OS Extended filesystem.'
    rationale: 'Every filesystem driver the kernel loads on demand is attack surface: a crafted image or USB stick can reach bugs in drivers a server never needs.'
    remediation: 'printf "install hfsplus /bin/false\nblacklist hfsplus\n" > /etc/modprobe.d/hfsplus.conf'
    references:
      - { standard: cis-debian-12, id: '1.1.1.4' }
      - { standard: cis-rhel-9, id: '1.1.1.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: hfsplus } }
  - id: cis.fs.jffs2-disabled
    title: 'The jffs2 kernel module cannot be loaded'
    severity: low
    description: 'modprobe.d (/etc, /run, /usr/lib, /lib) has "install jffs2 /bin/false" (or /bin/true) or "blacklist jffs2"; jffs2 is a flash-memory filesystem.'
    rationale: 'Every filesystem driver the kernel loads on demand is attack surface: a crafted image or USB stick can reach bugs in drivers a server never needs.'
    remediation: 'printf "install jffs2 /bin/false\nblacklist jffs2\n" > /etc/modprobe.d/jffs2.conf'
    references:
      - { standard: cis-debian-12, id: '1.1.1.5' }
      - { standard: cis-rhel-9, id: '1.1.1.5' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: jffs2 } }
  - id: cis.fs.squashfs-disabled
    title: 'The squashfs kernel module cannot be loaded'
    severity: low
    description: 'modprobe.d (/etc, /run, /usr/lib, /lib) has "install squashfs /bin/false" (or /bin/true) or "blacklist squashfs"; squashfs is a compressed read-only filesystem (used by snaps and live images). (CIS Level 2 Server.)'
    rationale: 'Every filesystem driver the kernel loads on demand is attack surface: a crafted image or USB stick can reach bugs in drivers a server never needs.'
    remediation: 'printf "install squashfs /bin/false\nblacklist squashfs\n" > /etc/modprobe.d/squashfs.conf'
    references:
      - { standard: cis-debian-12, id: '1.1.1.7' }
      - { standard: cis-rhel-9, id: '1.1.1.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: squashfs } }
  - id: cis.fs.udf-disabled
    title: 'The udf kernel module cannot be loaded'
    severity: low
    description: 'modprobe.d (/etc, /run, /usr/lib, /lib) has "install udf /bin/false" (or /bin/true) or "blacklist udf"; udf is the optical-media filesystem (also used by Azure images). (CIS Level 2 Server.)'
    rationale: 'Every filesystem driver the kernel loads on demand is attack surface: a crafted image or USB stick can reach bugs in drivers a server never needs.'
    remediation: 'printf "install udf /bin/false\nblacklist udf\n" > /etc/modprobe.d/udf.conf'
    references:
      - { standard: cis-debian-12, id: '1.1.1.8' }
      - { standard: cis-rhel-9, id: '1.1.1.7' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: udf } }
  - id: cis.fs.usb-storage-disabled
    title: 'The usb-storage kernel module cannot be loaded'
    severity: medium
    description: 'modprobe.d (/etc, /run, /usr/lib, /lib) has "install usb-storage /bin/false" (or /bin/true) or "blacklist usb-storage"; usb-storage is the USB mass-storage driver.'
    rationale: 'USB storage lets anyone with physical access copy data off the machine or bring malware onto it.'
    remediation: 'printf "install usb-storage /bin/false\nblacklist usb-storage\n" > /etc/modprobe.d/usb-storage.conf'
    references:
      - { standard: cis-debian-12, id: '1.1.1.9' }
      - { standard: cis-rhel-9, id: '1.1.1.8' }
      - { standard: pci-dss-4, id: '3.4.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: usb-storage } }
  - id: cis.mount.tmp-separate
    title: '/tmp is a separate filesystem'
    severity: medium
    description: '/etc/fstab has a non-swap entry mounting exactly /tmp (tmpfs counts, as does systemd''s tmp.mount when enabled).'
    rationale: 'A separate /tmp can carry nodev, nosuid and noexec, and a user filling it cannot fill the root filesystem.'
    remediation: 'Create a partition or logical volume for /tmp, move the contents there and add it to /etc/fstab (or "systemctl unmask tmp.mount && systemctl enable tmp.mount" for a tmpfs).'
    references:
      - { standard: cis-debian-12, id: '1.1.2.1.1' }
      - { standard: cis-rhel-9, id: '1.1.2.1.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { separate_partition: { path: /tmp } }
  - id: cis.mount.home-separate
    title: '/home is a separate filesystem'
    severity: low
    description: '/etc/fstab has a non-swap entry mounting exactly /home. (CIS Level 2 Server.)'
    rationale: 'User data on its own filesystem can be mounted nodev/nosuid and cannot fill the system filesystem.'
    remediation: 'Create a partition or logical volume for /home, move the contents there and add it to /etc/fstab.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.3.1' }
      - { standard: cis-rhel-9, id: '1.1.2.3.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { separate_partition: { path: /home } }
  - id: cis.mount.var-separate
    title: '/var is a separate filesystem'
    severity: low
    description: '/etc/fstab has a non-swap entry mounting exactly /var. (CIS Level 2 Server.)'
    rationale: 'Daemons write under /var; on its own filesystem a runaway spool or cache cannot fill the root filesystem.'
    remediation: 'Create a partition or logical volume for /var, move the contents there and add it to /etc/fstab.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.4.1' }
      - { standard: cis-rhel-9, id: '1.1.2.4.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { separate_partition: { path: /var } }
  - id: cis.mount.var-tmp-separate
    title: '/var/tmp is a separate filesystem'
    severity: low
    description: '/etc/fstab has a non-swap entry mounting exactly /var/tmp. (CIS Level 2 Server.)'
    rationale: '/var/tmp is world-writable and survives reboots; its own filesystem can carry nodev, nosuid and noexec.'
    remediation: 'Create a partition or logical volume for /var/tmp, move the contents there and add it to /etc/fstab.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.5.1' }
      - { standard: cis-rhel-9, id: '1.1.2.5.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { separate_partition: { path: /var/tmp } }
  - id: cis.mount.var-log-separate
    title: '/var/log is a separate filesystem'
    severity: low
    description: '/etc/fstab has a non-swap entry mounting exactly /var/log. (CIS Level 2 Server.)'
    rationale: 'Logs on their own filesystem keep filling disks from stopping the system, and the reverse.'
    remediation: 'Create a partition or logical volume for /var/log, move the contents there and add it to /etc/fstab.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.6.1' }
      - { standard: cis-rhel-9, id: '1.1.2.6.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { separate_partition: { path: /var/log } }
  - id: cis.mount.var-log-audit-separate
    title: '/var/log/audit is a separate filesystem'
    severity: low
    description: '/etc/fstab has a non-swap entry mounting exactly /var/log/audit. (CIS Level 2 Server.)'
    rationale: 'The audit trail on its own filesystem cannot be pushed out by other logs, so auditd''s space_left actions work as planned.'
    remediation: 'Create a partition or logical volume for /var/log/audit, move the contents there and add it to /etc/fstab.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.7.1' }
      - { standard: cis-rhel-9, id: '1.1.2.7.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { separate_partition: { path: /var/log/audit } }
  - id: cis.mount.tmp-nodev
    title: '/tmp is mounted nodev'
    severity: low
    description: 'The /etc/fstab entry for /tmp has the nodev option (a missing /tmp mount fails).'
    rationale: 'nodev stops device files on the filesystem from being honoured, so a user cannot create a block or character device there to reach raw disks or memory.'
    remediation: 'Add nodev to the options of the /tmp line in /etc/fstab and remount: mount -o remount /tmp.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.1.2' }
      - { standard: cis-rhel-9, id: '1.1.2.1.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /tmp, option: nodev, missing_mount: fail } }
  - id: cis.mount.tmp-nosuid
    title: '/tmp is mounted nosuid'
    severity: medium
    description: 'The /etc/fstab entry for /tmp has the nosuid option (a missing /tmp mount fails).'
    rationale: 'nosuid makes the kernel ignore setuid/setgid bits there, so a planted setuid binary cannot raise privileges.'
    remediation: 'Add nosuid to the options of the /tmp line in /etc/fstab and remount: mount -o remount /tmp.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.1.3' }
      - { standard: cis-rhel-9, id: '1.1.2.1.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /tmp, option: nosuid, missing_mount: fail } }
  - id: cis.mount.tmp-noexec
    title: '/tmp is mounted noexec'
    severity: medium
    description: 'The /etc/fstab entry for /tmp has the noexec option (a missing /tmp mount fails).'
    rationale: 'noexec keeps programs from being executed from the filesystem, which stops the common "download to a writable directory and run" step of an attack.'
    remediation: 'Add noexec to the options of the /tmp line in /etc/fstab and remount: mount -o remount /tmp.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.1.4' }
      - { standard: cis-rhel-9, id: '1.1.2.1.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /tmp, option: noexec, missing_mount: fail } }
  - id: cis.mount.dev-shm-nodev
    title: '/dev/shm is mounted nodev'
    severity: low
    description: 'The /etc/fstab entry for /dev/shm has the nodev option (a missing entry fails: systemd mounts /dev/shm without noexec, and CIS asks for an fstab entry).'
    rationale: 'nodev stops device files on the filesystem from being honoured, so a user cannot create a block or character device there to reach raw disks or memory.'
    remediation: 'Add nodev to the options of the /dev/shm line in /etc/fstab (e.g. "tmpfs /dev/shm tmpfs defaults,rw,nosuid,nodev,noexec,relatime 0 0") and remount: mount -o remount /dev/shm.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.2.2' }
      - { standard: cis-rhel-9, id: '1.1.2.2.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /dev/shm, option: nodev, missing_mount: fail } }
  - id: cis.mount.dev-shm-nosuid
    title: '/dev/shm is mounted nosuid'
    severity: medium
    description: 'The /etc/fstab entry for /dev/shm has the nosuid option (a missing entry fails: systemd mounts /dev/shm without noexec, and CIS asks for an fstab entry).'
    rationale: 'nosuid makes the kernel ignore setuid/setgid bits there, so a planted setuid binary cannot raise privileges.'
    remediation: 'Add nosuid to the options of the /dev/shm line in /etc/fstab (e.g. "tmpfs /dev/shm tmpfs defaults,rw,nosuid,nodev,noexec,relatime 0 0") and remount: mount -o remount /dev/shm.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.2.3' }
      - { standard: cis-rhel-9, id: '1.1.2.2.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /dev/shm, option: nosuid, missing_mount: fail } }
  - id: cis.mount.dev-shm-noexec
    title: '/dev/shm is mounted noexec'
    severity: medium
    description: 'The /etc/fstab entry for /dev/shm has the noexec option (a missing entry fails: systemd mounts /dev/shm without noexec, and CIS asks for an fstab entry).'
    rationale: 'noexec keeps programs from being executed from the filesystem, which stops the common "download to a writable directory and run" step of an attack.'
    remediation: 'Add noexec to the options of the /dev/shm line in /etc/fstab (e.g. "tmpfs /dev/shm tmpfs defaults,rw,nosuid,nodev,noexec,relatime 0 0") and remount: mount -o remount /dev/shm.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.2.4' }
      - { standard: cis-rhel-9, id: '1.1.2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /dev/shm, option: noexec, missing_mount: fail } }
  - id: cis.mount.home-nodev
    title: '/home is mounted nodev'
    severity: low
    description: 'The /etc/fstab entry for /home has the nodev option (not applicable when /home is not a separate filesystem).'
    rationale: 'nodev stops device files on the filesystem from being honoured, so a user cannot create a block or character device there to reach raw disks or memory.'
    remediation: 'Add nodev to the options of the /home line in /etc/fstab and remount: mount -o remount /home.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.3.2' }
      - { standard: cis-rhel-9, id: '1.1.2.3.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /home, option: nodev, missing_mount: not_applicable } }
  - id: cis.mount.home-nosuid
    title: '/home is mounted nosuid'
    severity: medium
    description: 'The /etc/fstab entry for /home has the nosuid option (not applicable when /home is not a separate filesystem).'
    rationale: 'nosuid makes the kernel ignore setuid/setgid bits there, so a planted setuid binary cannot raise privileges.'
    remediation: 'Add nosuid to the options of the /home line in /etc/fstab and remount: mount -o remount /home.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.3.3' }
      - { standard: cis-rhel-9, id: '1.1.2.3.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /home, option: nosuid, missing_mount: not_applicable } }
  - id: cis.mount.var-nodev
    title: '/var is mounted nodev'
    severity: low
    description: 'The /etc/fstab entry for /var has the nodev option (not applicable when /var is not a separate filesystem).'
    rationale: 'nodev stops device files on the filesystem from being honoured, so a user cannot create a block or character device there to reach raw disks or memory.'
    remediation: 'Add nodev to the options of the /var line in /etc/fstab and remount: mount -o remount /var.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.4.2' }
      - { standard: cis-rhel-9, id: '1.1.2.4.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var, option: nodev, missing_mount: not_applicable } }
  - id: cis.mount.var-nosuid
    title: '/var is mounted nosuid'
    severity: medium
    description: 'The /etc/fstab entry for /var has the nosuid option (not applicable when /var is not a separate filesystem).'
    rationale: 'nosuid makes the kernel ignore setuid/setgid bits there, so a planted setuid binary cannot raise privileges.'
    remediation: 'Add nosuid to the options of the /var line in /etc/fstab and remount: mount -o remount /var.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.4.3' }
      - { standard: cis-rhel-9, id: '1.1.2.4.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var, option: nosuid, missing_mount: not_applicable } }
  - id: cis.mount.var-tmp-nodev
    title: '/var/tmp is mounted nodev'
    severity: low
    description: 'The /etc/fstab entry for /var/tmp has the nodev option (not applicable when /var/tmp is not a separate filesystem).'
    rationale: 'nodev stops device files on the filesystem from being honoured, so a user cannot create a block or character device there to reach raw disks or memory.'
    remediation: 'Add nodev to the options of the /var/tmp line in /etc/fstab and remount: mount -o remount /var/tmp.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.5.2' }
      - { standard: cis-rhel-9, id: '1.1.2.5.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var/tmp, option: nodev, missing_mount: not_applicable } }
  - id: cis.mount.var-tmp-nosuid
    title: '/var/tmp is mounted nosuid'
    severity: medium
    description: 'The /etc/fstab entry for /var/tmp has the nosuid option (not applicable when /var/tmp is not a separate filesystem).'
    rationale: 'nosuid makes the kernel ignore setuid/setgid bits there, so a planted setuid binary cannot raise privileges.'
    remediation: 'Add nosuid to the options of the /var/tmp line in /etc/fstab and remount: mount -o remount /var/tmp.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.5.3' }
      - { standard: cis-rhel-9, id: '1.1.2.5.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var/tmp, option: nosuid, missing_mount: not_applicable } }
  - id: cis.mount.var-tmp-noexec
    title: '/var/tmp is mounted noexec'
    severity: medium
    description: 'The /etc/fstab entry for /var/tmp has the noexec option (not applicable when /var/tmp is not a separate filesystem).'
    rationale: 'noexec keeps programs from being executed from the filesystem, which stops the common "download to a writable directory and run" step of an attack.'
    remediation: 'Add noexec to the options of the /var/tmp line in /etc/fstab and remount: mount -o remount /var/tmp.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.5.4' }
      - { standard: cis-rhel-9, id: '1.1.2.5.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var/tmp, option: noexec, missing_mount: not_applicable } }
  - id: cis.mount.var-log-nodev
    title: '/var/log is mounted nodev'
    severity: low
    description: 'The /etc/fstab entry for /var/log has the nodev option (not applicable when /var/log is not a separate filesystem).'
    rationale: 'nodev stops device files on the filesystem from being honoured, so a user cannot create a block or character device there to reach raw disks or memory.'
    remediation: 'Add nodev to the options of the /var/log line in /etc/fstab and remount: mount -o remount /var/log.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.6.2' }
      - { standard: cis-rhel-9, id: '1.1.2.6.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var/log, option: nodev, missing_mount: not_applicable } }
  - id: cis.mount.var-log-nosuid
    title: '/var/log is mounted nosuid'
    severity: medium
    description: 'The /etc/fstab entry for /var/log has the nosuid option (not applicable when /var/log is not a separate filesystem).'
    rationale: 'nosuid makes the kernel ignore setuid/setgid bits there, so a planted setuid binary cannot raise privileges.'
    remediation: 'Add nosuid to the options of the /var/log line in /etc/fstab and remount: mount -o remount /var/log.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.6.3' }
      - { standard: cis-rhel-9, id: '1.1.2.6.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var/log, option: nosuid, missing_mount: not_applicable } }
  - id: cis.mount.var-log-noexec
    title: '/var/log is mounted noexec'
    severity: medium
    description: 'The /etc/fstab entry for /var/log has the noexec option (not applicable when /var/log is not a separate filesystem).'
    rationale: 'noexec keeps programs from being executed from the filesystem, which stops the common "download to a writable directory and run" step of an attack.'
    remediation: 'Add noexec to the options of the /var/log line in /etc/fstab and remount: mount -o remount /var/log.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.6.4' }
      - { standard: cis-rhel-9, id: '1.1.2.6.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var/log, option: noexec, missing_mount: not_applicable } }
  - id: cis.mount.var-log-audit-nodev
    title: '/var/log/audit is mounted nodev'
    severity: low
    description: 'The /etc/fstab entry for /var/log/audit has the nodev option (not applicable when /var/log/audit is not a separate filesystem).'
    rationale: 'nodev stops device files on the filesystem from being honoured, so a user cannot create a block or character device there to reach raw disks or memory.'
    remediation: 'Add nodev to the options of the /var/log/audit line in /etc/fstab and remount: mount -o remount /var/log/audit.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.7.2' }
      - { standard: cis-rhel-9, id: '1.1.2.7.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var/log/audit, option: nodev, missing_mount: not_applicable } }
  - id: cis.mount.var-log-audit-nosuid
    title: '/var/log/audit is mounted nosuid'
    severity: medium
    description: 'The /etc/fstab entry for /var/log/audit has the nosuid option (not applicable when /var/log/audit is not a separate filesystem).'
    rationale: 'nosuid makes the kernel ignore setuid/setgid bits there, so a planted setuid binary cannot raise privileges.'
    remediation: 'Add nosuid to the options of the /var/log/audit line in /etc/fstab and remount: mount -o remount /var/log/audit.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.7.3' }
      - { standard: cis-rhel-9, id: '1.1.2.7.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var/log/audit, option: nosuid, missing_mount: not_applicable } }
  - id: cis.mount.var-log-audit-noexec
    title: '/var/log/audit is mounted noexec'
    severity: medium
    description: 'The /etc/fstab entry for /var/log/audit has the noexec option (not applicable when /var/log/audit is not a separate filesystem).'
    rationale: 'noexec keeps programs from being executed from the filesystem, which stops the common "download to a writable directory and run" step of an attack.'
    remediation: 'Add noexec to the options of the /var/log/audit line in /etc/fstab and remount: mount -o remount /var/log/audit.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.7.4' }
      - { standard: cis-rhel-9, id: '1.1.2.7.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { mount_option: { path: /var/log/audit, option: noexec, missing_mount: not_applicable } }
  - id: cis.pkg.gpgcheck.rhel
    title: 'dnf checks package signatures globally'
    severity: high
    description: 'gpgcheck is 1 (or True) in the [main] section of /etc/dnf/dnf.conf.'
    rationale: 'Unsigned packages can be swapped in transit or on a mirror; signature checks are what makes a repository trustworthy.'
    remediation: 'Set gpgcheck=1 in /etc/dnf/dnf.conf and remove gpgcheck=0 from every file in /etc/yum.repos.d/.'
    references:
      - { standard: cis-rhel-9, id: '1.2.1.2' }
    applies_to: { os: [linux], family: [rhel] }
    check: { setting: { path: /etc/dnf/dnf.conf, key: gpgcheck, syntax: equals, op: in, value: ['1', 'True', 'true', 'yes'], missing: fail } }
  - id: cis.mac.apparmor-installed.debian
    title: 'AppArmor is installed'
    severity: medium
    description: 'The apparmor and apparmor-utils packages are installed.'
    rationale: 'AppArmor confines network-facing daemons so a compromised one cannot reach the rest of the system; apparmor-utils manages the profiles.'
    remediation: 'apt install apparmor apparmor-utils'
    references:
      - { standard: cis-debian-12, id: '1.3.1.1' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { package: { name: apparmor, installed: true } }
        - { package: { name: apparmor-utils, installed: true } }
  - id: cis.mac.apparmor-bootloader.debian
    title: 'AppArmor is not disabled on the kernel command line'
    severity: medium
    description: 'The default boot entry''s command line has no apparmor=0 and no security= or lsm= that leaves AppArmor out (Debian kernels enable AppArmor unless told otherwise).'
    rationale: 'A kernel booted with AppArmor off confines nothing, whatever the profiles say.'
    remediation: 'Remove apparmor=0 (and a conflicting security=) from GRUB_CMDLINE_LINUX in /etc/default/grub, or add "apparmor=1 security=apparmor", then run update-grub.'
    references:
      - { standard: cis-debian-12, id: '1.3.1.2' }
    applies_to: { os: [linux], family: [debian] }
    check: { fact: { path: security.apparmor.cmdline_disabled, op: eq, value: false } }
  - id: cis.mac.selinux-installed.rhel
    title: 'SELinux is installed'
    severity: medium
    description: 'The libselinux package is installed.'
    rationale: 'SELinux provides mandatory access control on the RHEL family; without its libraries nothing is confined.'
    remediation: 'dnf install libselinux'
    references:
      - { standard: cis-rhel-9, id: '1.3.1.1' }
    applies_to: { os: [linux], family: [rhel] }
    check: { package: { name: libselinux, installed: true } }
  - id: cis.mac.selinux-bootloader.rhel
    title: 'SELinux is not disabled on the kernel command line'
    severity: high
    description: 'The default boot entry''s command line has neither selinux=0 nor enforcing=0.'
    rationale: 'selinux=0 switches SELinux off for the whole boot whatever /etc/selinux/config says, and enforcing=0 makes it permissive.'
    remediation: 'grubby --update-kernel ALL --remove-args "selinux enforcing"'
    references:
      - { standard: cis-rhel-9, id: '1.3.1.2' }
      - { standard: pci-dss-4, id: '1.2.6' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      not: { fact: { path: 'security.selinux.cmdline[*]', op: in, value: ['selinux=0', 'enforcing=0'], missing: fail } }
  - id: cis.mac.selinux-policy.rhel
    title: 'An SELinux policy is configured'
    severity: medium
    description: 'SELINUXTYPE in /etc/selinux/config is targeted or mls.'
    rationale: 'A known policy must be loaded for SELinux to confine anything.'
    remediation: 'Set SELINUXTYPE=targeted in /etc/selinux/config.'
    references:
      - { standard: cis-rhel-9, id: '1.3.1.3' }
      - { standard: pci-dss-4, id: '1.2.6' }
    applies_to: { os: [linux], family: [rhel] }
    check: { setting: { path: /etc/selinux/config, key: SELINUXTYPE, syntax: equals, op: in, value: [targeted, mls], missing: fail } }
  - id: cis.mac.selinux-mode.rhel
    title: 'SELinux is not disabled'
    severity: high
    description: 'SELINUX in /etc/selinux/config is enforcing or permissive.'
    rationale: 'With SELINUX=disabled no labels are maintained, and turning SELinux back on later needs a full relabel.'
    remediation: 'Set SELINUX=enforcing in /etc/selinux/config and reboot (touch /.autorelabel first if it was disabled).'
    references:
      - { standard: cis-rhel-9, id: '1.3.1.4' }
      - { standard: pci-dss-4, id: '1.2.6' }
    applies_to: { os: [linux], family: [rhel] }
    check: { setting: { path: /etc/selinux/config, key: SELINUX, syntax: equals, op: in, value: [enforcing, permissive], missing: fail } }
  - id: cis.mac.mcstrans.rhel
    title: 'mcstrans is not installed'
    severity: low
    description: 'The mcstrans package is not installed.'
    rationale: 'The MCS translation daemon is not needed on servers and only adds a privileged process.'
    remediation: 'dnf remove mcstrans'
    references:
      - { standard: cis-rhel-9, id: '1.3.1.7' }
    applies_to: { os: [linux], family: [rhel] }
    check: { package: { name: mcstrans, installed: false } }
  - id: cis.mac.setroubleshoot.rhel
    title: 'setroubleshoot is not installed'
    severity: low
    description: 'The setroubleshoot package is not installed.'
    rationale: 'setroubleshoot runs analysis code on denial messages as a privileged service and is meant for desktops.'
    remediation: 'dnf remove setroubleshoot'
    references:
      - { standard: cis-rhel-9, id: '1.3.1.8' }
    applies_to: { os: [linux], family: [rhel] }
    check: { package: { name: setroubleshoot, installed: false } }
  - id: cis.boot.password.debian
    title: 'The GRUB boot loader requires a password'
    severity: medium
    description: '/boot/grub/grub.cfg sets superusers and a password_pbkdf2 entry.'
    rationale: 'Without a boot loader password anyone at the console can edit the kernel command line (init=/bin/sh, single) and get a root shell.'
    remediation: 'grub-mkpasswd-pbkdf2, then add "set superusers=..." and "password_pbkdf2 ..." to /etc/grub.d/40_custom and run update-grub.'
    references:
      - { standard: cis-debian-12, id: '1.4.1' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { file_content: { path: /boot/grub/grub.cfg, regex: '^\s*set\s+superusers\s*=', present: true } }
        - { file_content: { path: /boot/grub/grub.cfg, regex: '^\s*password_pbkdf2\s+\S+\s+grub\.pbkdf2\.', present: true } }
  - id: cis.boot.password.rhel
    title: 'The GRUB boot loader requires a password'
    severity: medium
    description: '/boot/grub2/user.cfg (or the copy in the ESP''s EFI/redhat, rocky, almalinux or centos directory) holds a GRUB2_PASSWORD.'
    rationale: 'Without a boot loader password anyone at the console can edit the kernel command line (init=/bin/sh, rd.break) and get a root shell.'
    remediation: 'Run grub2-setpassword.'
    references:
      - { standard: cis-rhel-9, id: '1.4.1' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      any:
        - { file_content: { path: /boot/grub2/user.cfg, regex: '^\s*GRUB2_PASSWORD\s*=\s*grub\.pbkdf2\.', present: true } }
        - { file_content: { path: /boot/efi/EFI/redhat/user.cfg, regex: '^\s*GRUB2_PASSWORD\s*=\s*grub\.pbkdf2\.', present: true } }
        - { file_content: { path: /boot/efi/EFI/rocky/user.cfg, regex: '^\s*GRUB2_PASSWORD\s*=\s*grub\.pbkdf2\.', present: true } }
        - { file_content: { path: /boot/efi/EFI/almalinux/user.cfg, regex: '^\s*GRUB2_PASSWORD\s*=\s*grub\.pbkdf2\.', present: true } }
        - { file_content: { path: /boot/efi/EFI/centos/user.cfg, regex: '^\s*GRUB2_PASSWORD\s*=\s*grub\.pbkdf2\.', present: true } }
  - id: cis.boot.config-perms.debian
    title: 'The GRUB configuration is readable by root only'
    severity: medium
    description: '/boot/grub/grub.cfg is owned by root and has no permission bits beyond 0600 (not applicable when it does not exist).'
    rationale: 'grub.cfg holds the boot password hash and the kernel command line; other users must neither read nor change it.'
    remediation: 'chown root:root /boot/grub/grub.cfg && chmod u-x,go-rwx /boot/grub/grub.cfg'
    references:
      - { standard: cis-debian-12, id: '1.4.2' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { file_owner: { path: /boot/grub/grub.cfg, user: root, group: root } }
        - { file_mode: { path: /boot/grub/grub.cfg, max: '0600' } }
  - id: cis.boot.config-perms.rhel
    title: 'The GRUB configuration is readable by root only'
    severity: medium
    description: '/boot/grub2/grub.cfg, grubenv and user.cfg are owned by root and have no permission bits beyond 0600 (each is skipped when absent).'
    rationale: 'These files hold the boot password hash and the kernel command line; other users must neither read nor change them.'
    remediation: 'chown root:root /boot/grub2/grub.cfg /boot/grub2/grubenv /boot/grub2/user.cfg && chmod 0600 /boot/grub2/grub.cfg /boot/grub2/grubenv /boot/grub2/user.cfg'
    references:
      - { standard: cis-rhel-9, id: '1.4.2' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_owner: { path: /boot/grub2/grub.cfg, user: root } }
        - { file_mode: { path: /boot/grub2/grub.cfg, max: '0600' } }
        - { file_mode: { path: /boot/grub2/grubenv, max: '0600' } }
        - { file_mode: { path: /boot/grub2/user.cfg, max: '0600' } }
  - id: cis.kernel.aslr
    title: 'Address space layout randomization is enabled'
    severity: medium
    description: 'kernel.randomize_va_space is set to 2 in the sysctl configuration (sysctl.d precedence as systemd-sysctl applies it).'
    rationale: 'Randomized stack, heap, mmap and VDSO addresses make memory-corruption exploits unreliable.'
    remediation: 'printf "kernel.randomize_va_space = 2\n" > /etc/sysctl.d/60-kernel_sysctl.conf && sysctl --system'
    references:
      - { standard: cis-debian-12, id: '1.5.1' }
      - { standard: cis-rhel-9, id: '1.5.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { sysctl: { key: kernel.randomize_va_space, op: eq, value: 2, missing: fail } }
  - id: cis.kernel.ptrace-scope
    title: 'ptrace is restricted'
    severity: medium
    description: 'kernel.yama.ptrace_scope is set to 1, 2 or 3 in the sysctl configuration.'
    rationale: 'With ptrace_scope 0 any process can attach to every other process of the same user and read its memory (SSH agent keys, browser sessions).'
    remediation: 'printf "kernel.yama.ptrace_scope = 1\n" > /etc/sysctl.d/60-kernel_sysctl.conf && sysctl --system'
    references:
      - { standard: cis-debian-12, id: '1.5.2' }
      - { standard: cis-rhel-9, id: '1.5.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { sysctl: { key: kernel.yama.ptrace_scope, op: in, value: [1, 2, 3], missing: fail } }
  - id: cis.kernel.core-dumps.debian
    title: 'Core dumps are restricted'
    severity: medium
    description: 'A "* hard core 0" line exists in /etc/security/limits.conf or /etc/security/limits.d/*.conf, and fs.suid_dumpable is 0 in the sysctl configuration.'
    rationale: 'Core dumps of privileged programs can contain password hashes, keys and other secrets, written where other users may read them.'
    remediation: 'echo "* hard core 0" >> /etc/security/limits.conf; printf "fs.suid_dumpable = 0\n" > /etc/sysctl.d/60-fs_sysctl.conf; sysctl --system'
    references:
      - { standard: cis-debian-12, id: '1.5.3' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - any:
            - { file_content: { path: /etc/security/limits.conf, regex: '^\s*\*\s+hard\s+core\s+0\b', present: true } }
            - { file_content: { path: '/etc/security/limits.d/*.conf', regex: '^\s*\*\s+hard\s+core\s+0\b', present: true } }
        - { sysctl: { key: fs.suid_dumpable, op: eq, value: 0, missing: fail } }
  - id: cis.kernel.coredump-backtraces.rhel
    title: 'Core dump backtraces are disabled'
    severity: medium
    description: 'ProcessSizeMax=0 in /etc/systemd/coredump.conf (or a coredump.conf.d drop-in, the last one in name order winning).'
    rationale: 'systemd-coredump processes crashing programs'' memory and keeps backtraces that can contain secrets.'
    remediation: 'Set ProcessSizeMax=0 in the [Coredump] section of /etc/systemd/coredump.conf.'
    references:
      - { standard: cis-rhel-9, id: '1.5.3' }
    applies_to: { os: [linux], family: [rhel] }
    check: { setting: { path: [/etc/systemd/coredump.conf, '/etc/systemd/coredump.conf.d/*.conf'], key: ProcessSizeMax, syntax: equals, op: eq, value: 0, missing: fail } }
  - id: cis.kernel.coredump-storage.rhel
    title: 'Core dump storage is disabled'
    severity: medium
    description: 'Storage=none in /etc/systemd/coredump.conf (or a coredump.conf.d drop-in).'
    rationale: 'Stored core dumps keep process memory, with whatever secrets it held, on disk.'
    remediation: 'Set Storage=none in the [Coredump] section of /etc/systemd/coredump.conf.'
    references:
      - { standard: cis-rhel-9, id: '1.5.4' }
    applies_to: { os: [linux], family: [rhel] }
    check: { setting: { path: [/etc/systemd/coredump.conf, '/etc/systemd/coredump.conf.d/*.conf'], key: Storage, syntax: equals, op: eq, value: none, missing: fail } }
  - id: cis.pkg.prelink.debian
    title: 'prelink is not installed'
    severity: low
    description: 'The prelink package is not installed.'
    rationale: 'prelink rewrites binaries in place, which defeats file-integrity checking (AIDE) and weakens ASLR for libraries.'
    remediation: 'prelink -ua; apt purge prelink'
    references:
      - { standard: cis-debian-12, id: '1.5.4' }
    applies_to: { os: [linux], family: [debian] }
    check: { package: { name: prelink, installed: false } }
  - id: cis.banner.motd-content
    title: 'The message of the day does not reveal the OS'
    severity: low
    description: '/etc/motd contains no getty escape (\m \r \s \v) and no distribution name (a missing file passes).'
    rationale: 'Banners that print the OS name, release and kernel version hand an attacker the information needed to pick exploits.'
    remediation: 'Replace /etc/motd with the site''s authorized-use notice, without \m, \r, \s, \v or the OS name.'
    references:
      - { standard: cis-debian-12, id: '1.6.1' }
      - { standard: cis-rhel-9, id: '1.7.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: /etc/motd, regex: '\\[mrsv]|debian|ubuntu|red hat|rhel|rocky|almalinux|centos|fedora', flags: i, present: false, missing: pass } }
  - id: cis.banner.issue-content
    title: 'The local login banner does not reveal the OS'
    severity: low
    description: '/etc/issue contains no getty escape (\m \r \s \v) and no distribution name (a missing file passes).'
    rationale: 'Banners that print the OS name, release and kernel version hand an attacker the information needed to pick exploits.'
    remediation: 'Replace /etc/issue with the site''s authorized-use notice, without \m, \r, \s, \v or the OS name.'
    references:
      - { standard: cis-debian-12, id: '1.6.2' }
      - { standard: cis-rhel-9, id: '1.7.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: /etc/issue, regex: '\\[mrsv]|debian|ubuntu|red hat|rhel|rocky|almalinux|centos|fedora', flags: i, present: false, missing: pass } }
  - id: cis.banner.issue-net-content
    title: 'The remote login banner does not reveal the OS'
    severity: low
    description: '/etc/issue.net contains no getty escape (\m \r \s \v) and no distribution name (a missing file passes).'
    rationale: 'Banners that print the OS name, release and kernel version hand an attacker the information needed to pick exploits.'
    remediation: 'Replace /etc/issue.net with the site''s authorized-use notice, without \m, \r, \s, \v or the OS name.'
    references:
      - { standard: cis-debian-12, id: '1.6.3' }
      - { standard: cis-rhel-9, id: '1.7.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: /etc/issue.net, regex: '\\[mrsv]|debian|ubuntu|red hat|rhel|rocky|almalinux|centos|fedora', flags: i, present: false, missing: pass } }
  - id: cis.banner.motd-perms
    title: '/etc/motd is owned by root and not writable by others'
    severity: low
    description: '/etc/motd is owned by root:root with no permission bits beyond 0644 (not applicable when absent).'
    rationale: 'A banner writable by other users can be used to trick people logging in.'
    remediation: 'chown root:root /etc/motd && chmod u-x,go-wx /etc/motd'
    references:
      - { standard: cis-debian-12, id: '1.6.4' }
      - { standard: cis-rhel-9, id: '1.7.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/motd, user: root, group: root } }
        - { file_mode: { path: /etc/motd, max: '0644' } }
  - id: cis.banner.issue-perms
    title: '/etc/issue is owned by root and not writable by others'
    severity: low
    description: '/etc/issue is owned by root:root with no permission bits beyond 0644 (not applicable when absent).'
    rationale: 'A banner writable by other users can be used to trick people logging in.'
    remediation: 'chown root:root /etc/issue && chmod u-x,go-wx /etc/issue'
    references:
      - { standard: cis-debian-12, id: '1.6.5' }
      - { standard: cis-rhel-9, id: '1.7.5' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/issue, user: root, group: root } }
        - { file_mode: { path: /etc/issue, max: '0644' } }
  - id: cis.banner.issue-net-perms
    title: '/etc/issue.net is owned by root and not writable by others'
    severity: low
    description: '/etc/issue.net is owned by root:root with no permission bits beyond 0644 (not applicable when absent).'
    rationale: 'A banner writable by other users can be used to trick people logging in.'
    remediation: 'chown root:root /etc/issue.net && chmod u-x,go-wx /etc/issue.net'
    references:
      - { standard: cis-debian-12, id: '1.6.6' }
      - { standard: cis-rhel-9, id: '1.7.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/issue.net, user: root, group: root } }
        - { file_mode: { path: /etc/issue.net, max: '0644' } }
  - id: cis.gdm.xdmcp
    title: 'XDMCP is not enabled'
    severity: medium
    description: 'No Enable=true line in the GDM configuration (/etc/gdm3/custom.conf, /etc/gdm/custom.conf).'
    rationale: 'XDMCP sends the whole graphical session, passwords included, unencrypted over the network.'
    remediation: 'Remove "Enable=true" from the [xdmcp] section of the GDM custom.conf.'
    references:
      - { standard: cis-debian-12, id: '1.7.10' }
      - { standard: cis-rhel-9, id: '1.8.10' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_content: { path: /etc/gdm3/custom.conf, regex: '^\s*Enable\s*=\s*true\b', flags: i, present: false, missing: pass } }
        - { file_content: { path: /etc/gdm/custom.conf, regex: '^\s*Enable\s*=\s*true\b', flags: i, present: false, missing: pass } }
  - id: cis.svc.autofs
    title: 'Autofs is not in use'
    severity: low
    description: 'Either none of the packages autofs is installed, or every unit that starts it (autofs.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; automounting lets anyone with physical access mount removable media.'
    remediation: 'Remove the package (apt purge autofs / dnf remove autofs) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.1' }
      - { standard: cis-rhel-9, id: '2.1.1' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [autofs], installed: false } }
        - { service: { name: [autofs.service], state: not_enabled } }
  - id: cis.svc.avahi
    title: 'The Avahi mDNS daemon is not in use'
    severity: medium
    description: 'Either none of the packages avahi-daemon, avahi is installed, or every unit that starts it (avahi-daemon.service, avahi-daemon.socket) is disabled or masked.'
    rationale: 'Every listening service is attack surface; zero-configuration discovery advertises the host and its services to the local network.'
    remediation: 'Remove the package (apt purge avahi-daemon / dnf remove avahi) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.2' }
      - { standard: cis-rhel-9, id: '2.1.2' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [avahi-daemon, avahi], installed: false } }
        - { service: { name: [avahi-daemon.service, avahi-daemon.socket], state: not_enabled } }
  - id: cis.svc.dhcp-server
    title: 'A DHCP server is not in use'
    severity: medium
    description: 'Either none of the packages isc-dhcp-server, kea-dhcp4-server, kea-dhcp6-server, dhcp-server, kea is installed, or every unit that starts it (isc-dhcp-server.service, isc-dhcp-server6.service, dhcpd.service, dhcpd6.service, kea-dhcp4-server.service, kea-dhcp6-server.service, kea-dhcp4.service, kea-dhcp6.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; a rogue or accidental DHCP server hands out addresses and routes to the whole segment.'
    remediation: 'Remove the package (apt purge isc-dhcp-server kea-dhcp4-server kea-dhcp6-server / dnf remove dhcp-server kea) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.3' }
      - { standard: cis-rhel-9, id: '2.1.3' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [isc-dhcp-server, kea-dhcp4-server, kea-dhcp6-server, dhcp-server, kea], installed: false } }
        - { service: { name: [isc-dhcp-server.service, isc-dhcp-server6.service, dhcpd.service, dhcpd6.service, kea-dhcp4-server.service, kea-dhcp6-server.service, kea-dhcp4.service, kea-dhcp6.service], state: not_enabled } }
  - id: cis.svc.dns-server
    title: 'A DNS server is not in use'
    severity: medium
    description: 'Either none of the packages bind9, bind is installed, or every unit that starts it (named.service, bind9.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; a DNS server that is not needed is remote attack surface and a possible amplifier.'
    remediation: 'Remove the package (apt purge bind9 / dnf remove bind) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.4' }
      - { standard: cis-rhel-9, id: '2.1.4' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [bind9, bind], installed: false } }
        - { service: { name: [named.service, bind9.service], state: not_enabled } }
  - id: cis.svc.dnsmasq
    title: 'Dnsmasq is not in use'
    severity: medium
    description: 'Either none of the packages dnsmasq is installed, or every unit that starts it (dnsmasq.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; dnsmasq answers DNS and DHCP on the network and has had remote code execution bugs.'
    remediation: 'Remove the package (apt purge dnsmasq / dnf remove dnsmasq) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.5' }
      - { standard: cis-rhel-9, id: '2.1.5' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [dnsmasq], installed: false } }
        - { service: { name: [dnsmasq.service], state: not_enabled } }
  - id: cis.svc.ftp-server
    title: 'An FTP server is not in use'
    severity: medium
    description: 'Either none of the packages vsftpd, proftpd-basic, proftpd-core, pure-ftpd is installed, or every unit that starts it (vsftpd.service, proftpd.service, pure-ftpd.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; FTP sends credentials in clear text.'
    remediation: 'Remove the package (apt purge vsftpd proftpd-basic proftpd-core pure-ftpd / dnf remove vsftpd) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.6' }
      - { standard: cis-rhel-9, id: '2.1.7' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [vsftpd, proftpd-basic, proftpd-core, pure-ftpd], installed: false } }
        - { service: { name: [vsftpd.service, proftpd.service, pure-ftpd.service], state: not_enabled } }
  - id: cis.svc.ldap-server
    title: 'An LDAP server is not in use'
    severity: medium
    description: 'Either none of the packages slapd is installed, or every unit that starts it (slapd.service, slapd) is disabled or masked.'
    rationale: 'Every listening service is attack surface; a directory server that is not needed exposes account data to the network.'
    remediation: 'Remove the package (apt purge slapd) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.7' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian] }
    check:
      any:
        - { package: { name: [slapd], installed: false } }
        - { service: { name: [slapd.service, slapd], state: not_enabled } }
  - id: cis.svc.mail-access
    title: 'An IMAP/POP3 server is not in use'
    severity: medium
    description: 'Either none of the packages dovecot-imapd, dovecot-pop3d, dovecot, cyrus-imapd is installed, or every unit that starts it (dovecot.service, dovecot.socket, cyrus-imapd.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; a mail access server that is not needed accepts passwords from the network.'
    remediation: 'Remove the package (apt purge dovecot-imapd dovecot-pop3d / dnf remove dovecot cyrus-imapd) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.8' }
      - { standard: cis-rhel-9, id: '2.1.8' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [dovecot-imapd, dovecot-pop3d, dovecot, cyrus-imapd], installed: false } }
        - { service: { name: [dovecot.service, dovecot.socket, cyrus-imapd.service], state: not_enabled } }
  - id: cis.svc.nfs-server
    title: 'An NFS server is not in use'
    severity: medium
    description: 'Either none of the packages nfs-kernel-server is installed, or every unit that starts it (nfs-server.service, nfs-kernel-server.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; NFS exports trust client-asserted identities unless Kerberos is set up.'
    remediation: 'Remove the package (apt purge nfs-kernel-server) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.9' }
      - { standard: cis-rhel-9, id: '2.1.9' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [nfs-kernel-server], installed: false } }
        - { service: { name: [nfs-server.service, nfs-kernel-server.service], state: not_enabled } }
  - id: cis.svc.nis-server
    title: 'A NIS server is not in use'
    severity: high
    description: 'Either none of the packages ypserv is installed, or every unit that starts it (ypserv.service, ypserv) is disabled or masked.'
    rationale: 'Every listening service is attack surface; NIS hands password hashes to anyone who knows the domain name.'
    remediation: 'Remove the package (apt purge ypserv / dnf remove ypserv) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.10' }
      - { standard: cis-rhel-9, id: '2.1.10' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [ypserv], installed: false } }
        - { service: { name: [ypserv.service, ypserv], state: not_enabled } }
  - id: cis.svc.print-server
    title: 'The CUPS print server is not in use'
    severity: low
    description: 'Either none of the packages cups, cups-daemon is installed, or every unit that starts it (cups.service, cups.socket, cups.path) is disabled or masked.'
    rationale: 'Every listening service is attack surface; CUPS listens for IPP and has had remote vulnerabilities; servers rarely print.'
    remediation: 'Remove the package (apt purge cups cups-daemon / dnf remove cups) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.11' }
      - { standard: cis-rhel-9, id: '2.1.11' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [cups, cups-daemon], installed: false } }
        - { service: { name: [cups.service, cups.socket, cups.path], state: not_enabled } }
  - id: cis.svc.rpcbind
    title: 'Rpcbind is not in use'
    severity: medium
    description: 'Either none of the packages rpcbind is installed, or every unit that starts it (rpcbind.service, rpcbind.socket) is disabled or masked.'
    rationale: 'Every listening service is attack surface; rpcbind exposes the list of RPC services and is used for DDoS amplification.'
    remediation: 'Remove the package (apt purge rpcbind / dnf remove rpcbind) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.12' }
      - { standard: cis-rhel-9, id: '2.1.12' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [rpcbind], installed: false } }
        - { service: { name: [rpcbind.service, rpcbind.socket], state: not_enabled } }
  - id: cis.svc.rsync
    title: 'An rsync daemon is not in use'
    severity: medium
    description: 'Either none of the packages rsync, rsync-daemon is installed, or every unit that starts it (rsync.service, rsyncd.service, rsyncd.socket) is disabled or masked.'
    rationale: 'Every listening service is attack surface; the rsync daemon protocol is unencrypted and modules are often left without authentication.'
    remediation: 'Remove the package (apt purge rsync / dnf remove rsync-daemon) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.13' }
      - { standard: cis-rhel-9, id: '2.1.13' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [rsync, rsync-daemon], installed: false } }
        - { service: { name: [rsync.service, rsyncd.service, rsyncd.socket], state: not_enabled } }
  - id: cis.svc.samba
    title: 'A Samba file server is not in use'
    severity: medium
    description: 'Either none of the packages samba is installed, or every unit that starts it (smbd.service, smb.service, nmbd.service, nmb.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; SMB file sharing that is not needed is a large remote attack surface.'
    remediation: 'Remove the package (apt purge samba / dnf remove samba) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.14' }
      - { standard: cis-rhel-9, id: '2.1.6' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [samba], installed: false } }
        - { service: { name: [smbd.service, smb.service, nmbd.service, nmb.service], state: not_enabled } }
  - id: cis.svc.snmp
    title: 'An SNMP agent is not in use'
    severity: medium
    description: 'Either none of the packages snmpd, net-snmp is installed, or every unit that starts it (snmpd.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; SNMPv1/v2c community strings travel in clear text and often allow reading the whole system state.'
    remediation: 'Remove the package (apt purge snmpd / dnf remove net-snmp) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.15' }
      - { standard: cis-rhel-9, id: '2.1.14' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [snmpd, net-snmp], installed: false } }
        - { service: { name: [snmpd.service], state: not_enabled } }
  - id: cis.svc.tftp-server
    title: 'A TFTP server is not in use'
    severity: high
    description: 'Either none of the packages tftpd-hpa, tftpd, atftpd, tftp-server is installed, or every unit that starts it (tftpd-hpa.service, atftpd.service, tftp.socket, tftp.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; TFTP has no authentication at all.'
    remediation: 'Remove the package (apt purge tftpd-hpa tftpd atftpd / dnf remove tftp-server) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.16' }
      - { standard: cis-rhel-9, id: '2.1.16' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [tftpd-hpa, tftpd, atftpd, tftp-server], installed: false } }
        - { service: { name: [tftpd-hpa.service, atftpd.service, tftp.socket, tftp.service], state: not_enabled } }
  - id: cis.svc.web-proxy
    title: 'A web proxy is not in use'
    severity: medium
    description: 'Either none of the packages squid is installed, or every unit that starts it (squid.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; an unneeded proxy can be abused to relay traffic into or out of the network.'
    remediation: 'Remove the package (apt purge squid / dnf remove squid) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.17' }
      - { standard: cis-rhel-9, id: '2.1.17' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [squid], installed: false } }
        - { service: { name: [squid.service], state: not_enabled } }
  - id: cis.svc.web-server
    title: 'A web server is not in use'
    severity: medium
    description: 'Either none of the packages apache2, nginx, lighttpd, httpd is installed, or every unit that starts it (apache2.service, httpd.service, httpd.socket, nginx.service, lighttpd.service) is disabled or masked.'
    rationale: 'Every listening service is attack surface; a web server that is not needed is remote attack surface.'
    remediation: 'Remove the package (apt purge apache2 nginx lighttpd / dnf remove httpd nginx) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.18' }
      - { standard: cis-rhel-9, id: '2.1.18' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [apache2, nginx, lighttpd, httpd], installed: false } }
        - { service: { name: [apache2.service, httpd.service, httpd.socket, nginx.service, lighttpd.service], state: not_enabled } }
  - id: cis.svc.xinetd
    title: 'Xinetd is not in use'
    severity: medium
    description: 'Either none of the packages xinetd is installed, or every unit that starts it (xinetd.service, xinetd) is disabled or masked.'
    rationale: 'Every listening service is attack surface; xinetd starts legacy, mostly insecure services on demand.'
    remediation: 'Remove the package (apt purge xinetd / dnf remove xinetd) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-debian-12, id: '2.1.19' }
      - { standard: cis-rhel-9, id: '2.1.19' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: [xinetd], installed: false } }
        - { service: { name: [xinetd.service, xinetd], state: not_enabled } }
  - id: cis.svc.telnet-server
    title: 'A telnet server is not in use'
    severity: high
    description: 'Either none of the packages telnet-server is installed, or every unit that starts it (telnet.socket) is disabled or masked.'
    rationale: 'Every listening service is attack surface; telnet sends passwords and sessions in clear text.'
    remediation: 'Remove the package (dnf remove telnet-server) or, when another package needs it, "systemctl --now mask" its units.'
    references:
      - { standard: cis-rhel-9, id: '2.1.15' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      any:
        - { package: { name: [telnet-server], installed: false } }
        - { service: { name: [telnet.socket], state: not_enabled } }
  - id: cis.svc.x-server
    title: 'No X Window server is installed'
    severity: low
    description: 'Neither xserver-common (Debian) nor xorg-x11-server-common (RHEL family) is installed. (CIS Level 2 Server.)'
    rationale: 'A graphical server stack is large attack surface that a server does not need.'
    remediation: 'apt purge xserver-common / dnf remove xorg-x11-server-common'
    references:
      - { standard: cis-debian-12, id: '2.1.20' }
      - { standard: cis-rhel-9, id: '2.1.20' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { package: { name: [xserver-common, xorg-x11-server-common], installed: false } }
  - id: cis.svc.mta-local-only
    title: 'Postfix listens on the loopback interface only'
    severity: medium
    description: 'inet_interfaces in /etc/postfix/main.cf is loopback-only, localhost or 127.0.0.1 (only when postfix is installed).'
    rationale: 'A mail transfer agent listening on every interface accepts mail from the network, which a server that only sends mail does not need.'
    remediation: 'Set "inet_interfaces = loopback-only" in /etc/postfix/main.cf and restart postfix.'
    references:
      - { standard: cis-debian-12, id: '2.1.21' }
      - { standard: cis-rhel-9, id: '2.1.21' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel], package: postfix }
    check: { setting: { path: /etc/postfix/main.cf, key: inet_interfaces, syntax: equals, op: in, value: [loopback-only, localhost, '127.0.0.1', '[::1], 127.0.0.1', '127.0.0.1, [::1]'], missing: fail } }
  - id: cis.client.nis
    title: 'The NIS client is not installed'
    severity: low
    description: 'None of the packages nis, ypbind is installed.'
    rationale: 'NIS client tools bind to an insecure directory service.'
    remediation: 'apt purge nis ypbind / dnf remove nis ypbind'
    references:
      - { standard: cis-debian-12, id: '2.2.1' }
      - { standard: cis-rhel-9, id: '2.2.3' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { package: { name: [nis, ypbind], installed: false } }
  - id: cis.client.rsh
    title: 'The rsh client is not installed'
    severity: low
    description: 'None of the packages rsh-client, rsh-redone-client is installed.'
    rationale: 'rsh, rcp and rlogin send everything in clear text; users should use ssh and scp.'
    remediation: 'apt purge rsh-client rsh-redone-client / dnf remove rsh-client rsh-redone-client'
    references:
      - { standard: cis-debian-12, id: '2.2.2' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian] }
    check: { package: { name: [rsh-client, rsh-redone-client], installed: false } }
  - id: cis.client.talk
    title: 'The talk client is not installed'
    severity: low
    description: 'None of the packages talk, inetutils-talk is installed.'
    rationale: 'talk is an unauthenticated clear-text chat protocol.'
    remediation: 'apt purge talk inetutils-talk / dnf remove talk inetutils-talk'
    references:
      - { standard: cis-debian-12, id: '2.2.3' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian] }
    check: { package: { name: [talk, inetutils-talk], installed: false } }
  - id: cis.client.telnet
    title: 'The telnet client is not installed'
    severity: low
    description: 'None of the packages telnet, inetutils-telnet is installed.'
    rationale: 'telnet sends credentials in clear text; its presence invites connecting to insecure services.'
    remediation: 'apt purge telnet inetutils-telnet / dnf remove telnet inetutils-telnet'
    references:
      - { standard: cis-debian-12, id: '2.2.4' }
      - { standard: cis-rhel-9, id: '2.2.4' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { package: { name: [telnet, inetutils-telnet], installed: false } }
  - id: cis.client.ldap
    title: 'The LDAP client tools is not installed'
    severity: low
    description: 'None of the packages ldap-utils, openldap-clients is installed. (CIS RHEL 9 Level 2; Debian 12 Level 1.)'
    rationale: 'LDAP client tools are not needed unless the host manages a directory.'
    remediation: 'apt purge ldap-utils openldap-clients / dnf remove ldap-utils openldap-clients'
    references:
      - { standard: cis-debian-12, id: '2.2.5' }
      - { standard: cis-rhel-9, id: '2.2.2' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { package: { name: [ldap-utils, openldap-clients], installed: false } }
  - id: cis.client.ftp
    title: 'The FTP client is not installed'
    severity: low
    description: 'None of the packages ftp, tnftp is installed.'
    rationale: 'FTP sends credentials in clear text.'
    remediation: 'apt purge ftp tnftp / dnf remove ftp tnftp'
    references:
      - { standard: cis-debian-12, id: '2.2.6' }
      - { standard: cis-rhel-9, id: '2.2.1' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { package: { name: [ftp, tnftp], installed: false } }
  - id: cis.client.tftp
    title: 'The TFTP client is not installed'
    severity: low
    description: 'None of the packages tftp, tftp-hpa is installed.'
    rationale: 'TFTP has no authentication and no encryption.'
    remediation: 'apt purge tftp tftp-hpa / dnf remove tftp tftp-hpa'
    references:
      - { standard: cis-rhel-9, id: '2.2.5' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux], family: [rhel] }
    check: { package: { name: [tftp, tftp-hpa], installed: false } }
  - id: cis.time.sync.debian
    title: 'A time synchronization daemon is enabled'
    severity: medium
    description: 'systemd-timesyncd.service or chrony.service is enabled.'
    rationale: 'Correct time is needed to correlate logs, validate certificates and Kerberos tickets.'
    remediation: 'apt install systemd-timesyncd (or chrony) and systemctl enable it.'
    references:
      - { standard: cis-debian-12, id: '2.3.1.1' }
      - { standard: pci-dss-4, id: '10.6.1' }
    applies_to: { os: [linux], family: [debian] }
    check:
      any:
        - { service: { name: systemd-timesyncd.service, state: enabled } }
        - { service: { name: chrony.service, state: enabled } }
  - id: cis.time.sync.rhel
    title: 'chrony is installed and enabled'
    severity: medium
    description: 'The chrony package is installed and chronyd.service is enabled.'
    rationale: 'Correct time is needed to correlate logs, validate certificates and Kerberos tickets.'
    remediation: 'dnf install chrony && systemctl enable --now chronyd'
    references:
      - { standard: cis-rhel-9, id: '2.3.1' }
      - { standard: pci-dss-4, id: '10.6.1' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { package: { name: chrony, installed: true } }
        - { service: { name: chronyd.service, state: enabled } }
  - id: cis.time.chrony-user.rhel
    title: 'chronyd does not run as root'
    severity: low
    description: 'OPTIONS in /etc/sysconfig/chronyd does not contain "-u root" (only when chrony is installed).'
    rationale: 'chronyd drops to the chrony user after binding its port; forcing root keeps a network daemon privileged.'
    remediation: 'Remove "-u root" from OPTIONS in /etc/sysconfig/chronyd.'
    references:
      - { standard: cis-rhel-9, id: '2.3.3' }
    applies_to: { os: [linux], family: [rhel], package: chrony }
    check: { file_content: { path: /etc/sysconfig/chronyd, regex: '^\s*OPTIONS\s*=.*-u\s+root\b', present: false, missing: pass } }
  - id: cis.cron.enabled.debian
    title: 'The cron daemon is enabled'
    severity: low
    description: 'cron.service is enabled (when cron is installed).'
    rationale: 'Scheduled maintenance (log rotation, integrity checks) silently stops when cron does not run.'
    remediation: 'systemctl enable --now cron'
    references:
      - { standard: cis-debian-12, id: '2.4.1.1' }
    applies_to: { os: [linux], family: [debian], package: cron }
    check: { service: { name: cron.service, state: enabled } }
  - id: cis.cron.enabled.rhel
    title: 'The cron daemon is enabled'
    severity: low
    description: 'crond.service is enabled (when cronie is installed).'
    rationale: 'Scheduled maintenance (log rotation, integrity checks) silently stops when cron does not run.'
    remediation: 'systemctl enable --now crond'
    references:
      - { standard: cis-rhel-9, id: '2.4.1.1' }
    applies_to: { os: [linux], family: [rhel], package: cronie }
    check: { service: { name: crond.service, state: enabled } }
  - id: cis.cron.crontab-perms
    title: '/etc/crontab is readable by root only'
    severity: medium
    description: '/etc/crontab is owned by root:root with no permission bits beyond 0600.'
    rationale: 'The system crontab runs commands as root; other users must not read it (to learn what runs when) or change it.'
    remediation: 'chown root:root /etc/crontab && chmod og-rwx /etc/crontab'
    references:
      - { standard: cis-debian-12, id: '2.4.1.2' }
      - { standard: cis-rhel-9, id: '2.4.1.2' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: [cron, cronie] }
    check:
      all:
        - { file_owner: { path: /etc/crontab, user: root, group: root, missing: fail } }
        - { file_mode: { path: /etc/crontab, max: '0600', missing: fail } }
  - id: cis.cron.cron-hourly-perms
    title: '/etc/cron.hourly is accessible by root only'
    severity: medium
    description: '/etc/cron.hourly is owned by root:root with no permission bits beyond 0700.'
    rationale: 'Scripts there run as root; other users must not list them or add their own.'
    remediation: 'chown root:root /etc/cron.hourly && chmod og-rwx /etc/cron.hourly'
    references:
      - { standard: cis-debian-12, id: '2.4.1.3' }
      - { standard: cis-rhel-9, id: '2.4.1.3' }
    applies_to: { os: [linux], family: [debian, rhel], package: [cron, cronie] }
    check:
      all:
        - { file_owner: { path: /etc/cron.hourly, user: root, group: root } }
        - { file_mode: { path: /etc/cron.hourly, max: '0700' } }
  - id: cis.cron.cron-daily-perms
    title: '/etc/cron.daily is accessible by root only'
    severity: medium
    description: '/etc/cron.daily is owned by root:root with no permission bits beyond 0700.'
    rationale: 'Scripts there run as root; other users must not list them or add their own.'
    remediation: 'chown root:root /etc/cron.daily && chmod og-rwx /etc/cron.daily'
    references:
      - { standard: cis-debian-12, id: '2.4.1.4' }
      - { standard: cis-rhel-9, id: '2.4.1.4' }
    applies_to: { os: [linux], family: [debian, rhel], package: [cron, cronie] }
    check:
      all:
        - { file_owner: { path: /etc/cron.daily, user: root, group: root } }
        - { file_mode: { path: /etc/cron.daily, max: '0700' } }
  - id: cis.cron.cron-weekly-perms
    title: '/etc/cron.weekly is accessible by root only'
    severity: medium
    description: '/etc/cron.weekly is owned by root:root with no permission bits beyond 0700.'
    rationale: 'Scripts there run as root; other users must not list them or add their own.'
    remediation: 'chown root:root /etc/cron.weekly && chmod og-rwx /etc/cron.weekly'
    references:
      - { standard: cis-debian-12, id: '2.4.1.5' }
      - { standard: cis-rhel-9, id: '2.4.1.5' }
    applies_to: { os: [linux], family: [debian, rhel], package: [cron, cronie] }
    check:
      all:
        - { file_owner: { path: /etc/cron.weekly, user: root, group: root } }
        - { file_mode: { path: /etc/cron.weekly, max: '0700' } }
  - id: cis.cron.cron-monthly-perms
    title: '/etc/cron.monthly is accessible by root only'
    severity: medium
    description: '/etc/cron.monthly is owned by root:root with no permission bits beyond 0700.'
    rationale: 'Scripts there run as root; other users must not list them or add their own.'
    remediation: 'chown root:root /etc/cron.monthly && chmod og-rwx /etc/cron.monthly'
    references:
      - { standard: cis-debian-12, id: '2.4.1.6' }
      - { standard: cis-rhel-9, id: '2.4.1.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: [cron, cronie] }
    check:
      all:
        - { file_owner: { path: /etc/cron.monthly, user: root, group: root } }
        - { file_mode: { path: /etc/cron.monthly, max: '0700' } }
  - id: cis.cron.cron-d-perms
    title: '/etc/cron.d is accessible by root only'
    severity: medium
    description: '/etc/cron.d is owned by root:root with no permission bits beyond 0700.'
    rationale: 'Scripts there run as root; other users must not list them or add their own.'
    remediation: 'chown root:root /etc/cron.d && chmod og-rwx /etc/cron.d'
    references:
      - { standard: cis-debian-12, id: '2.4.1.7' }
      - { standard: cis-rhel-9, id: '2.4.1.7' }
    applies_to: { os: [linux], family: [debian, rhel], package: [cron, cronie] }
    check:
      all:
        - { file_owner: { path: /etc/cron.d, user: root, group: root } }
        - { file_mode: { path: /etc/cron.d, max: '0700' } }
  - id: cis.cron.allow
    title: 'crontab use is restricted by /etc/cron.allow'
    severity: medium
    description: '/etc/cron.allow exists, is owned by root and has no permission bits beyond 0640.'
    rationale: 'An allow list makes scheduling jobs a granted right instead of a default for every account.'
    remediation: 'touch /etc/cron.allow && chown root:root /etc/cron.allow && chmod 640 /etc/cron.allow, listing the users allowed to use crontab.'
    references:
      - { standard: cis-debian-12, id: '2.4.1.8' }
      - { standard: cis-rhel-9, id: '2.4.1.8' }
    applies_to: { os: [linux], family: [debian, rhel], package: [cron, cronie] }
    check:
      all:
        - { file_exists: { path: /etc/cron.allow } }
        - { file_owner: { path: /etc/cron.allow, user: root } }
        - { file_mode: { path: /etc/cron.allow, max: '0640' } }
  - id: cis.cron.at-allow
    title: 'at use is restricted by /etc/at.allow'
    severity: low
    description: '/etc/at.allow exists, is owned by root and has no permission bits beyond 0640 (when at is installed).'
    rationale: 'An allow list makes scheduling jobs a granted right instead of a default for every account.'
    remediation: 'touch /etc/at.allow && chown root:root /etc/at.allow && chmod 640 /etc/at.allow'
    references:
      - { standard: cis-debian-12, id: '2.4.2.1' }
      - { standard: cis-rhel-9, id: '2.4.2.1' }
    applies_to: { os: [linux], family: [debian, rhel], package: at }
    check:
      all:
        - { file_exists: { path: /etc/at.allow } }
        - { file_owner: { path: /etc/at.allow, user: root } }
        - { file_mode: { path: /etc/at.allow, max: '0640' } }
  - id: cis.net.bluetooth
    title: 'Bluetooth is not in use'
    severity: low
    description: 'bluez is not installed, or bluetooth.service is disabled or masked.'
    rationale: 'Bluetooth is a radio interface servers do not need and has had remote kernel vulnerabilities.'
    remediation: 'apt purge bluez / dnf remove bluez, or systemctl --now mask bluetooth.service'
    references:
      - { standard: cis-debian-12, id: '3.1.3' }
      - { standard: cis-rhel-9, id: '3.1.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { package: { name: bluez, installed: false } }
        - { service: { name: bluetooth.service, state: not_enabled } }
  - id: cis.net.dccp-disabled
    title: 'The dccp protocol module cannot be loaded'
    severity: low
    description: 'modprobe.d has "install dccp /bin/false" or "blacklist dccp". (CIS Level 2 Server.)'
    rationale: 'Rarely used network protocols loaded on demand by an unprivileged socket() call have been a steady source of kernel vulnerabilities.'
    remediation: 'printf "install dccp /bin/false\nblacklist dccp\n" > /etc/modprobe.d/dccp.conf'
    references:
      - { standard: cis-debian-12, id: '3.2.1' }
      - { standard: cis-rhel-9, id: '3.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: dccp } }
  - id: cis.net.tipc-disabled
    title: 'The tipc protocol module cannot be loaded'
    severity: low
    description: 'modprobe.d has "install tipc /bin/false" or "blacklist tipc". (CIS Level 2 Server.)'
    rationale: 'Rarely used network protocols loaded on demand by an unprivileged socket() call have been a steady source of kernel vulnerabilities.'
    remediation: 'printf "install tipc /bin/false\nblacklist tipc\n" > /etc/modprobe.d/tipc.conf'
    references:
      - { standard: cis-debian-12, id: '3.2.2' }
      - { standard: cis-rhel-9, id: '3.2.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: tipc } }
  - id: cis.net.rds-disabled
    title: 'The rds protocol module cannot be loaded'
    severity: low
    description: 'modprobe.d has "install rds /bin/false" or "blacklist rds". (CIS Level 2 Server.)'
    rationale: 'Rarely used network protocols loaded on demand by an unprivileged socket() call have been a steady source of kernel vulnerabilities.'
    remediation: 'printf "install rds /bin/false\nblacklist rds\n" > /etc/modprobe.d/rds.conf'
    references:
      - { standard: cis-debian-12, id: '3.2.3' }
      - { standard: cis-rhel-9, id: '3.2.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: rds } }
  - id: cis.net.sctp-disabled
    title: 'The sctp protocol module cannot be loaded'
    severity: low
    description: 'modprobe.d has "install sctp /bin/false" or "blacklist sctp". (CIS Level 2 Server.)'
    rationale: 'Rarely used network protocols loaded on demand by an unprivileged socket() call have been a steady source of kernel vulnerabilities.'
    remediation: 'printf "install sctp /bin/false\nblacklist sctp\n" > /etc/modprobe.d/sctp.conf'
    references:
      - { standard: cis-debian-12, id: '3.2.4' }
      - { standard: cis-rhel-9, id: '3.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { kernel_module_disabled: { module: sctp } }
  - id: cis.net.ip-forward
    title: 'IP forwarding is disabled'
    severity: medium
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.ip_forward = 0, net.ipv6.conf.all.forwarding = 0. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'A host that forwards packets can be used as a router between networks it should separate.'
    remediation: 'Write net.ipv4.ip_forward = 0; net.ipv6.conf.all.forwarding = 0 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.1' }
      - { standard: cis-rhel-9, id: '3.3.1' }
      - { standard: pci-dss-4, id: '1.4.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { sysctl: { key: net.ipv4.ip_forward, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv6.conf.all.forwarding, op: eq, value: 0, missing: fail } }
  - id: cis.net.send-redirects
    title: 'ICMP redirects are not sent'
    severity: low
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.send_redirects = 0, net.ipv4.conf.default.send_redirects = 0. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'Only routers send redirects; a host that does can be used to alter other hosts'' routing.'
    remediation: 'Write net.ipv4.conf.all.send_redirects = 0; net.ipv4.conf.default.send_redirects = 0 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.2' }
      - { standard: cis-rhel-9, id: '3.3.2' }
      - { standard: pci-dss-4, id: '1.4.5' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.send_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.send_redirects, op: eq, value: 0, missing: fail } }
  - id: cis.net.icmp-bogus
    title: 'Bogus ICMP responses are ignored'
    severity: low
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.icmp_ignore_bogus_error_responses = 1. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'Logging bogus ICMP error responses lets a remote sender fill the logs.'
    remediation: 'Write net.ipv4.icmp_ignore_bogus_error_responses = 1 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.3' }
      - { standard: cis-rhel-9, id: '3.3.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { sysctl: { key: net.ipv4.icmp_ignore_bogus_error_responses, op: eq, value: 1, missing: fail } }
  - id: cis.net.icmp-broadcast
    title: 'Broadcast ICMP requests are ignored'
    severity: low
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.icmp_echo_ignore_broadcasts = 1. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'Answering broadcast pings makes the host part of Smurf amplification attacks.'
    remediation: 'Write net.ipv4.icmp_echo_ignore_broadcasts = 1 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.4' }
      - { standard: cis-rhel-9, id: '3.3.4' }
      - { standard: pci-dss-4, id: '1.4.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { sysctl: { key: net.ipv4.icmp_echo_ignore_broadcasts, op: eq, value: 1, missing: fail } }
  - id: cis.net.accept-redirects
    title: 'ICMP redirects are not accepted'
    severity: medium
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.accept_redirects = 0, net.ipv4.conf.default.accept_redirects = 0, net.ipv6.conf.all.accept_redirects = 0, net.ipv6.conf.default.accept_redirects = 0. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'Accepted redirects let anyone on the segment reroute the host''s traffic through themselves.'
    remediation: 'Write net.ipv4.conf.all.accept_redirects = 0; net.ipv4.conf.default.accept_redirects = 0; net.ipv6.conf.all.accept_redirects = 0; net.ipv6.conf.default.accept_redirects = 0 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.5' }
      - { standard: cis-rhel-9, id: '3.3.5' }
      - { standard: pci-dss-4, id: '1.4.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.accept_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.accept_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv6.conf.all.accept_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv6.conf.default.accept_redirects, op: eq, value: 0, missing: fail } }
  - id: cis.net.secure-redirects
    title: 'Secure ICMP redirects are not accepted'
    severity: low
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.secure_redirects = 0, net.ipv4.conf.default.secure_redirects = 0. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: '"Secure" redirects only come from the listed gateways, which can themselves be spoofed or compromised.'
    remediation: 'Write net.ipv4.conf.all.secure_redirects = 0; net.ipv4.conf.default.secure_redirects = 0 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.6' }
      - { standard: cis-rhel-9, id: '3.3.6' }
      - { standard: pci-dss-4, id: '1.4.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.secure_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.secure_redirects, op: eq, value: 0, missing: fail } }
  - id: cis.net.rp-filter
    title: 'Reverse path filtering is enabled'
    severity: medium
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.rp_filter = 1, net.ipv4.conf.default.rp_filter = 1. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'Strict reverse path filtering drops packets with spoofed source addresses.'
    remediation: 'Write net.ipv4.conf.all.rp_filter = 1; net.ipv4.conf.default.rp_filter = 1 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.7' }
      - { standard: cis-rhel-9, id: '3.3.7' }
      - { standard: pci-dss-4, id: '1.4.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.rp_filter, op: eq, value: 1, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.rp_filter, op: eq, value: 1, missing: fail } }
  - id: cis.net.source-route
    title: 'Source-routed packets are not accepted'
    severity: medium
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.accept_source_route = 0, net.ipv4.conf.default.accept_source_route = 0, net.ipv6.conf.all.accept_source_route = 0, net.ipv6.conf.default.accept_source_route = 0. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'Source routing lets a sender choose the path of packets, e.g. around a firewall.'
    remediation: 'Write net.ipv4.conf.all.accept_source_route = 0; net.ipv4.conf.default.accept_source_route = 0; net.ipv6.conf.all.accept_source_route = 0; net.ipv6.conf.default.accept_source_route = 0 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.8' }
      - { standard: cis-rhel-9, id: '3.3.8' }
      - { standard: pci-dss-4, id: '1.4.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.accept_source_route, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.accept_source_route, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv6.conf.all.accept_source_route, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv6.conf.default.accept_source_route, op: eq, value: 0, missing: fail } }
  - id: cis.net.log-martians
    title: 'Suspicious packets are logged'
    severity: low
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.log_martians = 1, net.ipv4.conf.default.log_martians = 1. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'Logging packets with impossible addresses shows spoofing attempts.'
    remediation: 'Write net.ipv4.conf.all.log_martians = 1; net.ipv4.conf.default.log_martians = 1 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.9' }
      - { standard: cis-rhel-9, id: '3.3.9' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.log_martians, op: eq, value: 1, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.log_martians, op: eq, value: 1, missing: fail } }
  - id: cis.net.tcp-syncookies
    title: 'TCP SYN cookies are enabled'
    severity: medium
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.tcp_syncookies = 1. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'SYN cookies keep the host answering during a SYN flood.'
    remediation: 'Write net.ipv4.tcp_syncookies = 1 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.10' }
      - { standard: cis-rhel-9, id: '3.3.10' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { sysctl: { key: net.ipv4.tcp_syncookies, op: eq, value: 1, missing: fail } }
  - id: cis.net.ipv6-accept-ra
    title: 'IPv6 router advertisements are not accepted'
    severity: low
    description: 'In the sysctl configuration (sysctl.d with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv6.conf.all.accept_ra = 0, net.ipv6.conf.default.accept_ra = 0. CIS requires the values to be set in a file, so an unset key fails.'
    rationale: 'Accepting router advertisements lets anyone on the segment announce themselves as the IPv6 gateway.'
    remediation: 'Write net.ipv6.conf.all.accept_ra = 0; net.ipv6.conf.default.accept_ra = 0 to /etc/sysctl.d/60-netipv4_sysctl.conf (and 60-netipv6_sysctl.conf) and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.11' }
      - { standard: cis-rhel-9, id: '3.3.11' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { sysctl: { key: net.ipv6.conf.all.accept_ra, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv6.conf.default.accept_ra, op: eq, value: 0, missing: fail } }
  - id: cis.firewall.single-utility
    title: 'Exactly one firewall utility is enabled'
    severity: high
    description: 'Exactly one of ufw.service, nftables.service, netfilter-persistent.service, iptables.service and firewalld.service is enabled.'
    rationale: 'With no firewall the host is unprotected; with two, their rule sets overwrite each other at boot and the result is unpredictable.'
    remediation: 'Choose one firewall, enable it, and disable or remove the others (e.g. systemctl enable nftables; systemctl disable --now ufw).'
    references:
      - { standard: cis-debian-12, id: '4.1.1' }
      - { standard: cis-rhel-9, id: '4.1.2' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - all:
            - { service: { name: ufw.service, state: enabled } }
            - { service: { name: [nftables.service, netfilter-persistent.service, iptables.service, firewalld.service], state: not_enabled } }
        - all:
            - { service: { name: nftables.service, state: enabled } }
            - { service: { name: [ufw.service, netfilter-persistent.service, iptables.service, firewalld.service], state: not_enabled } }
        - all:
            - { service: { name: netfilter-persistent.service, state: enabled } }
            - { service: { name: [ufw.service, nftables.service, iptables.service, firewalld.service], state: not_enabled } }
        - all:
            - { service: { name: iptables.service, state: enabled } }
            - { service: { name: [ufw.service, nftables.service, netfilter-persistent.service, firewalld.service], state: not_enabled } }
        - all:
            - { service: { name: firewalld.service, state: enabled } }
            - { service: { name: [ufw.service, nftables.service, netfilter-persistent.service, iptables.service], state: not_enabled } }
  - id: cis.firewall.installed.debian
    title: 'A firewall package is installed'
    severity: high
    description: 'ufw, nftables or iptables-persistent is installed (one of the three firewall paths of CIS section 4).'
    rationale: 'A host firewall limits which services are reachable even when one listens by mistake.'
    remediation: 'apt install nftables (or ufw, or iptables-persistent).'
    references:
      - { standard: cis-debian-12, id: '4.2.1' }
      - { standard: cis-debian-12, id: '4.3.1' }
      - { standard: cis-debian-12, id: '4.4.1.1' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux], family: [debian] }
    check: { package: { name: [ufw, nftables, iptables-persistent], installed: true } }
  - id: cis.firewall.nftables-installed.rhel
    title: 'nftables is installed'
    severity: high
    description: 'The nftables package is installed (firewalld uses it as its backend).'
    rationale: 'nftables is the packet filter every RHEL 9 firewall configuration relies on.'
    remediation: 'dnf install nftables'
    references:
      - { standard: cis-rhel-9, id: '4.1.1' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux], family: [rhel] }
    check: { package: { name: nftables, installed: true } }
  - id: cis.firewall.ufw-no-iptables-persistent
    title: 'iptables-persistent is not installed alongside ufw'
    severity: medium
    description: 'iptables-persistent is not installed (when ufw is).'
    rationale: 'iptables-persistent restores its own saved rules at boot, overwriting ufw''s.'
    remediation: 'apt purge iptables-persistent'
    references:
      - { standard: cis-debian-12, id: '4.2.2' }
    applies_to: { os: [linux], family: [debian], package: ufw }
    check: { package: { name: iptables-persistent, installed: false } }
  - id: cis.firewall.ufw-enabled
    title: 'ufw is enabled'
    severity: high
    description: 'ENABLED=yes in /etc/ufw/ufw.conf and ufw.service is enabled (when ufw is installed).'
    rationale: 'An installed but disabled ufw filters nothing.'
    remediation: 'ufw enable && systemctl enable ufw'
    references:
      - { standard: cis-debian-12, id: '4.2.3' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux], family: [debian], package: ufw }
    check:
      all:
        - { setting: { path: /etc/ufw/ufw.conf, key: ENABLED, syntax: equals, op: regex, value: '^"?yes"?$', missing: fail } }
        - { service: { name: ufw.service, state: enabled } }
  - id: cis.firewall.ufw-default-deny
    title: 'ufw denies incoming traffic by default'
    severity: high
    description: 'DEFAULT_INPUT_POLICY in /etc/default/ufw is DROP or REJECT (when ufw is installed).'
    rationale: 'A default-deny policy means only explicitly allowed services are reachable.'
    remediation: 'ufw default deny incoming'
    references:
      - { standard: cis-debian-12, id: '4.2.7' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux], family: [debian], package: ufw }
    check: { setting: { path: /etc/default/ufw, key: DEFAULT_INPUT_POLICY, syntax: equals, op: regex, value: '^"?(DROP|REJECT)"?$', missing: fail } }
  - id: cis.firewall.nftables-enabled
    title: 'nftables is enabled'
    severity: high
    description: 'nftables.service is enabled (when nftables is installed and is the firewall in use: ufw and iptables-persistent are not installed).'
    rationale: 'Rules in /etc/nftables.conf are only loaded at boot by nftables.service.'
    remediation: 'systemctl enable nftables'
    references:
      - { standard: cis-debian-12, id: '4.3.9' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux], family: [debian], package: nftables }
    check:
      any:
        - { package: { name: [ufw, iptables-persistent], installed: true } }
        - { service: { name: nftables.service, state: enabled } }
  - id: cis.firewall.nftables-table
    title: 'The nftables configuration defines a table'
    severity: high
    description: '/etc/nftables.conf (or a file it includes from /etc/nftables.d) declares a table (when nftables is the firewall in use).'
    rationale: 'Without a table nftables filters nothing.'
    remediation: 'Define an inet filter table in /etc/nftables.conf, e.g. "table inet filter { ... }".'
    references:
      - { standard: cis-debian-12, id: '4.3.4' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux], family: [debian], package: nftables }
    check:
      any:
        - { package: { name: [ufw, iptables-persistent], installed: true } }
        - { file_content: { path: /etc/nftables.conf, regex: '^\s*table\s+\S+', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/nftables.d/*.nft', regex: '^\s*table\s+\S+', present: true, ignore_comments: true } }
  - id: cis.firewall.nftables-default-deny
    title: 'nftables drops incoming traffic by default'
    severity: high
    description: 'A base chain hooked on input has "policy drop" in /etc/nftables.conf or /etc/nftables.d (when nftables is the firewall in use).'
    rationale: 'A default-deny input policy means only explicitly allowed services are reachable.'
    remediation: 'In the input base chain write "type filter hook input priority 0; policy drop;" and accept the wanted traffic explicitly.'
    references:
      - { standard: cis-debian-12, id: '4.3.8' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux], family: [debian], package: nftables }
    check:
      any:
        - { package: { name: [ufw, iptables-persistent], installed: true } }
        - { file_content: { path: /etc/nftables.conf, regex: 'hook\s+input\b.*\bpolicy\s+drop\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/nftables.d/*.nft', regex: 'hook\s+input\b.*\bpolicy\s+drop\b', present: true, ignore_comments: true } }
  - id: cis.ssh.config-perms
    title: '/etc/ssh/sshd_config is readable by root only'
    severity: medium
    description: '/etc/ssh/sshd_config is owned by root:root with no permission bits beyond 0600.'
    rationale: 'The SSH server configuration decides who may log in and how; other users must not read or change it.'
    remediation: 'chown root:root /etc/ssh/sshd_config && chmod u-x,og-rwx /etc/ssh/sshd_config'
    references:
      - { standard: cis-debian-12, id: '5.1.1' }
      - { standard: cis-rhel-9, id: '5.1.1' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check:
      all:
        - { file_owner: { path: /etc/ssh/sshd_config, user: root, group: root, missing: fail } }
        - { file_mode: { path: /etc/ssh/sshd_config, max: '0600', missing: fail } }
  - id: cis.ssh.private-keys.debian
    title: 'SSH host private keys are readable by root only'
    severity: high
    description: '/etc/ssh/ssh_host_*_key (ed25519, ecdsa, rsa; absent ones skipped) are owned by root with no permission bits beyond 0600.'
    rationale: 'Whoever reads a host private key can impersonate the server to its clients.'
    remediation: 'chown root:root /etc/ssh/ssh_host_*_key && chmod 0600 /etc/ssh/ssh_host_*_key'
    references:
      - { standard: cis-debian-12, id: '5.1.2' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian], package: openssh-server }
    check:
      all:
        - { file_owner: { path: /etc/ssh/ssh_host_ed25519_key, user: root } }
        - { file_mode: { path: /etc/ssh/ssh_host_ed25519_key, max: '0600' } }
        - { file_owner: { path: /etc/ssh/ssh_host_ecdsa_key, user: root } }
        - { file_mode: { path: /etc/ssh/ssh_host_ecdsa_key, max: '0600' } }
        - { file_owner: { path: /etc/ssh/ssh_host_rsa_key, user: root } }
        - { file_mode: { path: /etc/ssh/ssh_host_rsa_key, max: '0600' } }
  - id: cis.ssh.private-keys.rhel
    title: 'SSH host private keys are readable by root (and ssh_keys) only'
    severity: high
    description: '/etc/ssh/ssh_host_*_key (ed25519, ecdsa, rsa; absent ones skipped) are owned by root with no permission bits beyond 0640 (RHEL gives the ssh_keys group read access).'
    rationale: 'Whoever reads a host private key can impersonate the server to its clients.'
    remediation: 'chown root:ssh_keys /etc/ssh/ssh_host_*_key && chmod 0640 /etc/ssh/ssh_host_*_key'
    references:
      - { standard: cis-rhel-9, id: '5.1.2' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [rhel], package: openssh-server }
    check:
      all:
        - { file_owner: { path: /etc/ssh/ssh_host_ed25519_key, user: root } }
        - { file_mode: { path: /etc/ssh/ssh_host_ed25519_key, max: '0640' } }
        - { file_owner: { path: /etc/ssh/ssh_host_ecdsa_key, user: root } }
        - { file_mode: { path: /etc/ssh/ssh_host_ecdsa_key, max: '0640' } }
        - { file_owner: { path: /etc/ssh/ssh_host_rsa_key, user: root } }
        - { file_mode: { path: /etc/ssh/ssh_host_rsa_key, max: '0640' } }
  - id: cis.ssh.public-keys
    title: 'SSH host public keys are not writable by others'
    severity: low
    description: '/etc/ssh/ssh_host_*_key.pub (absent ones skipped) are owned by root with no permission bits beyond 0644.'
    rationale: 'A replaced public key breaks clients'' host verification or makes them trust a different key.'
    remediation: 'chown root:root /etc/ssh/ssh_host_*_key.pub && chmod 0644 /etc/ssh/ssh_host_*_key.pub'
    references:
      - { standard: cis-debian-12, id: '5.1.3' }
      - { standard: cis-rhel-9, id: '5.1.3' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check:
      all:
        - { file_owner: { path: /etc/ssh/ssh_host_ed25519_key.pub, user: root } }
        - { file_mode: { path: /etc/ssh/ssh_host_ed25519_key.pub, max: '0644' } }
        - { file_owner: { path: /etc/ssh/ssh_host_ecdsa_key.pub, user: root } }
        - { file_mode: { path: /etc/ssh/ssh_host_ecdsa_key.pub, max: '0644' } }
        - { file_owner: { path: /etc/ssh/ssh_host_rsa_key.pub, user: root } }
        - { file_mode: { path: /etc/ssh/ssh_host_rsa_key.pub, max: '0644' } }
  - id: cis.ssh.access
    title: 'SSH access is limited to named users or groups'
    severity: low
    description: 'At least one of AllowUsers, AllowGroups, DenyUsers or DenyGroups is set in the effective sshd configuration.'
    rationale: 'Limiting SSH to the accounts that need it keeps service and forgotten accounts from being reachable remotely.'
    remediation: 'Add e.g. "AllowGroups sshusers" to /etc/ssh/sshd_config and put the administrators in that group.'
    references:
      - { standard: cis-debian-12, id: '5.1.4' }
      - { standard: cis-rhel-9, id: '5.1.7' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check:
      any:
        - { sshd: { option: AllowUsers, op: exists, missing: fail } }
        - { sshd: { option: AllowGroups, op: exists, missing: fail } }
        - { sshd: { option: DenyUsers, op: exists, missing: fail } }
        - { sshd: { option: DenyGroups, op: exists, missing: fail } }
  - id: cis.ssh.banner
    title: 'SSH shows a warning banner'
    severity: low
    description: 'The effective Banner is a file path (not none).'
    rationale: 'A legal notice before login supports prosecution of unauthorized access in many jurisdictions.'
    remediation: 'Set "Banner /etc/issue.net" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.5' }
      - { standard: cis-rhel-9, id: '5.1.8' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: Banner, op: regex, value: '^/', missing: fail } }
  - id: cis.ssh.ciphers
    title: 'SSH offers no weak ciphers'
    severity: medium
    description: 'The effective Ciphers list names no CBC, arcfour, 3DES, blowfish, cast128 or rijndael cipher (an unset Ciphers keeps OpenSSH''s defaults, which are strong; on RHEL the system crypto policy must not re-add them).'
    rationale: 'CBC modes in SSH are open to plaintext-recovery attacks and 64-bit block ciphers to Sweet32.'
    remediation: 'Set "Ciphers -*-cbc,3des-cbc" or an explicit strong list in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.6' }
      - { standard: cis-rhel-9, id: '5.1.4' }
      - { standard: pci-dss-4, id: '2.2.7' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check:
      not: { sshd: { option: Ciphers, op: regex, value: 'cbc|arcfour|3des|blowfish|cast128|rijndael', missing: fail } }
  - id: cis.ssh.client-alive
    title: 'SSH idle sessions are timed out'
    severity: low
    description: 'ClientAliveInterval and ClientAliveCountMax are both greater than 0 (OpenSSH''s default interval 0 never times out).'
    rationale: 'Unattended open sessions can be hijacked from an unlocked workstation.'
    remediation: 'Set "ClientAliveInterval 15" and "ClientAliveCountMax 3" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.7' }
      - { standard: cis-rhel-9, id: '5.1.9' }
      - { standard: pci-dss-4, id: '8.2.8' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check:
      all:
        - { sshd: { option: ClientAliveInterval, op: gt, value: 0 } }
        - { sshd: { option: ClientAliveCountMax, op: gt, value: 0 } }
  - id: cis.ssh.hostbased
    title: 'SSH host-based authentication is disabled'
    severity: medium
    description: 'The effective HostbasedAuthentication is no.'
    rationale: 'Host-based authentication trusts the client machine rather than the user.'
    remediation: 'Set "HostbasedAuthentication no" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.10' }
      - { standard: cis-rhel-9, id: '5.1.12' }
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: HostbasedAuthentication, op: eq, value: 'no' } }
  - id: cis.ssh.ignore-rhosts
    title: 'SSH ignores .rhosts files'
    severity: medium
    description: 'The effective IgnoreRhosts is yes.'
    rationale: '.rhosts and .shosts trust relationships bypass passwords and keys.'
    remediation: 'Set "IgnoreRhosts yes" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.11' }
      - { standard: cis-rhel-9, id: '5.1.13' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: IgnoreRhosts, op: eq, value: 'yes' } }
  - id: cis.ssh.kex
    title: 'SSH offers no weak key exchange'
    severity: medium
    description: 'The effective KexAlgorithms names no SHA-1 Diffie-Hellman group (an unset value keeps OpenSSH''s defaults, which have none).'
    rationale: 'SHA-1 key exchange and the 1024-bit group1 are within reach of well-funded attackers.'
    remediation: 'Set an explicit KexAlgorithms list without the SHA-1 groups in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.12' }
      - { standard: cis-rhel-9, id: '5.1.5' }
      - { standard: pci-dss-4, id: '2.2.7' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check:
      not: { sshd: { option: KexAlgorithms, op: regex, value: 'diffie-hellman-group1-sha1|diffie-hellman-group14-sha1|diffie-hellman-group-exchange-sha1', missing: fail } }
  - id: cis.ssh.login-grace-time
    title: 'SSH login grace time is at most one minute'
    severity: low
    description: 'The effective LoginGraceTime is between 1 and 60 seconds (OpenSSH defaults to 120; time suffixes such as 1m are not understood by this check).'
    rationale: 'A long grace time lets unauthenticated connections tie up sshd slots.'
    remediation: 'Set "LoginGraceTime 60" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.13' }
      - { standard: cis-rhel-9, id: '5.1.14' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check:
      all:
        - { sshd: { option: LoginGraceTime, op: ge, value: 1 } }
        - { sshd: { option: LoginGraceTime, op: le, value: 60 } }
  - id: cis.ssh.log-level
    title: 'SSH logs at INFO or VERBOSE'
    severity: low
    description: 'The effective LogLevel is INFO or VERBOSE.'
    rationale: 'Lower levels drop the login records an investigation needs; DEBUG levels log private data.'
    remediation: 'Set "LogLevel VERBOSE" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.14' }
      - { standard: cis-rhel-9, id: '5.1.15' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: LogLevel, op: in, value: [INFO, VERBOSE] } }
  - id: cis.ssh.macs
    title: 'SSH offers no weak MACs'
    severity: medium
    description: 'The effective MACs list is set and names no MD5, RIPEMD-160, 96-bit truncated or 64-bit UMAC algorithm (OpenSSH''s default list includes umac-64, so an unset MACs fails).'
    rationale: 'Short or broken MACs make forging or tampering with the session feasible.'
    remediation: 'Set "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.15' }
      - { standard: cis-rhel-9, id: '5.1.6' }
      - { standard: pci-dss-4, id: '2.2.7' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check:
      not: { sshd: { option: MACs, op: regex, value: 'md5|ripemd160|-96|umac-64', missing: pass } }
  - id: cis.ssh.max-auth-tries
    title: 'SSH allows at most 4 authentication attempts'
    severity: low
    description: 'The effective MaxAuthTries is 4 or less (OpenSSH defaults to 6).'
    rationale: 'Fewer attempts per connection slow down password guessing.'
    remediation: 'Set "MaxAuthTries 4" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.16' }
      - { standard: cis-rhel-9, id: '5.1.16' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: MaxAuthTries, op: le, value: 4 } }
  - id: cis.ssh.max-sessions
    title: 'SSH allows at most 10 sessions per connection'
    severity: low
    description: 'The effective MaxSessions is 10 or less.'
    rationale: 'Limiting multiplexed sessions limits the damage of a hijacked connection and resource exhaustion.'
    remediation: 'Set "MaxSessions 10" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.17' }
      - { standard: cis-rhel-9, id: '5.1.18' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: MaxSessions, op: le, value: 10 } }
  - id: cis.ssh.max-startups
    title: 'SSH limits concurrent unauthenticated connections'
    severity: low
    description: 'The effective MaxStartups is 10:30:60 or stricter (start at most 10, rate at least 30, full at most 60; OpenSSH defaults to 10:30:100).'
    rationale: 'Limiting unauthenticated connections keeps a flood of them from locking administrators out.'
    remediation: 'Set "MaxStartups 10:30:60" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.18' }
      - { standard: cis-rhel-9, id: '5.1.17' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: MaxStartups, op: regex, value: '^([0-9]|10):([3-9][0-9]|100):([0-9]|[1-5][0-9]|60)$', missing: fail } }
  - id: cis.ssh.permit-empty-passwords
    title: 'SSH refuses accounts with empty passwords'
    severity: high
    description: 'The effective PermitEmptyPasswords is no.'
    rationale: 'An account with an empty password would be reachable over the network without any secret.'
    remediation: 'Set "PermitEmptyPasswords no" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.19' }
      - { standard: cis-rhel-9, id: '5.1.19' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: PermitEmptyPasswords, op: eq, value: 'no' } }
  - id: cis.ssh.permit-root-login
    title: 'SSH root login is disabled'
    severity: high
    description: 'The effective PermitRootLogin is no (OpenSSH''s default prohibit-password still allows root with a key, which CIS does not accept).'
    rationale: 'Administrators should log in as themselves and escalate, so actions are attributable and root is never a remote target.'
    remediation: 'Set "PermitRootLogin no" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.20' }
      - { standard: cis-rhel-9, id: '5.1.20' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: PermitRootLogin, op: eq, value: 'no' } }
  - id: cis.ssh.permit-user-environment
    title: 'SSH ignores user-supplied environment'
    severity: medium
    description: 'The effective PermitUserEnvironment is no.'
    rationale: 'User-controlled environment (LD_PRELOAD, PATH) can bypass forced commands and restricted shells.'
    remediation: 'Set "PermitUserEnvironment no" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.21' }
      - { standard: cis-rhel-9, id: '5.1.21' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: PermitUserEnvironment, op: eq, value: 'no' } }
  - id: cis.ssh.use-pam
    title: 'SSH uses PAM'
    severity: medium
    description: 'The effective UsePAM is yes (OpenSSH''s compiled default is no; distributions set it in sshd_config).'
    rationale: 'Without PAM, account lockout, password aging and session limits configured in PAM do not apply to SSH.'
    remediation: 'Set "UsePAM yes" in /etc/ssh/sshd_config.'
    references:
      - { standard: cis-debian-12, id: '5.1.22' }
      - { standard: cis-rhel-9, id: '5.1.22' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: openssh-server }
    check: { sshd: { option: UsePAM, op: eq, value: 'yes' } }
  - id: cis.sudo.installed
    title: 'sudo is installed'
    severity: medium
    description: 'The sudo package is installed.'
    rationale: 'sudo lets administrators escalate per command with their own credentials, leaving an audit trail instead of shared root passwords.'
    remediation: 'apt install sudo / dnf install sudo'
    references:
      - { standard: cis-debian-12, id: '5.2.1' }
      - { standard: cis-rhel-9, id: '5.2.1' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { package: { name: sudo, installed: true } }
  - id: cis.sudo.use-pty
    title: 'sudo runs commands in a pseudo-terminal'
    severity: low
    description: '"Defaults use_pty" appears in /etc/sudoers or /etc/sudoers.d.'
    rationale: 'Without a pty, a command run through sudo can keep running in the background and inject input into the administrator''s terminal.'
    remediation: 'Add "Defaults use_pty" with visudo.'
    references:
      - { standard: cis-debian-12, id: '5.2.2' }
      - { standard: cis-rhel-9, id: '5.2.2' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: sudo }
    check:
      any:
        - { file_content: { path: /etc/sudoers, regex: '^\s*Defaults\s+([^#\n]+,\s*)?use_pty\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/sudoers.d/*', regex: '^\s*Defaults\s+([^#\n]+,\s*)?use_pty\b', present: true, ignore_comments: true } }
  - id: cis.sudo.logfile
    title: 'sudo logs to a dedicated file'
    severity: low
    description: 'A "Defaults logfile=..." line appears in /etc/sudoers or /etc/sudoers.d.'
    rationale: 'A dedicated sudo log makes privileged commands easy to review.'
    remediation: 'Add ''Defaults logfile="/var/log/sudo.log"'' with visudo.'
    references:
      - { standard: cis-debian-12, id: '5.2.3' }
      - { standard: cis-rhel-9, id: '5.2.3' }
      - { standard: pci-dss-4, id: '10.2.1.2' }
    applies_to: { os: [linux], family: [debian, rhel], package: sudo }
    check:
      any:
        - { file_content: { path: /etc/sudoers, regex: '^\s*Defaults\s+([^#\n]+,\s*)?logfile\s*=', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/sudoers.d/*', regex: '^\s*Defaults\s+([^#\n]+,\s*)?logfile\s*=', present: true, ignore_comments: true } }
  - id: cis.sudo.no-authenticate-disabled
    title: 'sudo re-authentication is not disabled'
    severity: medium
    description: 'No "!authenticate" appears in /etc/sudoers or /etc/sudoers.d.'
    rationale: '!authenticate lets anyone with the user''s session run privileged commands without proving who they are.'
    remediation: 'Remove "!authenticate" tags with visudo.'
    references:
      - { standard: cis-debian-12, id: '5.2.5' }
      - { standard: cis-rhel-9, id: '5.2.5' }
    applies_to: { os: [linux], family: [debian, rhel], package: sudo }
    check:
      all:
        - { file_content: { path: /etc/sudoers, regex: '!authenticate\b', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: '/etc/sudoers.d/*', regex: '!authenticate\b', present: false, ignore_comments: true, missing: pass } }
  - id: cis.sudo.timeout
    title: 'sudo credential caching is at most 15 minutes'
    severity: low
    description: 'No timestamp_timeout above 15 minutes (or negative: forever) is set in /etc/sudoers or /etc/sudoers.d.'
    rationale: 'A long-lived sudo ticket lets anyone at an unlocked terminal escalate without a password.'
    remediation: 'Remove the timestamp_timeout setting or set "Defaults timestamp_timeout=15".'
    references:
      - { standard: cis-debian-12, id: '5.2.6' }
      - { standard: cis-rhel-9, id: '5.2.6' }
    applies_to: { os: [linux], family: [debian, rhel], package: sudo }
    check:
      all:
        - { file_content: { path: /etc/sudoers, regex: 'timestamp_timeout\s*=\s*(-\d+|1[6-9]|[2-9]\d|\d{3,})', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: '/etc/sudoers.d/*', regex: 'timestamp_timeout\s*=\s*(-\d+|1[6-9]|[2-9]\d|\d{3,})', present: false, ignore_comments: true, missing: pass } }
  - id: cis.sudo.su-restricted
    title: 'su is restricted to a group'
    severity: medium
    description: '/etc/pam.d/su requires pam_wheel.so with use_uid and a group= option.'
    rationale: 'Restricting su to an (empty or administrator) group forces escalation through sudo, which logs who did what.'
    remediation: 'Add "auth required pam_wheel.so use_uid group=sugroup" to /etc/pam.d/su and create the (empty) group.'
    references:
      - { standard: cis-debian-12, id: '5.2.7' }
      - { standard: cis-rhel-9, id: '5.2.7' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/su, regex: '^\s*auth\s+(required|requisite)\s+pam_wheel\.so\b.*\buse_uid\b', present: true } }
        - { file_content: { path: /etc/pam.d/su, regex: '^\s*auth\s+(required|requisite)\s+pam_wheel\.so\b.*\bgroup=\S+', present: true } }
  - id: cis.pam.pwquality-installed
    title: 'The PAM password-quality module is installed'
    severity: medium
    description: 'libpam-pwquality (Debian) or libpwquality (RHEL family) is installed.'
    rationale: 'pam_pwquality is what enforces password length and complexity when passwords are changed.'
    remediation: 'apt install libpam-pwquality / dnf install libpwquality'
    references:
      - { standard: cis-debian-12, id: '5.3.1.3' }
      - { standard: cis-rhel-9, id: '5.3.1.3' }
      - { standard: pci-dss-4, id: '8.3.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { package: { name: [libpam-pwquality, libpwquality], installed: true } }
  - id: cis.pam.unix-enabled.debian
    title: 'pam_unix is enabled in the PAM auth stack'
    severity: medium
    description: '/etc/pam.d/common-auth has a auth line using pam_unix.so.'
    rationale: 'pam_unix checks and updates the local password database; without it local passwords do not work as configured.'
    remediation: 'Enable it with pam-auth-update (Debian: select the profile in /usr/share/pam-configs).'
    references:
      - { standard: cis-debian-12, id: '5.3.2.1' }
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [linux], family: [debian] }
    check: { file_content: { path: /etc/pam.d/common-auth, regex: '^\s*auth\s+\S+.*\bpam_unix\.so\b', present: true, ignore_comments: true } }
  - id: cis.pam.unix-enabled.rhel
    title: 'pam_unix is enabled in the PAM auth stack'
    severity: medium
    description: '/etc/pam.d/system-auth, /etc/pam.d/password-auth each have a auth line using pam_unix.so.'
    rationale: 'pam_unix checks and updates the local password database; without it local passwords do not work as configured.'
    remediation: 'authselect enable-feature with-unix (or select a profile that includes it) and authselect apply-changes.'
    references:
      - { standard: cis-rhel-9, id: '5.3.2.5' }
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/system-auth, regex: '^\s*auth\s+\S+.*\bpam_unix\.so\b', present: true, ignore_comments: true } }
        - { file_content: { path: /etc/pam.d/password-auth, regex: '^\s*auth\s+\S+.*\bpam_unix\.so\b', present: true, ignore_comments: true } }
  - id: cis.pam.faillock-enabled.debian
    title: 'pam_faillock is enabled in the PAM auth stack'
    severity: medium
    description: '/etc/pam.d/common-auth has a auth line using pam_faillock.so.'
    rationale: 'pam_faillock locks accounts after repeated failed logins, stopping online password guessing.'
    remediation: 'Enable it with pam-auth-update (Debian: select the profile in /usr/share/pam-configs).'
    references:
      - { standard: cis-debian-12, id: '5.3.2.2' }
      - { standard: pci-dss-4, id: '8.3.4' }
    applies_to: { os: [linux], family: [debian] }
    check: { file_content: { path: /etc/pam.d/common-auth, regex: '^\s*auth\s+\S+.*\bpam_faillock\.so\b', present: true, ignore_comments: true } }
  - id: cis.pam.faillock-enabled.rhel
    title: 'pam_faillock is enabled in the PAM auth stack'
    severity: medium
    description: '/etc/pam.d/system-auth, /etc/pam.d/password-auth each have a auth line using pam_faillock.so.'
    rationale: 'pam_faillock locks accounts after repeated failed logins, stopping online password guessing.'
    remediation: 'authselect enable-feature with-faillock (or select a profile that includes it) and authselect apply-changes.'
    references:
      - { standard: cis-rhel-9, id: '5.3.2.2' }
      - { standard: pci-dss-4, id: '8.3.4' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/system-auth, regex: '^\s*auth\s+\S+.*\bpam_faillock\.so\b', present: true, ignore_comments: true } }
        - { file_content: { path: /etc/pam.d/password-auth, regex: '^\s*auth\s+\S+.*\bpam_faillock\.so\b', present: true, ignore_comments: true } }
  - id: cis.pam.pwquality-enabled.debian
    title: 'pam_pwquality is enabled in the PAM password stack'
    severity: medium
    description: '/etc/pam.d/common-password has a password line using pam_pwquality.so.'
    rationale: 'pam_pwquality enforces the pwquality.conf rules when a password is changed.'
    remediation: 'Enable it with pam-auth-update (Debian: select the profile in /usr/share/pam-configs).'
    references:
      - { standard: cis-debian-12, id: '5.3.2.3' }
      - { standard: pci-dss-4, id: '8.3.6' }
    applies_to: { os: [linux], family: [debian] }
    check: { file_content: { path: /etc/pam.d/common-password, regex: '^\s*password\s+\S+.*\bpam_pwquality\.so\b', present: true, ignore_comments: true } }
  - id: cis.pam.pwquality-enabled.rhel
    title: 'pam_pwquality is enabled in the PAM password stack'
    severity: medium
    description: '/etc/pam.d/system-auth, /etc/pam.d/password-auth each have a password line using pam_pwquality.so.'
    rationale: 'pam_pwquality enforces the pwquality.conf rules when a password is changed.'
    remediation: 'authselect enable-feature with-pwquality (or select a profile that includes it) and authselect apply-changes.'
    references:
      - { standard: cis-rhel-9, id: '5.3.2.3' }
      - { standard: pci-dss-4, id: '8.3.6' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/system-auth, regex: '^\s*password\s+\S+.*\bpam_pwquality\.so\b', present: true, ignore_comments: true } }
        - { file_content: { path: /etc/pam.d/password-auth, regex: '^\s*password\s+\S+.*\bpam_pwquality\.so\b', present: true, ignore_comments: true } }
  - id: cis.pam.pwhistory-enabled.debian
    title: 'pam_pwhistory is enabled in the PAM password stack'
    severity: medium
    description: '/etc/pam.d/common-password has a password line using pam_pwhistory.so.'
    rationale: 'pam_pwhistory stops users from cycling back to an old password.'
    remediation: 'Enable it with pam-auth-update (Debian: select the profile in /usr/share/pam-configs).'
    references:
      - { standard: cis-debian-12, id: '5.3.2.4' }
      - { standard: pci-dss-4, id: '8.3.7' }
    applies_to: { os: [linux], family: [debian] }
    check: { file_content: { path: /etc/pam.d/common-password, regex: '^\s*password\s+\S+.*\bpam_pwhistory\.so\b', present: true, ignore_comments: true } }
  - id: cis.pam.pwhistory-enabled.rhel
    title: 'pam_pwhistory is enabled in the PAM password stack'
    severity: medium
    description: '/etc/pam.d/system-auth, /etc/pam.d/password-auth each have a password line using pam_pwhistory.so.'
    rationale: 'pam_pwhistory stops users from cycling back to an old password.'
    remediation: 'authselect enable-feature with-pwhistory (or select a profile that includes it) and authselect apply-changes.'
    references:
      - { standard: cis-rhel-9, id: '5.3.2.4' }
      - { standard: pci-dss-4, id: '8.3.7' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/system-auth, regex: '^\s*password\s+\S+.*\bpam_pwhistory\.so\b', present: true, ignore_comments: true } }
        - { file_content: { path: /etc/pam.d/password-auth, regex: '^\s*password\s+\S+.*\bpam_pwhistory\.so\b', present: true, ignore_comments: true } }
  - id: cis.pam.difok
    title: 'Passwords must change at least 2 characters'
    severity: low
    description: 'difok is 2 or more in pwquality.conf (or a pwquality.conf.d drop-in; the last in name order wins).'
    rationale: 'A new password that differs by one character from the old one is guessed from it.'
    remediation: 'Set "difok = 2" in /etc/security/pwquality.conf.d/50-pwdifok.conf.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.2.1' }
      - { standard: cis-rhel-9, id: '5.3.3.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: difok, syntax: equals, op: ge, value: 2, missing: fail } }
  - id: cis.pam.minlen
    title: 'Passwords are at least 14 characters long'
    severity: medium
    description: 'minlen is 14 or more in pwquality.conf (or a drop-in).'
    rationale: 'Length is the main factor in resistance to guessing and cracking.'
    remediation: 'Set "minlen = 14" in /etc/security/pwquality.conf.d/50-pwlength.conf.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.2.2' }
      - { standard: cis-rhel-9, id: '5.3.3.2.2' }
      - { standard: pci-dss-4, id: '8.3.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: minlen, syntax: equals, op: ge, value: 14, missing: fail } }
  - id: cis.pam.complexity
    title: 'Passwords must mix character classes'
    severity: medium
    description: 'minclass is 4, or dcredit, ucredit, lcredit and ocredit are all -1 or less, in pwquality.conf (or a drop-in).'
    rationale: 'Requiring several character classes enlarges the search space of a cracking attack.'
    remediation: 'Set "minclass = 4" in /etc/security/pwquality.conf.d/50-pwcomplexity.conf.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.2.3' }
      - { standard: cis-rhel-9, id: '5.3.3.2.3' }
      - { standard: pci-dss-4, id: '8.3.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: minclass, syntax: equals, op: ge, value: 4, missing: fail } }
        - all:
            - { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: dcredit, syntax: equals, op: le, value: -1, missing: fail } }
            - { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: ucredit, syntax: equals, op: le, value: -1, missing: fail } }
            - { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: lcredit, syntax: equals, op: le, value: -1, missing: fail } }
            - { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: ocredit, syntax: equals, op: le, value: -1, missing: fail } }
  - id: cis.pam.maxrepeat
    title: 'Passwords may repeat a character at most 3 times'
    severity: low
    description: 'maxrepeat is between 1 and 3 in pwquality.conf (or a drop-in).'
    rationale: 'Runs of the same character (aaaa) make passwords easy to guess.'
    remediation: 'Set "maxrepeat = 3" in /etc/security/pwquality.conf.d/50-pwrepeat.conf.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.2.4' }
      - { standard: cis-rhel-9, id: '5.3.3.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: maxrepeat, syntax: equals, op: ge, value: 1, missing: fail } }
        - { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: maxrepeat, syntax: equals, op: le, value: 3, missing: fail } }
  - id: cis.pam.maxsequence
    title: 'Passwords may hold sequences of at most 3 characters'
    severity: low
    description: 'maxsequence is between 1 and 3 in pwquality.conf (or a drop-in).'
    rationale: 'Sequences (1234, abcd) are the first things guessed.'
    remediation: 'Set "maxsequence = 3" in /etc/security/pwquality.conf.d/50-pwmaxsequence.conf.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.2.5' }
      - { standard: cis-rhel-9, id: '5.3.3.2.5' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: maxsequence, syntax: equals, op: ge, value: 1, missing: fail } }
        - { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: maxsequence, syntax: equals, op: le, value: 3, missing: fail } }
  - id: cis.pam.dictcheck
    title: 'Passwords are checked against a dictionary'
    severity: low
    description: 'dictcheck is not 0 in pwquality.conf or a drop-in (the default is on).'
    rationale: 'Dictionary words fall to the first round of any cracking attack.'
    remediation: 'Remove "dictcheck = 0" from pwquality.conf and its drop-ins.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.2.6' }
      - { standard: cis-rhel-9, id: '5.3.3.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: dictcheck, syntax: equals, op: ne, value: 0, missing: pass } }
  - id: cis.pam.pwquality-enforcing.debian
    title: 'Password quality checks are enforced'
    severity: medium
    description: 'enforcing is not 0 in pwquality.conf or a drop-in (the default is 1).'
    rationale: 'With enforcing = 0, pwquality only warns and accepts the weak password.'
    remediation: 'Remove "enforcing = 0" from pwquality.conf and its drop-ins.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.2.7' }
      - { standard: pci-dss-4, id: '8.3.6' }
    applies_to: { os: [linux], family: [debian] }
    check: { setting: { path: [/etc/security/pwquality.conf, '/etc/security/pwquality.conf.d/*.conf'], key: enforcing, syntax: equals, op: ne, value: 0, missing: pass } }
  - id: cis.pam.pwquality-enforce-root
    title: 'Password quality is enforced for root'
    severity: low
    description: 'enforce_for_root is set in /etc/security/pwquality.conf or a pwquality.conf.d drop-in.'
    rationale: 'Without it root can set any password for itself and other users.'
    remediation: 'printf "enforce_for_root\n" > /etc/security/pwquality.conf.d/50-pwroot.conf'
    references:
      - { standard: cis-debian-12, id: '5.3.3.2.8' }
      - { standard: cis-rhel-9, id: '5.3.3.2.7' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { file_content: { path: /etc/security/pwquality.conf, regex: '^\s*enforce_for_root\b', present: true } }
        - { file_content: { path: '/etc/security/pwquality.conf.d/*.conf', regex: '^\s*enforce_for_root\b', present: true } }
  - id: cis.pam.faillock-deny
    title: 'Accounts lock after at most 5 failed logins'
    severity: medium
    description: 'deny in /etc/security/faillock.conf is between 1 and 5.'
    rationale: 'Locking after a few failures stops online password guessing.'
    remediation: 'Set "deny = 5" in /etc/security/faillock.conf.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.1.1' }
      - { standard: cis-rhel-9, id: '5.3.3.1.1' }
      - { standard: pci-dss-4, id: '8.3.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { setting: { path: /etc/security/faillock.conf, key: deny, syntax: equals, op: ge, value: 1, missing: fail } }
        - { setting: { path: /etc/security/faillock.conf, key: deny, syntax: equals, op: le, value: 5, missing: fail } }
  - id: cis.pam.faillock-unlock-time
    title: 'Locked accounts stay locked for at least 15 minutes'
    severity: low
    description: 'unlock_time in /etc/security/faillock.conf is 0 (until an administrator unlocks) or at least 900 seconds.'
    rationale: 'A short lockout only slows password guessing down a little.'
    remediation: 'Set "unlock_time = 900" in /etc/security/faillock.conf.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.1.2' }
      - { standard: cis-rhel-9, id: '5.3.3.1.2' }
      - { standard: pci-dss-4, id: '8.3.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { setting: { path: /etc/security/faillock.conf, key: unlock_time, syntax: equals, op: eq, value: 0, missing: fail } }
        - { setting: { path: /etc/security/faillock.conf, key: unlock_time, syntax: equals, op: ge, value: 900, missing: fail } }
  - id: cis.pam.pwhistory-remember
    title: 'The last 24 passwords are remembered'
    severity: low
    description: 'remember in /etc/security/pwhistory.conf is 24 or more.'
    rationale: 'Remembering previous passwords stops users from alternating between two of them.'
    remediation: 'Set "remember = 24" in /etc/security/pwhistory.conf.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.3.1' }
      - { standard: cis-rhel-9, id: '5.3.3.3.1' }
      - { standard: pci-dss-4, id: '8.3.7' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: /etc/security/pwhistory.conf, key: remember, syntax: equals, op: ge, value: 24, missing: fail } }
  - id: cis.pam.pwhistory-enforce-root
    title: 'Password history is enforced for root'
    severity: low
    description: 'enforce_for_root is set in /etc/security/pwhistory.conf.'
    rationale: 'Without it root may reuse old passwords.'
    remediation: 'Add "enforce_for_root" to /etc/security/pwhistory.conf.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.3.2' }
      - { standard: cis-rhel-9, id: '5.3.3.3.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: /etc/security/pwhistory.conf, regex: '^\s*enforce_for_root\b', present: true } }
  - id: cis.pam.pwhistory-use-authtok.debian
    title: 'pam_pwhistory uses the already-entered password'
    severity: low
    description: 'The pam_pwhistory.so password line in /etc/pam.d/common-password has use_authtok.'
    rationale: 'use_authtok makes the module check the password the earlier module accepted instead of prompting again (or checking nothing).'
    remediation: 'Add use_authtok to the pam_pwhistory.so line (pam-auth-update / authselect profile).'
    references:
      - { standard: cis-debian-12, id: '5.3.3.3.3' }
    applies_to: { os: [linux], family: [debian] }
    check: { file_content: { path: /etc/pam.d/common-password, regex: '^\s*password\s+\S+\s+pam_pwhistory\.so\b.*\buse_authtok\b', present: true, ignore_comments: true } }
  - id: cis.pam.pwhistory-use-authtok.rhel
    title: 'pam_pwhistory uses the already-entered password'
    severity: low
    description: 'The pam_pwhistory.so password line in /etc/pam.d/system-auth, /etc/pam.d/password-auth has use_authtok.'
    rationale: 'use_authtok makes the module check the password the earlier module accepted instead of prompting again (or checking nothing).'
    remediation: 'Add use_authtok to the pam_pwhistory.so line (pam-auth-update / authselect profile).'
    references:
      - { standard: cis-rhel-9, id: '5.3.3.3.3' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/system-auth, regex: '^\s*password\s+\S+\s+pam_pwhistory\.so\b.*\buse_authtok\b', present: true, ignore_comments: true } }
        - { file_content: { path: /etc/pam.d/password-auth, regex: '^\s*password\s+\S+\s+pam_pwhistory\.so\b.*\buse_authtok\b', present: true, ignore_comments: true } }
  - id: cis.pam.nullok.debian
    title: 'pam_unix does not accept empty passwords'
    severity: high
    description: 'No pam_unix.so line has nullok. Files: /etc/pam.d/common-auth, /etc/pam.d/common-password, /etc/pam.d/common-account, /etc/pam.d/common-session.'
    rationale: 'nullok lets accounts with an empty password log in.'
    remediation: 'Remove nullok from every pam_unix.so line.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.4.1' }
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/common-auth, regex: 'pam_unix\.so\b.*\bnullok\b', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: /etc/pam.d/common-password, regex: 'pam_unix\.so\b.*\bnullok\b', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: /etc/pam.d/common-account, regex: 'pam_unix\.so\b.*\bnullok\b', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: /etc/pam.d/common-session, regex: 'pam_unix\.so\b.*\bnullok\b', present: false, ignore_comments: true, missing: pass } }
  - id: cis.pam.nullok.rhel
    title: 'pam_unix does not accept empty passwords'
    severity: high
    description: 'No pam_unix.so line has nullok. Files: /etc/pam.d/system-auth, /etc/pam.d/password-auth.'
    rationale: 'nullok lets accounts with an empty password log in.'
    remediation: 'Remove nullok from every pam_unix.so line.'
    references:
      - { standard: cis-rhel-9, id: '5.3.3.4.1' }
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/system-auth, regex: 'pam_unix\.so\b.*\bnullok\b', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: /etc/pam.d/password-auth, regex: 'pam_unix\.so\b.*\bnullok\b', present: false, ignore_comments: true, missing: pass } }
  - id: cis.pam.no-remember.debian
    title: 'pam_unix does not keep password history'
    severity: low
    description: 'No pam_unix.so line has remember= (pam_pwhistory keeps the history instead). Files: /etc/pam.d/common-auth, /etc/pam.d/common-password, /etc/pam.d/common-account, /etc/pam.d/common-session.'
    rationale: 'pam_unix stores old password hashes in /etc/security/opasswd in a weaker way than pam_pwhistory.'
    remediation: 'Remove remember= from pam_unix.so lines and use pam_pwhistory.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.4.2' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/common-auth, regex: 'pam_unix\.so\b.*\bremember=', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: /etc/pam.d/common-password, regex: 'pam_unix\.so\b.*\bremember=', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: /etc/pam.d/common-account, regex: 'pam_unix\.so\b.*\bremember=', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: /etc/pam.d/common-session, regex: 'pam_unix\.so\b.*\bremember=', present: false, ignore_comments: true, missing: pass } }
  - id: cis.pam.no-remember.rhel
    title: 'pam_unix does not keep password history'
    severity: low
    description: 'No pam_unix.so line has remember= (pam_pwhistory keeps the history instead). Files: /etc/pam.d/system-auth, /etc/pam.d/password-auth.'
    rationale: 'pam_unix stores old password hashes in /etc/security/opasswd in a weaker way than pam_pwhistory.'
    remediation: 'Remove remember= from pam_unix.so lines and use pam_pwhistory.'
    references:
      - { standard: cis-rhel-9, id: '5.3.3.4.2' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/system-auth, regex: 'pam_unix\.so\b.*\bremember=', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: /etc/pam.d/password-auth, regex: 'pam_unix\.so\b.*\bremember=', present: false, ignore_comments: true, missing: pass } }
  - id: cis.pam.strong-hash.debian
    title: 'pam_unix hashes passwords with yescrypt or SHA-512'
    severity: medium
    description: 'The pam_unix.so password line has yescrypt or sha512. Files: /etc/pam.d/common-password.'
    rationale: 'Weak hashes (MD5, DES) are cracked quickly if the shadow file leaks.'
    remediation: 'Add yescrypt (Debian) or sha512 (RHEL) to the pam_unix.so password line.'
    references:
      - { standard: cis-debian-12, id: '5.3.3.4.3' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [debian] }
    check: { file_content: { path: /etc/pam.d/common-password, regex: '^\s*password\s+\S+.*pam_unix\.so\b.*\b(yescrypt|sha512)\b', present: true, ignore_comments: true } }
  - id: cis.pam.strong-hash.rhel
    title: 'pam_unix hashes passwords with yescrypt or SHA-512'
    severity: medium
    description: 'The pam_unix.so password line has yescrypt or sha512. Files: /etc/pam.d/system-auth, /etc/pam.d/password-auth.'
    rationale: 'Weak hashes (MD5, DES) are cracked quickly if the shadow file leaks.'
    remediation: 'Add yescrypt (Debian) or sha512 (RHEL) to the pam_unix.so password line.'
    references:
      - { standard: cis-rhel-9, id: '5.3.3.4.3' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/system-auth, regex: '^\s*password\s+\S+.*pam_unix\.so\b.*\b(yescrypt|sha512)\b', present: true, ignore_comments: true } }
        - { file_content: { path: /etc/pam.d/password-auth, regex: '^\s*password\s+\S+.*pam_unix\.so\b.*\b(yescrypt|sha512)\b', present: true, ignore_comments: true } }
  - id: cis.pam.unix-use-authtok.debian
    title: 'pam_unix uses the already-checked password'
    severity: low
    description: 'The pam_unix.so password line has use_authtok. Files: /etc/pam.d/common-password.'
    rationale: 'Without use_authtok pam_unix may set a password that pam_pwquality never checked.'
    remediation: 'Add use_authtok to the pam_unix.so password line (done by pam-auth-update when pwquality is enabled).'
    references:
      - { standard: cis-debian-12, id: '5.3.3.4.4' }
    applies_to: { os: [linux], family: [debian] }
    check: { file_content: { path: /etc/pam.d/common-password, regex: '^\s*password\s+\S+.*pam_unix\.so\b.*\buse_authtok\b', present: true, ignore_comments: true } }
  - id: cis.pam.unix-use-authtok.rhel
    title: 'pam_unix uses the already-checked password'
    severity: low
    description: 'The pam_unix.so password line has use_authtok. Files: /etc/pam.d/system-auth, /etc/pam.d/password-auth.'
    rationale: 'Without use_authtok pam_unix may set a password that pam_pwquality never checked.'
    remediation: 'Add use_authtok to the pam_unix.so password line (done by pam-auth-update when pwquality is enabled).'
    references:
      - { standard: cis-rhel-9, id: '5.3.3.4.4' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: /etc/pam.d/system-auth, regex: '^\s*password\s+\S+.*pam_unix\.so\b.*\buse_authtok\b', present: true, ignore_comments: true } }
        - { file_content: { path: /etc/pam.d/password-auth, regex: '^\s*password\s+\S+.*pam_unix\.so\b.*\buse_authtok\b', present: true, ignore_comments: true } }
  - id: cis.login.pass-max-days
    title: 'Passwords expire within 365 days'
    severity: medium
    description: 'PASS_MAX_DAYS in /etc/login.defs is between 1 and 365.'
    rationale: 'Bounded password lifetime limits how long a leaked password stays useful.'
    remediation: 'Set "PASS_MAX_DAYS 365" in /etc/login.defs and chage --maxdays 365 for existing users.'
    references:
      - { standard: cis-debian-12, id: '5.4.1.1' }
      - { standard: cis-rhel-9, id: '5.4.1.1' }
      - { standard: pci-dss-4, id: '8.3.9' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { setting: { path: /etc/login.defs, key: PASS_MAX_DAYS, syntax: space, op: ge, value: 1, missing: fail } }
        - { setting: { path: /etc/login.defs, key: PASS_MAX_DAYS, syntax: space, op: le, value: 365, missing: fail } }
  - id: cis.login.pass-min-days
    title: 'Passwords cannot be changed again within a day'
    severity: low
    description: 'PASS_MIN_DAYS in /etc/login.defs is 1 or more. (CIS Level 2 Server.)'
    rationale: 'A minimum age stops users from cycling through the history straight back to their old password.'
    remediation: 'Set "PASS_MIN_DAYS 1" in /etc/login.defs.'
    references:
      - { standard: cis-debian-12, id: '5.4.1.2' }
      - { standard: cis-rhel-9, id: '5.4.1.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: /etc/login.defs, key: PASS_MIN_DAYS, syntax: space, op: ge, value: 1, missing: fail } }
  - id: cis.login.pass-warn-age
    title: 'Users are warned 7 days before their password expires'
    severity: low
    description: 'PASS_WARN_AGE in /etc/login.defs is 7 or more.'
    rationale: 'A warning lets users pick a good new password instead of being forced to on the spot.'
    remediation: 'Set "PASS_WARN_AGE 7" in /etc/login.defs.'
    references:
      - { standard: cis-debian-12, id: '5.4.1.3' }
      - { standard: cis-rhel-9, id: '5.4.1.3' }
      - { standard: pci-dss-4, id: '8.3.9' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: /etc/login.defs, key: PASS_WARN_AGE, syntax: space, op: ge, value: 7, missing: fail } }
  - id: cis.login.encrypt-method
    title: 'New passwords are hashed with yescrypt or SHA-512'
    severity: medium
    description: 'ENCRYPT_METHOD in /etc/login.defs is YESCRYPT or SHA512.'
    rationale: 'Weak hashes are cracked quickly if the shadow file leaks.'
    remediation: 'Set "ENCRYPT_METHOD YESCRYPT" (Debian) or "ENCRYPT_METHOD SHA512" (RHEL) in /etc/login.defs.'
    references:
      - { standard: cis-debian-12, id: '5.4.1.4' }
      - { standard: cis-rhel-9, id: '5.4.1.4' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: /etc/login.defs, key: ENCRYPT_METHOD, syntax: space, op: in, value: [YESCRYPT, SHA512], missing: fail } }
  - id: cis.login.inactive
    title: 'Accounts are disabled 45 days after their password expires'
    severity: low
    description: 'INACTIVE in /etc/default/useradd is between 0 and 45.'
    rationale: 'Accounts nobody uses are taken over without anyone noticing.'
    remediation: 'useradd -D -f 45'
    references:
      - { standard: cis-debian-12, id: '5.4.1.5' }
      - { standard: cis-rhel-9, id: '5.4.1.5' }
      - { standard: pci-dss-4, id: '8.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { setting: { path: /etc/default/useradd, key: INACTIVE, syntax: equals, op: ge, value: 0, missing: fail } }
        - { setting: { path: /etc/default/useradd, key: INACTIVE, syntax: equals, op: le, value: 45, missing: fail } }
  - id: cis.login.password-aging-existing
    title: 'Every account with a password has password aging'
    severity: medium
    description: 'No account with a usable password in /etc/shadow lacks a maximum password age (empty or 99999 days).'
    rationale: 'login.defs only applies to accounts created afterwards; existing accounts keep the aging they were created with.'
    remediation: 'chage --maxdays 365 USER for each account listed.'
    references:
      - { standard: cis-debian-12, id: '5.4.1.1' }
      - { standard: cis-rhel-9, id: '5.4.1.1' }
      - { standard: pci-dss-4, id: '8.3.9' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { accounts: { condition: no_password_aging, expect: none } }
  - id: cis.accounts.uid0
    title: 'root is the only UID 0 account'
    severity: critical
    description: 'No account in /etc/passwd other than root has UID 0.'
    rationale: 'Any UID 0 account is root under another name.'
    remediation: 'userdel the extra account or give it its own UID.'
    references:
      - { standard: cis-debian-12, id: '5.4.2.1' }
      - { standard: cis-rhel-9, id: '5.4.2.1' }
      - { standard: pci-dss-4, id: '8.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { accounts: { condition: uid0_besides_root, expect: none } }
  - id: cis.accounts.root-gid
    title: 'root''s primary group is GID 0'
    severity: low
    description: 'The root line of /etc/passwd has UID 0 and GID 0.'
    rationale: 'Files root creates should belong to the root group, not to a group other users are in.'
    remediation: 'usermod -g 0 root'
    references:
      - { standard: cis-debian-12, id: '5.4.2.2' }
      - { standard: cis-rhel-9, id: '5.4.2.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: /etc/passwd, regex: '^root:[^:]*:0:0:', present: true } }
  - id: cis.accounts.gid0-group
    title: 'root is the only GID 0 group'
    severity: medium
    description: 'No group in /etc/group other than root has GID 0.'
    rationale: 'Members of another GID 0 group get the root group''s access to files.'
    remediation: 'groupmod -g NEW_GID the extra group.'
    references:
      - { standard: cis-debian-12, id: '5.4.2.3' }
      - { standard: cis-rhel-9, id: '5.4.2.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: /etc/group, regex: '^(?!root:)[^:]*:[^:]*:0:', present: false } }
  - id: cis.accounts.root-password
    title: 'root has a password or is locked'
    severity: critical
    description: 'The root entry in /etc/shadow is not empty.'
    rationale: 'An empty root password gives root to anyone at the console.'
    remediation: 'passwd root (or passwd -l root when root logins are not wanted).'
    references:
      - { standard: cis-debian-12, id: '5.4.2.4' }
      - { standard: cis-rhel-9, id: '5.4.2.4' }
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: /etc/shadow, regex: '^root::', present: false } }
  - id: cis.accounts.system-shells
    title: 'System accounts have no login shell'
    severity: medium
    description: 'No system account (UID below 1000 other than root, sync, shutdown, halt) has a login shell listed in /etc/shells.'
    rationale: 'A service account with a shell can be logged into if its password or keys are ever set.'
    remediation: 'usermod -s /usr/sbin/nologin ACCOUNT'
    references:
      - { standard: cis-debian-12, id: '5.4.2.7' }
      - { standard: cis-rhel-9, id: '5.4.2.7' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { accounts: { condition: system_account_with_login_shell, expect: none } }
  - id: cis.accounts.shell-timeout
    title: 'Idle shells time out within 15 minutes'
    severity: low
    description: 'TMOUT is set to 1..900 in /etc/profile, /etc/profile.d/*.sh, /etc/bash.bashrc or /etc/bashrc.'
    rationale: 'An unattended root shell is an open door.'
    remediation: 'Add "readonly TMOUT=900 ; export TMOUT" to /etc/profile.d/50-tmout.sh.'
    references:
      - { standard: cis-debian-12, id: '5.4.3.2' }
      - { standard: cis-rhel-9, id: '5.4.3.2' }
      - { standard: pci-dss-4, id: '8.2.8' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      any:
        - { file_content: { path: /etc/profile, regex: '^\s*(readonly\s+|export\s+|typeset\s+-[rx]+\s+)*TMOUT=([1-9]\d?|[1-8]\d\d|900)\b', present: true } }
        - { file_content: { path: '/etc/profile.d/*.sh', regex: '^\s*(readonly\s+|export\s+|typeset\s+-[rx]+\s+)*TMOUT=([1-9]\d?|[1-8]\d\d|900)\b', present: true } }
        - { file_content: { path: /etc/bash.bashrc, regex: '^\s*(readonly\s+|export\s+|typeset\s+-[rx]+\s+)*TMOUT=([1-9]\d?|[1-8]\d\d|900)\b', present: true } }
        - { file_content: { path: /etc/bashrc, regex: '^\s*(readonly\s+|export\s+|typeset\s+-[rx]+\s+)*TMOUT=([1-9]\d?|[1-8]\d\d|900)\b', present: true } }
  - id: cis.accounts.umask
    title: 'The default umask is 027 or stricter'
    severity: low
    description: 'UMASK in /etc/login.defs is 027 or more restrictive (group write and all other access removed).'
    rationale: 'With the usual 022 every file users create is readable by every other account.'
    remediation: 'Set "UMASK 027" in /etc/login.defs (and in /etc/profile.d for shells that do not use pam_umask).'
    references:
      - { standard: cis-debian-12, id: '5.4.3.3' }
      - { standard: cis-rhel-9, id: '5.4.3.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: /etc/login.defs, key: UMASK, syntax: space, op: regex, value: '^0?[0-7][2367]7$', missing: fail } }
  - id: cis.log.journald-compress
    title: 'journald compresses large log entries'
    severity: low
    description: 'Compress is not "no" in journald.conf or its drop-ins (the default is yes).'
    rationale: 'Uncompressed journals fill the disk sooner, which loses logs.'
    remediation: 'Set "Compress=yes" in /etc/systemd/journald.conf.d/60-journald.conf.'
    references:
      - { standard: cis-debian-12, id: '6.1.2.3' }
      - { standard: cis-rhel-9, id: '6.2.2.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: [/etc/systemd/journald.conf, '/etc/systemd/journald.conf.d/*.conf'], key: Compress, syntax: equals, op: not_in, value: ['no', 'false', '0', 'off'], missing: pass } }
  - id: cis.log.journald-storage
    title: 'journald stores logs persistently'
    severity: medium
    description: 'Storage is persistent in journald.conf or its drop-ins.'
    rationale: 'Volatile journals are lost at reboot, which is when an investigation needs them.'
    remediation: 'Set "Storage=persistent" in /etc/systemd/journald.conf.d/60-journald.conf.'
    references:
      - { standard: cis-debian-12, id: '6.1.2.4' }
      - { standard: cis-rhel-9, id: '6.2.2.4' }
      - { standard: pci-dss-4, id: '10.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: [/etc/systemd/journald.conf, '/etc/systemd/journald.conf.d/*.conf'], key: Storage, syntax: equals, op: eq, value: persistent, missing: fail } }
  - id: cis.log.journal-remote-disabled
    title: 'systemd-journal-remote does not receive logs'
    severity: low
    description: 'systemd-journal-remote.socket and .service are not enabled.'
    rationale: 'Only a designated log host should accept logs from the network.'
    remediation: 'systemctl --now mask systemd-journal-remote.socket systemd-journal-remote.service'
    references:
      - { standard: cis-debian-12, id: '6.1.2.1.4' }
      - { standard: cis-rhel-9, id: '6.2.2.1.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { service: { name: [systemd-journal-remote.socket, systemd-journal-remote.service], state: not_enabled } }
  - id: cis.log.rsyslog-enabled
    title: 'rsyslog is enabled'
    severity: medium
    description: 'rsyslog.service is enabled (when rsyslog is installed).'
    rationale: 'An installed but stopped rsyslog means the logs it is configured to write are never written.'
    remediation: 'systemctl enable --now rsyslog'
    references:
      - { standard: cis-debian-12, id: '6.1.3.2' }
      - { standard: cis-rhel-9, id: '6.2.3.2' }
      - { standard: pci-dss-4, id: '10.2.1' }
    applies_to: { os: [linux], family: [debian, rhel], package: rsyslog }
    check: { service: { name: rsyslog.service, state: enabled } }
  - id: cis.log.rsyslog-file-mode
    title: 'rsyslog creates log files 0640 or stricter'
    severity: low
    description: '$FileCreateMode is 0640 or stricter in /etc/rsyslog.conf or /etc/rsyslog.d/*.conf (when rsyslog is installed).'
    rationale: 'Logs contain user names, host names and sometimes mistyped passwords; other users must not read them.'
    remediation: 'Add "$FileCreateMode 0640" to /etc/rsyslog.d/50-filecreatemode.conf.'
    references:
      - { standard: cis-debian-12, id: '6.1.3.4' }
      - { standard: cis-rhel-9, id: '6.2.3.4' }
      - { standard: pci-dss-4, id: '10.3.1' }
    applies_to: { os: [linux], family: [debian, rhel], package: rsyslog }
    check:
      any:
        - { file_content: { path: /etc/rsyslog.conf, regex: '^\s*\$FileCreateMode\s+0?[0-6][0-4]0\b', present: true } }
        - { file_content: { path: '/etc/rsyslog.d/*.conf', regex: '^\s*\$FileCreateMode\s+0?[0-6][0-4]0\b', present: true } }
  - id: cis.log.rsyslog-no-remote-input
    title: 'rsyslog does not accept logs from the network'
    severity: low
    description: 'No imtcp/imudp input is loaded or started in /etc/rsyslog.conf or /etc/rsyslog.d/*.conf (when rsyslog is installed).'
    rationale: 'Only a designated log host should accept logs from the network.'
    remediation: 'Remove module(load="imtcp"), input(type="imtcp" ...), $ModLoad imtcp and $InputTCPServerRun (and the UDP equivalents).'
    references:
      - { standard: cis-debian-12, id: '6.1.3.7' }
      - { standard: cis-rhel-9, id: '6.2.3.7' }
    applies_to: { os: [linux], family: [debian, rhel], package: rsyslog }
    check:
      all:
        - { file_content: { path: /etc/rsyslog.conf, regex: 'imtcp|imudp|\$InputTCPServerRun|\$UDPServerRun', present: false, ignore_comments: true, missing: pass } }
        - { file_content: { path: '/etc/rsyslog.d/*.conf', regex: 'imtcp|imudp|\$InputTCPServerRun|\$UDPServerRun', present: false, ignore_comments: true, missing: pass } }
  - id: cis.audit.installed
    title: 'auditd is installed'
    severity: medium
    description: 'auditd (Debian) or audit (RHEL family) is installed. (CIS Level 2 Server.)'
    rationale: 'The Linux audit system records security-relevant events (logins, privilege use, changes to accounts and configuration) that ordinary logs miss.'
    remediation: 'apt install auditd audispd-plugins / dnf install audit audit-libs'
    references:
      - { standard: cis-debian-12, id: '6.2.1.1' }
      - { standard: cis-rhel-9, id: '6.3.1.1' }
      - { standard: pci-dss-4, id: '10.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { package: { name: [auditd, audit], installed: true } }
  - id: cis.audit.enabled
    title: 'auditd is enabled'
    severity: medium
    description: 'auditd.service is enabled. (CIS Level 2 Server.)'
    rationale: 'An installed but disabled auditd records nothing.'
    remediation: 'systemctl enable --now auditd'
    references:
      - { standard: cis-debian-12, id: '6.2.1.2' }
      - { standard: cis-rhel-9, id: '6.3.1.4' }
      - { standard: pci-dss-4, id: '10.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { service: { name: auditd.service, state: enabled } }
  - id: cis.audit.boot-audit
    title: 'Processes started before auditd are audited'
    severity: low
    description: 'The default boot entry''s kernel command line has audit=1. (CIS Level 2 Server.)'
    rationale: 'Without audit=1 processes started before auditd run unaudited until they restart.'
    remediation: 'Add audit=1 to GRUB_CMDLINE_LINUX in /etc/default/grub and run update-grub (Debian) or grubby --update-kernel ALL --args audit=1 (RHEL).'
    references:
      - { standard: cis-debian-12, id: '6.2.1.3' }
      - { standard: cis-rhel-9, id: '6.3.1.2' }
      - { standard: pci-dss-4, id: '10.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { fact: { path: boot.kernel_cmdline, op: regex, value: '(^|\s)audit=1(\s|$)', missing: fail } }
  - id: cis.audit.backlog-limit
    title: 'The audit backlog is at least 8192'
    severity: low
    description: 'The default boot entry''s kernel command line has audit_backlog_limit of 8192 or more. (CIS Level 2 Server.)'
    rationale: 'A small backlog overflows at boot and events are lost.'
    remediation: 'Add audit_backlog_limit=8192 to the kernel command line.'
    references:
      - { standard: cis-debian-12, id: '6.2.1.4' }
      - { standard: cis-rhel-9, id: '6.3.1.3' }
      - { standard: pci-dss-4, id: '10.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { fact: { path: boot.kernel_cmdline, op: regex, value: '(^|\s)audit_backlog_limit=(819[2-9]|8[2-9]\d\d|9\d{3}|[1-9]\d{4,})(\s|$)', missing: fail } }
  - id: cis.audit.max-log-file
    title: 'The audit log size is configured'
    severity: low
    description: 'max_log_file is set in /etc/audit/auditd.conf. (CIS Level 2 Server.)'
    rationale: 'The audit log size must match the retention the site needs.'
    remediation: 'Set "max_log_file = 8" (MB, per site policy) in /etc/audit/auditd.conf.'
    references:
      - { standard: cis-debian-12, id: '6.2.2.1' }
      - { standard: cis-rhel-9, id: '6.3.2.1' }
      - { standard: pci-dss-4, id: '10.5.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: /etc/audit/auditd.conf, key: max_log_file, syntax: equals, op: ge, missing: fail, case_insensitive: true, value: 1 } }
  - id: cis.audit.keep-logs
    title: 'Audit logs are not deleted automatically'
    severity: medium
    description: 'max_log_file_action is keep_logs in /etc/audit/auditd.conf. (CIS Level 2 Server.)'
    rationale: 'Rotating audit logs away loses the oldest events, which attackers can force by generating noise.'
    remediation: 'Set "max_log_file_action = keep_logs" in /etc/audit/auditd.conf.'
    references:
      - { standard: cis-debian-12, id: '6.2.2.2' }
      - { standard: cis-rhel-9, id: '6.3.2.2' }
      - { standard: pci-dss-4, id: '10.5.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { setting: { path: /etc/audit/auditd.conf, key: max_log_file_action, syntax: equals, op: eq, missing: fail, case_insensitive: true, value: keep_logs } }
  - id: cis.audit.disk-full
    title: 'The system stops when audit logs cannot be written'
    severity: low
    description: 'disk_full_action is halt or single, and disk_error_action is syslog, single or halt, in /etc/audit/auditd.conf. (CIS Level 2 Server.)'
    rationale: 'Continuing without audit records hides whatever happens while the disk is full.'
    remediation: 'Set "disk_full_action = single" and "disk_error_action = single" in /etc/audit/auditd.conf.'
    references:
      - { standard: cis-debian-12, id: '6.2.2.3' }
      - { standard: cis-rhel-9, id: '6.3.2.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { setting: { path: /etc/audit/auditd.conf, key: disk_full_action, syntax: equals, op: in, missing: fail, case_insensitive: true, value: [halt, single] } }
        - { setting: { path: /etc/audit/auditd.conf, key: disk_error_action, syntax: equals, op: in, missing: fail, case_insensitive: true, value: [syslog, single, halt] } }
  - id: cis.audit.space-left
    title: 'auditd warns when audit log space runs low'
    severity: low
    description: 'space_left_action is email, exec, single or halt, and admin_space_left_action is single or halt, in /etc/audit/auditd.conf. (CIS Level 2 Server.)'
    rationale: 'Administrators must learn that the audit partition is filling before events are lost.'
    remediation: 'Set "space_left_action = email" and "admin_space_left_action = single" in /etc/audit/auditd.conf.'
    references:
      - { standard: cis-debian-12, id: '6.2.2.4' }
      - { standard: cis-rhel-9, id: '6.3.2.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { setting: { path: /etc/audit/auditd.conf, key: space_left_action, syntax: equals, op: in, missing: fail, case_insensitive: true, value: [email, exec, single, halt] } }
        - { setting: { path: /etc/audit/auditd.conf, key: admin_space_left_action, syntax: equals, op: in, missing: fail, case_insensitive: true, value: [single, halt] } }
  - id: cis.audit.rules-sudoers
    title: 'Changes to sudoers are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules has watches on /etc/sudoers and /etc/sudoers.d (-p wa). (CIS Level 2 Server.)'
    rationale: 'Who may do what as root must not change unnoticed.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-sudoers.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.1' }
      - { standard: cis-rhel-9, id: '6.3.3.1' }
      - { standard: pci-dss-4, id: '10.2.1.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/sudoers\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/sudoers\.d/?\s+-p\s+wa\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-time-change
    title: 'Changes to the system time are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules has adjtimex/settimeofday/clock_settime syscall rules and a watch on /etc/localtime. (CIS Level 2 Server.)'
    rationale: 'Changing the clock is a way to confuse log timelines.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-time-change.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.4' }
      - { standard: cis-rhel-9, id: '6.3.3.4' }
      - { standard: pci-dss-4, id: '10.6.3' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '-S\s+(\S+,)*(adjtimex|settimeofday|clock_settime)\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/localtime\s+-p\s+wa\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-identity
    title: 'Changes to users and groups are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules has watches on /etc/group, passwd, gshadow, shadow and security/opasswd. (CIS Level 2 Server.)'
    rationale: 'New accounts or group memberships are a typical persistence step.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-identity.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.8' }
      - { standard: cis-rhel-9, id: '6.3.3.8' }
      - { standard: pci-dss-4, id: '10.2.1.5' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/group\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/passwd\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/gshadow\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/shadow\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/security/opasswd\s+-p\s+wa\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-perm-mod
    title: 'Permission and ownership changes are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules has chmod, chown and xattr syscall rules. (CIS Level 2 Server.)'
    rationale: 'Weakening permissions is how attackers open files up for later use.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-perm-mod.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.9' }
      - { standard: cis-rhel-9, id: '6.3.3.9' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '-S\s+(\S+,)*(chmod|fchmod|fchmodat)\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '-S\s+(\S+,)*(chown|fchown|lchown|fchownat)\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '-S\s+(\S+,)*(setxattr|lsetxattr|fsetxattr|removexattr)\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-mounts
    title: 'Filesystem mounts are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules has a mount syscall rule. (CIS Level 2 Server.)'
    rationale: 'Mounting media is how data leaves or enters a system.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-mounts.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.10' }
      - { standard: cis-rhel-9, id: '6.3.3.10' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '-S\s+(\S+,)*mount\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-session
    title: 'Session starts are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules has watches on utmp, wtmp and btmp. (CIS Level 2 Server.)'
    rationale: 'Tampering with the login records hides who was on the system.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-session.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.11' }
      - { standard: cis-rhel-9, id: '6.3.3.11' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/var/run/utmp\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/var/log/wtmp\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/var/log/btmp\s+-p\s+wa\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-logins
    title: 'Logins and logouts are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules has watches on /var/log/lastlog and /var/run/faillock. (CIS Level 2 Server.)'
    rationale: 'Login records are the first thing an investigation needs.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-logins.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.12' }
      - { standard: cis-rhel-9, id: '6.3.3.12' }
      - { standard: pci-dss-4, id: '10.2.1.4' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/var/log/lastlog\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/var/run/faillock/?\s+-p\s+wa\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-deletion
    title: 'File deletions by users are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules has unlink/rename syscall rules. (CIS Level 2 Server.)'
    rationale: 'Deleting files is how evidence disappears.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-deletion.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.13' }
      - { standard: cis-rhel-9, id: '6.3.3.13' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '-S\s+(\S+,)*(unlink|unlinkat|rename|renameat)\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-modules
    title: 'Kernel module loading is audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules has init_module/finit_module/delete_module syscall rules. (CIS Level 2 Server.)'
    rationale: 'Loading a kernel module is the way to install a rootkit.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-modules.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.19' }
      - { standard: cis-rhel-9, id: '6.3.3.19' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '-S\s+(\S+,)*(init_module|finit_module)\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '-S\s+(\S+,)*delete_module\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-immutable
    title: 'The audit configuration is immutable'
    severity: low
    description: '/etc/audit/rules.d/*.rules has a final "-e 2". (CIS Level 2 Server.)'
    rationale: 'Without -e 2 an attacker with root can switch auditing off without a reboot.'
    remediation: 'Add the CIS rules to /etc/audit/rules.d/50-immutable.rules and load them with augenrules --load.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.20' }
      - { standard: cis-rhel-9, id: '6.3.3.20' }
      - { standard: pci-dss-4, id: '10.3.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-e\s+2\s*$', present: true, ignore_comments: true } }
  - id: cis.audit.rules-mac.debian
    title: 'Changes to AppArmor policy are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules watches /etc/apparmor/ and /etc/apparmor.d/ (-p wa). (CIS Level 2 Server.)'
    rationale: 'Weakening the mandatory access control policy must not go unnoticed.'
    remediation: 'Add "-w /etc/apparmor/ -p wa -k MAC-policy" and "-w /etc/apparmor.d/ -p wa -k MAC-policy" to /etc/audit/rules.d/50-MAC-policy.rules.'
    references:
      - { standard: cis-debian-12, id: '6.2.3.14' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/apparmor/?\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/apparmor\.d/?\s+-p\s+wa\b', present: true, ignore_comments: true } }
  - id: cis.audit.rules-mac.rhel
    title: 'Changes to SELinux policy are audited'
    severity: low
    description: '/etc/audit/rules.d/*.rules watches /etc/selinux and /usr/share/selinux (-p wa). (CIS Level 2 Server.)'
    rationale: 'Weakening the mandatory access control policy must not go unnoticed.'
    remediation: 'Add "-w /etc/selinux -p wa -k MAC-policy" and "-w /usr/share/selinux -p wa -k MAC-policy" to /etc/audit/rules.d/50-MAC-policy.rules.'
    references:
      - { standard: cis-rhel-9, id: '6.3.3.14' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/etc/selinux/?\s+-p\s+wa\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/audit/rules.d/*.rules', regex: '^-w\s+/usr/share/selinux/?\s+-p\s+wa\b', present: true, ignore_comments: true } }
  - id: cis.audit.log-dir-perms
    title: 'The audit log directory is not accessible to others'
    severity: medium
    description: '/var/log/audit has no permission bits beyond 0750. (CIS Level 2 Server.)'
    rationale: 'Audit records reveal what administrators do; other users must not read them.'
    remediation: 'chmod g-w,o-rwx /var/log/audit'
    references:
      - { standard: cis-debian-12, id: '6.2.4.4' }
      - { standard: cis-rhel-9, id: '6.3.4.1' }
      - { standard: pci-dss-4, id: '10.3.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_mode: { path: /var/log/audit, max: '0750', missing: fail } }
  - id: cis.audit.config-perms
    title: 'The audit configuration is readable by root only'
    severity: medium
    description: '/etc/audit/auditd.conf is owned by root with no permission bits beyond 0640. (CIS Level 2 Server.)'
    rationale: 'Whoever can change the audit configuration can switch off the trail.'
    remediation: 'chown root /etc/audit/auditd.conf && chmod 0640 /etc/audit/auditd.conf'
    references:
      - { standard: cis-debian-12, id: '6.2.4.5' }
      - { standard: cis-rhel-9, id: '6.3.4.5' }
      - { standard: pci-dss-4, id: '10.3.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/audit/auditd.conf, user: root, missing: fail } }
        - { file_mode: { path: /etc/audit/auditd.conf, max: '0640', missing: fail } }
  - id: cis.integrity.aide-installed
    title: 'AIDE is installed'
    severity: medium
    description: 'The aide package is installed.'
    rationale: 'A file-integrity checker detects changed binaries and configuration that attackers leave behind.'
    remediation: 'apt install aide aide-common && aideinit / dnf install aide && aide --init'
    references:
      - { standard: cis-debian-12, id: '6.3.1' }
      - { standard: cis-rhel-9, id: '6.1.1' }
      - { standard: pci-dss-4, id: '11.5.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { package: { name: aide, installed: true } }
  - id: cis.perms.passwd
    title: '/etc/passwd is owned by root and not writable by others'
    severity: medium
    description: '/etc/passwd is owned by root:root with no permission bits beyond 0644.'
    rationale: 'Whoever can write the account databases can create accounts or change who is root.'
    remediation: 'chown root:root /etc/passwd && chmod 0644 /etc/passwd'
    references:
      - { standard: cis-debian-12, id: '7.1.1' }
      - { standard: cis-rhel-9, id: '7.1.1' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/passwd, user: root, missing: fail, group: root } }
        - { file_mode: { path: /etc/passwd, max: '0644', missing: fail } }
  - id: cis.perms.passwd-backup
    title: '/etc/passwd- is owned by root and not writable by others'
    severity: low
    description: '/etc/passwd- is owned by root:root with no permission bits beyond 0644 (not applicable when absent).'
    rationale: 'Whoever can write the account databases can create accounts or change who is root.'
    remediation: 'chown root:root /etc/passwd- && chmod 0644 /etc/passwd-'
    references:
      - { standard: cis-debian-12, id: '7.1.2' }
      - { standard: cis-rhel-9, id: '7.1.2' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/passwd-, user: root, missing: not_applicable, group: root } }
        - { file_mode: { path: /etc/passwd-, max: '0644', missing: not_applicable } }
  - id: cis.perms.group
    title: '/etc/group is owned by root and not writable by others'
    severity: medium
    description: '/etc/group is owned by root:root with no permission bits beyond 0644.'
    rationale: 'Whoever can write the account databases can create accounts or change who is root.'
    remediation: 'chown root:root /etc/group && chmod 0644 /etc/group'
    references:
      - { standard: cis-debian-12, id: '7.1.3' }
      - { standard: cis-rhel-9, id: '7.1.3' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/group, user: root, missing: fail, group: root } }
        - { file_mode: { path: /etc/group, max: '0644', missing: fail } }
  - id: cis.perms.group-backup
    title: '/etc/group- is owned by root and not writable by others'
    severity: low
    description: '/etc/group- is owned by root:root with no permission bits beyond 0644 (not applicable when absent).'
    rationale: 'Whoever can write the account databases can create accounts or change who is root.'
    remediation: 'chown root:root /etc/group- && chmod 0644 /etc/group-'
    references:
      - { standard: cis-debian-12, id: '7.1.4' }
      - { standard: cis-rhel-9, id: '7.1.4' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/group-, user: root, missing: not_applicable, group: root } }
        - { file_mode: { path: /etc/group-, max: '0644', missing: not_applicable } }
  - id: cis.perms.shells
    title: '/etc/shells is owned by root and not writable by others'
    severity: low
    description: '/etc/shells is owned by root:root with no permission bits beyond 0644 (not applicable when absent).'
    rationale: 'Whoever can write the account databases can create accounts or change who is root.'
    remediation: 'chown root:root /etc/shells && chmod 0644 /etc/shells'
    references:
      - { standard: cis-debian-12, id: '7.1.9' }
      - { standard: cis-rhel-9, id: '7.1.9' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/shells, user: root, missing: not_applicable, group: root } }
        - { file_mode: { path: /etc/shells, max: '0644', missing: not_applicable } }
  - id: cis.perms.opasswd
    title: '/etc/security/opasswd is owned by root and not writable by others'
    severity: medium
    description: '/etc/security/opasswd is owned by root:root with no permission bits beyond 0600 (not applicable when absent).'
    rationale: 'Whoever can write the account databases can create accounts or change who is root.'
    remediation: 'chown root:root /etc/security/opasswd && chmod 0600 /etc/security/opasswd'
    references:
      - { standard: cis-debian-12, id: '7.1.10' }
      - { standard: cis-rhel-9, id: '7.1.10' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check:
      all:
        - { file_owner: { path: /etc/security/opasswd, user: root, missing: not_applicable, group: root } }
        - { file_mode: { path: /etc/security/opasswd, max: '0600', missing: not_applicable } }
  - id: cis.perms.shadow.debian
    title: '/etc/shadow is readable by root and the shadow group only'
    severity: high
    description: '/etc/shadow is owned by root (group root or shadow) with no permission bits beyond 0640.'
    rationale: 'The shadow files hold the password hashes; anyone who reads them can crack passwords offline.'
    remediation: 'chown root:shadow /etc/shadow && chmod 0640 /etc/shadow'
    references:
      - { standard: cis-debian-12, id: '7.1.5' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { file_owner: { path: /etc/shadow, user: root, missing: fail } }
        - any:
            - { file_owner: { path: /etc/shadow, group: root, missing: fail } }
            - { file_owner: { path: /etc/shadow, group: shadow, missing: fail } }
        - { file_mode: { path: /etc/shadow, max: '0640', missing: fail } }
  - id: cis.perms.shadow.rhel
    title: '/etc/shadow is not accessible to anyone but root'
    severity: high
    description: '/etc/shadow is owned by root:root with mode 0000.'
    rationale: 'The shadow files hold the password hashes; anyone who reads them can crack passwords offline.'
    remediation: 'chown root:root /etc/shadow && chmod 0000 /etc/shadow'
    references:
      - { standard: cis-rhel-9, id: '7.1.5' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_owner: { path: /etc/shadow, user: root, missing: fail, group: root } }
        - { file_mode: { path: /etc/shadow, max: '0000', missing: fail } }
  - id: cis.perms.shadow-backup.debian
    title: '/etc/shadow- is readable by root and the shadow group only'
    severity: medium
    description: '/etc/shadow- is owned by root (group root or shadow) with no permission bits beyond 0640 (not applicable when absent).'
    rationale: 'The shadow files hold the password hashes; anyone who reads them can crack passwords offline.'
    remediation: 'chown root:shadow /etc/shadow- && chmod 0640 /etc/shadow-'
    references:
      - { standard: cis-debian-12, id: '7.1.6' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { file_owner: { path: /etc/shadow-, user: root, missing: not_applicable } }
        - any:
            - { file_owner: { path: /etc/shadow-, group: root, missing: not_applicable } }
            - { file_owner: { path: /etc/shadow-, group: shadow, missing: not_applicable } }
        - { file_mode: { path: /etc/shadow-, max: '0640', missing: not_applicable } }
  - id: cis.perms.shadow-backup.rhel
    title: '/etc/shadow- is not accessible to anyone but root'
    severity: medium
    description: '/etc/shadow- is owned by root:root with mode 0000 (not applicable when absent).'
    rationale: 'The shadow files hold the password hashes; anyone who reads them can crack passwords offline.'
    remediation: 'chown root:root /etc/shadow- && chmod 0000 /etc/shadow-'
    references:
      - { standard: cis-rhel-9, id: '7.1.6' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_owner: { path: /etc/shadow-, user: root, missing: not_applicable, group: root } }
        - { file_mode: { path: /etc/shadow-, max: '0000', missing: not_applicable } }
  - id: cis.perms.gshadow.debian
    title: '/etc/gshadow is readable by root and the shadow group only'
    severity: high
    description: '/etc/gshadow is owned by root (group root or shadow) with no permission bits beyond 0640.'
    rationale: 'The shadow files hold the password hashes; anyone who reads them can crack passwords offline.'
    remediation: 'chown root:shadow /etc/gshadow && chmod 0640 /etc/gshadow'
    references:
      - { standard: cis-debian-12, id: '7.1.7' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { file_owner: { path: /etc/gshadow, user: root, missing: fail } }
        - any:
            - { file_owner: { path: /etc/gshadow, group: root, missing: fail } }
            - { file_owner: { path: /etc/gshadow, group: shadow, missing: fail } }
        - { file_mode: { path: /etc/gshadow, max: '0640', missing: fail } }
  - id: cis.perms.gshadow.rhel
    title: '/etc/gshadow is not accessible to anyone but root'
    severity: high
    description: '/etc/gshadow is owned by root:root with mode 0000.'
    rationale: 'The shadow files hold the password hashes; anyone who reads them can crack passwords offline.'
    remediation: 'chown root:root /etc/gshadow && chmod 0000 /etc/gshadow'
    references:
      - { standard: cis-rhel-9, id: '7.1.7' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_owner: { path: /etc/gshadow, user: root, missing: fail, group: root } }
        - { file_mode: { path: /etc/gshadow, max: '0000', missing: fail } }
  - id: cis.perms.gshadow-backup.debian
    title: '/etc/gshadow- is readable by root and the shadow group only'
    severity: medium
    description: '/etc/gshadow- is owned by root (group root or shadow) with no permission bits beyond 0640 (not applicable when absent).'
    rationale: 'The shadow files hold the password hashes; anyone who reads them can crack passwords offline.'
    remediation: 'chown root:shadow /etc/gshadow- && chmod 0640 /etc/gshadow-'
    references:
      - { standard: cis-debian-12, id: '7.1.8' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { file_owner: { path: /etc/gshadow-, user: root, missing: not_applicable } }
        - any:
            - { file_owner: { path: /etc/gshadow-, group: root, missing: not_applicable } }
            - { file_owner: { path: /etc/gshadow-, group: shadow, missing: not_applicable } }
        - { file_mode: { path: /etc/gshadow-, max: '0640', missing: not_applicable } }
  - id: cis.perms.gshadow-backup.rhel
    title: '/etc/gshadow- is not accessible to anyone but root'
    severity: medium
    description: '/etc/gshadow- is owned by root:root with mode 0000 (not applicable when absent).'
    rationale: 'The shadow files hold the password hashes; anyone who reads them can crack passwords offline.'
    remediation: 'chown root:root /etc/gshadow- && chmod 0000 /etc/gshadow-'
    references:
      - { standard: cis-rhel-9, id: '7.1.8' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [rhel] }
    check:
      all:
        - { file_owner: { path: /etc/gshadow-, user: root, missing: not_applicable, group: root } }
        - { file_mode: { path: /etc/gshadow-, max: '0000', missing: not_applicable } }
  - id: cis.perms.world-writable
    title: 'No world-writable files or directories without the sticky bit'
    severity: high
    description: 'No regular file or directory under /etc, /usr, /var, /boot, /opt, /srv or /root is writable by others, except directories with the sticky bit (symlinks ignored).'
    rationale: 'Anyone can modify a world-writable file; a world-writable directory without the sticky bit lets anyone delete or replace other users'' files.'
    remediation: 'chmod o-w the files listed; chmod +t shared directories that must stay world-writable.'
    references:
      - { standard: cis-debian-12, id: '7.1.11' }
      - { standard: cis-rhel-9, id: '7.1.11' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { world_writable: { paths: [/etc, /usr, /var, /boot, /opt, /srv, /root] } }
  - id: cis.accounts.shadowed
    title: 'All accounts use shadowed passwords'
    severity: high
    description: 'Every /etc/passwd line has "x" in the password field.'
    rationale: '/etc/passwd is world-readable: a hash kept there can be cracked by any user.'
    remediation: 'Run pwconv, which moves the hashes into /etc/shadow.'
    references:
      - { standard: cis-debian-12, id: '7.2.1' }
      - { standard: cis-rhel-9, id: '7.2.1' }
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { file_content: { path: /etc/passwd, regex: '^[^:#]+:(?!x:)', present: false } }
  - id: cis.accounts.empty-password
    title: 'No account has an empty password'
    severity: critical
    description: 'No account in /etc/shadow has an empty password field.'
    rationale: 'An empty password lets anyone log in as that account wherever passwords are accepted.'
    remediation: 'passwd -l ACCOUNT (or set a password).'
    references:
      - { standard: cis-debian-12, id: '7.2.2' }
      - { standard: cis-rhel-9, id: '7.2.2' }
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { accounts: { condition: empty_password, expect: none } }
  - id: cis.accounts.shadow-group-empty.debian
    title: 'The shadow group has no members'
    severity: medium
    description: 'The shadow line of /etc/group has no member list.'
    rationale: 'Members of the shadow group can read /etc/shadow and crack every password offline.'
    remediation: 'gpasswd -d USER shadow for each member.'
    references:
      - { standard: cis-debian-12, id: '7.2.4' }
    applies_to: { os: [linux], family: [debian] }
    check: { file_content: { path: /etc/group, regex: '^shadow:[^:]*:[^:]*:\S+', present: false } }
  - id: cis.accounts.duplicate-uid
    title: 'No two accounts share a UID'
    severity: medium
    description: 'The duplicate uid check of /etc/passwd and /etc/group finds nothing.'
    rationale: 'Shared IDs make two accounts the same for file access and make audit records ambiguous.'
    remediation: 'Give each account and group its own ID and name (usermod -u / groupmod -g / usermod -l).'
    references:
      - { standard: cis-debian-12, id: '7.2.5' }
      - { standard: cis-rhel-9, id: '7.2.4' }
      - { standard: pci-dss-4, id: '8.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { accounts: { condition: duplicate_uid, expect: none } }
  - id: cis.accounts.duplicate-gid
    title: 'No two groups share a GID'
    severity: medium
    description: 'The duplicate gid check of /etc/passwd and /etc/group finds nothing.'
    rationale: 'Shared IDs make two accounts the same for file access and make audit records ambiguous.'
    remediation: 'Give each account and group its own ID and name (usermod -u / groupmod -g / usermod -l).'
    references:
      - { standard: cis-debian-12, id: '7.2.6' }
      - { standard: cis-rhel-9, id: '7.2.5' }
      - { standard: pci-dss-4, id: '8.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { accounts: { condition: duplicate_gid, expect: none } }
  - id: cis.accounts.duplicate-name
    title: 'No account or group name is used twice'
    severity: medium
    description: 'The duplicate name check of /etc/passwd and /etc/group finds nothing.'
    rationale: 'Shared IDs make two accounts the same for file access and make audit records ambiguous.'
    remediation: 'Give each account and group its own ID and name (usermod -u / groupmod -g / usermod -l).'
    references:
      - { standard: cis-debian-12, id: '7.2.7' }
      - { standard: cis-debian-12, id: '7.2.8' }
      - { standard: cis-rhel-9, id: '7.2.6' }
      - { standard: cis-rhel-9, id: '7.2.7' }
      - { standard: pci-dss-4, id: '8.2.1' }
    applies_to: { os: [linux], family: [debian, rhel] }
    check: { accounts: { condition: duplicate_name, expect: none } }
  - id: cis.crypto.policy-not-legacy.rhel
    title: 'The system crypto policy is not LEGACY'
    severity: medium
    description: '/etc/crypto-policies/config does not select LEGACY.'
    rationale: 'LEGACY re-enables SHA-1 signatures, 1024-bit keys and old TLS/SSH algorithms system-wide.'
    remediation: 'update-crypto-policies --set DEFAULT'
    references:
      - { standard: cis-rhel-9, id: '1.6.1' }
      - { standard: pci-dss-4, id: '2.2.7' }
    applies_to: { os: [linux], family: [rhel] }
    check: { file_content: { path: /etc/crypto-policies/config, regex: '^\s*LEGACY\b', present: false, missing: pass } }
`;
