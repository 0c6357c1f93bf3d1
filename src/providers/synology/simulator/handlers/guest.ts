import type { Call, Handler, Simulator } from '../context.js';
import type { SimVm } from '../model.js';
import { deleteGuest, findGuest, RAM_RANGE_MB, updateGuest, VCPU_RANGE } from '../guests.js';
import { createGuest } from './guest-create.js';

/** SYNO.Virtualization.API.Guest (official style): sizes in MB, statuses in the guide's words. */

export function officialGuest(sim: Simulator, vm: SimVm, withDevices: boolean): Record<string, unknown> {
  const storage = sim.state.storages.get(vm.storage_id);
  const host = vm.host_id === undefined ? undefined : sim.state.hosts.get(vm.host_id);
  const guest: Record<string, unknown> = {
    autorun: vm.autorun,
    description: vm.description,
    guest_id: vm.id,
    guest_name: vm.name,
    status: vm.status,
    storage_id: vm.storage_id,
    storage_name: storage?.name ?? '',
    vcpu_num: vm.vcpus,
    vram_size: vm.ram_mb,
  };
  // Not in the guide: a real box may leave them out (guestHostFields=false simulates one that does).
  if (host !== undefined && sim.options.guestHostFields) {
    guest.host_id = host.id;
    guest.host_name = host.name;
  }
  if (withDevices) {
    guest.vdisks = vm.disks.map((disk) => ({ controller: disk.controller, unmap: disk.unmap, vdisk_id: disk.id, vdisk_size: disk.size_mb }));
    guest.vnics = vm.nics.map((nic) => ({
      mac: nic.mac,
      model: nic.model,
      network_id: nic.network_id,
      network_name: sim.state.networks.get(nic.network_id)?.name ?? '',
      vnic_id: nic.id,
    }));
  }
  return guest;
}

function set({ sim, params }: Call): unknown {
  const vm = findGuest(sim, params);
  const autorun = params.integer('autorun', 0, 2);
  updateGuest(sim, vm, {
    name: params.string('new_guest_name'),
    vcpus: params.integer('vcpu_num', ...VCPU_RANGE),
    ramMb: params.integer('vram_size', ...RAM_RANGE_MB),
    autorun: autorun as 0 | 1 | 2 | undefined,
    description: params.string('description'),
  });
  return undefined;
}

export const guestMethods: Readonly<Record<string, Handler>> = {
  list: ({ sim, params }) => {
    const additional = sim.options.guestListDevicesAlways || params.boolean('additional', false);
    const guests: Array<Record<string, unknown>> = [];
    for (const vm of sim.state.vms.values()) guests.push(officialGuest(sim, vm, additional));
    return { guests };
  },
  get: ({ sim, params }) => officialGuest(sim, findGuest(sim, params), true),
  set,
  delete: ({ sim, params }) => {
    deleteGuest(sim, findGuest(sim, params));
    return undefined;
  },
  create: createGuest,
};
