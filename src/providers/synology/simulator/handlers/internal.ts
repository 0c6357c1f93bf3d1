import type { Call, Handler, Simulator } from '../context.js';
import { deleteGuest, findGuest, findHost, powerOnGuest, RAM_RANGE_MB, stopGuest, updateGuest, VCPU_RANGE } from '../guests.js';
import type { SimVm } from '../model.js';
import { ONLINE_STATUSES } from '../model.js';
import { badParameter, failure } from '../wire.js';
import { compactImageList } from './compact.js';

/**
 * The internal guest family as real DSM 7 speaks it: `SYNO.Virtualization.Guest` (v1-2) with
 * lowercase `list`/`get`/`set`/`delete`, guests as `guest_id`, `name`, `desc`, `status`, `autorun`,
 * `vcpu_num`, `vram_size` in KiB, `ram_used`, `vcpu_usage` (an empty string while off) and
 * `repo_id` (the storage it lives on); no host fields. Power goes through
 * `SYNO.Virtualization.Guest.Action` `pwr_ctl`, which answers no task: callers poll the status.
 */

const KIB_PER_MIB = 1024;

/** A running guest's load, steady per guest so that repeated lists agree. */
function cpuUsage(vm: SimVm): number {
  let hash = 0;
  for (const char of vm.id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return (hash % 400) / 10;
}

function internalGuest(vm: SimVm): Record<string, unknown> {
  const online = ONLINE_STATUSES.has(vm.status);
  return {
    guest_id: vm.id,
    name: vm.name,
    desc: vm.description,
    status: vm.status,
    autorun: vm.autorun,
    vcpu_num: vm.vcpus,
    vram_size: vm.ram_mb * KIB_PER_MIB,
    ram_used: online ? Math.round(vm.ram_mb * KIB_PER_MIB * 0.6) : 0,
    vcpu_usage: online ? cpuUsage(vm) : '',
    repo_id: vm.storage_id,
  };
}

/** `vram_size` arrives in KiB, as this dialect reports it; DSM sizes guest memory in whole MiB. */
function ramMbFromKib(call: Call): number | undefined {
  const kib = call.params.integer('vram_size', RAM_RANGE_MB[0] * KIB_PER_MIB, RAM_RANGE_MB[1] * KIB_PER_MIB);
  if (kib === undefined) return undefined;
  if (kib % KIB_PER_MIB !== 0) throw badParameter('vram_size', 'must be a whole number of MiB, given in KiB');
  return kib / KIB_PER_MIB;
}

function set(call: Call): unknown {
  const { sim, params } = call;
  const vm = findGuest(sim, params);
  const autorun = params.integer('autorun', 0, 2);
  updateGuest(sim, vm, {
    name: params.string('name'),
    description: params.string('desc'),
    vcpus: params.integer('vcpu_num', ...VCPU_RANGE),
    ramMb: ramMbFromKib(call),
    autorun: autorun as 0 | 1 | 2 | undefined,
  });
  return undefined;
}

export const internalGuestMethods: Readonly<Record<string, Handler>> = {
  list: ({ sim }) => ({ guests: [...sim.state.vms.values()].map(internalGuest) }),
  get: ({ sim, params }) => internalGuest(findGuest(sim, params)),
  set,
  delete: ({ sim, params }) => {
    deleteGuest(sim, findGuest(sim, params));
    return undefined;
  },
};

/**
 * The internal image API in the same dialect: lowercase `list`. No document describes its fields
 * beyond the seeds' CamelCase `List`, so it answers those: `image_id`, `image_name`, `size` in bytes.
 */
export const internalImageMethods: Readonly<Record<string, Handler>> = { list: compactImageList };

const ACTIONS = ['poweron', 'poweroff', 'shutdown', 'reboot'] as const;
type Action = (typeof ACTIONS)[number];

function reboot(sim: Simulator, vm: SimVm): void {
  // 907: "The status of virtual machine is offline."
  if (vm.status !== 'running') throw failure(907, `guest ${vm.name} is ${vm.status}`);
  const host = vm.host_id === undefined ? undefined : sim.state.hosts.get(vm.host_id);
  sim.power.powerOff(vm);
  powerOnGuest(sim, vm, host);
}

export const internalGuestActionMethods: Readonly<Record<string, Handler>> = {
  pwr_ctl: ({ sim, params }) => {
    const vm = findGuest(sim, params);
    const action = params.required('action');
    if (!ACTIONS.includes(action as Action)) throw badParameter('action', `must be one of ${ACTIONS.join(', ')}`);
    switch (action as Action) {
      case 'poweron':
        powerOnGuest(sim, vm, findHost(sim, params));
        break;
      case 'poweroff':
        stopGuest(sim, vm, true);
        break;
      case 'shutdown':
        stopGuest(sim, vm, false);
        break;
      case 'reboot':
        reboot(sim, vm);
        break;
    }
    return undefined;
  },
};
