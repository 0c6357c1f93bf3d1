import { OperationError } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import type { CallContext, Capability, CreatedVm, NameFilter, QueuedCopy, StartedImage, StartedTask, VmmBackend } from '../../vmm/backend.js';
import { COMPACT_APIS, compactCapabilities } from './compact.js';
import { INTERNAL_APIS, InternalDsmBackend } from './internal.js';
import { OFFICIAL_APIS } from './backend-base.js';
import { OfficialDsmBackend, officialCapabilities } from './official.js';
import { unsupported } from './unsupported.js';
import type { DsmCaller } from './wire.js';
import { abortable } from '../../vmm/wait.js';
import type {
  Host,
  HostId,
  Image,
  ImageChanges,
  ImageId,
  Network,
  NewImage,
  NewVm,
  NewVmFromImage,
  Storage,
  Task,
  TaskId,
  Vm,
  VmChanges,
  VmId,
  VmSummary,
} from '../../vmm/model.js';

/**
 * A DSM backend that learns on first use which API family the box speaks (SYNO.API.Info discovery)
 * and then delegates to it. One object whatever the style, so callers can hold it before login.
 */
export function createDsmBackend(client: DsmCaller, logger: Logger = silentLogger): VmmBackend {
  return new DiscoveringDsmBackend(client, logger);
}

const NO_CAPABILITIES: ReadonlySet<Capability> = new Set();

/** Every API a DSM may list. */
const EVERY_DSM_API: ReadonlySet<string> = new Set([...Object.values(OFFICIAL_APIS), ...Object.values(COMPACT_APIS), ...Object.values(INTERNAL_APIS)]);
/**
 * What tools/list shows for a DSM before it was asked anything: what the official and compact
 * families may have. Not reboot: only DSM 7 can (its internal power API, which the official family
 * borrows where discovery lists it, and the internal family's own dialect), and a DSM 6 box or the
 * seeds' dialect cannot; reboot joins the list once the box is known (`offers` grows, and the server
 * says tools/list_changed).
 */
const DSM_OFFERS: ReadonlySet<Capability> = new Set(
  [...officialCapabilities(EVERY_DSM_API), ...compactCapabilities(EVERY_DSM_API)].filter((capability) => capability !== 'reboot'),
);

class DiscoveringDsmBackend implements VmmBackend {
  private readonly client: DsmCaller;
  private chosen: VmmBackend | undefined;
  private choosing: Promise<VmmBackend> | undefined;
  /** `offers` for the capabilities it was built from, which change once (when a dialect is settled). */
  private offered: { from: ReadonlySet<Capability>; offers: ReadonlySet<Capability> } | undefined;

  constructor(
    client: DsmCaller,
    private readonly logger: Logger,
  ) {
    this.client = client;
  }

  get style(): string {
    return this.chosen?.style ?? 'dsm';
  }

  /** Empty until discovery ran: nothing is promised before we know what the box offers. */
  get capabilities(): ReadonlySet<Capability> {
    return this.chosen?.capabilities ?? NO_CAPABILITIES;
  }

  /** Never shrinks, so a tool once listed stays callable (and explains itself where the box lacks it). */
  get offers(): ReadonlySet<Capability> {
    const known = this.chosen?.capabilities;
    if (known === undefined) return DSM_OFFERS;
    if (this.offered?.from !== known) this.offered = { from: known, offers: new Set([...DSM_OFFERS, ...known]) };
    return this.offered.offers;
  }

  async prepare(ctx?: CallContext): Promise<void> {
    await (await this.backend(ctx)).prepare?.(ctx);
  }

  unsupported(capability: Capability): OperationError {
    return this.chosen?.unsupported(capability) ?? unsupported(capability, this.style);
  }

  async listVms(ctx?: CallContext, named?: NameFilter): Promise<VmSummary[]> {
    return (await this.backend(ctx)).listVms(ctx, named);
  }
  async getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    return (await this.backend(ctx)).getVm(id, ctx);
  }
  async getVmByName(name: string, ctx?: CallContext): Promise<Vm | undefined> {
    const backend = await this.backend(ctx);
    return backend.getVmByName === undefined ? undefined : backend.getVmByName(name, ctx);
  }
  async powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void> {
    return (await this.backend(ctx)).powerOn(id, host, ctx);
  }
  async shutdown(id: VmId, ctx?: CallContext): Promise<void> {
    return (await this.backend(ctx)).shutdown(id, ctx);
  }
  async powerOff(id: VmId, ctx?: CallContext): Promise<void> {
    return (await this.backend(ctx)).powerOff(id, ctx);
  }
  async reboot(id: VmId, ctx?: CallContext): Promise<void> {
    return (await this.backend(ctx)).reboot(id, ctx);
  }
  async createVm(spec: NewVm, ctx?: CallContext): Promise<StartedTask> {
    return (await this.backend(ctx)).createVm(spec, ctx);
  }
  async createVmFromImage(spec: NewVmFromImage, ctx?: CallContext): Promise<CreatedVm> {
    return (await this.backend(ctx)).createVmFromImage(spec, ctx);
  }
  async updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void> {
    return (await this.backend(ctx)).updateVm(id, changes, ctx);
  }
  async deleteVm(id: VmId, ctx?: CallContext): Promise<void> {
    return (await this.backend(ctx)).deleteVm(id, ctx);
  }
  async listImages(ctx?: CallContext): Promise<Image[]> {
    return (await this.backend(ctx)).listImages(ctx);
  }
  async createImage(spec: NewImage, ctx?: CallContext): Promise<StartedTask | StartedImage> {
    return (await this.backend(ctx)).createImage(spec, ctx);
  }
  async updateImage(id: ImageId, changes: ImageChanges, ctx?: CallContext): Promise<void> {
    return (await this.backend(ctx)).updateImage(id, changes, ctx);
  }
  async copyImage(id: ImageId, destination: string, ctx?: CallContext): Promise<StartedImage | QueuedCopy> {
    return (await this.backend(ctx)).copyImage(id, destination, ctx);
  }
  async deleteImage(id: ImageId, ctx?: CallContext): Promise<void> {
    return (await this.backend(ctx)).deleteImage(id, ctx);
  }
  async listHosts(ctx?: CallContext): Promise<Host[]> {
    return (await this.backend(ctx)).listHosts(ctx);
  }
  async listStorages(ctx?: CallContext): Promise<Storage[]> {
    return (await this.backend(ctx)).listStorages(ctx);
  }
  async listNetworks(ctx?: CallContext): Promise<Network[]> {
    return (await this.backend(ctx)).listNetworks(ctx);
  }
  async listTasks(ctx?: CallContext): Promise<TaskId[]> {
    return (await this.backend(ctx)).listTasks(ctx);
  }
  async getTask(id: TaskId, ctx?: CallContext): Promise<Task> {
    return (await this.backend(ctx)).getTask(id, ctx);
  }
  async clearTask(id: TaskId, ctx?: CallContext): Promise<void> {
    return (await this.backend(ctx)).clearTask(id, ctx);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * One discovery in flight for all callers. It runs without any caller's signal, so one cancelled
   * request does not fail the others; each caller still stops waiting when its own signal aborts.
   * A failed discovery is forgotten so the next call tries again.
   */
  private backend(ctx: CallContext | undefined): Promise<VmmBackend> {
    if (this.chosen !== undefined) return Promise.resolve(this.chosen);
    if (this.choosing === undefined) {
      this.choosing = this.discover().then(
        (backend) => {
          this.chosen = backend;
          return backend;
        },
        (error: unknown) => {
          this.choosing = undefined;
          throw error;
        },
      );
    }
    return abortable(this.choosing, ctx?.signal, 'discovering the DSM API');
  }

  private async discover(): Promise<VmmBackend> {
    const apis = new Set((await this.client.discover()).keys());
    if (apis.has(OFFICIAL_APIS.guest)) return new OfficialDsmBackend(this.client, apis, this.logger);
    // A DSM 7 box lists both families; the official one is the documented contract, so it wins.
    if (apis.has(COMPACT_APIS.guest)) return new InternalDsmBackend(this.client, apis);
    throw new OperationError(
      'unsupported',
      `This DSM offers no Virtual Machine Manager API (neither ${OFFICIAL_APIS.guest} nor ${COMPACT_APIS.guest} is listed by SYNO.API.Info)`,
      { next: 'install and start Virtual Machine Manager on the NAS, and log in with an administrator account' },
    );
  }
}
