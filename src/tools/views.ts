import { z } from 'zod';
import type { Page } from '../vmm/operations.js';
import { AUTORUN_MODES, IMAGE_STATUSES, IMAGE_TYPES, type Host, type Image, type Network, type Storage, type Task, type Vm, type VmSummary } from '../vmm/model.js';

/**
 * What tools and resources show of the model, and the schemas that describe it. Sizes are for people:
 * GiB for disks and storage, MiB for memory. Lists are compact rows; details come from get_vm.
 * The schemas are what tools/list publishes as output schemas (see listing.ts); what a field means is
 * said where an agent reads it, in the tool descriptions.
 */

/** MiB to GiB, two decimals: 20480 -> 20, 1536 -> 1.5. */
export function gib(mb: number): number {
  return Math.round((mb / 1024) * 100) / 100;
}

/**
 * list_vms and vmm://vms give VMs as rows of values in the order of VM_COLUMNS, not as objects: a page
 * of 50 costs half the bytes, and so half the context, of the same rows with keys. The ids are left out:
 * DSM forbids two VMs with one name, every tool takes the exact name, and get_vm shows the id.
 */
export const VM_COLUMNS = ['name', 'status', 'vcpus', 'ram_mb', 'host'] as const;
export type VmRow = [name: string, status: string, vcpus: number, ram_mb: number, host: string | null];

export const vmTable = {
  columns: z.array(z.string()),
  vms: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
};

export function toVmTable(vms: readonly VmSummary[]): { columns: string[]; vms: VmRow[] } {
  return { columns: [...VM_COLUMNS], vms: vms.map((vm) => [vm.name, vm.status, vm.vcpus, vm.ram_mb, vm.host?.name ?? null]) };
}

/** What a change to a VM answers with: enough to see it took effect; get_vm has the rest. */
export const vmBrief = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  vcpus: z.number(),
  ram_mb: z.number(),
  host: z.string().optional(),
});
export type VmBrief = z.infer<typeof vmBrief>;

export function toVmBrief(vm: VmSummary): VmBrief {
  return {
    id: vm.id,
    name: vm.name,
    status: vm.status,
    vcpus: vm.vcpus,
    ram_mb: vm.ram_mb,
    ...(vm.host === undefined ? {} : { host: vm.host.name }),
  };
}

/** Host, storage and networks by name, as callers pass them back; disks and NICs without their internal ids. */
export const vmDetails = vmBrief.extend({
  storage: z.string().optional(),
  autorun: z.enum(AUTORUN_MODES),
  description: z.string(),
  disks: z.array(z.object({ size_gb: z.number(), controller: z.string() })),
  nics: z.array(z.object({ mac: z.string(), model: z.string(), network: z.string().optional() })),
});
export type VmDetails = z.infer<typeof vmDetails>;

export function toVmDetails(vm: Vm): VmDetails {
  return {
    ...toVmBrief(vm),
    ...(vm.storage === undefined ? {} : { storage: vm.storage.name }),
    autorun: vm.autorun,
    description: vm.description,
    disks: vm.disks.map((disk) => ({ size_gb: gib(disk.size_mb), controller: disk.controller })),
    nics: vm.nics.map((nic) => ({ mac: nic.mac, model: nic.model, ...(nic.network === undefined ? {} : { network: nic.network.name }) })),
  };
}

export const imageView = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(IMAGE_TYPES),
  status: z.enum(IMAGE_STATUSES).optional(),
  region: z.string().optional(),
  size_gb: z.number().optional(),
  storages: z.array(z.object({ id: z.string(), name: z.string(), status: z.string() })),
});

export function toImageView(image: Image): z.infer<typeof imageView> {
  return {
    id: image.id,
    name: image.name,
    type: image.type,
    ...(image.status === undefined ? {} : { status: image.status }),
    ...(image.region === undefined ? {} : { region: image.region }),
    ...(image.size_mb === undefined ? {} : { size_gb: gib(image.size_mb) }),
    storages: image.storages.map((storage) => ({ id: storage.id, name: storage.name, status: storage.status })),
  };
}

/** An image being built or copied: what it is called, where, and how far along (pending, available, failed). */
export const imageBrief = z.object({ id: z.string(), name: z.string(), status: z.string().optional(), region: z.string().optional() });

export function toImageBrief(image: Image): z.infer<typeof imageBrief> {
  return {
    id: image.id,
    name: image.name,
    ...(image.status === undefined ? {} : { status: image.status }),
    ...(image.region === undefined ? {} : { region: image.region }),
  };
}

const freeTotal = z.object({ free: z.number(), total: z.number() });

export const hostView = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  cpu_threads: freeTotal.optional(),
  ram_mb: freeTotal.optional(),
});

export function toHostView(host: Host): z.infer<typeof hostView> {
  return {
    id: host.id,
    name: host.name,
    status: host.status,
    ...(host.cpu_threads === undefined ? {} : { cpu_threads: { ...host.cpu_threads } }),
    ...(host.ram_mb === undefined ? {} : { ram_mb: { ...host.ram_mb } }),
  };
}

export const storageView = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  host: z.string().optional(),
  volume_path: z.string().optional(),
  size_gb: z.number().optional(),
  used_gb: z.number().optional(),
  free_gb: z.number().optional(),
});

export function toStorageView(storage: Storage): z.infer<typeof storageView> {
  const { size_mb: size, used_mb: used } = storage;
  return {
    id: storage.id,
    name: storage.name,
    status: storage.status,
    ...(storage.host === undefined ? {} : { host: storage.host.name }),
    ...(storage.volume_path === undefined ? {} : { volume_path: storage.volume_path }),
    ...(size === undefined ? {} : { size_gb: gib(size) }),
    ...(used === undefined ? {} : { used_gb: gib(used) }),
    ...(size === undefined || used === undefined ? {} : { free_gb: gib(size - used) }),
  };
}

export const networkView = z.object({ id: z.string(), name: z.string() });

export function toNetworkView(network: Network): z.infer<typeof networkView> {
  return { id: network.id, name: network.name };
}

export const taskView = z.object({
  task_id: z.string(),
  finished: z.boolean(),
  progress: z.number(),
  status: z.string(),
  vm_id: z.string().optional(),
  image_id: z.string().optional(),
  destination: z.string().optional(),
  /** Why it finished without doing its job, and what to do next. */
  error: z.string().optional(),
});
export type TaskView = z.infer<typeof taskView>;

export function toTaskView(task: Task): TaskView {
  return {
    task_id: task.id,
    finished: task.finished,
    progress: task.progress,
    status: task.status,
    ...(task.vm_id === undefined ? {} : { vm_id: task.vm_id }),
    ...(task.image_id === undefined ? {} : { image_id: task.image_id }),
    ...(task.destination === undefined ? {} : { destination: task.destination }),
    ...(task.failure === undefined ? {} : { error: `${task.failure.message}. Next: ${task.failure.next}` }),
  };
}

/** The paging fields every list result carries. */
export const pageFields = {
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
  next_offset: z.number().nullable(),
};

export function pageInfo(page: Page<unknown>, request: { limit: number; offset: number }) {
  return { total: page.total, limit: request.limit, offset: request.offset, next_offset: page.next_offset };
}
