import type { CallContext, VmmBackend } from '../../vmm/backend.js';
import { CompactDsmBackend } from './compact.js';
import { AUTORUN_FROM_WIRE, AUTORUN_TO_WIRE } from './official.js';
import { type DsmCaller, type WireObject, optionalNumber, optionalText, requiredText, vmStatusFromWire, wireList } from './wire.js';
import type { HostId, Storage, StorageId, Vm, VmChanges, VmId, VmSummary } from '../../vmm/model.js';

/**
 * The internal guest family in the dialect real DSM 7 boxes speak (what Home Assistant's client
 * calls): `SYNO.Virtualization.Guest` `list`/`get`/`set`/`delete` in lowercase, guests as `name`
 * and `desc` with memory in KiB and their storage as `repo_id`, and power through
 * `SYNO.Virtualization.Guest.Action` `pwr_ctl`. Images, hosts, storages, networks and tasks are
 * served as for the seeds' CamelCase variant of the family.
 */
export const INTERNAL_APIS = {
  guest: 'SYNO.Virtualization.Guest',
  action: 'SYNO.Virtualization.Guest.Action',
} as const;

const KIB_PER_MIB = 1024;

type PowerAction = 'poweron' | 'poweroff' | 'shutdown';

export class InternalDsmBackend extends CompactDsmBackend implements VmmBackend {
  override readonly style: string = 'dsm-internal';

  constructor(client: DsmCaller, apis: ReadonlySet<string>) {
    super(client, apis);
  }

  override async listVms(ctx?: CallContext): Promise<VmSummary[]> {
    const data = await this.read(INTERNAL_APIS.guest, 'list', {}, ctx);
    const storages = new Map<VmSummary, StorageId | undefined>();
    const vms = wireList(data, 'guests', 'the guest list').map((guest) => {
      const vm = internalSummary(guest, 'the guest list');
      storages.set(vm, optionalText(guest, 'repo_id') as StorageId | undefined);
      return vm;
    });
    await this.placeOnHosts(vms, (vm) => storages.get(vm), ctx);
    return vms;
  }

  override async getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    const guest = await this.read(INTERNAL_APIS.guest, 'get', { guest_id: id }, ctx);
    const what = `guest ${id}`;
    const vm: Vm = {
      ...internalSummary(guest, what),
      description: optionalText(guest, 'desc') ?? '',
      autorun: AUTORUN_FROM_WIRE[optionalNumber(guest, 'autorun') ?? 0] ?? 'off',
      disks: [],
      nics: [],
    };
    const repo = optionalText(guest, 'repo_id');
    const storage = repo === undefined || repo === '' ? undefined : await this.storageById(repo as StorageId, ctx);
    if (storage !== undefined) {
      vm.storage = { id: storage.id, name: storage.name };
      if (storage.host !== undefined) vm.host = storage.host;
    }
    return vm;
  }

  override async powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void> {
    await this.power(id, 'poweron', host, ctx);
  }

  override async shutdown(id: VmId, ctx?: CallContext): Promise<void> {
    await this.power(id, 'shutdown', undefined, ctx);
  }

  override async powerOff(id: VmId, ctx?: CallContext): Promise<void> {
    await this.power(id, 'poweroff', undefined, ctx);
  }

  override async updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void> {
    await this.write(
      INTERNAL_APIS.guest,
      'set',
      {
        guest_id: id,
        name: changes.new_name,
        desc: changes.description,
        vcpu_num: changes.vcpus,
        vram_size: changes.ram_mb === undefined ? undefined : changes.ram_mb * KIB_PER_MIB,
        autorun: changes.autorun === undefined ? undefined : AUTORUN_TO_WIRE[changes.autorun],
      },
      ctx,
    );
  }

  override async deleteVm(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write(INTERNAL_APIS.guest, 'delete', { guest_id: id }, ctx);
  }

  private async power(id: VmId, action: PowerAction, host: HostId | undefined, ctx: CallContext | undefined): Promise<void> {
    await this.write(INTERNAL_APIS.action, 'pwr_ctl', { guest_id: id, action, host_id: host }, ctx);
  }

  /** The guest's storage from its `repo_id`; this dialect names neither the storage nor the host. */
  private async storageById(id: StorageId, ctx: CallContext | undefined): Promise<Storage | undefined> {
    if (!this.capabilities.has('storages')) return undefined;
    return (await this.listStorages(ctx)).find((storage) => storage.id === id);
  }
}

function internalSummary(guest: WireObject, what: string): VmSummary {
  return {
    id: requiredText(guest, 'guest_id', what) as VmId,
    name: optionalText(guest, 'name') ?? '',
    status: vmStatusFromWire(guest.status),
    vcpus: optionalNumber(guest, 'vcpu_num') ?? 0,
    ram_mb: Math.round((optionalNumber(guest, 'vram_size') ?? 0) / KIB_PER_MIB),
  };
}
