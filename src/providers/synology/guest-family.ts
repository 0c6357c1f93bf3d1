import { isOperationError } from '../../errors.js';
import type { CallContext, Capability, StartedTask, VmmBackend } from '../../vmm/backend.js';
import type {
  Host,
  HostId,
  Image,
  ImageId,
  Network,
  NewImage,
  NewVm,
  Storage,
  Task,
  TaskId,
  Vm,
  VmChanges,
  VmId,
  VmSummary,
} from '../../vmm/model.js';
import { CompactDsmBackend } from './compact.js';
import { INTERNAL_APIS, InternalDsmBackend } from './internal.js';
import { dsmCode, type DsmCaller } from './wire.js';

/** 103: "The requested method does not exist." */
const NO_SUCH_METHOD = 103;
const GUEST_FAMILY_APIS: ReadonlySet<string> = new Set([INTERNAL_APIS.guest, INTERNAL_APIS.action]);

/**
 * The internal `SYNO.Virtualization.Guest` family has two dialects: real DSM 7's (lowercase
 * methods, `pwr_ctl`) and the seed documents' CamelCase one. Both answer to the same API name, so
 * discovery cannot tell them apart; the box's answer does. The DSM 7 dialect is tried first, and a
 * 103 for one of its method names switches to the CamelCase one, once, for good: the choice is
 * remembered for this target. The call that met the 103 is repeated in the other dialect, which is
 * safe even for a write, since DSM did nothing for a method it does not have.
 */
export class GuestFamilyBackend implements VmmBackend {
  private current: CompactDsmBackend;
  private readonly camelCase: CompactDsmBackend;
  private decided = false;
  private probing: Promise<void> | undefined;
  /** DSM 7's dialect powers guests through Guest.Action; a box without it can only mean CamelCase power methods. */
  private readonly hasAction: boolean;

  constructor(client: DsmCaller, apis: ReadonlySet<string>) {
    this.current = new InternalDsmBackend(client, apis);
    this.camelCase = new CompactDsmBackend(client, apis);
    this.hasAction = apis.has(INTERNAL_APIS.action);
  }

  get style(): string {
    return this.current.style;
  }

  get capabilities(): ReadonlySet<Capability> {
    return this.current.capabilities;
  }

  /**
   * Settles the dialect before anyone asks which it is (list_targets shows it): `get` without a
   * guest is the cheapest call that answers 103 where the method name is wrong, and a bad-parameter
   * error (or anything else) where it is right.
   */
  async prepare(ctx?: CallContext): Promise<void> {
    if (this.decided) return;
    this.probing ??= this.probe(ctx).finally(() => {
      this.probing = undefined;
    });
    await this.probing;
  }

  listVms(ctx?: CallContext): Promise<VmSummary[]> {
    return this.guestCall((backend) => backend.listVms(ctx));
  }
  getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    return this.guestCall((backend) => backend.getVm(id, ctx));
  }
  powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void> {
    return this.powerCall((backend) => backend.powerOn(id, host, ctx));
  }
  shutdown(id: VmId, ctx?: CallContext): Promise<void> {
    return this.powerCall((backend) => backend.shutdown(id, ctx));
  }
  powerOff(id: VmId, ctx?: CallContext): Promise<void> {
    return this.powerCall((backend) => backend.powerOff(id, ctx));
  }
  createVm(spec: NewVm, ctx?: CallContext): Promise<StartedTask> {
    return this.current.createVm(spec, ctx);
  }
  updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void> {
    return this.guestCall((backend) => backend.updateVm(id, changes, ctx));
  }
  deleteVm(id: VmId, ctx?: CallContext): Promise<void> {
    return this.guestCall((backend) => backend.deleteVm(id, ctx));
  }
  listImages(ctx?: CallContext): Promise<Image[]> {
    return this.current.listImages(ctx);
  }
  createImage(spec: NewImage, ctx?: CallContext): Promise<StartedTask> {
    return this.current.createImage(spec, ctx);
  }
  deleteImage(id: ImageId, ctx?: CallContext): Promise<void> {
    return this.current.deleteImage(id, ctx);
  }
  listHosts(ctx?: CallContext): Promise<Host[]> {
    return this.current.listHosts(ctx);
  }
  listStorages(ctx?: CallContext): Promise<Storage[]> {
    return this.current.listStorages(ctx);
  }
  listNetworks(ctx?: CallContext): Promise<Network[]> {
    return this.current.listNetworks(ctx);
  }
  listTasks(ctx?: CallContext): Promise<TaskId[]> {
    return this.current.listTasks(ctx);
  }
  getTask(id: TaskId, ctx?: CallContext): Promise<Task> {
    return this.current.getTask(id, ctx);
  }
  clearTask(id: TaskId, ctx?: CallContext): Promise<void> {
    return this.current.clearTask(id, ctx);
  }
  close(): Promise<void> {
    return this.current.close();
  }

  private async probe(ctx: CallContext | undefined): Promise<void> {
    const used = this.current;
    try {
      await used.getVm('' as VmId, ctx);
    } catch (error) {
      if (this.switchedOn(error, used)) return;
      if (dsmCode(error) === undefined) throw error;
    }
    this.decided = true;
  }

  private powerCall(run: (backend: CompactDsmBackend) => Promise<void>): Promise<void> {
    if (!this.decided && !this.hasAction) {
      this.current = this.camelCase;
      this.decided = true;
    }
    return this.guestCall(run);
  }

  private async guestCall<T>(run: (backend: CompactDsmBackend) => Promise<T>): Promise<T> {
    const used = this.current;
    try {
      const result = await run(used);
      this.decided = true;
      return result;
    } catch (error) {
      if (!this.switchedOn(error, used)) throw error;
      return run(this.current);
    }
  }

  /**
   * Whether `error`, met by a call in the dialect `used`, means the call belongs in the CamelCase
   * dialect: a 103 for a DSM 7 method name switches, once; a concurrent call that met it too after
   * the switch simply goes again in the dialect now in use.
   */
  private switchedOn(error: unknown, used: CompactDsmBackend): boolean {
    if (dsmCode(error) !== NO_SUCH_METHOD || !isOperationError(error) || !GUEST_FAMILY_APIS.has(error.dsm?.api ?? '')) return false;
    if (used !== this.current) return true;
    if (this.decided) return false;
    this.current = this.camelCase;
    this.decided = true;
    return true;
  }
}
