import { DASHBOARD_ACTIONS, type DashboardAction, type DashboardHost, type DashboardStorage, type DashboardTarget, type DashboardTask, type DashboardVm } from '../schema.js';
import { h, type Child } from './dom.js';
import { gib, mib, percent, statusTone, statusWords } from './format.js';
import { ACTION_LABELS, disabledReason, visibleVms, type PendingConfirmation, type SortKey, type ViewState } from './state.js';

/** What the drawn elements call back into. */
export interface ViewHandlers {
  act(target: DashboardTarget, vm: DashboardVm, action: DashboardAction): void;
  confirm(confirmation: PendingConfirmation): void;
  cancel(confirmation: PendingConfirmation): void;
  sort(key: SortKey): void;
}

const COLUMNS: Array<{ key: SortKey; label: string }> = [
  { key: 'name', label: 'Name' },
  { key: 'status', label: 'Status' },
  { key: 'vcpus', label: 'vCPU' },
  { key: 'ram_mb', label: 'RAM' },
  { key: 'host', label: 'Host' },
];

export function renderBody(state: ViewState, handlers: ViewHandlers): Child[] {
  const { data } = state;
  return [
    state.notice === undefined ? null : h('p', { class: `notice ${state.notice.tone}`, role: 'status', 'data-testid': 'notice' }, state.notice.text),
    state.confirmation === undefined ? null : renderConfirmation(state.confirmation, handlers),
    data === undefined
      ? h('p', { class: 'empty' }, 'Waiting for the dashboard data…')
      : h('div', { class: 'targets' }, ...data.targets.map((target) => renderTarget(target, state, handlers))),
  ];
}

export function summaryLine(state: ViewState): string {
  const targets = state.data?.targets ?? [];
  const vms = targets.flatMap((target) => target.vms);
  const running = vms.filter((vm) => vm.status === 'running').length;
  const tasks = targets.reduce((sum, target) => sum + target.tasks.length, 0);
  const parts = [`${targets.length} target${targets.length === 1 ? '' : 's'}`, `${vms.length} VMs`, `${running} running`];
  if (tasks > 0) parts.push(`${tasks} task${tasks === 1 ? '' : 's'} running`);
  return parts.join(' · ');
}

function renderTarget(target: DashboardTarget, state: ViewState, handlers: ViewHandlers): HTMLElement {
  return h(
    'section',
    { class: 'target', 'data-target': target.name },
    h(
      'h2',
      {},
      target.name,
      h('span', { class: 'badge' }, target.provider),
      target.read_only ? h('span', { class: 'badge warn', title: target.blocked.power_on }, 'read-only') : null,
      !target.read_only && target.blocked.delete_vm !== undefined ? h('span', { class: 'badge warn', title: target.blocked.delete_vm }, 'no destructive') : null,
    ),
    target.read_only ? h('p', { class: 'note', 'data-testid': 'target-lock' }, 'Read-only target (VMM_READ_ONLY): shown, not changed; its buttons are off.') : null,
    target.error === undefined ? null : h('p', { class: 'notice error' }, `Not readable: ${target.error}`),
    target.hosts.length === 0 ? null : h('div', { class: 'cards' }, ...target.hosts.map(renderHost)),
    target.storages.length === 0 ? null : renderStorages(target.storages),
    target.tasks.length === 0 ? null : renderTasks(target.tasks),
    target.error === undefined ? renderVms(target, state, handlers) : null,
  );
}

function bar(label: string, used: number, total: number, text: string): HTMLElement {
  const share = percent(used, total);
  const level = share >= 90 ? 'high' : share >= 70 ? 'mid' : 'low';
  return h(
    'div',
    { class: 'meter' },
    h('span', { class: 'meter-label' }, label),
    h(
      'span',
      { class: `bar ${level}`, role: 'meter', 'aria-label': `${label} ${text}`, 'aria-valuenow': used, 'aria-valuemin': 0, 'aria-valuemax': total, 'data-used': used, 'data-total': total },
      h('span', { class: 'fill', style: `width:${share}%` }),
    ),
    h('span', { class: 'meter-text' }, text),
  );
}

function renderHost(host: DashboardHost): HTMLElement {
  return h(
    'div',
    { class: 'card', 'data-host': host.name },
    h('div', { class: 'card-title' }, h('strong', {}, host.name), pill(host.status)),
    host.cpu_threads === undefined ? null : bar('CPU', host.cpu_threads.used, host.cpu_threads.total, `${host.cpu_threads.used} / ${host.cpu_threads.total} threads`),
    host.ram_mb === undefined ? null : bar('RAM', host.ram_mb.used, host.ram_mb.total, `${mib(host.ram_mb.used)} / ${mib(host.ram_mb.total)}`),
  );
}

function renderStorages(storages: DashboardStorage[]): HTMLElement {
  return h(
    'div',
    { class: 'list' },
    h('h3', {}, 'Storage'),
    ...storages.map((storage) =>
      h(
        'div',
        { class: 'row', 'data-storage': storage.name },
        h('span', { class: 'row-name' }, storage.name),
        storage.size_gb === undefined || storage.used_gb === undefined
          ? pill(storage.status)
          : bar('Used', storage.used_gb, storage.size_gb, `${gib(storage.used_gb)} used, ${gib(Math.max(0, storage.size_gb - storage.used_gb))} free`),
      ),
    ),
  );
}

function renderTasks(tasks: DashboardTask[]): HTMLElement {
  return h(
    'div',
    { class: 'list', 'data-testid': 'tasks' },
    h('h3', {}, 'Running tasks'),
    ...tasks.map((task) => h('div', { class: 'row', 'data-task': task.task_id }, h('span', { class: 'row-name' }, task.status), bar('Progress', task.progress, 100, `${task.progress}%`))),
  );
}

function renderVms(target: DashboardTarget, state: ViewState, handlers: ViewHandlers): HTMLElement {
  const rows = visibleVms(target, state);
  const header = COLUMNS.map(({ key, label }) => {
    const sorted = state.sort.key === key;
    return h(
      'th',
      { 'aria-sort': sorted ? (state.sort.descending ? 'descending' : 'ascending') : undefined },
      button({ class: 'sort', 'data-sort': key, onclick: () => handlers.sort(key) }, `${label}${sorted ? (state.sort.descending ? ' ▾' : ' ▴') : ''}`),
    );
  });
  const shown = target.vms_total > target.vms.length ? `${target.vms.length} of ${target.vms_total} VMs shown` : undefined;
  return h(
    'div',
    { class: 'list' },
    h('h3', {}, 'Virtual machines'),
    shown === undefined ? null : h('p', { class: 'note' }, shown),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'vms' },
        h('thead', {}, h('tr', {}, ...header, h('th', {}, 'Actions'))),
        h('tbody', {}, ...rows.map((vm) => renderVm(target, vm, state, handlers))),
      ),
    ),
    rows.length === 0 ? h('p', { class: 'empty' }, target.vms.length === 0 ? 'No VMs.' : 'No VM matches the filter.') : null,
  );
}

function renderVm(target: DashboardTarget, vm: DashboardVm, state: ViewState, handlers: ViewHandlers): HTMLElement {
  const protection = vm.blocked?.power_on;
  return h(
    'tr',
    { 'data-vm': vm.name },
    h('td', { class: 'name' }, vm.name, protection === undefined ? null : h('span', { class: 'badge warn', title: protection }, 'protected')),
    h('td', { 'data-col': 'status' }, pill(vm.status)),
    h('td', { class: 'num', 'data-label': 'vCPU' }, vm.vcpus),
    h('td', { class: 'num' }, mib(vm.ram_mb)),
    h('td', {}, vm.host ?? '—'),
    h(
      'td',
      { class: 'actions' },
      ...DASHBOARD_ACTIONS.map((action) => {
        const reason = disabledReason(target, vm, action, state);
        const danger = action === 'power_off' || action === 'delete_vm';
        return button(
          { class: danger ? 'danger' : '', 'data-action': action, disabled: reason !== undefined, title: reason ?? `${ACTION_LABELS[action]} ${vm.name}`, onclick: () => handlers.act(target, vm, action) },
          ACTION_LABELS[action],
        );
      }),
    ),
  );
}

function renderConfirmation(confirmation: PendingConfirmation, handlers: ViewHandlers): HTMLElement {
  const facts = Object.entries(confirmation.facts).filter(([, value]) => value !== undefined && value !== null && value !== '');
  return h(
    'div',
    { class: 'confirm', role: 'alertdialog', 'aria-labelledby': 'confirm-title', 'data-testid': 'confirmation' },
    h('h2', { id: 'confirm-title' }, `${ACTION_LABELS[confirmation.action]} ${confirmation.vm} on ${confirmation.target}?`),
    h('p', { 'data-testid': 'consequence' }, confirmation.consequence),
    h('dl', {}, ...facts.flatMap(([name, value]) => [h('dt', {}, name.replace(/_/g, ' ')), h('dd', {}, Array.isArray(value) ? value.join(', ') : String(value))])),
    h('p', { class: 'note' }, `This confirmation expires at ${new Date(confirmation.expiresAt).toLocaleTimeString()}.`),
    h(
      'div',
      { class: 'confirm-buttons' },
      button({ class: 'danger', 'data-testid': 'confirm', onclick: () => handlers.confirm(confirmation) }, `Confirm: ${ACTION_LABELS[confirmation.action].toLowerCase()} ${confirmation.vm}`),
      button({ 'data-testid': 'cancel', onclick: () => handlers.cancel(confirmation) }, 'Cancel'),
    ),
  );
}

function pill(status: string): HTMLElement {
  return h('span', { class: `pill ${statusTone(status)}`, 'data-status': status }, statusWords(status));
}

function button(attributes: { class?: string; disabled?: boolean; title?: string; onclick: () => void; [data: `data-${string}`]: string }, label: string): HTMLButtonElement {
  const { onclick, ...rest } = attributes;
  const element = h('button', { type: 'button', ...rest }, label);
  element.addEventListener('click', onclick);
  return element;
}
