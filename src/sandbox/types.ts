/** The sandbox contract: what spawn() takes and what a Sandbox reports. */
import type { Readable, Writable } from 'node:stream';
import type { SeccompLevel } from './seccomp/levels.js';
import type { SeccompPolicy } from './seccomp/policy.js';

/**
 * What a firewall failure does: `enforce` (default) applies the rules and any error stops the
 * sandbox from starting; `test` builds the rules and validates them with `nft --check` without
 * applying them (the link is then unfiltered); `disabled` builds no rules at all.
 */
export type FirewallMode = 'enforce' | 'test' | 'disabled';

/** Egress allowlist through a veth pair; see src/sandbox/net/. */
export interface EgressPolicy {
  /** "HOST:PORT", "CIDR:PORT", "HOST:LOW-HIGH", optionally followed by "/udp" (default tcp). Hostnames are resolved on the host at spawn. */
  allow: readonly string[];
  /** Default `enforce`. */
  firewall?: FirewallMode;
}

/** `none`: an empty network namespace with loopback only. Otherwise an egress allowlist. */
export type NetworkPolicy = 'none' | EgressPolicy;

/** The network a sandbox got (Sandbox.network). */
export interface SandboxNetworkInfo {
  mode: 'none' | 'egress';
  firewall?: FirewallMode;
  /** Name of the network namespace (under /run/netns). */
  netns?: string;
  /** Host end of the veth pair. */
  hostInterface?: string;
  /** The sandbox's IPv4 address and its gateway (the host end). */
  address?: string;
  gateway?: string;
  /** Allowed flows after resolving hostnames, e.g. "198.51.100.7:443/tcp". */
  allowed?: string[];
  /** Problems that did not stop the sandbox (test-mode validation failures, sweep errors). */
  warnings?: string[];
}

/**
 * Which seccomp filter to load: a built-in level, a policy object, a YAML policy file, or
 * `false` for none at all (diagnostics only: the namespaces still apply).
 */
export type SeccompSetting = SeccompLevel | SeccompPolicy | { file: string } | false;

/** A host path made visible in the sandbox, at the same path unless `sandbox` says otherwise. */
export interface BindMount {
  host: string;
  sandbox?: string;
}

export interface ResourceLimits {
  /** Memory (RSS + page cache + tmpfs) in bytes: cgroup memory limit, else RLIMIT_DATA per process. */
  memoryBytes?: number;
  /** Processes + threads: cgroup pids.max, else RLIMIT_NPROC (per host user, approximate). */
  pids?: number;
  /** Total CPU time in seconds: cgroup accounting polled, plus RLIMIT_CPU per process as a backstop. */
  cpuSeconds?: number;
  /** Size of the sandbox's /tmp (tmpfs) in bytes; default 64 MiB. */
  tmpBytes?: number;
  /** RLIMIT_NOFILE; default 1024. */
  openFiles?: number;
  /** RLIMIT_FSIZE: largest file the sandbox may write; default unlimited. */
  fileSizeBytes?: number;
}

/** Who the sandbox runs as on the host when guestguard itself runs as root. */
export type HostUser = 'nobody' | 'caller' | { uid: number; gid: number };

export type StdioSetting = 'pipe' | 'inherit' | 'ignore';

export interface SandboxSpec {
  /** argv to run; omit for a warm sandbox that waits for exec() (for pools). */
  command?: readonly string[];
  /** Extra read-only binds (files or directories). */
  ro?: readonly (string | BindMount)[];
  /** Writable binds. */
  rw?: readonly (string | BindMount)[];
  /** Bind the host's /usr, /bin, /sbin, /lib* and the few /etc files programs need, read-only (default true). */
  systemBinds?: boolean;
  /** The environment inside (nothing is inherited); PATH, HOME, TMPDIR and LANG have defaults. */
  env?: Readonly<Record<string, string>>;
  /** Working directory inside; default /tmp. */
  cwd?: string;
  /** Default `basic`. */
  seccomp?: SeccompSetting;
  /** Default `none`. */
  network?: NetworkPolicy;
  limits?: ResourceLimits;
  /** Wall-clock limit from the start of the command, in milliseconds. */
  timeoutMs?: number;
  /** Default `nobody` when running as root (so files the sandbox creates are not root's), else the caller. */
  hostUser?: HostUser;
  /** uid/gid inside the sandbox's user namespace; default 1000/1000. */
  uid?: number;
  gid?: number;
  hostname?: string;
  stdin?: StdioSetting;
  stdout?: StdioSetting;
  stderr?: StdioSetting;
  /** A delegated cgroup v2 directory to create sandbox cgroups in (default: env GUESTGUARD_CGROUP_PARENT, else auto). */
  cgroupParent?: string;
}

export type LimitName = 'memory' | 'pids' | 'cpu' | 'timeout';

export interface SandboxStats {
  /** Current memory use of everything in the sandbox, bytes. */
  memoryBytes: number;
  /** Peak memory use when the kernel tracks it (cgroups), else undefined. */
  memoryPeakBytes?: number;
  /** Live processes + threads (cgroup) or processes (procfs). */
  pids: number;
  /** CPU time used, user + system, milliseconds. */
  cpuMs: number;
  /** Wall time since the command started, milliseconds. */
  wallMs: number;
  /** Where the numbers come from. */
  source: 'cgroup-v2' | 'cgroup-v1' | 'procfs';
}

export interface SandboxResult {
  /** The command's exit status; 128+N when it died of signal N (bwrap's convention). */
  exitCode: number | null;
  /** The signal inferred from exitCode > 128, or the one that killed bwrap itself. */
  signal: NodeJS.Signals | null;
  /** The limit that ended the command, if one did. */
  limit: LimitName | null;
  /** Every limit the kernel reports was hit (a pids limit can be hit without ending the command). */
  limitsHit: LimitName[];
  durationMs: number;
  stats: SandboxStats;
  /** Set when bwrap failed to set the sandbox up (with bwrap's own message); ready() rejected then. */
  setupError?: string;
  /** Teardown steps that failed (network objects that could not be removed), each with its command. */
  cleanupErrors?: string[];
}

export type SandboxState = 'warm' | 'running' | 'exited';

export interface ExecOptions {
  env?: Readonly<Record<string, string>>;
  cwd?: string;
}

export interface Sandbox {
  readonly id: string;
  /** Host pid of the bwrap process. */
  readonly pid: number | undefined;
  readonly state: SandboxState;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** The sandbox's network (address, allowed flows) when it has one beyond loopback. */
  readonly network?: SandboxNetworkInfo;
  /**
   * Resolves once the sandbox is set up (mounts, seccomp filter) and its first program runs inside
   * it (the command, or a warm sandbox's supervisor); rejects with SandboxSetupError when the
   * sandbox exits first: bwrap failed, the command was not found, or it was destroyed.
   */
  ready(): Promise<void>;
  /** Starts the command in a warm sandbox (spawned without `command`); once per sandbox. */
  exec(command: readonly string[], options?: ExecOptions): Promise<void>;
  /** Resolves when the sandbox has exited and been cleaned up. */
  wait(): Promise<SandboxResult>;
  /** Live resource use. */
  stats(): Promise<SandboxStats>;
  /** Kills everything in the sandbox and cleans up. */
  destroy(): Promise<SandboxResult>;
}
