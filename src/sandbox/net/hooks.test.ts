/** The bwrap hooks networking relies on: no --unshare-net inside a prepared namespace, nsenter first. */
import { describe, expect, it } from 'vitest';
import { buildBwrapArgs, type BwrapPlan } from '../bwrap/args.js';
import { buildLaunch } from '../bwrap/launch.js';

const plan: BwrapPlan = { mounts: [], env: {}, cwd: '/tmp', uid: 1000, gid: 1000, hostname: 'h', tmpBytes: 1 << 20, statusFd: 4, disableUserns: true, command: ['true'] };

describe('bwrap hooks for networking', () => {
  it('keeps the network namespace bwrap starts in only when asked', () => {
    expect(buildBwrapArgs(plan)).toContain('--unshare-net');
    const inherit = buildBwrapArgs({ ...plan, inheritNetwork: true });
    expect(inherit).not.toContain('--unshare-net');
    expect(inherit.slice(0, 5)).toEqual(['--unshare-user', '--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-cgroup']);
  });

  it('enters the namespace with nsenter before dropping privileges', () => {
    const l = buildLaunch({
      bwrap: '/usr/bin/bwrap',
      bwrapArgs: ['--', 'true'],
      cgroupProcs: [],
      rlimits: { nofile: 64 },
      hostIds: { uid: 65534, gid: 65534 },
      keepFds: [4],
      netnsPath: '/run/netns/guestguard-1-1-aa',
      tools: { bash: '/bin/bash', setpriv: '/usr/bin/setpriv', prlimit: '/usr/bin/prlimit', nsenter: '/usr/bin/nsenter' },
    });
    const chain = l.args.slice(l.args.indexOf('--', l.args.indexOf('guestguard-launch')) + 1);
    expect(chain.slice(0, 5)).toEqual(['/usr/bin/nsenter', '--net=/run/netns/guestguard-1-1-aa', '--', '/usr/bin/setpriv', '--reuid']);
    expect(() =>
      buildLaunch({ bwrap: 'b', bwrapArgs: [], cgroupProcs: [], rlimits: {}, keepFds: [], netnsPath: '/run/netns/x', tools: { bash: '/bin/bash' } }),
    ).toThrow(/nsenter \(util-linux\) is needed/);
  });
});
