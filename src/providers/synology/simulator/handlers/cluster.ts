import type { Handler } from '../context.js';

/** SYNO.Virtualization.API.Host/Storage/Network `list`; capacity is left out while a host is not running, as DSM does. */

export const hostList: Handler = ({ sim }) => ({
  hosts: [...sim.state.hosts.values()].map((host) => ({
    host_id: host.id,
    host_name: host.name,
    status: host.status,
    ...(host.status === 'running'
      ? {
          free_cpu_core: sim.state.freeCpu(host),
          free_ram_size: sim.state.freeRamMb(host),
          total_cpu_core: host.cpu_threads,
          total_ram_size: host.ram_mb,
        }
      : {}),
  })),
});

export const storageList: Handler = ({ sim }) => ({
  storages: [...sim.state.storages.values()].map((storage) => {
    const host = sim.state.hosts.get(storage.host_id);
    return {
      host_id: storage.host_id,
      host_name: host?.name ?? '',
      status: storage.status,
      storage_id: storage.id,
      storage_name: storage.name,
      volume_path: storage.volume_path,
      ...(host?.status === 'running' ? { size: storage.size_mb, used: storage.used_mb } : {}),
    };
  }),
});

export const networkList: Handler = ({ sim }) => ({
  networks: [...sim.state.networks.values()].map((network) => ({ network_id: network.id, network_name: network.name })),
});
