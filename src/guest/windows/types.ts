/**
 * What `guestguard inspect` learns about a Windows guest from its registry hives and system
 * files. Field names are snake_case because this is the JSON the CLI prints. Every field the
 * guest may lack is optional; registry strings are passed through as stored (indirect strings
 * such as "@%SystemRoot%\\system32\\foo.dll,-100" are not resolved).
 */

export type WindowsArch = 'x86_64' | 'i386' | 'aarch64' | 'arm' | 'ia64';

export interface WindowsInfo {
  type: 'windows';
  /** Guest path of the Windows directory as found on the filesystem, e.g. "/Windows". */
  system_root_path: string;
  /** The Windows directory as Windows names it (SOFTWARE ... CurrentVersion SystemRoot), e.g. "C:\\Windows". */
  system_root?: string;
  /** ProductName, e.g. "Windows Server 2022 Datacenter" (Windows 11 still says "Windows 10"). */
  product_name?: string;
  /** EditionID, e.g. "ServerDatacenter", "Professional". */
  edition?: string;
  /** CurrentMajorVersionNumber/CurrentMinorVersionNumber (10.0), else parsed from CurrentVersion ("6.1"). */
  major_version?: number;
  minor_version?: number;
  /** CurrentBuildNumber (else CurrentBuild), e.g. 20348. */
  build?: number;
  /** UBR: the cumulative update revision (build 20348.2113 → 2113). */
  update_build_revision?: number;
  /** DisplayVersion ("22H2"), else ReleaseId ("1809"). */
  display_version?: string;
  /** InstallationType: "Client", "Server", "Server Core". */
  installation_type?: string;
  /** Client or server, from InstallationType, else ProductOptions ProductType, else ProductName. */
  product_variant?: 'client' | 'server';
  /** libosinfo short id (win10, win11, win2k22, win7, win2k8r2, ...). */
  osinfo?: string;
  arch?: WindowsArch;
  hostname?: string;
  /** Tcpip Parameters Domain (DNS suffix), when set. */
  domain?: string;
  /** TimeZoneKeyName, e.g. "Pacific Standard Time" (StandardName on pre-Vista systems). */
  timezone?: string;
  /** OS install time (CurrentVersion InstallDate, Unix seconds) as ISO 8601. */
  install_time?: string;
  /** The control set Select\\Current points at, e.g. "ControlSet001". */
  current_control_set?: string;
  drive_mappings: WindowsDriveMapping[];
  applications: WindowsApplication[];
  services: WindowsService[];
  security: WindowsSecurityFacts;
  /** Guest paths of the hives read. */
  hives: { software?: string; system?: string };
  /** Problems that left parts of the result empty (missing or damaged hive, dirty hive...). */
  warnings: string[];
}

/**
 * One drive letter from SYSTEM\\MountedDevices. Windows records the volume either by MBR disk
 * signature plus partition start, or by GPT partition GUID, or (removable, optical) by device path.
 */
export interface WindowsDriveMapping {
  /** "C:" */
  drive: string;
  kind: 'mbr' | 'gpt' | 'device' | 'unknown';
  /** The value's bytes in hex. */
  raw: string;
  /** MBR disk signature (offset 440 of the MBR), 8 hex digits, e.g. "1234abcd". */
  mbr_signature?: string;
  /** Partition start in bytes on that disk. */
  partition_offset?: number;
  /** GPT unique partition GUID, upper case, e.g. "0B1C2D3E-...". */
  gpt_partition_guid?: string;
  /** Device path for kind "device", e.g. "\\??\\IDE#CdRomQEMU_DVD-ROM...". */
  device_path?: string;
}

export interface WindowsApplication {
  /** The Uninstall subkey name (a product code GUID or a plain name). */
  name: string;
  display_name?: string;
  version?: string;
  publisher?: string;
  /** InstallDate as stored, usually "YYYYMMDD". */
  install_date?: string;
  install_location?: string;
  uninstall_string?: string;
  url?: string;
  /** SystemComponent = 1: hidden from Programs and Features. */
  system_component: boolean;
  /** 64 for the native Uninstall key on a 64-bit OS, 32 for WOW6432Node or a 32-bit OS. */
  bits?: 32 | 64;
  /** Which key it came from. */
  registry_key: string;
}

export type ServiceStart = 'boot' | 'system' | 'automatic' | 'manual' | 'disabled' | 'unknown';

export type ServiceType =
  | 'kernel_driver'
  | 'filesystem_driver'
  | 'adapter'
  | 'recognizer_driver'
  | 'own_process'
  | 'share_process'
  | 'user_own_process'
  | 'user_share_process'
  | 'unknown';

export interface WindowsService {
  name: string;
  display_name?: string;
  description?: string;
  start: ServiceStart;
  start_value?: number;
  /** Automatic start deferred until after boot (DelayedAutostart = 1 with Start = 2). */
  delayed_auto_start: boolean;
  type: ServiceType;
  type_value: number;
  /** SERVICE_INTERACTIVE_PROCESS flag (0x100). */
  interactive: boolean;
  /** ImagePath as stored (often unexpanded: "%SystemRoot%\\System32\\svchost.exe -k netsvcs"). */
  image_path?: string;
  /** Account the service runs as: ObjectName ("LocalSystem", "NT AUTHORITY\\NetworkService", ".\\user"); for drivers the driver object. */
  account?: string;
  group?: string;
  /** ServiceDll from the Parameters subkey, for svchost services. */
  service_dll?: string;
}

/** Raw registry facts a security profiler evaluates; undefined means the value is absent. */
export interface WindowsSecurityFacts {
  firewall: {
    /** SharedAccess\\Parameters\\FirewallPolicy\\<profile> EnableFirewall, and the Group Policy override. */
    domain: FirewallProfileFacts;
    /** "StandardProfile" in the registry; "Private" in the UI. */
    private: FirewallProfileFacts;
    public: FirewallProfileFacts;
  };
  rdp: {
    /** Control\\Terminal Server fDenyTSConnections: 1 = RDP refused. */
    deny_ts_connections?: number;
    /** Group Policy override (SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services). */
    policy_deny_ts_connections?: number;
    /** WinStations\\RDP-Tcp UserAuthentication: 1 = Network Level Authentication required. */
    user_authentication?: number;
    policy_user_authentication?: number;
    /** WinStations\\RDP-Tcp SecurityLayer: 0 RDP, 1 negotiate, 2 TLS. */
    security_layer?: number;
    port_number?: number;
  };
  smb1: {
    /** LanmanServer\\Parameters SMB1 (0 = server SMBv1 disabled; absent = OS default). */
    server_smb1?: number;
    /** Whether the SMBv1 client driver service (mrxsmb10) is installed, and how it starts. */
    client_driver_present: boolean;
    client_driver_start?: ServiceStart;
  };
  winlogon: {
    /** AutoAdminLogon as stored ("1" = automatic logon). */
    auto_admin_logon?: string;
    default_user_name?: string;
    default_domain_name?: string;
    /** A DefaultPassword value exists (its content is never read into the report). */
    default_password_present: boolean;
  };
}

export interface FirewallProfileFacts {
  enable_firewall?: number;
  policy_enable_firewall?: number;
}
