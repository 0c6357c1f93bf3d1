import { OperationError } from '../errors.js';
import { quoted } from '../text/quote.js';
import type { VmStatus } from './model.js';

/**
 * Changes that some systems make only on a stopped VM. Each backend says which of them it needs
 * stopped (`VmmBackend.mustBeStoppedTo`): DSM refuses both on a running VM (904); LunaNode's
 * vm/delete destroys a VM in any state, so there deleting a running VM is a matter for confirmation,
 * not a refusal.
 */
export type StoppedChange = 'delete' | 'resize';

/** The rule of a backend that does not say: every change that may need a stopped VM does. */
export const STOPPED_FOR_EVERY_CHANGE: ReadonlySet<StoppedChange> = new Set<StoppedChange>(['delete', 'resize']);

/** How each change completes "only a stopped VM can ...". */
const CHANGE_WORDS: Record<StoppedChange, string> = {
  delete: 'be deleted',
  resize: 'change vcpus or ram_mb',
};

/**
 * Statuses in which a VM holds its host or its disks. A crashed, inaccessible or unknown VM is left
 * for the backend to judge.
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

/** Whether a VM in this status is doing something (runs, boots, moves...), as opposed to stopped or unknown. */
export function isBusy(status: string | undefined): boolean {
  return status !== undefined && BUSY.has(status);
}

/**
 * Why `change` cannot happen now on a backend that needs the VM stopped for it, with the step that
 * makes it possible; undefined when the backend allows it in any state or the VM's status (if known)
 * allows it.
 */
export function unlessStopped(
  vm: { name: string; status?: string },
  change: StoppedChange,
  mustBeStoppedTo: ReadonlySet<StoppedChange>,
): OperationError | undefined {
  if (!mustBeStoppedTo.has(change) || !isBusy(vm.status)) return undefined;
  return new OperationError('conflict', `VM ${quoted(vm.name)} is ${vm.status}, and only a stopped VM can ${CHANGE_WORDS[change]}; nothing was changed`, {
    next: nextStepToStop(vm.status as string),
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
