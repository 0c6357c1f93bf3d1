import { OperationError } from '../errors.js';
import { quoted } from '../text/quote.js';
import type { VmStatus } from './model.js';

/**
 * Statuses in which a VM holds its host or its disks, so that deleting it or changing its CPU/RAM is
 * refused (DSM answers 904). A crashed, inaccessible or unknown VM is left for the backend to judge.
 */
const BUSY: ReadonlySet<string> = new Set<VmStatus>([
  'running',
  'paused',
  'booting',
  'shutting_down',
  'moving',
  'stor_migrating',
  'creating',
  'importing',
  'preparing',
  'ha_standby',
]);

/** How the changes that need a stopped VM are named in `unlessStopped`'s message. */
export const CHANGES_NEEDING_STOP = {
  delete: 'be deleted',
  resize: 'change vcpus or ram_mb',
} as const;

/**
 * Why a change that needs the VM stopped cannot happen now, with the step that makes it possible;
 * undefined when the VM's status (if known) allows it. `change` completes "only a stopped VM can ...".
 */
export function unlessStopped(vm: { name: string; status?: string }, change: string): OperationError | undefined {
  if (vm.status === undefined || !BUSY.has(vm.status)) return undefined;
  return new OperationError('conflict', `VM ${quoted(vm.name)} is ${vm.status}, and only a stopped VM can ${change}; nothing was changed`, {
    next: nextStepToStop(vm.status),
  });
}

function nextStepToStop(status: string): string {
  switch (status) {
    case 'running':
    case 'paused':
      return 'stop it first: shutdown with wait: true (graceful), or power_off (forced; unsaved guest data is lost); then retry';
    case 'shutting_down':
      return 'it is already shutting down: call shutdown with wait: true to wait until it is stopped, then retry';
    default:
      return `wait until it is no longer ${status} (get_vm shows its status; list_tasks its task), stop it if it runs, then retry`;
  }
}
