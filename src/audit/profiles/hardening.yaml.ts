export const HARDENING_YAML = String.raw`
# Built-in profile "hardening": kernel and filesystem hardening beyond the CIS baseline
# (kernel pointer and log restrictions, protected links, network parameters, umask,
# core dumps, mount options, world-writable and setuid files).
#
# This module holds the YAML as a string so the compiled package carries it; line N of
# the YAML is line N of this file, so loader errors point here.
profile:
  id: hardening
  title: 'System hardening'
  description: 'Kernel parameters (sysctl), mount options, umask, core dumps, world-writable files and setuid/setgid programs.'
  version: '1.0'
rules:
  - id: hardening.kptr-restrict
    title: 'Kernel pointers are hidden from users'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): kernel.kptr_restrict in [1, 2]. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'Kernel addresses in /proc and logs defeat KASLR and make kernel exploits reliable.'
    remediation: 'Write kernel.kptr_restrict = 1 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    applies_to: { os: [linux] }
    check: { sysctl: { key: kernel.kptr_restrict, op: in, value: [1, 2], missing: fail } }
  - id: hardening.dmesg-restrict
    title: 'The kernel log is readable by root only'
    severity: low
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): kernel.dmesg_restrict = 1. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'The kernel ring buffer leaks addresses and hardware details useful for exploitation.'
    remediation: 'Write kernel.dmesg_restrict = 1 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    applies_to: { os: [linux] }
    check: { sysctl: { key: kernel.dmesg_restrict, op: eq, value: 1, missing: fail } }
  - id: hardening.ptrace-scope
    title: 'ptrace is limited to descendants'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): kernel.yama.ptrace_scope in [1, 2, 3]. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'With ptrace_scope 0 any process can read the memory of every other process of the same user.'
    remediation: 'Write kernel.yama.ptrace_scope = 1 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '1.5.2' }
      - { standard: cis-rhel-9, id: '1.5.2' }
    applies_to: { os: [linux] }
    check: { sysctl: { key: kernel.yama.ptrace_scope, op: in, value: [1, 2, 3], missing: fail } }
  - id: hardening.protected-hardlinks
    title: 'Hard links to others'' files are restricted'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): fs.protected_hardlinks = 1. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'Without it users can hard-link setuid binaries or sensitive files into directories they control (time-of-check attacks, pinning vulnerable binaries).'
    remediation: 'Write fs.protected_hardlinks = 1 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    applies_to: { os: [linux] }
    check: { sysctl: { key: fs.protected_hardlinks, op: eq, value: 1, missing: fail } }
  - id: hardening.protected-symlinks
    title: 'Symlinks in sticky directories are restricted'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): fs.protected_symlinks = 1. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'Following another user''s symlink in /tmp is the classic race to make root write a file of the attacker''s choosing.'
    remediation: 'Write fs.protected_symlinks = 1 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    applies_to: { os: [linux] }
    check: { sysctl: { key: fs.protected_symlinks, op: eq, value: 1, missing: fail } }
  - id: hardening.protected-fifos
    title: 'FIFOs in sticky directories are restricted'
    severity: low
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): fs.protected_fifos in [1, 2]. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'Opening another user''s FIFO in a world-writable sticky directory lets that user feed data to a privileged program.'
    remediation: 'Write fs.protected_fifos = 1 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    applies_to: { os: [linux] }
    check: { sysctl: { key: fs.protected_fifos, op: in, value: [1, 2], missing: fail } }
  - id: hardening.protected-regular
    title: 'Regular files in sticky directories are restricted'
    severity: low
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): fs.protected_regular in [1, 2]. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'Opening another user''s pre-created file in /tmp with O_CREAT lets that user control what a privileged program writes or reads.'
    remediation: 'Write fs.protected_regular = 1 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    applies_to: { os: [linux] }
    check: { sysctl: { key: fs.protected_regular, op: in, value: [1, 2], missing: fail } }
  - id: hardening.rp-filter
    title: 'Strict reverse path filtering is on'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.rp_filter = 1, net.ipv4.conf.default.rp_filter = 1. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'Reverse path filtering drops packets with spoofed source addresses.'
    remediation: 'Write net.ipv4.conf.all.rp_filter = 1; net.ipv4.conf.default.rp_filter = 1 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.7' }
      - { standard: cis-rhel-9, id: '3.3.7' }
    applies_to: { os: [linux] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.rp_filter, op: eq, value: 1, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.rp_filter, op: eq, value: 1, missing: fail } }
  - id: hardening.tcp-syncookies
    title: 'TCP SYN cookies are on'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.tcp_syncookies = 1. An unset key passes: the kernel default is already the hardened value.'
    rationale: 'SYN cookies keep the host answering during a SYN flood.'
    remediation: 'Write net.ipv4.tcp_syncookies = 1 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.10' }
      - { standard: cis-rhel-9, id: '3.3.10' }
    applies_to: { os: [linux] }
    check: { sysctl: { key: net.ipv4.tcp_syncookies, op: eq, value: 1, missing: pass } }
  - id: hardening.accept-redirects
    title: 'ICMP redirects are ignored'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.accept_redirects = 0, net.ipv4.conf.default.accept_redirects = 0, net.ipv6.conf.all.accept_redirects = 0, net.ipv6.conf.default.accept_redirects = 0. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'Accepted redirects let anyone on the segment reroute the host''s traffic through themselves.'
    remediation: 'Write net.ipv4.conf.all.accept_redirects = 0; net.ipv4.conf.default.accept_redirects = 0; net.ipv6.conf.all.accept_redirects = 0; net.ipv6.conf.default.accept_redirects = 0 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.5' }
      - { standard: cis-rhel-9, id: '3.3.5' }
    applies_to: { os: [linux] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.accept_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.accept_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv6.conf.all.accept_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv6.conf.default.accept_redirects, op: eq, value: 0, missing: fail } }
  - id: hardening.secure-redirects
    title: 'Secure ICMP redirects are ignored'
    severity: low
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.secure_redirects = 0, net.ipv4.conf.default.secure_redirects = 0. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'Redirects from the listed gateways can be spoofed too.'
    remediation: 'Write net.ipv4.conf.all.secure_redirects = 0; net.ipv4.conf.default.secure_redirects = 0 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.6' }
      - { standard: cis-rhel-9, id: '3.3.6' }
    applies_to: { os: [linux] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.secure_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.secure_redirects, op: eq, value: 0, missing: fail } }
  - id: hardening.send-redirects
    title: 'ICMP redirects are not sent'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.send_redirects = 0, net.ipv4.conf.default.send_redirects = 0. An unset key fails: the kernel default is not the hardened value everywhere.'
    rationale: 'Only routers send redirects.'
    remediation: 'Write net.ipv4.conf.all.send_redirects = 0; net.ipv4.conf.default.send_redirects = 0 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.2' }
      - { standard: cis-rhel-9, id: '3.3.2' }
    applies_to: { os: [linux] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.send_redirects, op: eq, value: 0, missing: fail } }
        - { sysctl: { key: net.ipv4.conf.default.send_redirects, op: eq, value: 0, missing: fail } }
  - id: hardening.source-route
    title: 'Source-routed packets are dropped'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.conf.all.accept_source_route = 0, net.ipv4.conf.default.accept_source_route = 0, net.ipv6.conf.all.accept_source_route = 0, net.ipv6.conf.default.accept_source_route = 0. An unset key passes: the kernel default is already the hardened value.'
    rationale: 'Source routing lets a sender steer packets around firewalls.'
    remediation: 'Write net.ipv4.conf.all.accept_source_route = 0; net.ipv4.conf.default.accept_source_route = 0; net.ipv6.conf.all.accept_source_route = 0; net.ipv6.conf.default.accept_source_route = 0 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.8' }
      - { standard: cis-rhel-9, id: '3.3.8' }
    applies_to: { os: [linux] }
    check:
      all:
        - { sysctl: { key: net.ipv4.conf.all.accept_source_route, op: eq, value: 0, missing: pass } }
        - { sysctl: { key: net.ipv4.conf.default.accept_source_route, op: eq, value: 0, missing: pass } }
        - { sysctl: { key: net.ipv6.conf.all.accept_source_route, op: eq, value: 0, missing: pass } }
        - { sysctl: { key: net.ipv6.conf.default.accept_source_route, op: eq, value: 0, missing: pass } }
  - id: hardening.ip-forward
    title: 'The host does not route packets'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): net.ipv4.ip_forward = 0, net.ipv6.conf.all.forwarding = 0. An unset key passes: the kernel default is already the hardened value. Routers, container hosts and VPN gateways need forwarding; disable this rule for them with a policy override.'
    rationale: 'A host that forwards packets can bridge networks that should stay apart.'
    remediation: 'Write net.ipv4.ip_forward = 0; net.ipv6.conf.all.forwarding = 0 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '3.3.1' }
      - { standard: cis-rhel-9, id: '3.3.1' }
      - { standard: pci-dss-4, id: '1.4.3' }
    applies_to: { os: [linux] }
    check:
      all:
        - { sysctl: { key: net.ipv4.ip_forward, op: eq, value: 0, missing: pass } }
        - { sysctl: { key: net.ipv6.conf.all.forwarding, op: eq, value: 0, missing: pass } }
  - id: hardening.aslr
    title: 'Full address space layout randomization'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): kernel.randomize_va_space = 2. An unset key passes: the kernel default is already the hardened value.'
    rationale: 'Randomized memory layout makes memory-corruption exploits unreliable.'
    remediation: 'Write kernel.randomize_va_space = 2 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '1.5.1' }
      - { standard: cis-rhel-9, id: '1.5.1' }
    applies_to: { os: [linux] }
    check: { sysctl: { key: kernel.randomize_va_space, op: eq, value: 2, missing: pass } }
  - id: hardening.suid-dumpable
    title: 'setuid programs do not dump core'
    severity: medium
    description: 'Effective value in the sysctl configuration (sysctl.d files with systemd-sysctl precedence, then /etc/sysctl.conf): fs.suid_dumpable = 0. An unset key passes: the kernel default is already the hardened value.'
    rationale: 'A core dump of a setuid program holds the memory of a privileged process.'
    remediation: 'Write fs.suid_dumpable = 0 to /etc/sysctl.d/90-hardening.conf and run sysctl --system.'
    references:
      - { standard: cis-debian-12, id: '1.5.3' }
    applies_to: { os: [linux] }
    check: { sysctl: { key: fs.suid_dumpable, op: eq, value: 0, missing: pass } }
  - id: hardening.core-dumps
    title: 'Core dumps are disabled for all users'
    severity: medium
    description: 'A "* hard core 0" line exists in /etc/security/limits.conf or /etc/security/limits.d/*.conf.'
    rationale: 'Core dumps write process memory (passwords, keys, session tokens) to disk.'
    remediation: 'echo "* hard core 0" > /etc/security/limits.d/90-nocore.conf'
    references:
      - { standard: cis-debian-12, id: '1.5.3' }
    applies_to: { os: [linux] }
    check:
      any:
        - { file_content: { path: /etc/security/limits.conf, regex: '^\s*\*\s+hard\s+core\s+0\b', present: true, ignore_comments: true } }
        - { file_content: { path: '/etc/security/limits.d/*.conf', regex: '^\s*\*\s+hard\s+core\s+0\b', present: true, ignore_comments: true } }
  - id: hardening.systemd-coredump
    title: 'systemd-coredump keeps no core dumps'
    severity: low
    description: 'systemd-coredump is not present, or coredump.conf (with drop-ins) sets Storage=none and ProcessSizeMax=0.'
    rationale: 'systemd-coredump collects the memory of crashing processes, including privileged ones, under /var/lib/systemd/coredump.'
    remediation: 'Set Storage=none and ProcessSizeMax=0 in /etc/systemd/coredump.conf.d/90-hardening.conf.'
    references:
      - { standard: cis-rhel-9, id: '1.5.3' }
      - { standard: cis-rhel-9, id: '1.5.4' }
    applies_to: { os: [linux] }
    check:
      any:
        - all:
            - { file_absent: { path: /usr/lib/systemd/systemd-coredump } }
            - { file_absent: { path: /lib/systemd/systemd-coredump } }
        - all:
            - { setting: { path: [/etc/systemd/coredump.conf, '/etc/systemd/coredump.conf.d/*.conf'], key: Storage, syntax: equals, op: eq, value: none, missing: fail } }
            - { setting: { path: [/etc/systemd/coredump.conf, '/etc/systemd/coredump.conf.d/*.conf'], key: ProcessSizeMax, syntax: equals, op: eq, value: 0, missing: fail } }
  - id: hardening.umask-login-defs
    title: 'login.defs sets a umask of 027 or stricter'
    severity: low
    description: 'UMASK in /etc/login.defs removes group write and all access for others (027, 077, ...).'
    rationale: 'pam_umask applies this to every login; 022 makes every new file readable by all accounts.'
    remediation: 'Set "UMASK 027" in /etc/login.defs.'
    references:
      - { standard: cis-debian-12, id: '5.4.3.3' }
      - { standard: cis-rhel-9, id: '5.4.3.3' }
    applies_to: { os: [linux] }
    check: { setting: { path: /etc/login.defs, key: UMASK, syntax: space, op: regex, value: '^0?[0-7][2367]7$', missing: fail } }
  - id: hardening.umask-profile
    title: 'Shell profiles set a umask of 027 or stricter'
    severity: low
    description: '/etc/profile or /etc/profile.d/*.sh runs "umask 027" (or stricter).'
    rationale: 'Shells started without pam_umask (su -, cron, some display managers) take their umask from the profile.'
    remediation: 'echo "umask 027" > /etc/profile.d/90-umask.sh'
    references:
      - { standard: cis-debian-12, id: '5.4.3.3' }
      - { standard: cis-rhel-9, id: '5.4.3.3' }
    applies_to: { os: [linux] }
    check:
      any:
        - { file_content: { path: /etc/profile, regex: '^\s*umask\s+0?[0-7][2367]7\b', present: true } }
        - { file_content: { path: '/etc/profile.d/*.sh', regex: '^\s*umask\s+0?[0-7][2367]7\b', present: true } }
  - id: hardening.mount-tmp
    title: '/tmp is mounted nodev,nosuid,noexec'
    severity: medium
    description: 'The /etc/fstab entry for /tmp has nodev, nosuid, noexec (a missing entry fails).'
    rationale: 'World-writable temporary space must not hold device files, setuid programs or executables an attacker dropped there.'
    remediation: 'Add nodev,nosuid,noexec to the /tmp line of /etc/fstab and remount it.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.1.2' }
      - { standard: cis-debian-12, id: '1.1.2.1.3' }
      - { standard: cis-debian-12, id: '1.1.2.1.4' }
    applies_to: { os: [linux] }
    check:
      all:
        - { mount_option: { path: /tmp, option: nodev, missing_mount: fail } }
        - { mount_option: { path: /tmp, option: nosuid, missing_mount: fail } }
        - { mount_option: { path: /tmp, option: noexec, missing_mount: fail } }
  - id: hardening.mount-var-tmp
    title: '/var/tmp is mounted nodev,nosuid,noexec'
    severity: medium
    description: 'The /etc/fstab entry for /var/tmp has nodev, nosuid, noexec (not applicable when /var/tmp is not a separate filesystem).'
    rationale: 'World-writable temporary space must not hold device files, setuid programs or executables an attacker dropped there.'
    remediation: 'Add nodev,nosuid,noexec to the /var/tmp line of /etc/fstab and remount it.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.5.2' }
      - { standard: cis-debian-12, id: '1.1.2.5.3' }
      - { standard: cis-debian-12, id: '1.1.2.5.4' }
    applies_to: { os: [linux] }
    check:
      all:
        - { mount_option: { path: /var/tmp, option: nodev, missing_mount: not_applicable } }
        - { mount_option: { path: /var/tmp, option: nosuid, missing_mount: not_applicable } }
        - { mount_option: { path: /var/tmp, option: noexec, missing_mount: not_applicable } }
  - id: hardening.mount-dev-shm
    title: '/dev/shm is mounted nodev,nosuid,noexec'
    severity: medium
    description: 'The /etc/fstab entry for /dev/shm has nodev, nosuid, noexec (a missing entry fails).'
    rationale: 'Shared memory is world-writable; systemd mounts it without noexec unless /etc/fstab says otherwise.'
    remediation: 'Add nodev,nosuid,noexec to the /dev/shm line of /etc/fstab and remount it.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.2.2' }
      - { standard: cis-debian-12, id: '1.1.2.2.3' }
      - { standard: cis-debian-12, id: '1.1.2.2.4' }
    applies_to: { os: [linux] }
    check:
      all:
        - { mount_option: { path: /dev/shm, option: nodev, missing_mount: fail } }
        - { mount_option: { path: /dev/shm, option: nosuid, missing_mount: fail } }
        - { mount_option: { path: /dev/shm, option: noexec, missing_mount: fail } }
  - id: hardening.mount-home
    title: '/home is mounted nodev,nosuid'
    severity: low
    description: 'The /etc/fstab entry for /home has nodev, nosuid (not applicable when /home is not a separate filesystem).'
    rationale: 'User-writable space must not hold device files or setuid programs.'
    remediation: 'Add nodev,nosuid to the /home line of /etc/fstab and remount it.'
    references:
      - { standard: cis-debian-12, id: '1.1.2.3.2' }
      - { standard: cis-debian-12, id: '1.1.2.3.3' }
    applies_to: { os: [linux] }
    check:
      all:
        - { mount_option: { path: /home, option: nodev, missing_mount: not_applicable } }
        - { mount_option: { path: /home, option: nosuid, missing_mount: not_applicable } }
  - id: hardening.world-writable
    title: 'No world-writable files or unprotected shared directories'
    severity: high
    description: 'No regular file or directory under /etc, /usr, /var, /boot, /opt, /srv or /root is writable by others unless it is a directory with the sticky bit; symlinks are ignored. Evidence lists up to 20 paths.'
    rationale: 'Anyone on the system can change a world-writable file (a configuration file in /etc becomes root code execution); a world-writable directory without the sticky bit lets anyone replace other users'' files.'
    remediation: 'chmod o-w on the files listed; chmod +t on shared directories that must stay writable.'
    references:
      - { standard: cis-debian-12, id: '7.1.11' }
      - { standard: cis-rhel-9, id: '7.1.11' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux] }
    check: { world_writable: { paths: [/etc, /usr, /var, /boot, /opt, /srv, /root] } }
  - id: hardening.suid-sgid
    title: 'No setuid/setgid programs beyond the usual ones'
    severity: medium
    description: 'Every setuid or setgid regular file under /usr, /bin, /sbin, /opt and /srv is on an allow list of the programs Debian and RHEL ship setuid/setgid (passwd, su, sudo, mount, ssh-keysign, unix_chkpwd, ...).'
    rationale: 'An unexpected setuid program is either a backdoor or a privilege-escalation bug waiting to be found (a setuid copy of find, vim or bash is root for anyone).'
    remediation: 'chmod u-s,g-s on programs that do not need it; if a local program really does, add it to a policy that overrides this rule''s allow list.'
    references:
      - { standard: cis-debian-12, id: '7.1.13' }
      - { standard: cis-rhel-9, id: '7.1.13' }
    applies_to: { os: [linux] }
    check: { suid_sgid: { paths: [/usr, /bin, /sbin, /opt, /srv], allow: [/usr/bin/passwd, /usr/bin/chfn, /usr/bin/chsh, /usr/bin/gpasswd, /usr/bin/newgrp, /usr/bin/su, /usr/bin/mount, /usr/bin/umount, /usr/bin/sudo, /usr/bin/sudoedit, /usr/bin/pkexec, /usr/bin/chage, /usr/bin/expiry, /usr/bin/crontab, /usr/bin/at, /usr/bin/wall, /usr/bin/write, /usr/bin/write.ul, /usr/bin/ssh-agent, /usr/bin/fusermount, /usr/bin/fusermount3, /usr/bin/newuidmap, /usr/bin/newgidmap, /usr/bin/staprun, /usr/bin/locate, /usr/bin/plocate, /usr/bin/mlocate, /usr/bin/dotlockfile, /usr/bin/bsd-write, /usr/sbin/unix_chkpwd, /usr/sbin/pam_extrausers_chkpwd, /usr/sbin/pam_timestamp_check, /usr/sbin/userhelper, /usr/sbin/mount.nfs, /usr/sbin/grub2-set-bootflag, /usr/sbin/usernetctl, /usr/sbin/postdrop, /usr/sbin/postqueue, /usr/sbin/exim4, /usr/sbin/mount.cifs, /usr/sbin/netreport, /usr/lib/openssh/ssh-keysign, /usr/libexec/openssh/ssh-keysign, /usr/lib/dbus-1.0/dbus-daemon-launch-helper, /usr/libexec/dbus-1/dbus-daemon-launch-helper, /usr/lib/policykit-1/polkit-agent-helper-1, /usr/lib/polkit-1/polkit-agent-helper-1, /usr/libexec/polkit-agent-helper-1, /usr/lib/xorg/Xorg.wrap, /usr/libexec/Xorg.wrap, /usr/lib/eject/dmcrypt-get-device, /usr/libexec/utempter/utempter, /usr/lib/x86_64-linux-gnu/utempter/utempter, /usr/lib/aarch64-linux-gnu/utempter/utempter, /usr/sbin/ntfs-3g, /usr/bin/ntfs-3g] } }
`;
