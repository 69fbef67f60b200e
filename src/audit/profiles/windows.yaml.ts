export const WINDOWS_YAML = String.raw`
# Built-in profile "windows": what the registry hives of a Windows image say about its
# firewall, Remote Desktop, SMBv1 and automatic logon.
#
# This module holds the YAML as a string so the compiled package carries it; line N of
# the YAML is line N of this file, so loader errors point here.
profile:
  id: windows
  title: 'Windows basics'
  description: 'Windows Firewall profiles, Remote Desktop NLA, SMBv1 and automatic logon, from the SYSTEM and SOFTWARE hives.'
  version: '1.0'
rules:
  - id: windows.firewall-domain
    title: 'Windows Firewall is on for the domain profile'
    severity: high
    description: 'EnableFirewall of the domain profile is not 0: the Group Policy value (SOFTWARE\Policies\Microsoft\WindowsFirewall\DomainProfile) wins when set, otherwise the local value (SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\DomainProfile); an absent value means the Windows default, on.'
    rationale: 'With the domain profile off, every listening service is reachable from networks of that category.'
    remediation: 'Set-NetFirewallProfile -Profile Domain -Enabled True, and remove any Group Policy that turns it off.'
    references:
      - { standard: cis-windows-server-2022, id: '9.1.1' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [windows] }
    check:
      all:
        - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\WindowsFirewall\DomainProfile', value: EnableFirewall, op: ne, value_expected: 0, missing: pass } }
        - any:
            - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\WindowsFirewall\DomainProfile', value: EnableFirewall, op: eq, value_expected: 1, missing: fail } }
            - { registry: { hive: SYSTEM, key: 'CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\DomainProfile', value: EnableFirewall, op: ne, value_expected: 0, missing: pass } }
  - id: windows.firewall-private
    title: 'Windows Firewall is on for the private profile'
    severity: high
    description: 'EnableFirewall of the private profile is not 0: the Group Policy value (SOFTWARE\Policies\Microsoft\WindowsFirewall\StandardProfile) wins when set, otherwise the local value (SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\StandardProfile); an absent value means the Windows default, on.'
    rationale: 'With the private profile off, every listening service is reachable from networks of that category.'
    remediation: 'Set-NetFirewallProfile -Profile Private -Enabled True, and remove any Group Policy that turns it off.'
    references:
      - { standard: cis-windows-server-2022, id: '9.2.1' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [windows] }
    check:
      all:
        - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\WindowsFirewall\StandardProfile', value: EnableFirewall, op: ne, value_expected: 0, missing: pass } }
        - any:
            - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\WindowsFirewall\StandardProfile', value: EnableFirewall, op: eq, value_expected: 1, missing: fail } }
            - { registry: { hive: SYSTEM, key: 'CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\StandardProfile', value: EnableFirewall, op: ne, value_expected: 0, missing: pass } }
  - id: windows.firewall-public
    title: 'Windows Firewall is on for the public profile'
    severity: high
    description: 'EnableFirewall of the public profile is not 0: the Group Policy value (SOFTWARE\Policies\Microsoft\WindowsFirewall\PublicProfile) wins when set, otherwise the local value (SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\PublicProfile); an absent value means the Windows default, on.'
    rationale: 'With the public profile off, every listening service is reachable from networks of that category.'
    remediation: 'Set-NetFirewallProfile -Profile Public -Enabled True, and remove any Group Policy that turns it off.'
    references:
      - { standard: cis-windows-server-2022, id: '9.3.1' }
      - { standard: pci-dss-4, id: '1.2.1' }
    applies_to: { os: [windows] }
    check:
      all:
        - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\WindowsFirewall\PublicProfile', value: EnableFirewall, op: ne, value_expected: 0, missing: pass } }
        - any:
            - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\WindowsFirewall\PublicProfile', value: EnableFirewall, op: eq, value_expected: 1, missing: fail } }
            - { registry: { hive: SYSTEM, key: 'CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\PublicProfile', value: EnableFirewall, op: ne, value_expected: 0, missing: pass } }
  - id: windows.rdp-nla
    title: 'Remote Desktop requires Network Level Authentication'
    severity: high
    description: 'Remote Desktop is off (fDenyTSConnections = 1, from policy or SYSTEM\...\Terminal Server), or UserAuthentication is 1 (the Group Policy value wins over the RDP-Tcp listener''s).'
    rationale: 'Without NLA the server starts a full logon session for anyone who connects, exposing the login screen and pre-authentication code (BlueKeep) to the network.'
    remediation: 'Set UserAuthentication=1 under HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp (System Properties > Remote > "Allow connections only from computers running Remote Desktop with Network Level Authentication").'
    references:
      - { standard: pci-dss-4, id: '2.2.7' }
    applies_to: { os: [windows] }
    check:
      any:
        - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\Windows NT\Terminal Services', value: fDenyTSConnections, op: eq, value_expected: 1, missing: fail } }
        - all:
            - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\Windows NT\Terminal Services', value: fDenyTSConnections, op: absent, missing: pass } }
            - { registry: { hive: SYSTEM, key: 'CurrentControlSet\Control\Terminal Server', value: fDenyTSConnections, op: eq, value_expected: 1, missing: fail } }
        - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\Windows NT\Terminal Services', value: UserAuthentication, op: eq, value_expected: 1, missing: fail } }
        - all:
            - { registry: { hive: SOFTWARE, key: 'Policies\Microsoft\Windows NT\Terminal Services', value: UserAuthentication, op: absent, missing: pass } }
            - { registry: { hive: SYSTEM, key: 'CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp', value: UserAuthentication, op: eq, value_expected: 1, missing: fail } }
  - id: windows.smb1-server
    title: 'The SMBv1 server protocol is disabled'
    severity: high
    description: 'SMB1 under SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters is 0. On Windows 10 / Server 2016 and later (major version 10) an absent value passes, since SMBv1 is no longer enabled by default there.'
    rationale: 'SMBv1 is the protocol EternalBlue/WannaCry spread through; it has no pre-authentication integrity or encryption.'
    remediation: 'Set-SmbServerConfiguration -EnableSMB1Protocol $false (or Disable-WindowsOptionalFeature -Online -FeatureName SMB1Protocol).'
    references:
      - { standard: pci-dss-4, id: '2.2.5' }
    applies_to: { os: [windows] }
    check:
      any:
        - { registry: { hive: SYSTEM, key: 'CurrentControlSet\Services\LanmanServer\Parameters', value: SMB1, op: eq, value_expected: 0, missing: fail } }
        - all:
            - { fact: { path: major_version, op: ge, value: 10 } }
            - { registry: { hive: SYSTEM, key: 'CurrentControlSet\Services\LanmanServer\Parameters', value: SMB1, op: absent, missing: pass } }
  - id: windows.smb1-client
    title: 'The SMBv1 client driver is disabled'
    severity: medium
    description: 'The mrxsmb10 driver is absent or its Start value is 4 (disabled) under SYSTEM\CurrentControlSet\Services\mrxsmb10.'
    rationale: 'The SMBv1 client lets a malicious server downgrade connections to a protocol without integrity protection.'
    remediation: 'sc.exe config mrxsmb10 start= disabled (and remove it from LanmanWorkstation DependOnService), or remove the SMB1Protocol feature.'
    references:
      - { standard: pci-dss-4, id: '2.2.5' }
    applies_to: { os: [windows] }
    check: { registry: { hive: SYSTEM, key: 'CurrentControlSet\Services\mrxsmb10', value: Start, op: eq, value_expected: 4, missing: pass } }
  - id: windows.autologon
    title: 'Automatic logon is disabled'
    severity: high
    description: 'AutoAdminLogon under SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon is absent or not 1.'
    rationale: 'With automatic logon anyone who can power the machine on gets an interactive session as the configured user.'
    remediation: 'Set AutoAdminLogon to 0 and delete DefaultPassword under HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon.'
    references:
      - { standard: pci-dss-4, id: '8.3.1' }
    applies_to: { os: [windows] }
    check: { registry: { hive: SOFTWARE, key: 'Microsoft\Windows NT\CurrentVersion\Winlogon', value: AutoAdminLogon, op: ne, value_expected: '1', missing: pass } }
  - id: windows.autologon-password
    title: 'No logon password is stored in the registry'
    severity: critical
    description: 'DefaultPassword under SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon is absent (its contents are never reported).'
    rationale: 'DefaultPassword holds an account password in clear text, readable by administrators and anyone with the disk image.'
    remediation: 'Delete the DefaultPassword value (use Sysinternals Autologon, which stores the secret as an LSA secret, if automatic logon is required), and change that account''s password.'
    references:
      - { standard: pci-dss-4, id: '8.3.2' }
    applies_to: { os: [windows] }
    check: { registry: { hive: SOFTWARE, key: 'Microsoft\Windows NT\CurrentVersion\Winlogon', value: DefaultPassword, op: absent, missing: pass } }
`;
