import { OperationError, type ErrorReason } from '../../errors.js';
import type { ImageStatus, VmStatus } from '../../vmm/model.js';

/**
 * dcmgr's instance and image states, and what each means in the neutral model. The table of which
 * states each action accepts is dcmgr's own (instances.rb): checking it before the call lets the
 * refusal name the allowed states, and a 125 that slips through (the state moved meanwhile) is
 * retold the same way.
 */

/** Terminated instances are gone for the neutral model: dcmgr keeps their records for a while. */
const VM_STATUS: Readonly<Record<string, VmStatus | 'gone'>> = {
  init: 'booting',
  initializing: 'booting',
  scheduling: 'booting',
  pending: 'booting',
  starting: 'booting',
  running: 'running',
  shuttingdown: 'shutting_down',
  stopping: 'shutting_down',
  halting: 'shutting_down',
  stopped: 'stopped',
  halted: 'stopped',
  terminated: 'gone',
};

export function vmStatusOf(state: string): VmStatus | 'gone' {
  return VM_STATUS[state] ?? 'unknown';
}

export function imageStatusOf(state: string): ImageStatus {
  switch (state) {
    case 'available':
      return 'available';
    case 'deleted':
      return 'deleted';
    case 'broken':
    case 'failed':
      return 'failed';
    default:
      // init, creating, pending: the image is still being made.
      return 'pending';
  }
}

export type InstanceAction = 'power_on' | 'shutdown' | 'power_off' | 'reboot' | 'delete_vm' | 'create_image';

/** The dcmgr states each neutral action may start from. */
export const ALLOWED_STATES: Readonly<Record<InstanceAction, readonly string[]>> = {
  power_on: ['stopped', 'halted'],
  shutdown: ['running'],
  power_off: ['running', 'halting'],
  reboot: ['running'],
  delete_vm: ['running', 'stopped', 'halted', 'initializing', 'pending', 'starting', 'stopping', 'halting', 'shuttingdown'],
  create_image: ['halted'],
};

const DOING: Record<InstanceAction, string> = {
  power_on: 'power on',
  shutdown: 'shut down',
  power_off: 'power off',
  reboot: 'reboot',
  delete_vm: 'delete',
  create_image: 'make an image of',
};

/** What to do instead, by what was asked and the state the instance is in. */
function nextStep(action: InstanceAction, state: string): string {
  const status = vmStatusOf(state);
  if (action === 'create_image') {
    if (state === 'running') return 'power it off first with power_off (dcmgr backs up only halted instances), then create the image';
    if (state === 'stopped') {
      return 'power it off first: an instance stopped with shutdown cannot be backed up; power_on it, then power_off it (it becomes halted), then create the image';
    }
  }
  if (status === 'booting' || status === 'shutting_down') return 'it is changing state: wait a moment (get_vm shows the state), then try again';
  if (status === 'gone') return 'it has been terminated; list_vms shows the instances that remain';
  if (action === 'power_on' && state === 'running') return 'nothing to do: it is already running';
  if ((action === 'shutdown' || action === 'power_off') && status === 'stopped') return 'nothing to do: it is already off';
  if (action === 'reboot') return 'power_on it first';
  return 'get_vm shows its current state';
}

/**
 * What the refusal means to the operations layer: a power-on of a running VM, or a stop of a stopped
 * one, found it already in the wanted state.
 */
function reasonOf(action: InstanceAction, state: string): ErrorReason | undefined {
  if (state === 'running' && (action === 'power_on' || action === 'create_image')) return 'vm_running';
  if (vmStatusOf(state) === 'stopped' && (action === 'shutdown' || action === 'power_off' || action === 'reboot')) return 'vm_stopped';
  return undefined;
}

/** The refusal for `action` on an instance in `state`, naming the states that allow it. */
export function wrongState(action: InstanceAction, vm: { id: string; name: string }, state: string): OperationError {
  const allowed = ALLOWED_STATES[action].join(', ');
  const reason = reasonOf(action, state);
  return new OperationError(
    'conflict',
    `Cannot ${DOING[action]} VM ${JSON.stringify(vm.name)} (${vm.id}): it is ${state} in Wakame-VDC, and dcmgr allows this only from ${allowed}`,
    { next: nextStep(action, state), ...(reason === undefined ? {} : { reason }) },
  );
}
