/**
 * Sandbox commands: `run` a program in a bubblewrap sandbox, `seccomp dump` a compiled filter,
 * `doctor` for what this host supports.
 */
import type { Command } from 'commander';
import {
  compileSeccomp,
  disassemble,
  doctor,
  isSeccompArch,
  isSeccompLevel,
  parseCount,
  parseDuration,
  parseSize,
  parseAllowList,
  spawn,
  SandboxError,
  type FirewallMode,
  type HostUser,
  type NetworkPolicy,
  type ResourceLimits,
  type SandboxSpec,
} from '../../sandbox/index.js';
import { GuestguardError } from '../../errors.js';
import { action } from '../errors.js';
import { writeJson } from '../format.js';

/** Exit status when the sandbox itself could not start (as docker and env use). */
export const EXIT_SANDBOX_FAILED = 125;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface RunOptions {
  seccomp: string;
  net: string;
  firewall?: string;
  memory?: string;
  pids?: string;
  cpu?: string;
  timeout?: string;
  ro: string[];
  rw: string[];
  env: string[];
  cwd?: string;
  systemBinds: boolean;
  hostUser?: string;
  stats?: boolean;
}

function parseHostUser(text: string): HostUser {
  if (text === 'nobody' || text === 'caller') return text;
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m) throw new GuestguardError('INVALID_ARGUMENT', `invalid --host-user "${text}" (nobody, caller or UID:GID)`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

/** `--net none` or `--net allow=HOST:PORT,...` (+ `--firewall`) → network policy. */
function parseNet(net: string, firewall: string | undefined): NetworkPolicy {
  if (firewall !== undefined && !['enforce', 'test', 'disabled'].includes(firewall)) {
    throw new GuestguardError('INVALID_ARGUMENT', `invalid --firewall "${firewall}" (enforce, test or disabled)`);
  }
  if (net === 'none') {
    if (firewall !== undefined) throw new GuestguardError('INVALID_ARGUMENT', '--firewall applies to --net allow=...');
    return 'none';
  }
  if (!net.startsWith('allow=')) throw new GuestguardError('INVALID_ARGUMENT', `unsupported --net "${net}" (none or allow=HOST:PORT,...)`);
  const allow = parseAllowList(net.slice('allow='.length)).map((e) => e.text);
  return { allow, ...(firewall !== undefined ? { firewall: firewall as FirewallMode } : {}) };
}

/** Turns `run` options into a sandbox spec (exported for tests). */
export function runSpec(command: string[], o: RunOptions): SandboxSpec {
  const network = parseNet(o.net, o.firewall);
  const limits: ResourceLimits = {};
  if (o.memory !== undefined) limits.memoryBytes = parseSize(o.memory, '--memory');
  if (o.pids !== undefined) limits.pids = parseCount(o.pids, '--pids');
  if (o.cpu !== undefined) limits.cpuSeconds = parseDuration(o.cpu, '--cpu') / 1000;
  const env: Record<string, string> = {};
  for (const e of o.env) {
    const i = e.indexOf('=');
    if (i <= 0) throw new GuestguardError('INVALID_ARGUMENT', `invalid --env "${e}" (KEY=VALUE)`);
    env[e.slice(0, i)] = e.slice(i + 1);
  }
  return {
    command,
    ro: o.ro.map(splitBind),
    rw: o.rw.map(splitBind),
    env,
    seccomp: isSeccompLevel(o.seccomp) ? o.seccomp : { file: o.seccomp },
    network,
    limits,
    systemBinds: o.systemBinds,
    stdin: 'inherit',
    stdout: 'inherit',
    stderr: 'inherit',
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
    ...(o.timeout !== undefined ? { timeoutMs: parseDuration(o.timeout, '--timeout') } : {}),
    ...(o.hostUser !== undefined ? { hostUser: parseHostUser(o.hostUser) } : {}),
  };
}

function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a command in a sandbox: own namespaces, no network (or an egress allowlist), seccomp filter, resource limits; exits with its status')
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .option('--seccomp <level|file>', 'minimal, basic, permissive, or a YAML policy file', 'basic')
    .option('--net <policy>', 'network: none (loopback only) or allow=HOST:PORT,CIDR:PORT,... (egress allowlist; needs root)', 'none')
    .option('--firewall <mode>', 'with --net allow=: enforce (default), test (validate rules, do not apply) or disabled')
    .option('--memory <size>', 'memory limit, e.g. 512M')
    .option('--pids <n>', 'limit on processes and threads')
    .option('--cpu <duration>', 'CPU-time limit, e.g. 10s')
    .option('--timeout <duration>', 'wall-clock limit, e.g. 30s')
    .option('--ro <path>', 'bind a host path read-only (repeatable; HOST or HOST:SANDBOX)', collect, [])
    .option('--rw <path>', 'bind a host path read-write (repeatable; HOST or HOST:SANDBOX)', collect, [])
    .option('--env <KEY=VALUE>', 'set an environment variable inside (repeatable)', collect, [])
    .option('--cwd <dir>', 'working directory inside (default /tmp)')
    .option('--no-system-binds', 'do not bind /usr, /bin, /lib* and the usual /etc files')
    .option('--host-user <who>', 'host identity when run as root: nobody (default), caller, or UID:GID')
    .option('--stats', 'print resource use as JSON on stderr at the end')
    .action(
      action(async (command: string[], o: RunOptions) => {
        const spec = runSpec(command, o);
        let sb;
        try {
          sb = await spawn(spec);
        } catch (err) {
          if (!(err instanceof SandboxError) || err.failure === 'bad-spec') throw err;
          process.stderr.write(`guestguard: sandbox failed to start: ${err.message}\n`);
          return EXIT_SANDBOX_FAILED;
        }
        for (const w of sb.network?.warnings ?? []) process.stderr.write(`guestguard: ${w}\n`);
        const stop = (): void => void sb.destroy();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        const r = await sb.wait();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        if (r.setupError !== undefined) {
          process.stderr.write(`guestguard: sandbox failed to start: ${r.setupError}\n`);
          return EXIT_SANDBOX_FAILED;
        }
        if (r.limit) process.stderr.write(`guestguard: ${r.limit} limit reached; command stopped\n`);
        if (o.stats) process.stderr.write(JSON.stringify({ ...r, stats: r.stats }) + '\n');
        return r.exitCode ?? 128 + 9;
      }),
    );
}

/** "HOST:SANDBOX" → bind; a plain path binds at the same place. */
function splitBind(text: string): string | { host: string; sandbox: string } {
  const i = text.indexOf(':');
  return i > 0 ? { host: text.slice(0, i), sandbox: text.slice(i + 1) } : text;
}

function registerSeccomp(program: Command): void {
  const seccomp = program.command('seccomp').description('inspect the seccomp filters guestguard compiles');
  seccomp
    .command('dump')
    .description('print a compiled filter: disassembly (default), raw sock_filter bytes, or JSON')
    .option('--level <level>', 'minimal, basic or permissive', 'basic')
    .option('--policy <file>', 'a YAML policy file instead of a level')
    .option('--arch <arch>', 'x86_64 or aarch64 (default: this machine)')
    .option('--net <mode>', 'network the filter is for: none or allowed', 'none')
    .option('--format <format>', 'text, raw or json', 'text')
    .action(
      action(async (o: { level: string; policy?: string; arch?: string; net: string; format: string }) => {
        if (o.arch !== undefined && !isSeccompArch(o.arch)) throw new GuestguardError('INVALID_ARGUMENT', `unknown --arch "${o.arch}" (x86_64 or aarch64)`);
        if (o.net !== 'none' && o.net !== 'allowed') throw new GuestguardError('INVALID_ARGUMENT', `unknown --net "${o.net}" (none or allowed)`);
        const source = o.policy !== undefined ? { file: o.policy } : o.level;
        if (o.policy === undefined && !['minimal', 'basic', 'permissive'].includes(o.level)) {
          throw new GuestguardError('INVALID_ARGUMENT', `unknown --level "${o.level}" (minimal, basic or permissive)`);
        }
        const f = compileSeccomp(source, o.net, o.arch as 'x86_64' | 'aarch64' | undefined);
        if (o.format === 'raw') process.stdout.write(f.bytes);
        else if (o.format === 'json') writeJson({ policy: f.policyName, arch: f.arch, notOnArch: f.notOnArch, instructions: f.program });
        else if (o.format === 'text') {
          process.stdout.write(`# seccomp policy "${f.policyName}" for ${f.arch} (network ${o.net}): ${f.program.length} instructions\n`);
          if (f.notOnArch.length) process.stdout.write(`# not on ${f.arch}: ${f.notOnArch.join(' ')}\n`);
          process.stdout.write(disassemble(f.program, { arch: f.arch }));
        } else throw new GuestguardError('INVALID_ARGUMENT', `unknown --format "${o.format}" (text, raw or json)`);
      }),
    );
}

function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('report what this host supports for sandboxing (bwrap, user namespaces, cgroups, seccomp, nft, /dev/kvm) and why not')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: { json?: boolean }) => {
        const report = await doctor();
        if (o.json) writeJson(report);
        else {
          process.stdout.write(`host: ${report.platform} ${report.arch}, kernel ${report.kernel}, euid ${report.euid}\n`);
          for (const c of report.checks) process.stdout.write(`${c.ok ? 'ok  ' : 'NO  '} ${c.name.padEnd(16)} ${c.detail}\n`);
          process.stdout.write(report.sandboxUsable ? 'sandboxes: usable\n' : 'sandboxes: NOT usable here\n');
        }
        return report.sandboxUsable ? 0 : 1;
      }),
    );
}

function registerPool(program: Command): void {
  program
    .command('pool')
    .description('pre-warmed sandbox pools (what `worker` and `serve` run job handlers in)')
    .command('stats')
    .description('warm a pool, run single-use acquisitions through it, print its stats (idle, active, queued, totals, spawn/acquire p50/p95/p99)')
    .option('--template <kind>', 'job (Node + guestguard read-only, as workers use) or plain (system folders only)', 'job')
    .option('--size <n>', 'pool size (warm sandboxes kept ready)', '2')
    .option('--runs <n>', 'acquisitions to run (0: only warm the pool)', '20')
    .option('--command <cmd>', 'command each sandbox runs, split on spaces', '/bin/true')
    .option('--back-to-back', 'do not wait for a warm sandbox before each acquisition (shows queueing)')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: { template: string; size: string; runs: string; command: string; backToBack?: boolean; json?: boolean }) => {
        if (o.template !== 'job' && o.template !== 'plain') throw new GuestguardError('INVALID_ARGUMENT', `unknown --template "${o.template}" (job or plain)`);
        const { runPoolStats, formatPoolStats } = await import('../../sandbox/pool/index.js');
        const r = await runPoolStats({
          template: o.template,
          size: parseCount(o.size, '--size'),
          runs: /^0+$/.test(o.runs) ? 0 : parseCount(o.runs, '--runs'),
          command: o.command.split(' ').filter(Boolean),
          warmEach: !o.backToBack,
        });
        if (o.json) writeJson(r);
        else process.stdout.write(formatPoolStats(r));
        return r.failed_runs === 0 && r.pool.failures === 0 ? 0 : 1;
      }),
    );
}

export function registerSandboxCommands(program: Command): void {
  registerRun(program);
  registerSeccomp(program);
  registerDoctor(program);
  registerPool(program);
}

