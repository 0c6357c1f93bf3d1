import type { Call, Handler, Simulator } from '../context.js';
import { deleteGuest, findGuest, findHost, powerOnGuest, RAM_RANGE_MB, stopGuest, updateGuest, VCPU_RANGE } from '../guests.js';
import { findImage, startImageCreation } from '../images.js';
import type { SimImage, SimVm } from '../model.js';
import { diskTotalMb } from '../state.js';
import { badParameter } from '../wire.js';

/**
 * The compact style (seed documents 000 and 001): SYNO.Virtualization.Guest and .Image, methods
 * in CamelCase, statuses running/stopped/paused, sizes in bytes, offset/limit paging with total.
 * Power methods answer a task id that SYNO.Virtualization.API.Task.Info tracks until the VM settles.
 */

const MIB = 1024 * 1024;
const DEFAULT_LIMIT = 100;

/**
 * The document lists running, stopped and paused; transitional words (booting, shutting_down,
 * creating) pass through as the internal API reports them, and the guide's `shutdown` reads `stopped`.
 */
function compactStatus(vm: SimVm): string {
  return vm.status === 'shutdown' ? 'stopped' : vm.status;
}

/** Host fields are not in the document; they are added, as DSM 7 does, so that callers can place a guest. */
function compactGuest(sim: Simulator, vm: SimVm): Record<string, unknown> {
  const host = vm.host_id === undefined ? undefined : sim.state.hosts.get(vm.host_id);
  return {
    guest_id: vm.id,
    guest_name: vm.name,
    status: compactStatus(vm),
    ...(host === undefined || !sim.options.guestHostFields ? {} : { host_id: host.id, host_name: host.name }),
    vcpu_num: vm.vcpus,
    vram_size: vm.ram_mb,
    storage_size: diskTotalMb(vm) * MIB,
    autorun: vm.autorun === 0 ? 0 : 1,
  };
}

/** `offset`/`limit` paging; DSM's `limit=-1` means everything. */
function page<T>(call: Call, items: readonly T[]): T[] {
  const offset = call.params.integer('offset', 0) ?? 0;
  const limit = call.params.integer('limit', -1) ?? DEFAULT_LIMIT;
  return items.slice(offset, limit === -1 ? undefined : offset + limit);
}

function additionalFields(call: Call): Set<string> {
  return new Set((call.params.list('additional') ?? []).map((item) => item.trim()));
}

function get(call: Call): unknown {
  const { sim } = call;
  const vm = findGuest(sim, call.params);
  const guest: Record<string, unknown> = {
    ...compactGuest(sim, vm),
    network: vm.nics.map((nic) => ({ mac: nic.mac, network_name: sim.state.networks.get(nic.network_id)?.name ?? '' })),
  };
  if (additionalFields(call).has('storage')) {
    guest.storage_id = vm.storage_id;
    guest.storage_name = sim.state.storages.get(vm.storage_id)?.name ?? '';
    guest.storage = vm.disks.map((disk) => ({ vdisk_id: disk.id, size: disk.size_mb * MIB }));
  }
  return guest;
}

/** A power action as a task that finishes when the guest settles. */
function powerTask(sim: Simulator, vm: SimVm, start: (onSettled: () => void) => void): unknown {
  const task = sim.tasks.start('guest_power', 'running', sim.options.powerSettleMs, true, { guest_id: vm.id });
  try {
    start(() => {
      task.status = 'finish';
      sim.tasks.finish(task);
    });
  } catch (error) {
    sim.state.tasks.delete(task.id);
    throw error;
  }
  return { task_id: task.id };
}

const SET_PARAMETERS = new Set(['api', 'version', 'method', '_sid', 'SynoToken', 'guest_id', 'guest_name', 'vcpu_num', 'vram_size', 'autorun']);

function set({ sim, params }: Call): unknown {
  for (const name of Object.keys(params.raw)) {
    if (!SET_PARAMETERS.has(name)) throw badParameter(name, 'not a parameter of Set');
  }
  const vm = findGuest(sim, params);
  const autorun = params.integer('autorun', 0, 1);
  updateGuest(sim, vm, {
    vcpus: params.integer('vcpu_num', ...VCPU_RANGE),
    ramMb: params.integer('vram_size', ...RAM_RANGE_MB),
    autorun: autorun === undefined ? undefined : autorun === 1 ? 2 : 0,
  });
  return undefined;
}

export const compactGuestMethods: Readonly<Record<string, Handler>> = {
  List: (call) => {
    const all = [...call.sim.state.vms.values()];
    return { guests: page(call, all).map((vm) => compactGuest(call.sim, vm)), total: all.length };
  },
  Get: get,
  PowerOn: ({ sim, params }) => {
    const vm = findGuest(sim, params);
    const host = findHost(sim, params);
    return powerTask(sim, vm, (onSettled) => powerOnGuest(sim, vm, host, onSettled));
  },
  PowerOff: ({ sim, params }) => {
    const vm = findGuest(sim, params);
    const force = params.boolean('force', false);
    return powerTask(sim, vm, (onSettled) => stopGuest(sim, vm, force, onSettled));
  },
  Shutdown: ({ sim, params }) => {
    const vm = findGuest(sim, params);
    return powerTask(sim, vm, (onSettled) => stopGuest(sim, vm, false, onSettled));
  },
  Delete: ({ sim, params }) => {
    deleteGuest(sim, findGuest(sim, params));
    return undefined;
  },
  Set: set,
};

function compactImage(sim: Simulator, image: SimImage): Record<string, unknown> {
  return {
    image_id: image.id,
    image_name: image.name,
    size: image.size_mb * MIB,
    type: image.type === 'iso' ? 'iso' : 'vdisk',
    create_time: image.create_time,
    storages: image.storage_ids.map((id) => {
      const storage = sim.state.storages.get(id);
      return { status: storage?.status ?? 'missing', storage_id: id, storage_name: storage?.name ?? '' };
    }),
  };
}

/** The image list, paged, sizes in bytes; DSM 7's lowercase dialect answers `list` with the same fields. */
export const compactImageList: Handler = (call) => {
  const all = [...call.sim.state.images.values()];
  return { images: page(call, all).map((image) => compactImage(call.sim, image)), total: all.length };
};

export const compactImageMethods: Readonly<Record<string, Handler>> = {
  List: compactImageList,
  Create: ({ sim, params }) => {
    const name = params.required('image_name');
    if (!params.has('guest_id')) throw badParameter('guest_id', 'the source VM (guest_id) is required');
    const vm = findGuest(sim, params);
    const autoClean = params.boolean('auto_clean_task', true);
    const { taskId, imageId } = startImageCreation(sim, { name, type: 'disk', size_mb: diskTotalMb(vm), storage_ids: [vm.storage_id] }, autoClean);
    return { task_id: taskId, image_id: imageId };
  },
  Delete: ({ sim, params }) => {
    sim.state.images.delete(findImage(sim, params).id);
    return undefined;
  },
};
