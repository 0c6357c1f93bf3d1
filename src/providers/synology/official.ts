import type { CallContext, Capability, NameFilter, StartedTask, VmmBackend } from '../../vmm/backend.js';
import { DsmBackendBase, OFFICIAL_APIS } from './backend-base.js';
import {
  type DsmCaller,
  type WireObject,
  deferredEntry,
  deferredWireList,
  optionalNumber,
  optionalRef,
  optionalText,
  requiredText,
  textOf,
  vmStatusFromWire,
  wireList,
} from './wire.js';
import type { DeferredList } from './dsm/transport.js';
import {
  IMAGE_TYPES,
  type AutorunMode,
  type DiskController,
  type HostId,
  type Image,
  type ImageId,
  type ImageType,
  type NetworkId,
  type NewImage,
  type NewVm,
  type NicModel,
  type StorageId,
  type TaskId,
  type Vm,
  type VmChanges,
  type VmId,
  type VmSummary,
} from '../../vmm/model.js';
import { unsupported } from './unsupported.js';
import { INTERNAL_IMAGE_API, InternalImageSizes } from './image-sizes.js';
import { GUEST_ACTION_API, PWR_CTL, pwrCtlParams } from './pwr-ctl.js';
import type { Logger } from '../../log.js';

/** The guide's autorun: 0 off, 1 last state, 2 on (DSM 7's internal guest API uses the same). */
export const AUTORUN_FROM_WIRE: Record<number, AutorunMode> = { 0: 'off', 1: 'last_state', 2: 'on' };
export const AUTORUN_TO_WIRE: Record<AutorunMode, number> = { off: 0, last_state: 1, on: 2 };
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
  // The guide's guest actions have no reboot; DSM 7's internal power API has, and a DSM 7 box lists it.
  if (apis.has(GUEST_ACTION_API)) capabilities.add('reboot');
  return capabilities;
}

/** What listVms reads of every guest before choosing the ones to parse. */
const GUEST_NAMES_AND_HOSTS: DeferredList = { list: 'guests', fields: ['guest_name', 'host_id'] };

export class OfficialDsmBackend extends DsmBackendBase implements VmmBackend {
  readonly style = 'dsm-official';
  /** Where discovery lists the internal image API (a DSM 7 box does): the sizes the guide's image list lacks. */
  private readonly imageSizes: InternalImageSizes | undefined;

  constructor(client: DsmCaller, apis: ReadonlySet<string>, logger: Logger) {
    super(client, officialCapabilities(apis));
    this.imageSizes = apis.has(INTERNAL_IMAGE_API)
      ? new InternalImageSizes((method, params, ctx) => this.read(INTERNAL_IMAGE_API, method, params, ctx), logger)
      : undefined;
  }

  async listVms(ctx?: CallContext, named?: NameFilter): Promise<VmSummary[]> {
    // Without `additional`: a row needs none of the devices it adds, and the guide lists every field a
    // row shows in the plain list's example. On 10,000 VMs that halves the answer to read and parse.
    // With a name filter, only the guests whose name passes are parsed (src/text/json-deferred.ts).
    const data = await this.read(OFFICIAL_APIS.guest, 'list', {}, ctx, named === undefined ? undefined : GUEST_NAMES_AND_HOSTS);
    const all = deferredWireList(data, 'guests', 'the guest list');
    const guests: WireObject[] = [];
    let namesHosts = false;
    for (let index = 0; index < all.length; index++) {
      // The name read as vmSummaryFromWire reads it.
      if (named === undefined || named.matches(textOf(all.field(index, 'guest_name')) ?? '')) {
        guests.push(deferredEntry(all, index, 'guests', 'the guest list'));
      }
      namesHosts ||= (textOf(all.field(index, 'host_id')) ?? '') !== '';
    }
    const vms = guests.map((guest) => vmSummaryFromWire(guest, 'the guest list'));
    await this.placeOnHosts(vms, (_vm, index) => optionalText(guests[index]!, 'storage_id') as StorageId | undefined, ctx, namesHosts);
    return vms;
  }

  async getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    const data = await this.read(OFFICIAL_APIS.guest, 'get', { guest_id: id, additional: true }, ctx);
    const vm = vmFromWire(data, `guest ${id}`);
    await this.placeOnHosts([vm], (one) => one.storage?.id, ctx);
    return vm;
  }

  async getVmByName(name: string, ctx?: CallContext): Promise<Vm | undefined> {
    const data = await this.readIfKnown(OFFICIAL_APIS.guest, 'get', { guest_name: name, additional: true }, ctx);
    if (data === undefined) return undefined;
    const vm = vmFromWire(data, `guest "${name}"`);
    await this.placeOnHosts([vm], (one) => one.storage?.id, ctx);
    return vm;
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

  /** Through DSM 7's internal power API, with the same guest id; 907 answers a guest that is not running. */
  override async reboot(id: VmId, ctx?: CallContext): Promise<void> {
    this.require('reboot');
    await this.write(GUEST_ACTION_API, PWR_CTL, pwrCtlParams(id, 'reboot'), ctx);
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
    const [data, sizes] = await Promise.all([this.read(OFFICIAL_APIS.image, 'list', {}, ctx), this.imageSizes?.byId(ctx)]);
    return wireList(data, 'images', 'the image list').map((image) => imageFromWire(image, sizes));
  }

  async createImage(spec: NewImage, ctx?: CallContext): Promise<StartedTask> {
    if (spec.source !== 'file' || !this.capabilities.has('create_image_from_file')) {
      throw unsupported(spec.source === 'file' ? 'create_image_from_file' : `create_image_from_${spec.source}`, this.style);
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

/** The guide's image has no size; a box may add one (in MiB, like its other sizes), else the internal list's is used. */
function imageFromWire(image: WireObject, sizes: ReadonlyMap<ImageId, number> | undefined): Image {
  const type = optionalText(image, 'type');
  const id = requiredText(image, 'image_id', 'the image list') as ImageId;
  const sizeMb = optionalNumber(image, 'size') ?? sizes?.get(id);
  return {
    id,
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
