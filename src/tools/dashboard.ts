import { z } from 'zod';
import { appToolMeta } from '../apps/app-tool-meta.js';
import { DASHBOARD_URI } from '../apps/dashboard/resource.js';
import {
  DASHBOARD_ACTIONS,
  dashboardData,
  type DashboardAction,
  type DashboardData,
  type DashboardTarget,
  type DashboardVm,
} from '../apps/dashboard/schema.js';
import { OperationError } from '../errors.js';
import { policyRefusal } from '../safety/guard.js';
import type { ToolEffect } from '../safety/policy.js';
import type { Host, Storage, Task, VmSummary } from '../vmm/model.js';
import { defineTool, type TargetRuntime, type ToolDefinition } from './define.js';
import { VM_TOOLS } from './vms.js';
import { gib } from './views.js';

/** VMs per target the dashboard shows; a bigger cluster says how many it left out. */
export const DASHBOARD_VM_LIMIT = 500;
/** How long one target may take to answer before the dashboard shows it as unreachable. */
export const DASHBOARD_TARGET_TIMEOUT_MS = 10_000;

const DELETE_NEEDS_STOP: DashboardAction[] = ['delete_vm'];

/** The effect of each action's tool, from its definition: the policy question depends on it. */
const ACTION_EFFECTS = new Map<DashboardAction, ToolEffect>(
  DASHBOARD_ACTIONS.map((action) => {
    const tool = VM_TOOLS.find((candidate) => candidate.name === action);
    if (tool === undefined) throw new Error(`the dashboard offers ${action}, which is not a VM tool`);
    return [action, tool.effect];
  }),
);

const showDashboard = defineTool({
  name: 'show_dashboard',
  title: 'Show the dashboard',
  description: 'Show all targets\' hosts, storages, VMs and tasks to the user as an interactive dashboard (an MCP App); data and a summary elsewhere.',
  effect: 'read',
  scope: 'server',
  input: z.object({}),
  output: dashboardData,
  appMeta: appToolMeta('show_dashboard', DASHBOARD_URI),
  summarize: (data) => summarize(data as DashboardData),
  async run(_args, ctx) {
    // In parallel, each under its own timeout: a target that is down delays and breaks no other.
    const targets = await Promise.all(ctx.targets.map((target) => describeTarget(target, ctx.signal)));
    return { targets };
  },
});

async function describeTarget(target: TargetRuntime, signal: AbortSignal): Promise<DashboardTarget> {
  const { vmm, policy, name } = target;
  const timeout = AbortSignal.timeout(DASHBOARD_TARGET_TIMEOUT_MS);
  const ctx = { signal: AbortSignal.any([signal, timeout]) };
  const base = {
    name,
    provider: vmm.backend.style,
    read_only: policy.readOnly,
    blocked: refusals(target, undefined),
    stopped_only: vmm.needsStopped('delete') ? DELETE_NEEDS_STOP : [],
  };
  try {
    const capabilities = await vmm.capabilities(ctx);
    const [hosts, storages, tasks, page] = await Promise.all([
      capabilities.has('hosts') ? vmm.listHosts(ctx) : [],
      capabilities.has('storages') ? vmm.listStorages(ctx) : [],
      capabilities.has('tasks') ? vmm.listTasks(ctx) : [],
      vmm.listVms({}, { limit: DASHBOARD_VM_LIMIT, offset: 0 }, ctx),
    ]);
    return {
      ...base,
      // The provider's name once discovery ran (the first call above).
      provider: vmm.backend.style,
      hosts: hosts.map(toHost),
      storages: storages.map(toStorage),
      vms: page.items.map((vm) => toVm(vm, target, base.blocked)),
      vms_total: page.total,
      tasks: tasks.filter((task) => !task.finished).map(toTask),
    };
  } catch (error) {
    if (signal.aborted) throw error;
    const reason = timeout.aborted ? `no answer within ${DASHBOARD_TARGET_TIMEOUT_MS / 1000} s` : describe(error);
    return { ...base, error: reason, hosts: [], storages: [], vms: [], vms_total: 0, tasks: [] };
  }
}

/**
 * Which actions the policy refuses, asked of the guard's own policy check: for the whole target
 * (no subject), or for one VM beyond what the target already refuses.
 */
function refusals(target: TargetRuntime, vm: VmSummary | undefined, already: DashboardTarget['blocked'] = {}): DashboardTarget['blocked'] {
  const blocked: DashboardTarget['blocked'] = {};
  for (const [action, effect] of ACTION_EFFECTS) {
    if (already[action] !== undefined) continue;
    const refusal = policyRefusal({
      tool: action,
      effect,
      targetName: target.name,
      policy: target.policy,
      ...(vm === undefined ? {} : { subject: { kind: 'vm', name: vm.name } }),
    });
    if (refusal !== undefined) blocked[action] = refusal.next === undefined ? refusal.message : `${refusal.message} ${refusal.next}`;
  }
  return blocked;
}

function toVm(vm: VmSummary, target: TargetRuntime, targetBlocked: DashboardTarget['blocked']): DashboardVm {
  const blocked = refusals(target, vm, targetBlocked);
  return {
    name: vm.name,
    status: vm.status,
    vcpus: vm.vcpus,
    ram_mb: vm.ram_mb,
    ...(vm.host === undefined ? {} : { host: vm.host.name }),
    ...(Object.keys(blocked).length === 0 ? {} : { blocked }),
  };
}

function toHost(host: Host): DashboardTarget['hosts'][number] {
  const used = (capacity: { free: number; total: number }) => ({ used: capacity.total - capacity.free, total: capacity.total });
  return {
    name: host.name,
    status: host.status,
    ...(host.cpu_threads === undefined ? {} : { cpu_threads: used(host.cpu_threads) }),
    ...(host.ram_mb === undefined ? {} : { ram_mb: used(host.ram_mb) }),
  };
}

function toStorage(storage: Storage): DashboardTarget['storages'][number] {
  return {
    name: storage.name,
    status: storage.status,
    ...(storage.host === undefined ? {} : { host: storage.host.name }),
    ...(storage.size_mb === undefined ? {} : { size_gb: gib(storage.size_mb) }),
    ...(storage.used_mb === undefined ? {} : { used_gb: gib(storage.used_mb) }),
  };
}

function toTask(task: Task): DashboardTarget['tasks'][number] {
  return { task_id: task.id, status: task.status, progress: task.progress };
}

function describe(error: unknown): string {
  if (!(error instanceof OperationError)) return error instanceof Error ? error.message : String(error);
  const code = error.dsm === undefined ? '' : ` (DSM error ${error.dsm.code}: ${error.dsm.meaning})`;
  return `${error.message}${code}`;
}

/** What the model reads: a line per target; the view (or structuredContent) has the rest. */
function summarize(data: DashboardData): string {
  const lines = data.targets.map((target) => {
    if (target.error !== undefined) return `${target.name} (${target.provider}): not readable: ${target.error}`;
    const byStatus = new Map<string, number>();
    for (const vm of target.vms) byStatus.set(vm.status, (byStatus.get(vm.status) ?? 0) + 1);
    const statuses = [...byStatus].map(([status, count]) => `${count} ${status}`).join(', ');
    const cut = target.vms_total > target.vms.length ? ` (the first ${target.vms.length} shown)` : '';
    const policy = target.read_only ? ', read-only' : '';
    return `${target.name} (${target.provider}${policy}): ${target.hosts.length} hosts, ${target.storages.length} storages, `
      + `${target.vms_total} VMs${cut}${statuses === '' ? '' : `: ${statuses}`}; ${target.tasks.length} tasks running`;
  });
  return [`Dashboard of ${data.targets.length} target${data.targets.length === 1 ? '' : 's'}:`, ...lines].join('\n');
}

export const DASHBOARD_TOOLS: readonly ToolDefinition[] = [showDashboard];
