/** Hypervisor and cloud guest agents installed in the guest, by their binaries and service units. */
import { GuestReader, joinPath } from './reader.js';
import { systemdDb } from './systemd.js';
import { expandGlob } from './text.js';

export type GuestToolId =
  | 'qemu_guest_agent'
  | 'open_vm_tools'
  | 'hyperv_daemons'
  | 'virtualbox_additions'
  | 'xen_guest_utilities'
  | 'spice_vdagent'
  | 'azure_linux_agent'
  | 'google_guest_agent'
  | 'amazon_ssm_agent';

export interface GuestTool {
  installed: boolean;
  /**
   * True when one of its units is enabled, static or indirect (qemu-guest-agent's unit is static:
   * udev starts it when the virtio port appears), or its OpenRC script is in a runlevel; false
   * when they exist but are disabled or masked; null when none of them exists.
   */
  enabled: boolean | null;
  /** Files and units found. */
  evidence: string[];
}

export type GuestTools = Record<GuestToolId, GuestTool>;

interface ToolSpec {
  files: string[];
  units: string[];
  openrc: string[];
}

const TOOLS: Record<GuestToolId, ToolSpec> = {
  qemu_guest_agent: { files: ['/usr/bin/qemu-ga', '/usr/sbin/qemu-ga'], units: ['qemu-guest-agent.service'], openrc: ['qemu-guest-agent'] },
  open_vm_tools: { files: ['/usr/bin/vmtoolsd'], units: ['open-vm-tools.service', 'vmtoolsd.service'], openrc: ['open-vm-tools'] },
  hyperv_daemons: {
    files: ['/usr/sbin/hv_kvp_daemon', '/usr/sbin/hypervkvpd', '/usr/sbin/hv_vss_daemon', '/usr/sbin/hypervvssd', '/usr/lib/linux-tools/*/hv_kvp_daemon'],
    units: ['hv-kvp-daemon.service', 'hypervkvpd.service', 'hv_kvp_daemon.service', 'hv-vss-daemon.service', 'hypervvssd.service'],
    openrc: ['hv_kvp_daemon', 'hv_vss_daemon'],
  },
  virtualbox_additions: {
    files: ['/usr/sbin/VBoxService', '/sbin/rcvboxadd', '/usr/sbin/rcvboxadd', '/opt/VBoxGuestAdditions-*/init/vboxadd'],
    units: ['vboxadd.service', 'vboxadd-service.service', 'virtualbox-guest-utils.service'],
    openrc: ['virtualbox-guest-additions'],
  },
  xen_guest_utilities: { files: ['/usr/sbin/xe-daemon', '/usr/sbin/xe-linux-distribution'], units: ['xe-linux-distribution.service', 'xe-daemon.service'], openrc: ['xe-daemon'] },
  spice_vdagent: { files: ['/usr/sbin/spice-vdagentd', '/usr/bin/spice-vdagent'], units: ['spice-vdagentd.service', 'spice-vdagentd.socket'], openrc: ['spice-vdagentd'] },
  azure_linux_agent: { files: ['/usr/sbin/waagent'], units: ['walinuxagent.service', 'waagent.service'], openrc: ['waagent'] },
  google_guest_agent: { files: ['/usr/bin/google_guest_agent'], units: ['google-guest-agent.service'], openrc: [] },
  amazon_ssm_agent: {
    files: ['/usr/bin/amazon-ssm-agent', '/snap/amazon-ssm-agent/current/amazon-ssm-agent'],
    units: ['amazon-ssm-agent.service', 'snap.amazon-ssm-agent.amazon-ssm-agent.service'],
    openrc: [],
  },
};

export async function readGuestTools(reader: GuestReader): Promise<GuestTools> {
  const systemd = await systemdDb(reader);
  const runlevels = new Map<string, string>();
  for (const level of await reader.names('/etc/runlevels')) {
    for (const n of await reader.names(joinPath('/etc/runlevels', level))) runlevels.set(n, level);
  }
  const out = {} as GuestTools;
  for (const [id, spec] of Object.entries(TOOLS) as [GuestToolId, ToolSpec][]) {
    const evidence: string[] = [];
    for (const f of spec.files) {
      const paths = f.includes('*') ? await expandGlob(reader, f) : [f];
      for (const p of paths) if (await reader.isFile(p)) evidence.push(p);
    }
    let enabled: boolean | null = null;
    for (const name of spec.units) {
      const u = await systemd.unit(name);
      if (u.state === 'not-found') continue;
      evidence.push(`${u.name} (${u.state})`);
      if (u.state !== 'masked') enabled = enabled === true || u.state === 'enabled' || u.state === 'static' || u.state === 'indirect';
      else enabled = enabled === true;
    }
    for (const s of spec.openrc) {
      if (!(await reader.isFile(joinPath('/etc/init.d', s)))) continue;
      const level = runlevels.get(s);
      evidence.push(`/etc/init.d/${s}${level ? ` (runlevel ${level})` : ''}`);
      enabled = enabled === true || level !== undefined;
    }
    out[id] = { installed: evidence.length > 0, enabled, evidence };
  }
  return out;
}
