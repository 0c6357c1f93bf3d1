import type { CallContext, Capability, StartedTask, VmmBackend } from './backend.js';
import {
  type DsmCaller,
  type DsmParams,
  type WireObject,
  optionalBoolean,
  optionalNumber,
  optionalRef,
  optionalText,
  requiredText,
  vmStatusFromWire,
  wireList,
  wireObject,
} from './dsm-wire.js';
import {
  IMAGE_TYPES,
  type AutorunMode,
  type DiskController,
  type Host,
  type HostId,
  type Image,
  type ImageId,
  type ImageType,
  type Network,
  type NetworkId,
  type NewImage,
  type NewVm,
  type NicModel,
  type Storage,
  type StorageId,
  type Task,
  type TaskId,
  type Vm,
  type VmChanges,
  type VmId,
  type VmSummary,
} from './model.js';
import { unsupported } from './unsupported.js';

/** The documented `SYNO.Virtualization.API.*` family (VMM API guide, 2015-2019). All are version 1. */
export const OFFICIAL_APIS = {
  guest: 'SYNO.Virtualization.API.Guest',
  action: 'SYNO.Virtualization.API.Guest.Action',
  image: 'SYNO.Virtualization.API.Guest.Image',
  host: 'SYNO.Virtualization.API.Host',
  storage: 'SYNO.Virtualization.API.Storage',
  network: 'SYNO.Virtualization.API.Network',
  task: 'SYNO.Virtualization.API.Task.Info',
} as const;

const VERSION = 1;

const AUTORUN_FROM_WIRE: Record<number, AutorunMode> = { 0: 'off', 1: 'last_state', 2: 'on' };
const AUTORUN_TO_WIRE: Record<AutorunMode, number> = { off: 0, last_state: 1, on: 2 };
const CONTROLLERS: Record<number, DiskController> = { 1: 'virtio', 2: 'ide', 3: 'sata' };
const NIC_MODELS: Record<number, NicModel> = { 1: 'virtio', 2: 'e1000', 3: 'rtl8139' };

/** Capabilities the official family has when discovery lists the API behind each. */
export function officialCapabilities(apis: ReadonlySet<string>): Set<Capability> {
  const capabilities = new Set<Capability>();
  if (apis.has(OFFICIAL_APIS.guest)) capabilities.add('create_vm');
  if (apis.has(OFFICIAL_APIS.image)) capabilities.add('create_image_from_file');
  if (apis.has(OFFICIAL_APIS.host)) capabilities.add('hosts');
  if (apis.has(OFFICIAL_APIS.storage)) capabilities.add('storages');
  if (apis.has(OFFICIAL_APIS.network)) capabilities.add('networks');
  if (apis.has(OFFICIAL_APIS.task)) capabilities.add('tasks');
  return capabilities;
}

export class OfficialDsmBackend implements VmmBackend {
  readonly style = 'dsm-official';
  readonly capabilities: ReadonlySet<Capability>;
  private readonly client: DsmCaller;

  constructor(client: DsmCaller, apis: ReadonlySet<string>) {
    this.client = client;
    this.capabilities = officialCapabilities(apis);
  }

  async listVms(ctx?: CallContext): Promise<VmSummary[]> {
    const data = await this.read(OFFICIAL_APIS.guest, 'list', { additional: true }, ctx);
    return wireList(data, 'guests', 'the guest list').map((guest) => vmSummaryFromWire(guest, 'the guest list'));
  }

  async getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    const data = await this.read(OFFICIAL_APIS.guest, 'get', { guest_id: id, additional: true }, ctx);
    return vmFromWire(data, `guest ${id}`);
  }

  async powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void> {
    await this.write(OFFICIAL_APIS.action, 'poweron', { guest_id: id, host_id: host }, ctx);
  }

  async shutdown(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write(OFFICIAL_APIS.action, 'shutdown', { guest_id: id }, ctx);
  }

  async powerOff(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write(OFFICIAL_APIS.action, 'poweroff', { guest_id: id }, ctx);
  }

  async createVm(spec: NewVm, ctx?: CallContext): Promise<StartedTask> {
    // Only these parameters: real DSM answered 401 to create calls that also carried vcpu_num and
    // friends. CPU and memory are set afterwards with `set`. auto_clean_task=false keeps the task
    // readable after it finishes, so the new guest id is not lost.
    const data = await this.write(
      OFFICIAL_APIS.guest,
      'create',
      {
        guest_name: spec.name,
        storage_id: spec.storage,
        vdisks: spec.disks.map((disk) =>
          disk.kind === 'empty' ? { create_type: 0, vdisk_size: disk.size_mb } : { create_type: 1, image_id: disk.image },
        ),
        vnics: spec.networks.map((network) => ({ network_id: network ?? '' })),
        auto_clean_task: false,
      },
      ctx,
    );
    return { task_id: requiredText(data, 'task_id', 'guest create') as TaskId };
  }

  async updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void> {
    await this.write(
      OFFICIAL_APIS.guest,
      'set',
      {
        guest_id: id,
        new_guest_name: changes.new_name,
        vcpu_num: changes.vcpus,
        vram_size: changes.ram_mb,
        autorun: changes.autorun === undefined ? undefined : AUTORUN_TO_WIRE[changes.autorun],
        description: changes.description,
      },
      ctx,
    );
  }

  async deleteVm(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write(OFFICIAL_APIS.guest, 'delete', { guest_id: id }, ctx);
  }

  async listImages(ctx?: CallContext): Promise<Image[]> {
    const data = await this.read(OFFICIAL_APIS.image, 'list', {}, ctx);
    return wireList(data, 'images', 'the image list').map((image) => imageFromWire(image));
  }

  async createImage(spec: NewImage, ctx?: CallContext): Promise<StartedTask> {
    if (spec.source === 'vm' || !this.capabilities.has('create_image_from_file')) {
      throw unsupported(spec.source === 'vm' ? 'create_image_from_vm' : 'create_image_from_file', this.style);
    }
    const data = await this.write(
      OFFICIAL_APIS.image,
      'create',
      {
        image_name: spec.name,
        type: spec.type,
        ds_file_path: spec.ds_file_path,
        storage_ids: spec.storages,
        auto_clean_task: false,
      },
      ctx,
    );
    return { task_id: requiredText(data, 'task_id', 'image create') as TaskId };
  }

  async deleteImage(id: ImageId, ctx?: CallContext): Promise<void> {
    await this.write(OFFICIAL_APIS.image, 'delete', { image_id: id }, ctx);
  }

  async listHosts(ctx?: CallContext): Promise<Host[]> {
    this.require('hosts');
    const data = await this.read(OFFICIAL_APIS.host, 'list', {}, ctx);
    return wireList(data, 'hosts', 'the host list').map(hostFromWire);
  }

  async listStorages(ctx?: CallContext): Promise<Storage[]> {
    this.require('storages');
    const data = await this.read(OFFICIAL_APIS.storage, 'list', {}, ctx);
    return wireList(data, 'storages', 'the storage list').map(storageFromWire);
  }

  async listNetworks(ctx?: CallContext): Promise<Network[]> {
    this.require('networks');
    const data = await this.read(OFFICIAL_APIS.network, 'list', {}, ctx);
    return wireList(data, 'networks', 'the network list').map(networkFromWire);
  }

  async listTasks(ctx?: CallContext): Promise<TaskId[]> {
    this.require('tasks');
    const data = await this.read(OFFICIAL_APIS.task, 'list', {}, ctx);
    return taskIdsFromWire(data);
  }

  async getTask(id: TaskId, ctx?: CallContext): Promise<Task> {
    this.require('tasks');
    const data = await this.read(OFFICIAL_APIS.task, 'get', { task_id: id }, ctx);
    return taskFromWire(id, data);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private require(capability: Capability): void {
    if (!this.capabilities.has(capability)) throw unsupported(capability, this.style);
  }

  private async read(api: string, method: string, params: DsmParams, ctx: CallContext | undefined): Promise<WireObject> {
    const data = await this.client.call(api, method, params, { kind: 'read', signal: ctx?.signal, version: VERSION });
    return wireObject(data ?? {}, `${api} ${method}`);
  }

  private async write(api: string, method: string, params: DsmParams, ctx: CallContext | undefined): Promise<WireObject> {
    const data = await this.client.call(api, method, params, { kind: 'write', signal: ctx?.signal, version: VERSION });
    return wireObject(data ?? {}, `${api} ${method}`);
  }
}

export function vmSummaryFromWire(guest: WireObject, what: string): VmSummary {
  const summary: VmSummary = {
    id: requiredText(guest, 'guest_id', what) as VmId,
    name: optionalText(guest, 'guest_name') ?? '',
    status: vmStatusFromWire(guest.status),
    vcpus: optionalNumber(guest, 'vcpu_num') ?? 0,
    ram_mb: optionalNumber(guest, 'vram_size') ?? 0,
  };
  const host = optionalRef<HostId>(guest, 'host_id', 'host_name');
  if (host !== undefined) summary.host = host;
  return summary;
}

function vmFromWire(guest: WireObject, what: string): Vm {
  const vm: Vm = {
    ...vmSummaryFromWire(guest, what),
    description: optionalText(guest, 'description') ?? '',
    autorun: AUTORUN_FROM_WIRE[optionalNumber(guest, 'autorun') ?? 0] ?? 'off',
    disks: wireList(guest, 'vdisks', what).map((disk) => ({
      id: optionalText(disk, 'vdisk_id') ?? '',
      size_mb: optionalNumber(disk, 'vdisk_size') ?? 0,
      controller: CONTROLLERS[optionalNumber(disk, 'controller') ?? 0] ?? 'unknown',
    })),
    nics: wireList(guest, 'vnics', what).map((nic) => {
      const network = optionalRef<NetworkId>(nic, 'network_id', 'network_name');
      return {
        id: optionalText(nic, 'vnic_id') ?? '',
        mac: optionalText(nic, 'mac') ?? '',
        model: NIC_MODELS[optionalNumber(nic, 'model') ?? 0] ?? 'unknown',
        ...(network === undefined ? {} : { network }),
      };
    }),
  };
  const storage = optionalRef<StorageId>(guest, 'storage_id', 'storage_name');
  if (storage !== undefined) vm.storage = storage;
  return vm;
}

function imageFromWire(image: WireObject): Image {
  const type = optionalText(image, 'type');
  const sizeMb = optionalNumber(image, 'size');
  return {
    id: requiredText(image, 'image_id', 'the image list') as ImageId,
    name: optionalText(image, 'image_name') ?? '',
    type: IMAGE_TYPES.includes(type as ImageType) ? (type as ImageType) : 'disk',
    ...(sizeMb === undefined ? {} : { size_mb: sizeMb }),
    storages: wireList(image, 'storages', 'the image list').map((storage) => ({
      id: requiredText(storage, 'storage_id', 'the image list') as StorageId,
      name: optionalText(storage, 'storage_name') ?? '',
      status: optionalText(storage, 'status') ?? 'unknown',
    })),
  };
}

export function hostFromWire(host: WireObject): Host {
  const freeCpu = optionalNumber(host, 'free_cpu_core');
  const totalCpu = optionalNumber(host, 'total_cpu_core');
  const freeRam = optionalNumber(host, 'free_ram_size');
  const totalRam = optionalNumber(host, 'total_ram_size');
  return {
    id: requiredText(host, 'host_id', 'the host list') as HostId,
    name: optionalText(host, 'host_name') ?? '',
    status: optionalText(host, 'status') ?? 'unknown',
    ...(freeCpu === undefined || totalCpu === undefined ? {} : { cpu_threads: { free: freeCpu, total: totalCpu } }),
    ...(freeRam === undefined || totalRam === undefined ? {} : { ram_mb: { free: freeRam, total: totalRam } }),
  };
}

export function storageFromWire(storage: WireObject): Storage {
  const host = optionalRef<HostId>(storage, 'host_id', 'host_name');
  const volumePath = optionalText(storage, 'volume_path');
  const size = optionalNumber(storage, 'size');
  const used = optionalNumber(storage, 'used');
  return {
    id: requiredText(storage, 'storage_id', 'the storage list') as StorageId,
    name: optionalText(storage, 'storage_name') ?? '',
    status: optionalText(storage, 'status') ?? 'unknown',
    ...(host === undefined ? {} : { host }),
    ...(volumePath === undefined ? {} : { volume_path: volumePath }),
    ...(size === undefined ? {} : { size_mb: size }),
    ...(used === undefined ? {} : { used_mb: used }),
  };
}

export function networkFromWire(network: WireObject): Network {
  return {
    id: requiredText(network, 'network_id', 'the network list') as NetworkId,
    name: optionalText(network, 'network_name') ?? '',
  };
}

export function taskIdsFromWire(data: WireObject): TaskId[] {
  const ids = data.task_ids;
  if (!Array.isArray(ids)) return [];
  return ids.filter((id): id is string => typeof id === 'string').map((id) => id as TaskId);
}

export function taskFromWire(id: TaskId, data: WireObject): Task {
  const info = wireObject(data.task_info ?? {}, `task ${id}`);
  const finished = optionalBoolean(data, 'finish') ?? false;
  const vmId = optionalText(info, 'guest_id');
  const imageId = optionalText(info, 'image_id');
  return {
    id,
    finished,
    progress: optionalNumber(info, 'progress') ?? (finished ? 100 : 0),
    status: optionalText(info, 'status') ?? (finished ? 'finished' : 'running'),
    ...(vmId === undefined || vmId === '' ? {} : { vm_id: vmId as VmId }),
    ...(imageId === undefined || imageId === '' ? {} : { image_id: imageId as ImageId }),
  };
}
