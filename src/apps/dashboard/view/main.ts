import { App, applyDocumentTheme, applyHostFonts, applyHostStyleVariables } from '@modelcontextprotocol/ext-apps';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { DashboardAction, DashboardData, DashboardTarget, DashboardVm } from '../schema.js';
import { append, h } from './dom.js';
import { renderBody, summaryLine, type ViewHandlers } from './render.js';
import { ACTION_LABELS, isSettling, vmKey, type PendingConfirmation, type SortKey, type ViewState } from './state.js';

/**
 * The dashboard view: an MCP App in the host's sandboxed iframe. It gets its first data from the
 * show_dashboard result the host forwards, and does everything else through the host: tools/call for
 * actions and refreshes (the same server, so the guard, protection, read-only and the audit log apply),
 * ui/update-model-context to tell the model what the user did. It has no network access of its own.
 */

/** How often the view re-reads the dashboard while a task runs or a VM is changing state. */
const POLL_MS = 1_500;
/** A destructive call may wait for the human to answer the host's confirmation form (the server waits 3 minutes). */
const ACTION_TIMEOUT_MS = 240_000;
/** What the model is told: the latest user actions, newest last. */
const REMEMBERED_ACTIONS = 10;

const state: ViewState = { filter: '', sort: { key: 'name', descending: false }, busy: new Map(), polling: false };
const userActions: string[] = [];
let pollTimer: ReturnType<typeof setTimeout> | undefined;

const app = new App({ name: 'vmm-dashboard', version: '1.0.0' });

const summary = h('span', { class: 'summary', 'data-testid': 'summary' });
const filter = h('input', { type: 'search', placeholder: 'Filter VMs by name, status or host', 'aria-label': 'Filter VMs', 'data-testid': 'filter' });
const refreshButton = h('button', { type: 'button', 'data-testid': 'refresh' }, 'Refresh');
const body = h('main', {});

const handlers: ViewHandlers = {
  act: (target, vm, action) => void act(target, vm, action),
  confirm: (confirmation) => void confirm(confirmation),
  cancel: (confirmation) => {
    state.confirmation = undefined;
    remember(`cancelled ${confirmation.action} of VM ${confirmation.vm} on target ${confirmation.target}; nothing was changed`);
    notice('info', `${ACTION_LABELS[confirmation.action]} of ${confirmation.vm} cancelled; nothing was changed.`);
  },
  sort: (key: SortKey) => {
    state.sort = { key, descending: state.sort.key === key ? !state.sort.descending : false };
    render();
  },
};

function render(): void {
  summary.textContent = summaryLine(state);
  document.body.dataset.polling = String(state.polling);
  body.replaceChildren();
  append(body, renderBody(state, handlers));
}

function notice(tone: 'ok' | 'error' | 'info', text: string): void {
  state.notice = { tone, text };
  render();
}

function show(data: DashboardData): void {
  state.data = data;
  schedulePoll();
  render();
}

function schedulePoll(): void {
  clearTimeout(pollTimer);
  state.polling = state.data !== undefined && isSettling(state.data, state);
  if (state.polling) pollTimer = setTimeout(() => void refresh(), POLL_MS);
}

async function refresh(): Promise<void> {
  try {
    const result = await app.callServerTool({ name: 'show_dashboard', arguments: {} });
    if (result.isError === true) return notice('error', textOf(result));
    show(result.structuredContent as DashboardData);
  } catch (error) {
    notice('error', `Could not refresh: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function act(target: DashboardTarget, vm: DashboardVm, action: DashboardAction): Promise<void> {
  await call(action, { target: target.name, vm: vm.name }, target.name, vm.name);
}

async function confirm(confirmation: PendingConfirmation): Promise<void> {
  state.confirmation = undefined;
  await call(confirmation.action, { ...confirmation.args, confirm_token: confirmation.confirmToken }, confirmation.target, confirmation.vm);
}

/** One action through the host: its outcome is shown, told to the model, and followed by a refresh. */
async function call(action: DashboardAction, args: Record<string, unknown>, target: string, vm: string): Promise<void> {
  const key = vmKey(target, vm);
  state.busy.set(key, action);
  notice('info', `${ACTION_LABELS[action]} ${vm}…`);
  let result: CallToolResult;
  try {
    result = await app.callServerTool({ name: action, arguments: args }, { timeout: ACTION_TIMEOUT_MS });
  } catch (error) {
    result = { isError: true, content: [{ type: 'text', text: error instanceof Error ? error.message : String(error) }] };
  } finally {
    state.busy.delete(key);
  }
  const data = (result.structuredContent ?? {}) as Record<string, unknown>;
  const what = `${action} of VM ${vm} on target ${target}`;
  if (result.isError === true) {
    const text = textOf(result);
    remember(`asked for ${what}; it failed: ${firstLine(text)}`);
    notice('error', text);
  } else if (data.status === 'confirmation_required') {
    const preview = (data.preview ?? {}) as { consequence?: string; subject?: Record<string, unknown> };
    const { kind: _kind, id: _id, name: _name, ...facts } = preview.subject ?? {};
    state.confirmation = {
      action,
      target,
      vm,
      args,
      confirmToken: String(data.confirm_token),
      expiresAt: String(data.expires_at),
      consequence: preview.consequence ?? '',
      facts,
    };
    remember(`asked for ${what}; the server wants a confirmation, shown to the user in the dashboard`);
    notice('info', `${ACTION_LABELS[action]} needs your confirmation.`);
  } else {
    const message = typeof data.message === 'string' ? data.message : `${ACTION_LABELS[action]} ${vm}: done.`;
    remember(`${what}: ${message}`);
    notice('ok', message);
  }
  await refresh();
}

/** Keeps the model in step: the host adds this context to the model's next turn. */
function remember(event: string): void {
  userActions.push(event);
  userActions.splice(0, Math.max(0, userActions.length - REMEMBERED_ACTIONS));
  const text = ['The user acted in the VMM dashboard (oldest first):', ...userActions.map((line) => `- ${line}`)].join('\n');
  const capabilities = app.getHostCapabilities();
  const sent = capabilities?.updateModelContext !== undefined
    ? app.updateModelContext({ content: [{ type: 'text', text }] })
    : capabilities?.message !== undefined
      ? app.sendMessage({ role: 'user', content: [{ type: 'text', text: `(dashboard) I ${event}` }] })
      : undefined;
  sent?.catch((error: unknown) => console.warn('the host did not take the dashboard context', error));
}

function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n').trim() || 'The call failed without a message.';
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function applyHostContext(context: ReturnType<App['getHostContext']>): void {
  if (context?.theme !== undefined) applyDocumentTheme(context.theme);
  if (context?.styles?.variables !== undefined) applyHostStyleVariables(context.styles.variables);
  if (context?.styles?.css?.fonts !== undefined) applyHostFonts(context.styles.css.fonts);
}

app.ontoolresult = (result) => {
  if (result.isError === true) return notice('error', textOf(result));
  show(result.structuredContent as DashboardData);
};
app.onhostcontextchanged = (context) => applyHostContext(context);
app.onteardown = async () => {
  clearTimeout(pollTimer);
  return {};
};

filter.addEventListener('input', () => {
  state.filter = filter.value;
  render();
});
refreshButton.addEventListener('click', () => void refresh());

document.body.append(h('header', {}, h('h1', {}, 'VMM dashboard'), summary, filter, refreshButton), body);
render();

app.connect().then(
  () => applyHostContext(app.getHostContext()),
  (error: unknown) => notice('error', `Could not connect to the host: ${error instanceof Error ? error.message : String(error)}`),
);
