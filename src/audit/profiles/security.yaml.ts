export const SECURITY_YAML = String.raw`
# Built-in profile "security": the essentials an attacker tries first.
#
# Rule language: docs/profile.md. This module holds the YAML text as a string so the
# compiled package carries it (tsc does not copy .yaml files); line N of the YAML is
# line N of this file, so loader errors point here.
profile:
  id: security
  title: 'Security essentials'
  description: 'Remote access (SSH), host firewall, mandatory access control, risky legacy services and privileged or passwordless accounts.'
  version: '1.0'
rules:
  - id: ssh.permit-root-login
    title: 'SSH does not accept root logins with a password'
    severity: high
    description: 'The effective PermitRootLogin of sshd (drop-ins and Include followed, first value wins, OpenSSH default prohibit-password when unset) must be no, prohibit-password, without-password or forced-commands-only.'
    rationale: 'A root login with a password exposes the one account every attacker knows the name of to password guessing, and leaves no trace of which administrator logged in.'
    remediation: 'Set "PermitRootLogin no" (or prohibit-password when root must log in with a key) at the top of /etc/ssh/sshd_config or in a drop-in under /etc/ssh/sshd_config.d/, then reload sshd.'
    references:
      - { standard: cis-debian-12, id: '5.1.20' }
      - { standard: cis-rhel-9, id: '5.1.20' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], package: openssh-server }
    check: { sshd: { option: PermitRootLogin, op: in, value: ['no', prohibit-password, without-password, forced-commands-only] } }
  - id: ssh.password-authentication
    title: 'SSH password authentication is disabled'
    severity: medium
    description: 'The effective PasswordAuthentication of sshd must be no (OpenSSH defaults to yes).'
    rationale: 'Keys cannot be guessed over the network; passwords can. Servers reachable by SSH are brute-forced continuously.'
    remediation: 'Distribute SSH keys, then set "PasswordAuthentication no" in /etc/ssh/sshd_config or a drop-in and reload sshd.'
    references:
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [linux], package: openssh-server }
    check: { sshd: { option: PasswordAuthentication, op: eq, value: 'no' } }
  - id: ssh.permit-empty-passwords
    title: 'SSH refuses accounts with empty passwords'
    severity: critical
    description: 'The effective PermitEmptyPasswords of sshd must be no.'
    rationale: 'With PermitEmptyPasswords yes, any account whose password field is empty can be logged into over the network without a secret.'
    remediation: 'Set "PermitEmptyPasswords no" in /etc/ssh/sshd_config and reload sshd.'
    references:
      - { standard: cis-debian-12, id: '5.1.19' }
      - { standard: cis-rhel-9, id: '5.1.19' }
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], package: openssh-server }
    check: { sshd: { option: PermitEmptyPasswords, op: eq, value: 'no' } }
  - id: ssh.protocol-1
    title: 'SSH protocol 1 is not enabled'
    severity: high
    description: 'No Protocol line may ask for SSH protocol 1 (current OpenSSH ignores the keyword; older builds honour it).'
    rationale: 'SSH-1 has known design flaws (CRC-32 compensation attack, weak integrity) and must never be offered.'
    remediation: 'Remove the Protocol line from /etc/ssh/sshd_config (or set "Protocol 2") and upgrade OpenSSH.'
    applies_to: { os: [linux], package: openssh-server }
    check:
      not: { sshd: { option: Protocol, op: regex, value: '1', missing: fail } }
  - id: ssh.weak-ciphers
    title: 'SSH offers no weak ciphers'
    severity: medium
    description: 'The effective Ciphers list must not name CBC-mode, arcfour, 3DES, blowfish, cast128 or rijndael ciphers. An unset Ciphers keeps the OpenSSH defaults, which contain none of them.'
    rationale: 'CBC modes in SSH are open to plaintext-recovery attacks, and RC4/3DES/blowfish are broken or 64-bit block ciphers (Sweet32).'
    remediation: 'Set "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr" (or remove the Ciphers line) and reload sshd.'
    references:
      - { standard: cis-debian-12, id: '5.1.6' }
      - { standard: cis-rhel-9, id: '5.1.4' }
      - { standard: pci-dss-4, id: '2.2.7' }
    applies_to: { os: [linux], package: openssh-server }
    check:
      not: { sshd: { option: Ciphers, op: regex, value: 'cbc|arcfour|3des|blowfish|cast128|rijndael', missing: fail } }
  - id: ssh.weak-macs
    title: 'SSH offers no weak MACs'
    severity: medium
    description: 'The effective MACs list must not name MD5, RIPEMD-160, truncated 96-bit or 64-bit UMAC algorithms. An unset MACs keeps the OpenSSH defaults (which include umac-64).'
    rationale: 'Short or broken message authentication codes make forging or tampering with the session feasible.'
    remediation: 'Set "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-512,hmac-sha2-256" and reload sshd.'
    references:
      - { standard: cis-debian-12, id: '5.1.15' }
      - { standard: cis-rhel-9, id: '5.1.6' }
      - { standard: pci-dss-4, id: '2.2.7' }
    applies_to: { os: [linux], package: openssh-server }
    check:
      not: { sshd: { option: MACs, op: regex, value: 'md5|ripemd160|-96|umac-64', missing: pass } }
  - id: ssh.weak-kex
    title: 'SSH offers no weak key exchange'
    severity: medium
    description: 'The effective KexAlgorithms must not name SHA-1 based Diffie-Hellman groups (group1, group14-sha1, group-exchange-sha1).'
    rationale: 'SHA-1 key exchange and the 1024-bit group1 are within reach of well-funded attackers (Logjam).'
    remediation: 'Set "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256" and reload sshd.'
    references:
      - { standard: cis-debian-12, id: '5.1.12' }
      - { standard: cis-rhel-9, id: '5.1.5' }
      - { standard: pci-dss-4, id: '2.2.7' }
    applies_to: { os: [linux], package: openssh-server }
    check:
      not: { sshd: { option: KexAlgorithms, op: regex, value: 'diffie-hellman-group1-sha1|diffie-hellman-group14-sha1|diffie-hellman-group-exchange-sha1', missing: fail } }
  - id: ssh.x11-forwarding
    title: 'SSH X11 forwarding is disabled'
    severity: low
    description: 'The effective X11Forwarding of sshd must be no (Debian''s shipped sshd_config sets yes).'
    rationale: 'X11 forwarding gives the server side access to the client''s display; a compromised server can then read keystrokes and screen contents of connected administrators.'
    remediation: 'Set "X11Forwarding no" in /etc/ssh/sshd_config and reload sshd.'
    references:
      - { standard: pci-dss-4, id: '2.2.6' }
    applies_to: { os: [linux], package: openssh-server }
    check: { sshd: { option: X11Forwarding, op: eq, value: 'no' } }
  - id: firewall.enabled
    title: 'A host firewall is enabled at boot'
    severity: high
    description: 'At least one of nftables, iptables (netfilter-persistent / iptables.service), ufw (ENABLED=yes and its unit enabled) or firewalld is switched on at boot, as the inspection''s firewall facts report it.'
    rationale: 'Without a host firewall every service that listens is reachable from every network the machine is attached to.'
    remediation: 'Enable one firewall: "systemctl enable nftables" with rules in /etc/nftables.conf, "ufw enable", or "systemctl enable --now firewalld".'
    references:
      - { standard: cis-debian-12, id: '4.1.1' }
      - { standard: cis-rhel-9, id: '4.1.2' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux] }
    check: { fact: { path: 'security.firewalls[*].enabled', op: eq, value: true } }
  - id: firewall.ruleset
    title: 'The host firewall has a rule set'
    severity: medium
    description: 'A saved rule set exists: nftables or iptables rules files with at least one rule, ufw rules, or firewalld enabled (whose zones always filter).'
    rationale: 'An enabled firewall with an empty rule set filters nothing.'
    remediation: 'Write the rules (/etc/nftables.conf, /etc/iptables/rules.v4, "ufw allow ...") so that only the services this host offers are reachable, or use firewalld zones.'
    references:
      - { standard: cis-debian-12, id: '4.3.4' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [linux] }
    check:
      any:
        - { fact: { path: 'security.firewalls[*].rule_count', op: gt, value: 0 } }
        - { service: { name: firewalld.service, state: enabled } }
  - id: mac.apparmor
    title: 'AppArmor is installed and enforced at boot'
    severity: medium
    description: 'apparmor_parser is installed, apparmor.service is enabled and the default boot entry''s kernel command line does not switch AppArmor off (apparmor=0, or security=/lsm= naming another module).'
    rationale: 'AppArmor confines network-facing daemons so that a compromised one cannot reach the rest of the system.'
    remediation: 'apt install apparmor apparmor-utils; systemctl enable apparmor; remove apparmor=0 from GRUB_CMDLINE_LINUX in /etc/default/grub and run update-grub.'
    references:
      - { standard: cis-debian-12, id: '1.3.1.1' }
      - { standard: cis-debian-12, id: '1.3.1.2' }
    applies_to: { os: [linux], family: [debian] }
    check:
      all:
        - { fact: { path: security.apparmor.installed, op: eq, value: true } }
        - { service: { name: apparmor.service, state: enabled } }
        - { fact: { path: security.apparmor.cmdline_disabled, op: eq, value: false } }
  - id: mac.selinux
    title: 'SELinux is enforcing'
    severity: medium
    description: 'The effective SELinux mode (SELINUX= in /etc/selinux/config after the default boot entry''s selinux=/enforcing= arguments) is enforcing.'
    rationale: 'SELinux confines services and users by policy; in permissive or disabled mode a compromised service is limited only by Unix permissions.'
    remediation: 'Set SELINUX=enforcing in /etc/selinux/config, remove selinux=0 / enforcing=0 from the kernel command line (grubby --update-kernel ALL --remove-args "selinux enforcing"), and relabel (touch /.autorelabel) if it was disabled.'
    references:
      - { standard: cis-rhel-9, id: '1.3.1.4' }
      - { standard: cis-rhel-9, id: '1.3.1.5' }
      - { standard: pci-dss-4, id: '1.2.6' }
    applies_to: { os: [linux], family: [rhel] }
    check: { fact: { path: security.selinux.effective_mode, op: eq, value: enforcing } }
  - id: services.telnet-server
    title: 'No telnet server is installed'
    severity: high
    description: 'None of the packages telnetd, inetutils-telnetd, telnetd-ssl, telnet-server is installed.'
    rationale: 'Telnet sends passwords and the whole session in clear text.'
    remediation: 'Remove the package(s): apt purge telnetd inetutils-telnetd telnetd-ssl telnet-server (Debian/Ubuntu) or dnf remove telnetd inetutils-telnetd telnetd-ssl telnet-server (RHEL family), after moving users to SSH or SFTP.'
    references:
      - { standard: cis-rhel-9, id: '2.1.15' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux] }
    check: { package: { name: [telnetd, inetutils-telnetd, telnetd-ssl, telnet-server], installed: false } }
  - id: services.rsh-server
    title: 'No rsh/rexec server is installed'
    severity: high
    description: 'None of the packages rsh-server, rsh-redone-server is installed.'
    rationale: 'The r-services authenticate by host name and .rhosts trust files and send everything in clear text.'
    remediation: 'Remove the package(s): apt purge rsh-server rsh-redone-server (Debian/Ubuntu) or dnf remove rsh-server rsh-redone-server (RHEL family), after moving users to SSH or SFTP.'
    references:
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux] }
    check: { package: { name: [rsh-server, rsh-redone-server], installed: false } }
  - id: services.rlogin
    title: 'No rlogin daemon is present'
    severity: high
    description: 'Neither /usr/sbin/in.rlogind nor /usr/sbin/rlogind exists.'
    rationale: 'rlogind trusts .rhosts and hosts.equiv and sends the session in clear text.'
    remediation: 'Remove the package that ships it (rsh-server on Debian and RHEL).'
    references:
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux] }
    check:
      all:
        - { file_absent: { path: /usr/sbin/in.rlogind } }
        - { file_absent: { path: /usr/sbin/rlogind } }
  - id: services.tftp-server
    title: 'No TFTP server is installed'
    severity: medium
    description: 'None of the packages tftpd-hpa, tftpd, atftpd, tftp-server is installed.'
    rationale: 'TFTP has no authentication at all; anyone who can reach it can read (and often write) the served files.'
    remediation: 'Remove the package(s): apt purge tftpd-hpa tftpd atftpd tftp-server (Debian/Ubuntu) or dnf remove tftpd-hpa tftpd atftpd tftp-server (RHEL family), after moving users to SSH or SFTP.'
    references:
      - { standard: cis-debian-12, id: '2.1.16' }
      - { standard: cis-rhel-9, id: '2.1.16' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux] }
    check: { package: { name: [tftpd-hpa, tftpd, atftpd, tftp-server], installed: false } }
  - id: services.ftp-server
    title: 'No FTP server is installed'
    severity: medium
    description: 'None of the packages vsftpd, proftpd-basic, proftpd-core, pure-ftpd is installed.'
    rationale: 'FTP sends credentials in clear text unless carefully configured for TLS.'
    remediation: 'Remove the package(s): apt purge vsftpd proftpd-basic proftpd-core pure-ftpd (Debian/Ubuntu) or dnf remove vsftpd proftpd-basic proftpd-core pure-ftpd (RHEL family), after moving users to SSH or SFTP.'
    references:
      - { standard: cis-debian-12, id: '2.1.6' }
      - { standard: cis-rhel-9, id: '2.1.7' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux] }
    check: { package: { name: [vsftpd, proftpd-basic, proftpd-core, pure-ftpd], installed: false } }
  - id: services.xinetd
    title: 'xinetd is not installed'
    severity: medium
    description: 'None of the packages xinetd is installed.'
    rationale: 'xinetd exists to start legacy services (telnet, rsh, tftp, echo, chargen) on demand, most of them insecure.'
    remediation: 'Remove the package(s): apt purge xinetd (Debian/Ubuntu) or dnf remove xinetd (RHEL family), after moving users to SSH or SFTP.'
    references:
      - { standard: cis-debian-12, id: '2.1.19' }
      - { standard: cis-rhel-9, id: '2.1.19' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux] }
    check: { package: { name: [xinetd], installed: false } }
  - id: services.inetd
    title: 'No inetd super-server is installed'
    severity: medium
    description: 'None of the packages openbsd-inetd, inetutils-inetd, rlinetd is installed.'
    rationale: 'inetd starts legacy services (telnet, rsh, talk, tftp) on demand; Debian''s telnetd and talkd register themselves with it.'
    remediation: 'Remove the package(s): apt purge openbsd-inetd inetutils-inetd rlinetd (Debian/Ubuntu) or dnf remove openbsd-inetd inetutils-inetd rlinetd (RHEL family), after moving users to SSH or SFTP.'
    references:
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux] }
    check: { package: { name: [openbsd-inetd, inetutils-inetd, rlinetd], installed: false } }
  - id: services.nis
    title: 'NIS is not installed'
    severity: medium
    description: 'None of the packages nis, ypserv, ypbind is installed.'
    rationale: 'NIS distributes password hashes to anyone who asks for the domain name and has no real authentication.'
    remediation: 'Remove the package(s): apt purge nis ypserv ypbind (Debian/Ubuntu) or dnf remove nis ypserv ypbind (RHEL family), after moving users to SSH or SFTP.'
    references:
      - { standard: cis-debian-12, id: '2.1.10' }
      - { standard: cis-debian-12, id: '2.2.1' }
      - { standard: cis-rhel-9, id: '2.1.10' }
      - { standard: cis-rhel-9, id: '2.2.3' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux] }
    check: { package: { name: [nis, ypserv, ypbind], installed: false } }
  - id: services.talk
    title: 'talk is not installed'
    severity: low
    description: 'None of the packages talk, talkd, inetutils-talk, inetutils-talkd is installed.'
    rationale: 'talk is an unauthenticated clear-text chat service with a history of remote vulnerabilities.'
    remediation: 'Remove the package(s): apt purge talk talkd inetutils-talk inetutils-talkd (Debian/Ubuntu) or dnf remove talk talkd inetutils-talk inetutils-talkd (RHEL family), after moving users to SSH or SFTP.'
    references:
      - { standard: cis-debian-12, id: '2.2.3' }
      - { standard: pci-dss-4, id: '2.2.4' }
    applies_to: { os: [linux] }
    check: { package: { name: [talk, talkd, inetutils-talk, inetutils-talkd], installed: false } }
  - id: accounts.uid0-besides-root
    title: 'root is the only account with UID 0'
    severity: critical
    description: 'No account in /etc/passwd other than root has UID 0.'
    rationale: 'Any UID 0 account is root under another name: a classic backdoor that survives the root password being changed.'
    remediation: 'Delete the extra account (userdel NAME) or give it its own UID (usermod -u NEW NAME) after checking what it owns.'
    references:
      - { standard: cis-debian-12, id: '5.4.2.1' }
      - { standard: cis-rhel-9, id: '5.4.2.1' }
      - { standard: pci-dss-4, id: '8.2.1' }
    applies_to: { os: [linux] }
    check: { accounts: { condition: uid0_besides_root, expect: none } }
  - id: accounts.empty-password
    title: 'No account has an empty password'
    severity: critical
    description: 'No account has an empty password field in /etc/shadow (or in /etc/passwd when it is not shadowed).'
    rationale: 'An empty password lets anyone log in as that account wherever password logins are accepted (console, su, and SSH with PermitEmptyPasswords).'
    remediation: 'Lock the account (passwd -l NAME) or set a password (passwd NAME).'
    references:
      - { standard: cis-debian-12, id: '7.2.2' }
      - { standard: cis-rhel-9, id: '7.2.2' }
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [linux] }
    check: { accounts: { condition: empty_password, expect: none } }
`;
