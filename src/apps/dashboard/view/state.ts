import type { DashboardAction, DashboardData, DashboardTarget, DashboardVm } from '../schema.js';

/** Everything the view draws from: the last data, the user's table settings, and what is under way. */

export type SortKey = 'name' | 'status' | 'vcpus' | 'ram_mb' | 'host';

export interface PendingConfirmation {
  action: DashboardAction;
  target: string;
  vm: string;
  args: Record<string, unknown>;
  confirmToken: string;
  expiresAt: string;
  consequence: string;
  facts: Record<string, unknown>;
}

export interface Notice {
  tone: 'ok' | 'error' | 'info';
  text: string;
}

export interface ViewState {
  data?: DashboardData;
  filter: string;
  sort: { key: SortKey; descending: boolean };
  /** "target/vm" -> the action running on it. */
  busy: Map<string, DashboardAction>;
  confirmation?: PendingConfirmation;
  notice?: Notice;
  /** Set while the view re-reads the dashboard because something is still changing. */
  polling: boolean;
}

export const ACTION_LABELS: Record<DashboardAction, string> = {
  power_on: 'Power on',
  shutdown: 'Shut down',
  power_off: 'Power off',
  delete_vm: 'Delete',
};

/**
 * The statuses in which each action makes sense; the backend would refuse the others. Delete works in
 * any status unless the target deletes only stopped VMs (`stopped_only`).
 */
const ACTION_STATUSES: Record<DashboardAction, readonly string[] | undefined> = {
  power_on: ['stopped'],
  shutdown: ['running'],
  power_off: ['running', 'paused', 'booting', 'shutting_down'],
  delete_vm: undefined,
};

function allowedStatuses(target: DashboardTarget, action: DashboardAction): readonly string[] | undefined {
  return target.stopped_only.includes(action) ? ['stopped'] : ACTION_STATUSES[action];
}

/** Statuses that change by themselves: while a VM has one, the view keeps reading. */
const TRANSIENT = new Set(['booting', 'shutting_down', 'moving', 'stor_migrating', 'creating', 'importing', 'preparing']);

export function vmKey(target: string, vm: string): string {
  return `${target}/${vm}`;
}

/** Why an action's button is disabled, or undefined when it is enabled. The policy's reason comes first. */
export function disabledReason(target: DashboardTarget, vm: DashboardVm, action: DashboardAction, state: ViewState): string | undefined {
  const refused = vm.blocked?.[action] ?? target.blocked[action];
  if (refused !== undefined) return refused;
  if (state.busy.has(vmKey(target.name, vm.name))) return 'Another action on this VM is under way.';
  const allowed = allowedStatuses(target, action);
  if (allowed !== undefined && !allowed.includes(vm.status)) return `Not while the VM is ${vm.status.replace(/_/g, ' ')}.`;
  return undefined;
}

export function isSettling(data: DashboardData, state: ViewState): boolean {
  return state.busy.size > 0 || data.targets.some((target) => target.tasks.length > 0 || target.vms.some((vm) => TRANSIENT.has(vm.status)));
}

export function visibleVms(target: DashboardTarget, state: ViewState): DashboardVm[] {
  const needle = state.filter.trim().toLowerCase();
  const rows = needle === '' ? [...target.vms] : target.vms.filter((vm) => [vm.name, vm.status, vm.host ?? ''].some((value) => value.toLowerCase().includes(needle)));
  const { key, descending } = state.sort;
  rows.sort((a, b) => {
    const left = a[key] ?? '';
    const right = b[key] ?? '';
    const order = typeof left === 'number' && typeof right === 'number' ? left - right : String(left).localeCompare(String(right));
    return (descending ? -order : order) || a.name.localeCompare(b.name);
  });
  return rows;
}
