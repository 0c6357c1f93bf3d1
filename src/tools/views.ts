import { z } from 'zod';
import type { Page } from '../vmm/operations.js';
import {
  AUTORUN_MODES,
  IMAGE_TYPES,
  VM_STATUSES,
  type Host,
  type Image,
  type Network,
  type Storage,
  type Task,
  type Vm,
  type VmSummary,
} from '../vmm/model.js';

/**
 * What tools and resources show of the model, and the schemas that describe it. Sizes are for people:
 * GiB for disks and storage, MiB for memory. Lists are compact rows; details come from get_vm.
 */

/** MiB to GiB, two decimals: 20480 -> 20, 1536 -> 1.5. */
export function gib(mb: number): number {
  return Math.round((mb / 1024) * 100) / 100;
}

const ref = z.object({ id: z.string(), name: z.string() });

export const vmRow = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(VM_STATUSES),
  vcpus: z.number(),
  ram_mb: z.number(),
  host: z.string().optional().describe('Name of the host the VM runs or is placed on.'),
});
export type VmRow = z.infer<typeof vmRow>;

export function toVmRow(vm: VmSummary): VmRow {
  return {
    id: vm.id,
    name: vm.name,
    status: vm.status,
    vcpus: vm.vcpus,
    ram_mb: vm.ram_mb,
    ...(vm.host === undefined ? {} : { host: vm.host.name }),
  };
}

export const vmDetails = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(VM_STATUSES),
  vcpus: z.number(),
  ram_mb: z.number(),
  host: ref.optional(),
  storage: ref.optional(),
  autorun: z.enum(AUTORUN_MODES),
  description: z.string(),
  disks: z.array(z.object({ id: z.string(), size_gb: z.number(), controller: z.string() })),
  nics: z.array(z.object({ id: z.string(), mac: z.string(), model: z.string(), network: ref.optional() })),
});
export type VmDetails = z.infer<typeof vmDetails>;

export function toVmDetails(vm: Vm): VmDetails {
  return {
    id: vm.id,
    name: vm.name,
    status: vm.status,
    vcpus: vm.vcpus,
    ram_mb: vm.ram_mb,
    ...(vm.host === undefined ? {} : { host: { id: vm.host.id, name: vm.host.name } }),
    ...(vm.storage === undefined ? {} : { storage: { id: vm.storage.id, name: vm.storage.name } }),
    autorun: vm.autorun,
    description: vm.description,
    disks: vm.disks.map((disk) => ({ id: disk.id, size_gb: gib(disk.size_mb), controller: disk.controller })),
    nics: vm.nics.map((nic) => ({
      id: nic.id,
      mac: nic.mac,
      model: nic.model,
      ...(nic.network === undefined ? {} : { network: { id: nic.network.id, name: nic.network.name } }),
    })),
  };
}

export const imageView = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(IMAGE_TYPES),
  size_gb: z.number().optional(),
  storages: z.array(z.object({ id: z.string(), name: z.string(), status: z.string() })),
});

export function toImageView(image: Image): z.infer<typeof imageView> {
  return {
    id: image.id,
    name: image.name,
    type: image.type,
    ...(image.size_mb === undefined ? {} : { size_gb: gib(image.size_mb) }),
    storages: image.storages.map((storage) => ({ id: storage.id, name: storage.name, status: storage.status })),
  };
}

const freeTotal = z.object({ free: z.number(), total: z.number() });

export const hostView = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  cpu_threads: freeTotal.optional(),
  ram_mb: freeTotal.optional().describe('Free and total memory in MiB.'),
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
  host: z.string().optional().describe('Name of the host the storage belongs to.'),
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
  progress: z.number().describe('Percent done, 0-100.'),
  status: z.string().describe("The backend's own word for the task's state."),
  vm_id: z.string().optional().describe('The VM the task made, once known.'),
  image_id: z.string().optional().describe('The image the task made, once known.'),
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
  };
}

/** The paging fields every list result carries. */
export const pageFields = {
  total: z.number().describe('Rows matching, over all pages.'),
  limit: z.number(),
  offset: z.number(),
  next_offset: z.number().nullable().describe('Offset of the next page, or null on the last page.'),
};

export function pageInfo(page: Page<unknown>, request: { limit: number; offset: number }) {
  return { total: page.total, limit: request.limit, offset: request.offset, next_offset: page.next_offset };
}
