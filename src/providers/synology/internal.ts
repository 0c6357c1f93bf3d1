import { isOperationError } from '../../errors.js';
import type { CallContext, Capability, VmmBackend } from '../../vmm/backend.js';
import { CompactDsmBackend, compactCapabilities } from './compact.js';
import { AUTORUN_FROM_WIRE, AUTORUN_TO_WIRE } from './official.js';
import { type DsmCaller, type WireObject, dsmCode, optionalNumber, optionalText, requiredText, vmStatusFromWire, wireList } from './wire.js';
import type { HostId, Storage, StorageId, Vm, VmChanges, VmId, VmSummary } from '../../vmm/model.js';

/**
 * The internal guest family, `SYNO.Virtualization.Guest`, which comes in two dialects under one API
 * name, so discovery cannot tell them apart; the box's answer does.
 *
 * Real DSM 7 boxes (what Home Assistant's client calls) speak lowercase `list`/`get`/`set`/`delete`,
 * with guests as `name` and `desc`, memory in KiB, their storage as `repo_id`, and power through
 * `SYNO.Virtualization.Guest.Action` `pwr_ctl`. The seed documents describe a CamelCase dialect
 * (`List`, `PowerOn`, ...), which the parent class speaks. DSM 7's is tried first; a 103 ("no such
 * method") for one of its method names switches to the CamelCase one, once, for good: the choice is
 * remembered for this target. The call that met the 103 is repeated in the other dialect, which is
 * safe even for a write, since DSM did nothing for a method it does not have. Images, hosts,
 * storages, networks and tasks are the same in both. Only DSM 7's dialect can reboot (`pwr_ctl`
 * `reboot`; the seeds' CamelCase methods have none), so `reboot` is a capability once that dialect
 * is settled, and not before: `prepare` settles it before anyone reads the capabilities.
 */
export const INTERNAL_APIS = {
  guest: 'SYNO.Virtualization.Guest',
  action: 'SYNO.Virtualization.Guest.Action',
} as const;

const KIB_PER_MIB = 1024;
/** 103: "The requested method does not exist." */
const NO_SUCH_METHOD = 103;
const FAMILY_APIS: ReadonlySet<string> = new Set([INTERNAL_APIS.guest, INTERNAL_APIS.action]);

type PowerAction = 'poweron' | 'poweroff' | 'shutdown' | 'reboot';
type Dialect = 'dsm7' | 'camel-case';

/** What the family can do in each dialect: DSM 7's adds reboot where discovery lists Guest.Action. */
function internalCapabilities(apis: ReadonlySet<string>, dialect: Dialect): Set<Capability> {
  const capabilities = compactCapabilities(apis);
  if (dialect === 'dsm7' && apis.has(INTERNAL_APIS.action)) capabilities.add('reboot');
  return capabilities;
}

export class InternalDsmBackend extends CompactDsmBackend implements VmmBackend {
  private dialect: Dialect = 'dsm7';
  /** Set once a DSM 7 call got a real answer, or the dialect switched: no more switching. */
  private decided = false;
  private probing: Promise<void> | undefined;
  /** DSM 7's dialect powers guests through Guest.Action; a box without it can only mean CamelCase power methods. */
  private readonly hasAction: boolean;
  private readonly dsm7Capabilities: ReadonlySet<Capability>;

  constructor(client: DsmCaller, apis: ReadonlySet<string>) {
    super(client, apis);
    this.hasAction = apis.has(INTERNAL_APIS.action);
    this.dsm7Capabilities = internalCapabilities(apis, 'dsm7');
  }

  override get style(): string {
    return this.dialect === 'dsm7' ? 'dsm-internal' : super.style;
  }

  /** Until the dialect is settled, only what both dialects can do is promised. */
  override get capabilities(): ReadonlySet<Capability> {
    return this.decided && this.dialect === 'dsm7' ? this.dsm7Capabilities : super.capabilities;
  }

  /**
   * Settles the dialect before anyone asks which it is (list_targets shows it): `get` without a
   * guest is the cheapest call that answers 103 where the method name is wrong, and a bad-parameter
   * error (or anything else from DSM) where it is right.
   */
  async prepare(ctx?: CallContext): Promise<void> {
    if (this.decided) return;
    this.probing ??= this.probe(ctx).finally(() => {
      this.probing = undefined;
    });
    await this.probing;
  }

  override listVms(ctx?: CallContext): Promise<VmSummary[]> {
    return this.inDialect(() => this.listVmsDsm7(ctx), () => super.listVms(ctx));
  }

  override getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    return this.inDialect(() => this.getVmDsm7(id, ctx), () => super.getVm(id, ctx));
  }

  /**
   * The CamelCase dialect's Get takes guest_name (seed 001); what DSM 7's `get` does with a name is not
   * known, so there a name is resolved from the list, as before.
   */
  override getVmByName(name: string, ctx?: CallContext): Promise<Vm | undefined> {
    return this.dialect === 'camel-case' ? super.getVmByName(name, ctx) : Promise.resolve(undefined);
  }

  override powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void> {
    return this.powerInDialect(() => this.power(id, 'poweron', host, ctx), () => super.powerOn(id, host, ctx));
  }

  override shutdown(id: VmId, ctx?: CallContext): Promise<void> {
    return this.powerInDialect(() => this.power(id, 'shutdown', undefined, ctx), () => super.shutdown(id, ctx));
  }

  override powerOff(id: VmId, ctx?: CallContext): Promise<void> {
    return this.powerInDialect(() => this.power(id, 'poweroff', undefined, ctx), () => super.powerOff(id, ctx));
  }

  /** DSM 7 answers 907 for a guest that is not running; the CamelCase dialect has no reboot at all. */
  override reboot(id: VmId, ctx?: CallContext): Promise<void> {
    return this.powerInDialect(() => this.power(id, 'reboot', undefined, ctx), () => super.reboot(id, ctx));
  }

  override updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void> {
    return this.inDialect(() => this.updateVmDsm7(id, changes, ctx), () => super.updateVm(id, changes, ctx));
  }

  override deleteVm(id: VmId, ctx?: CallContext): Promise<void> {
    return this.inDialect(
      async () => {
        await this.write(INTERNAL_APIS.guest, 'delete', { guest_id: id }, ctx);
      },
      () => super.deleteVm(id, ctx),
    );
  }

  private async probe(ctx: CallContext | undefined): Promise<void> {
    if (this.dialect !== 'dsm7') return;
    try {
      await this.read(INTERNAL_APIS.guest, 'get', { guest_id: '' }, ctx);
    } catch (error) {
      if (this.isNoSuchMethod(error)) {
        this.useCamelCase();
        return;
      }
      if (dsmCode(error) === undefined) throw error;
    }
    this.decided = true;
  }

  private async inDialect<T>(dsm7: () => Promise<T>, camelCase: () => Promise<T>): Promise<T> {
    if (this.dialect === 'camel-case') return camelCase();
    try {
      const result = await dsm7();
      this.decided = true;
      return result;
    } catch (error) {
      if (!this.isNoSuchMethod(error)) throw error;
      // A concurrent call may have switched already; otherwise this 103 switches, unless DSM 7's was confirmed.
      if (this.dialect === 'dsm7') {
        if (this.decided) throw error;
        this.useCamelCase();
      }
      return camelCase();
    }
  }

  private powerInDialect(dsm7: () => Promise<void>, camelCase: () => Promise<void>): Promise<void> {
    if (!this.decided && !this.hasAction) this.useCamelCase();
    return this.inDialect(dsm7, camelCase);
  }

  private useCamelCase(): void {
    this.dialect = 'camel-case';
    this.decided = true;
  }

  private isNoSuchMethod(error: unknown): boolean {
    return dsmCode(error) === NO_SUCH_METHOD && isOperationError(error) && FAMILY_APIS.has(error.dsm?.api ?? '');
  }

  private async listVmsDsm7(ctx: CallContext | undefined): Promise<VmSummary[]> {
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

  private async getVmDsm7(id: VmId, ctx: CallContext | undefined): Promise<Vm> {
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

  private async updateVmDsm7(id: VmId, changes: VmChanges, ctx: CallContext | undefined): Promise<void> {
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
