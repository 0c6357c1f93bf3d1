import { z } from 'zod';
import type { Vm, VmChanges } from '../vmm/model.js';
import type { CreateVmOutcome, PowerOutcome } from '../vmm/operations.js';
import {
  autorunArgument,
  descriptionArgument,
  hostArgument,
  imageArgument,
  limitArgument,
  networkArgument,
  newNameArgument,
  offsetArgument,
  ramMbArgument,
  sizeGbArgument,
  statusArgument,
  storageArgument,
  timeoutArgument,
  vcpusArgument,
  vmArgument,
  waitArgument,
} from './args.js';
import { defineTool, type ToolDefinition } from './define.js';
import { describeDisks, vmSubject } from './subjects.js';
import { pageFields, pageInfo, taskView, toTaskView, toVmDetails, toVmRow, vmDetails, vmRow } from './views.js';
import { waitFor } from './waiting.js';

const POWER_TIMEOUT_S = 120;
const CREATE_TIMEOUT_S = 600;

const listVms = defineTool({
  name: 'list_vms',
  title: 'List virtual machines',
  description:
    'List VMs as compact rows (id, name, status, vcpus, ram_mb, host), filtered and paged. '
    + 'Use get_vm for disks, NICs and other details of one VM. When next_offset is not null, more rows exist: pass it as offset.',
  effect: 'read',
  input: z.object({
    name: z
      .string()
      .max(255)
      .optional()
      .describe('Filter by name: a case-insensitive substring, or a glob over the whole name when it contains * or ? (e.g. "web-*").'),
    status: statusArgument.optional().describe('Only VMs in this status.'),
    host: hostArgument.optional().describe('Only VMs on this host (id or exact name).'),
    limit: limitArgument,
    offset: offsetArgument,
  }),
  output: z.object({ vms: z.array(vmRow), ...pageFields }),
  async run({ name, status, host, limit, offset }, ctx) {
    const page = await ctx.vmm.listVms({ name, status, host }, { limit, offset }, ctx);
    return { vms: page.items.map(toVmRow), ...pageInfo(page, { limit, offset }) };
  },
});

const getVm = defineTool({
  name: 'get_vm',
  title: 'Get VM details',
  description: 'Full details of one VM: status, vcpus, ram_mb, host, storage, autorun, description, disks (size_gb) and NICs (network, MAC).',
  effect: 'read',
  input: z.object({ vm: vmArgument }),
  output: z.object({ vm: vmDetails }),
  async run({ vm }, ctx) {
    return { vm: toVmDetails(await ctx.vmm.getVm(vm, ctx)) };
  },
});

const powerResult = z.object({
  status: z
    .enum(['done', 'already', 'requested', 'not_finished'])
    .describe('done: the VM reached the state; already: it was there, nothing changed; requested: sent, not waited for; not_finished: the wait ended first.'),
  message: z.string(),
  vm: vmDetails,
});

interface PowerWords {
  /** "power on" */
  action: string;
  /** "running" */
  state: string;
  tool: string;
}

function powerAnswer(outcome: PowerOutcome, words: PowerWords, waited: { wait: boolean; timeout_s: number }): z.input<typeof powerResult> {
  const vm = toVmDetails(outcome.vm);
  const name = outcome.vm.name;
  if (outcome.already) return { status: 'already', message: `VM ${name} was already ${words.state}; nothing was changed.`, vm };
  if (outcome.settled) return { status: 'done', message: `VM ${name} is ${words.state}.`, vm };
  if (!waited.wait) {
    return {
      status: 'requested',
      message: `DSM accepted the ${words.action} of VM ${name}; it is ${outcome.vm.status} now. Call get_vm to follow it, or ${words.tool} with wait: true.`,
      vm,
    };
  }
  return {
    status: 'not_finished',
    message: `VM ${name} is still ${outcome.vm.status} after ${waited.timeout_s} s, not yet ${words.state}. Check again with get_vm in a while.`,
    vm,
  };
}

const powerInput = (until: string) =>
  z.object({ vm: vmArgument, wait: waitArgument(until, false), timeout_s: timeoutArgument(POWER_TIMEOUT_S) });

const powerOn = defineTool({
  name: 'power_on',
  title: 'Power on a VM',
  description:
    'Start a VM. Optional host picks where it runs (default: the cluster decides). With wait: true, returns once it is running or timeout_s passes. '
    + 'A VM that is already running is reported as status "already", not as an error.',
  effect: 'write',
  input: z.object({
    vm: vmArgument,
    host: hostArgument.optional().describe('Host (id or exact name) to start the VM on. Default: the cluster picks one.'),
    wait: waitArgument('the VM is running', false),
    timeout_s: timeoutArgument(POWER_TIMEOUT_S),
  }),
  output: powerResult,
  async run({ vm, host, wait, timeout_s }, ctx) {
    const target = await ctx.vmm.getVm(vm, ctx);
    await ctx.guard(vmSubject(target), `Starts VM ${target.name}${host === undefined ? '' : ` on host ${host}`}.`);
    const outcome = await ctx.vmm.powerOn(target.id, { host, ...(wait ? { wait: waitFor(timeout_s, ctx) } : {}) }, ctx);
    return powerAnswer(outcome, { action: 'power on', state: 'running', tool: 'power_on' }, { wait, timeout_s });
  },
});

const shutdown = defineTool({
  name: 'shutdown',
  title: 'Shut down a VM',
  description:
    'Graceful ACPI shutdown: asks the guest OS to shut down (it may take a while, or be ignored by a guest without ACPI support). '
    + 'With wait: true, returns once it is stopped or timeout_s passes. If the guest does not react, power_off forces it (data loss risk).',
  effect: 'write',
  input: powerInput('the VM is stopped'),
  output: powerResult,
  async run({ vm, wait, timeout_s }, ctx) {
    const target = await ctx.vmm.getVm(vm, ctx);
    await ctx.guard(vmSubject(target), `Asks the guest OS of VM ${target.name} to shut down.`);
    const outcome = await ctx.vmm.shutdown(target.id, wait ? { wait: waitFor(timeout_s, ctx) } : {}, ctx);
    return powerAnswer(outcome, { action: 'shutdown', state: 'stopped', tool: 'shutdown' }, { wait, timeout_s });
  },
});

const powerOff = defineTool({
  name: 'power_off',
  title: 'Force a VM off',
  description:
    'Forced power off, like pulling the plug: unsaved data in the guest is lost. Prefer shutdown; use this when the guest does not react. '
    + 'May answer status "confirmation_required" with a preview and confirm_token: show the preview to the user and call again with the token only if they agree.',
  effect: 'destructive',
  input: powerInput('the VM is stopped'),
  output: powerResult,
  async run({ vm, wait, timeout_s }, ctx) {
    const target = await ctx.vmm.getVm(vm, ctx);
    await ctx.guard(vmSubject(target), `Forcibly powers off VM ${target.name} now; unsaved data in the guest is lost.`);
    const outcome = await ctx.vmm.powerOff(target.id, wait ? { wait: waitFor(timeout_s, ctx) } : {}, ctx);
    return powerAnswer(outcome, { action: 'power off', state: 'stopped', tool: 'power_off' }, { wait, timeout_s });
  },
});

const creationResult = z.object({
  status: z
    .enum(['done', 'incomplete', 'started', 'not_finished'])
    .describe('done: created with every step; incomplete: created, but the steps in remaining did not happen; started: creation runs as task; not_finished: the wait ended first.'),
  message: z.string(),
  task: taskView,
  vm: vmDetails.optional().describe('The new VM, once it exists.'),
  remaining: z.array(z.string()).describe('Steps that did not happen (yet): do them with update_vm / power_on.'),
  warnings: z.array(z.string()),
});

function creationAnswer(name: string, outcome: CreateVmOutcome, waited: { wait: boolean; timeout_s: number }): z.input<typeof creationResult> {
  const task = toTaskView(outcome.task);
  const base = {
    task,
    ...(outcome.vm === undefined ? {} : { vm: toVmDetails(outcome.vm) }),
    remaining: outcome.remaining,
    warnings: outcome.warnings,
  };
  const then = outcome.remaining.length > 0 ? ` Then still to do: ${outcome.remaining.join('; ')}.` : '';
  if (!waited.wait) {
    return { status: 'started', message: `Creating VM ${name} runs as task ${task.task_id}. Follow it with wait_task.${then}`, ...base };
  }
  if (!outcome.finished) {
    return {
      status: 'not_finished',
      message: `Task ${task.task_id} creating VM ${name} had not finished after ${waited.timeout_s} s (${task.status}, ${task.progress}%). Call wait_task with task_id ${task.task_id}.${then}`,
      ...base,
    };
  }
  const id = outcome.vm === undefined ? '' : ` (id ${outcome.vm.id})`;
  if (outcome.remaining.length > 0) {
    return {
      status: 'incomplete',
      message: `VM ${name}${id} was created, but these steps did not happen: ${outcome.remaining.join('; ')}. Do them with update_vm / power_on, or delete the VM.`,
      ...base,
    };
  }
  return { status: 'done', message: `VM ${name}${id} was created${outcome.vm === undefined ? '' : ` and is ${outcome.vm.status}`}.`, ...base };
}

const createVm = defineTool({
  name: 'create_vm',
  title: 'Create a VM from parts',
  description:
    'Create a VM on a storage with disks (each an empty disk of size_gb, or a clone of a disk image) and one vNIC per network. '
    + 'vcpus/ram_mb are set after creation (DSM refuses them on create), so they need wait: true. '
    + 'For the common case of one image disk plus one network, create_vm_from_image is simpler.',
  effect: 'write',
  input: z.object({
    name: newNameArgument.describe('Name of the new VM (must not exist yet).'),
    storage: storageArgument,
    vcpus: vcpusArgument.optional(),
    ram_mb: ramMbArgument.optional(),
    disks: z
      .array(
        z.union([
          z.object({ size_gb: sizeGbArgument }).strict().describe('An empty disk.'),
          z.object({ image: imageArgument }).strict().describe('A clone of a disk image (type disk).'),
        ]),
      )
      .min(1)
      .max(12)
      .describe('Disks in order, the first is the boot disk: {"size_gb": 20} for an empty disk, {"image": "ubuntu-22.04"} for a clone.'),
    networks: z.array(networkArgument).max(8).default([]).describe('Networks (id or exact name), one vNIC each. Default: none.'),
    wait: waitArgument('the VM is created (and vcpus/ram_mb set)', false),
    timeout_s: timeoutArgument(CREATE_TIMEOUT_S),
  }),
  output: creationResult,
  async run({ wait, timeout_s, ...spec }, ctx) {
    await ctx.guard(undefined, `Creates VM ${spec.name} on storage ${spec.storage} with ${spec.disks.length} disk(s).`);
    const outcome = await ctx.vmm.createVm(spec, wait ? { wait: waitFor(timeout_s, ctx) } : {}, ctx);
    return creationAnswer(spec.name, outcome, { wait, timeout_s });
  },
});

const createVmFromImage = defineTool({
  name: 'create_vm_from_image',
  title: 'Create a VM from an image',
  description:
    'The common path in one call: clone a disk image as the boot disk, attach one network, set vcpus/ram_mb, optionally power on. '
    + 'Always waits (up to timeout_s, with progress notifications) because CPU/RAM can only be set once DSM finished creating. '
    + 'storage and network may be omitted when only one obvious choice exists; otherwise the error lists the choices.',
  effect: 'write',
  input: z.object({
    name: newNameArgument.describe('Name of the new VM (must not exist yet).'),
    image: imageArgument.describe('Disk image (id or exact name, type disk) to clone as the boot disk. list_images shows them.'),
    storage: storageArgument.optional().describe('Storage (id or exact name) for the VM. Default: the only storage, or the only one holding the image.'),
    network: networkArgument.optional().describe('Network (id or exact name) for the vNIC. Default: the only network.'),
    vcpus: vcpusArgument.optional(),
    ram_mb: ramMbArgument.optional(),
    size_gb: sizeGbArgument.optional().describe('Adds an empty data disk of this size in GiB beside the cloned one (DSM cannot resize a clone on create).'),
    power_on: z.boolean().default(false).describe('Start the VM once it is created and sized. Default false.'),
    timeout_s: timeoutArgument(CREATE_TIMEOUT_S),
  }),
  output: creationResult,
  async run({ timeout_s, size_gb, ...spec }, ctx) {
    await ctx.guard(undefined, `Creates VM ${spec.name} from image ${spec.image}${spec.power_on ? ' and powers it on' : ''}.`);
    const outcome = await ctx.vmm.createVmFromImage(
      { ...spec, ...(size_gb === undefined ? {} : { disk_size_gb: size_gb }) },
      { wait: waitFor(timeout_s, ctx) },
      ctx,
    );
    return creationAnswer(spec.name, outcome, { wait: true, timeout_s });
  },
});

function describeChanges(vm: Vm, changes: VmChanges): string[] {
  const said: string[] = [];
  if (changes.new_name !== undefined) said.push(`name "${vm.name}" -> "${changes.new_name}"`);
  if (changes.vcpus !== undefined) said.push(`vcpus ${vm.vcpus} -> ${changes.vcpus}`);
  if (changes.ram_mb !== undefined) said.push(`ram_mb ${vm.ram_mb} -> ${changes.ram_mb}`);
  if (changes.autorun !== undefined) said.push(`autorun ${vm.autorun} -> ${changes.autorun}`);
  if (changes.description !== undefined) said.push('description');
  return said;
}

const updateVm = defineTool({
  name: 'update_vm',
  title: 'Change a VM',
  description:
    'Rename a VM or change vcpus, ram_mb, autorun or description. Give at least one change. '
    + 'vcpus and ram_mb can only change while the VM is stopped: shut it down first (the call says so rather than trying).',
  effect: 'write',
  input: z.object({
    vm: vmArgument,
    new_name: newNameArgument.optional().describe('New name for the VM.'),
    vcpus: vcpusArgument.optional(),
    ram_mb: ramMbArgument.optional(),
    autorun: autorunArgument.optional().describe('Start with the host: off, last_state (as before the host stopped) or on.'),
    description: descriptionArgument.optional().describe('Free text, up to 1024 characters; "" clears it.'),
  }),
  output: z.object({
    status: z.literal('updated'),
    message: z.string(),
    changed: z.array(z.string()),
    vm: vmDetails,
  }),
  async run({ vm, ...changes }, ctx) {
    const target = await ctx.vmm.getVm(vm, ctx);
    const changed = describeChanges(target, changes);
    await ctx.guard(vmSubject(target), `Changes VM ${target.name}: ${changed.join(', ') || 'nothing'}.`);
    const updated = await ctx.vmm.updateVm(target.id, changes, ctx);
    return { status: 'updated' as const, message: `VM ${updated.name} changed: ${changed.join(', ')}.`, changed, vm: toVmDetails(updated) };
  },
});

const deleteVm = defineTool({
  name: 'delete_vm',
  title: 'Delete a VM',
  description:
    'Delete a VM and all its disks, permanently. The VM must be stopped. '
    + 'May answer status "confirmation_required" with a preview and confirm_token: show the preview to the user and call again with the token only if they agree.',
  effect: 'destructive',
  input: z.object({ vm: vmArgument }),
  output: z.object({
    status: z.literal('deleted'),
    message: z.string(),
    deleted: z.object({ id: z.string(), name: z.string() }),
  }),
  async run({ vm }, ctx) {
    const target = await ctx.vmm.getVm(vm, ctx);
    await ctx.guard(vmSubject(target), `Deletes VM ${target.name} and its ${describeDisks(target)} permanently; this cannot be undone.`);
    const { deleted } = await ctx.vmm.deleteVm(target.id, ctx);
    return { status: 'deleted' as const, message: `VM ${deleted.name} (id ${deleted.id}) and its disks were deleted.`, deleted: { id: deleted.id, name: deleted.name } };
  },
});

export const VM_TOOLS: readonly ToolDefinition[] = [
  listVms,
  getVm,
  powerOn,
  shutdown,
  createVm,
  createVmFromImage,
  updateVm,
  powerOff,
  deleteVm,
];
