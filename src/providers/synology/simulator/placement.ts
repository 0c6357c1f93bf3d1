import type { SimHost, SimVm } from './model.js';
import type { SimulatorState } from './state.js';

export type Placement = { host: SimHost; code?: undefined } | { host?: undefined; code: 601 | 902 | 903; detail: string };

/**
 * Where a VM can be powered on. A named host must be online and have the room; otherwise the
 * cluster's auto-select picks the online host with the most free memory that fits. The failure
 * code follows the guide: 601 host offline, 902 not enough CPU threads, 903 not enough memory.
 * DSM overcommits vCPUs (the guide's host shows all its threads free while a VM runs), so 902 comes
 * only when the VM has more vCPUs than the host has threads at all.
 */
export function placeOnHost(state: SimulatorState, vm: SimVm, wanted: SimHost | undefined): Placement {
  if (wanted !== undefined) return fits(state, vm, wanted);
  const online = [...state.hosts.values()]
    .filter((host) => host.status === 'running')
    .sort((a, b) => state.freeRamMb(b) - state.freeRamMb(a));
  let firstFailure: Placement | undefined;
  for (const host of online) {
    const placement = fits(state, vm, host);
    if (placement.host !== undefined) return placement;
    // Memory is the scarcer resource people ask about: report 903 if any host lacked memory.
    if (firstFailure === undefined || placement.code === 903) firstFailure = placement;
  }
  return firstFailure ?? { code: 601, detail: 'no host of the cluster is online' };
}

function fits(state: SimulatorState, vm: SimVm, host: SimHost): Placement {
  if (host.status !== 'running') return { code: 601, detail: `host ${host.name} is ${host.status}` };
  const freeRam = state.freeRamMb(host);
  if (vm.ram_mb > freeRam) {
    return { code: 903, detail: `insufficient memory on host ${host.name}: free ${freeRam} MB, wanted ${vm.ram_mb} MB` };
  }
  if (vm.vcpus > host.cpu_threads) {
    return { code: 902, detail: `insufficient CPU threads on host ${host.name}: it has ${host.cpu_threads}, wanted ${vm.vcpus}` };
  }
  return { host };
}
