import type { OperationError } from '../../errors.js';
import type { CallContext, Capability, CreatedVm, StartedImage } from '../../vmm/backend.js';
import {
  type DsmCaller,
  type DsmParams,
  type WireObject,
  dsmCode,
  optionalBoolean,
  optionalNumber,
  optionalRef,
  optionalText,
  requiredText,
  wireList,
  wireObject,
  withDsmReason,
} from './wire.js';
import type { Host, HostId, ImageId, Network, NetworkId, Ref, Storage, StorageId, Task, TaskId, VmId, VmSummary } from '../../vmm/model.js';
import { unsupported } from './unsupported.js';
import type { DeferredList } from './dsm/transport.js';

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

/** Every VMM API this code calls is version 1, whichever family it belongs to. */
const VERSION = 1;

/**
 * What both guest families share: the wire calls, and hosts, storages, networks and tasks, which only
 * the official family serves (a DSM that speaks the compact guest API lists them beside it).
 */
export abstract class DsmBackendBase {
  abstract readonly style: string;
  protected readonly client: DsmCaller;
  private readonly known: ReadonlySet<Capability>;
  /** Set once a guest came with its host: from then on a guest without one has none (never placed). */
  private boxNamesHosts = false;

  protected constructor(client: DsmCaller, capabilities: ReadonlySet<Capability>) {
    this.client = client;
    this.known = capabilities;
  }

  /** What the box's APIs allow, as discovery listed them; a family whose dialect decides more says so. */
  get capabilities(): ReadonlySet<Capability> {
    return this.known;
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
    return taskIdsFromWire(await this.read(OFFICIAL_APIS.task, 'list', {}, ctx));
  }

  async getTask(id: TaskId, ctx?: CallContext): Promise<Task> {
    this.require('tasks');
    return taskFromWire(id, await this.read(OFFICIAL_APIS.task, 'get', { task_id: id }, ctx));
  }

  async clearTask(id: TaskId, ctx?: CallContext): Promise<void> {
    this.require('tasks');
    await this.write(OFFICIAL_APIS.task, 'clear', { task_id: id }, ctx);
  }

  /** The guide's guest actions have no reboot (a family that can overrides this); unsupported says to shut down and power on instead. */
  reboot(_id: VmId, _ctx?: CallContext): Promise<void> {
    return Promise.reject(unsupported('reboot', this.style));
  }

  /** DSM creates from explicit parts only (`createVm`); provisioning from an image builds on that. */
  createVmFromImage(): Promise<CreatedVm> {
    return Promise.reject(unsupported('create_vm_from_image', this.style));
  }

  updateImage(): Promise<void> {
    return Promise.reject(unsupported('update_image', this.style));
  }

  copyImage(): Promise<StartedImage> {
    return Promise.reject(unsupported('copy_image', this.style));
  }

  unsupported(capability: Capability): OperationError {
    return unsupported(capability, this.style);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * Fills in the host of guests on a box that does not name them. `host_id`/`host_name` are not in
   * the guide and a real box may leave them out; what the guide does give is each guest's storage,
   * and the storage list says which host each storage is on. One storage list serves all the guests.
   * On a box that names hosts, a guest without one has none, and is left so. `namesHosts` says whether
   * the box named any host, for a caller that passes only some of the guests it was sent.
   */
  protected async placeOnHosts<T extends VmSummary>(
    vms: T[],
    storageOf: (vm: T, index: number) => StorageId | undefined,
    ctx: CallContext | undefined,
    namesHosts = vms.some((vm) => vm.host !== undefined),
  ): Promise<void> {
    if (namesHosts) this.boxNamesHosts = true;
    if (this.boxNamesHosts || !this.capabilities.has('storages')) return;
    if (vms.every((vm, index) => storageOf(vm, index) === undefined)) return;
    const hostsByStorage = new Map<string, Ref<HostId>>();
    for (const storage of await this.listStorages(ctx)) if (storage.host !== undefined) hostsByStorage.set(storage.id, storage.host);
    for (const [index, vm] of vms.entries()) {
      const storage = storageOf(vm, index);
      const host = vm.host ?? (storage === undefined ? undefined : hostsByStorage.get(storage));
      if (host !== undefined) vm.host = host;
    }
  }

  protected require(capability: Capability): void {
    if (!this.capabilities.has(capability)) throw unsupported(capability, this.style);
  }

  protected read(api: string, method: string, params: DsmParams, ctx: CallContext | undefined, deferList?: DeferredList): Promise<WireObject> {
    return this.send('read', api, method, params, ctx, deferList);
  }

  /**
   * A read that names its object (a guest by name): DSM's refusal means it knows no such object. The
   * guide gives no code of its own for that (the simulator answers 401, bad parameter); whatever the
   * code, the caller falls back to a list, which reports any failure that is not about the name.
   */
  protected async readIfKnown(api: string, method: string, params: DsmParams, ctx: CallContext | undefined): Promise<WireObject | undefined> {
    try {
      return await this.read(api, method, params, ctx);
    } catch (error) {
      if (dsmCode(error) === undefined) throw error;
      return undefined;
    }
  }

  protected write(api: string, method: string, params: DsmParams, ctx: CallContext | undefined): Promise<WireObject> {
    return this.send('write', api, method, params, ctx);
  }

  private async send(
    kind: 'read' | 'write',
    api: string,
    method: string,
    params: DsmParams,
    ctx: CallContext | undefined,
    deferList?: DeferredList,
  ): Promise<WireObject> {
    let data: unknown;
    try {
      const options = { kind, signal: ctx?.signal, version: VERSION, ...(deferList === undefined ? {} : { deferList }) };
      data = await this.client.call(api, method, params, options);
    } catch (error) {
      throw withDsmReason(error);
    }
    return wireObject(data ?? {}, `${api} ${method}`);
  }
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

/** VMM creates this network when it is installed, and its create wizard preselects it. */
const VMM_DEFAULT_NETWORK = 'Default VM Network';

export function networkFromWire(network: WireObject): Network {
  const name = optionalText(network, 'network_name') ?? '';
  return {
    id: requiredText(network, 'network_id', 'the network list') as NetworkId,
    name,
    ...(name === VMM_DEFAULT_NETWORK ? { default: true } : {}),
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
