import { OperationError } from '../../errors.js';
import type { CallContext, Capability, StartedTask, VmmBackend } from '../../vmm/backend.js';
import { DsmBackendBase, OFFICIAL_APIS } from './backend-base.js';
import { vmSummaryFromWire } from './official.js';
import {
  type DsmCaller,
  type WireObject,
  bytesToMib,
  optionalNumber,
  optionalRef,
  optionalText,
  requiredText,
  wireList,
} from './wire.js';
import type {
  AutorunMode,
  HostId,
  Image,
  ImageId,
  ImageType,
  NetworkId,
  NewImage,
  NewVm,
  StorageId,
  TaskId,
  Vm,
  VmChanges,
  VmDisk,
  VmId,
  VmNic,
  VmSummary,
} from '../../vmm/model.js';
import { describeStyle, unsupported } from './unsupported.js';
import { joinMultiValue } from './dsm/encoding.js';
import { INTERNAL_IMAGE_API } from './image-sizes.js';

/** The compact guest and image APIs (seed documents 000 and 001), version 1. */
export const COMPACT_APIS = {
  guest: 'SYNO.Virtualization.Guest',
  image: INTERNAL_IMAGE_API,
} as const;

/** Asked per page; DSM may answer fewer (its default is 100), and paging follows what it answers. */
const PAGE_LIMIT = 1000;
/** Get's extra fields: vNICs and disks with their storage. */
const GET_ADDITIONAL = joinMultiValue(['network', 'storage']);

/**
 * Hosts, storages, networks and tasks have no compact API: they come from the official family when
 * discovery lists it beside the compact one (a DSM 7 box lists both), otherwise they are absent.
 */
export function compactCapabilities(apis: ReadonlySet<string>): Set<Capability> {
  const capabilities = new Set<Capability>();
  if (apis.has(COMPACT_APIS.image)) capabilities.add('create_image_from_vm');
  if (apis.has(OFFICIAL_APIS.host)) capabilities.add('hosts');
  if (apis.has(OFFICIAL_APIS.storage)) capabilities.add('storages');
  if (apis.has(OFFICIAL_APIS.network)) capabilities.add('networks');
  if (apis.has(OFFICIAL_APIS.task)) capabilities.add('tasks');
  return capabilities;
}

export class CompactDsmBackend extends DsmBackendBase implements VmmBackend {
  get style(): string {
    return 'dsm-compact';
  }

  constructor(client: DsmCaller, apis: ReadonlySet<string>) {
    super(client, compactCapabilities(apis));
  }

  async listVms(ctx?: CallContext): Promise<VmSummary[]> {
    const guests = await this.readAllPages(COMPACT_APIS.guest, 'guests', 'the guest list', ctx);
    return guests.map((guest) => vmSummaryFromWire(guest, 'the guest list'));
  }

  async getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    const guest = await this.read(COMPACT_APIS.guest, 'Get', { guest_id: id, additional: GET_ADDITIONAL }, ctx);
    return this.vmFromWire(guest, `guest ${id}`, ctx);
  }

  async getVmByName(name: string, ctx?: CallContext): Promise<Vm | undefined> {
    const guest = await this.readIfKnown(COMPACT_APIS.guest, 'Get', { guest_name: name, additional: GET_ADDITIONAL }, ctx);
    return guest === undefined ? undefined : this.vmFromWire(guest, `guest "${name}"`, ctx);
  }

  async powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void> {
    if (host !== undefined) {
      throw new OperationError('unsupported', `${describeStyle(this.style)} cannot choose the host a VM starts on`, {
        next: 'power on without a host; the cluster picks one itself',
      });
    }
    await this.write(COMPACT_APIS.guest, 'PowerOn', { guest_id: id }, ctx);
  }

  async shutdown(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write(COMPACT_APIS.guest, 'Shutdown', { guest_id: id }, ctx);
  }

  async powerOff(id: VmId, ctx?: CallContext): Promise<void> {
    // Without force=true PowerOff is a request the guest may ignore; the contract is a forced stop.
    await this.write(COMPACT_APIS.guest, 'PowerOff', { guest_id: id, force: true }, ctx);
  }

  createVm(_spec: NewVm, _ctx?: CallContext): Promise<StartedTask> {
    return Promise.reject(unsupported('create_vm', this.style));
  }

  async updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void> {
    if (changes.new_name !== undefined || changes.description !== undefined) {
      throw new OperationError(
        'unsupported',
        `${describeStyle(this.style)} cannot change a VM's ${changes.new_name !== undefined ? 'name' : 'description'}`,
        { next: "change it in Virtual Machine Manager's web UI; vcpus, ram_mb and autorun (off/on) can be changed here" },
      );
    }
    await this.write(
      COMPACT_APIS.guest,
      'Set',
      {
        guest_id: id,
        vcpu_num: changes.vcpus,
        vram_size: changes.ram_mb,
        autorun: changes.autorun === undefined ? undefined : this.autorunToWire(changes.autorun),
      },
      ctx,
    );
  }

  async deleteVm(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write(COMPACT_APIS.guest, 'Delete', { guest_id: id }, ctx);
  }

  async listImages(ctx?: CallContext): Promise<Image[]> {
    const images = await this.readAllPages(COMPACT_APIS.image, 'images', 'the image list', ctx);
    return images.map(compactImageFromWire);
  }

  async createImage(spec: NewImage, ctx?: CallContext): Promise<StartedTask> {
    if (spec.source !== 'vm') throw unsupported(`create_image_from_${spec.source}`, this.style);
    // auto_clean_task=false: the task must stay readable until someone has seen how it ended.
    const data = await this.write(
      COMPACT_APIS.image,
      'Create',
      { guest_id: spec.vm, image_name: spec.name, auto_clean_task: false },
      ctx,
    );
    const imageId = optionalText(data, 'image_id');
    return {
      task_id: requiredText(data, 'task_id', 'image create') as TaskId,
      ...(imageId === undefined || imageId === '' ? {} : { image_id: imageId as ImageId }),
    };
  }

  async deleteImage(id: ImageId, ctx?: CallContext): Promise<void> {
    await this.write(COMPACT_APIS.image, 'Delete', { image_id: id }, ctx);
  }

  private async vmFromWire(guest: WireObject, what: string, ctx: CallContext | undefined): Promise<Vm> {
    const wireNics = wireList(guest, 'network', what);
    const vm: Vm = {
      ...vmSummaryFromWire(guest, what),
      description: optionalText(guest, 'description') ?? '',
      autorun: compactAutorunFromWire(optionalNumber(guest, 'autorun')),
      disks: compactDisks(guest, what),
      nics: compactNics(wireNics, await this.networkIdsFor(wireNics, ctx)),
    };
    const storage = optionalRef<StorageId>(guest, 'storage_id', 'storage_name');
    if (storage !== undefined) vm.storage = storage;
    await this.placeOnHosts([vm], (one) => one.storage?.id, ctx);
    return vm;
  }

  /**
   * The compact Get names a vNIC's network but not its id. The ids come from the network list when
   * this DSM has one; a name shared by two networks stays without an id rather than get a wrong one.
   */
  private async networkIdsFor(wireNics: WireObject[], ctx: CallContext | undefined): Promise<ReadonlyMap<string, NetworkId>> {
    const named = wireNics.some((nic) => optionalText(nic, 'network_id') === undefined && (optionalText(nic, 'network_name') ?? '') !== '');
    if (!named || !this.capabilities.has('networks')) return new Map();
    const counts = new Map<string, number>();
    const networks = await this.listNetworks(ctx);
    for (const network of networks) counts.set(network.name, (counts.get(network.name) ?? 0) + 1);
    return new Map(networks.filter((network) => counts.get(network.name) === 1).map((network) => [network.name, network.id]));
  }

  private autorunToWire(mode: AutorunMode): number {
    if (mode === 'last_state') {
      throw new OperationError('unsupported', `${describeStyle(this.style)} knows only autorun off and on, not last_state`, {
        next: "use autorun 'off' or 'on'",
      });
    }
    return mode === 'on' ? 1 : 0;
  }

  /** Pages through a compact list to the end, advancing by what DSM actually returned. */
  private async readAllPages(api: string, field: string, what: string, ctx: CallContext | undefined): Promise<WireObject[]> {
    const all: WireObject[] = [];
    for (;;) {
      const data = await this.read(api, 'List', { offset: all.length, limit: PAGE_LIMIT }, ctx);
      const page = wireList(data, field, what);
      all.push(...page);
      const total = optionalNumber(data, 'total') ?? all.length;
      if (page.length === 0 || all.length >= total) return all;
    }
  }
}

/** The compact document: autorun 0 disabled, 1 enabled. */
function compactAutorunFromWire(value: number | undefined): AutorunMode {
  return value === undefined || value === 0 ? 'off' : 'on';
}

/**
 * The compact Get reports one `storage_size` in bytes; with additional=storage a build may list the
 * disks too. Without a list, the total is shown as one disk of unknown controller.
 */
function compactDisks(guest: WireObject, what: string): VmDisk[] {
  const listed = wireList(guest, 'storage', what);
  if (listed.length > 0) {
    return listed.map((disk) => ({
      id: optionalText(disk, 'vdisk_id') ?? optionalText(disk, 'disk_id') ?? '',
      size_mb: bytesToMib(optionalNumber(disk, 'size') ?? optionalNumber(disk, 'storage_size') ?? 0),
      controller: 'unknown',
    }));
  }
  const bytes = optionalNumber(guest, 'storage_size');
  return bytes === undefined ? [] : [{ id: '', size_mb: bytesToMib(bytes), controller: 'unknown' }];
}

/**
 * An empty network name is a vNIC that is not connected. A network whose id could not be learned
 * keeps its name with an empty id.
 */
function compactNics(wireNics: WireObject[], idsByName: ReadonlyMap<string, NetworkId>): VmNic[] {
  return wireNics.map((nic) => {
    const mac = optionalText(nic, 'mac') ?? '';
    const name = optionalText(nic, 'network_name') ?? '';
    const id = optionalText(nic, 'network_id') ?? idsByName.get(name) ?? ('' as NetworkId);
    return {
      id: optionalText(nic, 'vnic_id') ?? mac,
      mac,
      model: 'unknown',
      ...(name === '' && id === '' ? {} : { network: { id: id as NetworkId, name } }),
    };
  });
}

/** The compact document's image types are `iso` and `vdisk`; a vdisk is what the official guide calls disk. */
function compactImageFromWire(image: WireObject): Image {
  const type = optionalText(image, 'type');
  const bytes = optionalNumber(image, 'size');
  const mapped: ImageType = type === 'iso' ? 'iso' : type === 'vdsm' ? 'vdsm' : 'disk';
  return {
    id: requiredText(image, 'image_id', 'the image list') as ImageId,
    name: optionalText(image, 'image_name') ?? '',
    type: mapped,
    ...(bytes === undefined ? {} : { size_mb: bytesToMib(bytes) }),
    storages: wireList(image, 'storages', 'the image list').map((storage) => ({
      id: requiredText(storage, 'storage_id', 'the image list') as StorageId,
      name: optionalText(storage, 'storage_name') ?? '',
      status: optionalText(storage, 'status') ?? 'unknown',
    })),
  };
}
