import type { Handler } from '../context.js';

/**
 * SYNO.Virtualization.API.Host/Storage/Network `list`. Capacity is left out only where the guide
 * says so, when the host is missing: a host DSM cannot reach at all (`inaccessible`). A host with a
 * network warning or without control still reports what it has.
 */
function hostMissing(status: string | undefined): boolean {
  return status === undefined || status === 'inaccessible';
}

export const hostList: Handler = ({ sim }) => ({
  hosts: [...sim.state.hosts.values()].map((host) => ({
    host_id: host.id,
    host_name: host.name,
    status: host.status,
    ...(!hostMissing(host.status)
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
      ...(!hostMissing(host?.status) ? { size: storage.size_mb, used: storage.used_mb } : {}),
    };
  }),
});

export const networkList: Handler = ({ sim }) => ({
  networks: [...sim.state.networks.values()].map((network) => ({ network_id: network.id, network_name: network.name })),
});
