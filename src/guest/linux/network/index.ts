/** Network configuration of a Linux guest, from every configuration system found in it. */
import type { GuestFileSystem } from '../../../fs/vfs.js';
import { GuestReader } from '../reader.js';
import { systemdDb } from '../systemd.js';
import { readIfcfg } from './ifcfg.js';
import { readIfupdown } from './ifupdown.js';
import { readNetplan } from './netplan.js';
import { readNetworkd } from './networkd.js';
import { readNetworkManager } from './networkmanager.js';
import { readHosts, readResolvConf, type HostsEntry, type ResolvConf } from './resolver.js';
import type { NetworkConfig } from './types.js';

export type { IpConfig, IpMethod, NetworkConfig, NetworkSource, RouteConfig } from './types.js';
export type { HostsEntry, ResolvConf } from './resolver.js';
export { prefixLength } from './types.js';

export interface NetworkManagers {
  /** networking.service (ifupdown) enabled. */
  ifupdown: boolean;
  networkmanager: boolean;
  networkd: boolean;
  /** network.service of Red Hat initscripts enabled. */
  initscripts: boolean;
  wicked: boolean;
  /** netplan is installed (it renders its YAML for networkd or NetworkManager at boot). */
  netplan: boolean;
}

export interface LinuxNetwork {
  /** Every interface/connection definition found, by source. */
  interfaces: NetworkConfig[];
  /** Which network services are enabled (systemd) or present. */
  managers: NetworkManagers;
  resolv_conf: ResolvConf;
  hosts: HostsEntry[];
}

export async function inspectLinuxNetwork(src: GuestFileSystem | GuestReader): Promise<LinuxNetwork> {
  const reader = GuestReader.of(src);
  const interfaces = [
    ...(await readIfupdown(reader)),
    ...(await readNetplan(reader)),
    ...(await readNetworkManager(reader)),
    ...(await readIfcfg(reader)),
    ...(await readNetworkd(reader)),
  ];
  const systemd = await systemdDb(reader);
  const managers: NetworkManagers = {
    ifupdown: await systemd.enabled('networking.service'),
    networkmanager: await systemd.enabled('NetworkManager.service'),
    networkd: await systemd.enabled('systemd-networkd.service'),
    initscripts: await systemd.enabled('network.service'),
    wicked: await systemd.enabled('wicked.service'),
    netplan: (await reader.isFile('/usr/sbin/netplan')) || (await reader.isFile('/usr/share/netplan/netplan.script')) || (await reader.isFile('/usr/lib/systemd/system-generators/netplan')) || (await reader.isFile('/lib/systemd/system-generators/netplan')),
  };
  return { interfaces, managers, resolv_conf: await readResolvConf(reader), hosts: await readHosts(reader) };
}
