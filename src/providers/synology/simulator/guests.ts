import type { Simulator } from './context.js';
import type { SimHost, SimVm } from './model.js';
import { ONLINE_STATUSES } from './model.js';
import { placeOnHost } from './placement.js';
import type { Params } from './wire.js';
import { DsmFailure, badParameter, failure } from './wire.js';

/**
 * Guest operations shared by both API styles; each style only translates parameters and answers.
 */

/** The guest named by `guest_id` or `guest_name` (id wins); neither given, or no such guest: 401. */
export function findGuest(sim: Simulator, params: Params): SimVm {
  const id = params.string('guest_id');
  const name = params.string('guest_name');
  if ((id === undefined || id === '') && (name === undefined || name === '')) {
    throw badParameter('guest_id', 'guest_id or guest_name is required');
  }
  if (id !== undefined && id !== '') {
    const vm = sim.state.vms.get(id);
    if (vm === undefined) throw badParameter('guest_id', `no guest with id ${id}`);
    return vm;
  }
  const vm = sim.state.vmNamed(name ?? '');
  if (vm === undefined) throw badParameter('guest_name', `no guest named ${JSON.stringify(name)}`);
  return vm;
}

/** The host named by `host_id` or `host_name`, or `undefined` for the cluster's auto-select. */
export function findHost(sim: Simulator, params: Params): SimHost | undefined {
  const id = params.string('host_id');
  const name = params.string('host_name');
  if (id !== undefined && id !== '') {
    const host = sim.state.hosts.get(id);
    if (host === undefined) throw badParameter('host_id', `no host with id ${id}`);
    return host;
  }
  if (name !== undefined && name !== '') {
    const host = sim.state.hostNamed(name);
    if (host === undefined) throw badParameter('host_name', `no host named ${JSON.stringify(name)}`);
    return host;
  }
  return undefined;
}

export function powerOnGuest(sim: Simulator, vm: SimVm, host: SimHost | undefined, onSettled?: () => void): void {
  // 904: "The status of virtual machine is online."
  if (ONLINE_STATUSES.has(vm.status)) throw failure(904, `guest ${vm.name} is ${vm.status}`);
  if (vm.status !== 'shutdown') throw failure(402, `guest ${vm.name} is ${vm.status} and cannot be powered on`);
  const placement = placeOnHost(sim.state, vm, host);
  if (placement.host === undefined) throw failure(placement.code, placement.detail);
  sim.power.powerOn(vm, placement.host, onSettled);
}

export function stopGuest(sim: Simulator, vm: SimVm, force: boolean, onSettled?: () => void): void {
  // 907: "The status of virtual machine is offline."
  if (!ONLINE_STATUSES.has(vm.status)) throw failure(907, `guest ${vm.name} is ${vm.status}`);
  if (force) sim.power.powerOff(vm, onSettled);
  else if (vm.status === 'shutting_down') {
    if (onSettled !== undefined) sim.power.whenSettled(vm, onSettled);
  }
  else sim.power.shutdown(vm, onSettled);
}

export function deleteGuest(sim: Simulator, vm: SimVm): void {
  if (vm.status !== 'shutdown') throw failure(904, `guest ${vm.name} is ${vm.status}; shut it down before deleting it`);
  sim.power.forget(vm);
  sim.state.removeVm(vm);
}

export interface GuestChanges {
  name?: string;
  vcpus?: number;
  ramMb?: number;
  autorun?: 0 | 1 | 2;
  description?: string;
}

export function updateGuest(sim: Simulator, vm: SimVm, changes: GuestChanges): void {
  if ((changes.vcpus !== undefined || changes.ramMb !== undefined) && vm.status !== 'shutdown') {
    throw new DsmFailure(402, { reason: 'VM must be shut down to change CPU/RAM', status: vm.status });
  }
  if (changes.name !== undefined && changes.name !== vm.name) {
    if (changes.name === '') throw badParameter('new_guest_name', 'must not be empty');
    if (sim.state.vmsNamed(changes.name).length > 0) throw failure(403, `a guest named ${JSON.stringify(changes.name)} exists`);
    sim.state.renameVm(vm, changes.name);
  }
  if (changes.vcpus !== undefined) vm.vcpus = changes.vcpus;
  if (changes.ramMb !== undefined) vm.ram_mb = changes.ramMb;
  if (changes.autorun !== undefined) vm.autorun = changes.autorun;
  if (changes.description !== undefined) vm.description = changes.description;
}

/** Allowed CPU and memory ranges for `set`. */
export const VCPU_RANGE = [1, 64] as const;
export const RAM_RANGE_MB = [128, 1_048_576] as const;
