import type { OperationError } from '../errors.js';
import type { CallContext, Capability, CreatedVm, NameFilter, QueuedCopy, StartedImage, StartedTask, VmmBackend } from './backend.js';
import type {
  Host,
  HostId,
  Image,
  ImageChanges,
  ImageFilter,
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
} from './model.js';
import type { StoppedChange } from './preconditions.js';
import { SingleFlight } from './single-flight.js';

/**
 * Identical reads asked for at the same time share one backend request: 64 concurrent list_vms (or
 * name resolutions on a backend that lists to resolve) download and parse the guest list once instead of 64 times,
 * which on 10,000 VMs is 3 MB each. A listing with a name filter shares only with listings of the same
 * filter, since the backend may leave the other VMs out. Nothing is cached once a read settles. Writes are never shared;
 * each one, when it starts and when it ends, makes later reads start afresh, so a caller never gets
 * an answer that was on its way before a change it could have seen.
 */
export class CoalescingBackend implements VmmBackend {
  private readonly reads = new SingleFlight();

  constructor(private readonly inner: VmmBackend) {}

  get style(): string {
    return this.inner.style;
  }

  get capabilities(): ReadonlySet<Capability> {
    return this.inner.capabilities;
  }

  get offers(): ReadonlySet<Capability> | undefined {
    return this.inner.offers;
  }

  get mustBeStoppedTo(): ReadonlySet<StoppedChange> | undefined {
    return this.inner.mustBeStoppedTo;
  }

  get imageDeletion(): string | undefined {
    return this.inner.imageDeletion;
  }

  async prepare(ctx?: CallContext): Promise<void> {
    await this.inner.prepare?.(ctx);
  }

  unsupported(capability: Capability): OperationError {
    return this.inner.unsupported(capability);
  }

  listVms(ctx?: CallContext, named?: NameFilter): Promise<VmSummary[]> {
    const key = named === undefined ? 'vms' : `vms named ${named.key}`;
    return this.read(key, 'listing VMs', ctx, (signal) => this.inner.listVms({ signal }, named));
  }
  getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    return this.read(`vm:${id}`, `reading VM ${id}`, ctx, (signal) => this.inner.getVm(id, { signal }));
  }
  getVmByName(name: string, ctx?: CallContext): Promise<Vm | undefined> {
    const byName = this.inner.getVmByName?.bind(this.inner);
    if (byName === undefined) return Promise.resolve(undefined);
    return this.read(`vm-named:${name}`, `reading VM "${name}"`, ctx, (signal) => byName(name, { signal }));
  }
  listImages(ctx?: CallContext, filter: ImageFilter = {}): Promise<Image[]> {
    const key = `images:${filter.status ?? ''}:${filter.region ?? ''}`;
    return this.read(key, 'listing images', ctx, (signal) => this.inner.listImages({ signal }, filter));
  }
  listHosts(ctx?: CallContext): Promise<Host[]> {
    return this.read('hosts', 'listing hosts', ctx, (signal) => this.inner.listHosts({ signal }));
  }
  listStorages(ctx?: CallContext): Promise<Storage[]> {
    return this.read('storages', 'listing storages', ctx, (signal) => this.inner.listStorages({ signal }));
  }
  listNetworks(ctx?: CallContext): Promise<Network[]> {
    return this.read('networks', 'listing networks', ctx, (signal) => this.inner.listNetworks({ signal }));
  }
  listTasks(ctx?: CallContext): Promise<TaskId[]> {
    return this.read('tasks', 'listing tasks', ctx, (signal) => this.inner.listTasks({ signal }));
  }
  getTask(id: TaskId, ctx?: CallContext): Promise<Task> {
    return this.read(`task:${id}`, `reading task ${id}`, ctx, (signal) => this.inner.getTask(id, { signal }));
  }

  powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void> {
    return this.write(() => this.inner.powerOn(id, host, ctx));
  }
  shutdown(id: VmId, ctx?: CallContext): Promise<void> {
    return this.write(() => this.inner.shutdown(id, ctx));
  }
  powerOff(id: VmId, ctx?: CallContext): Promise<void> {
    return this.write(() => this.inner.powerOff(id, ctx));
  }
  clearTask(id: TaskId, ctx?: CallContext): Promise<void> {
    return this.write(() => this.inner.clearTask(id, ctx));
  }
  reboot(id: VmId, ctx?: CallContext): Promise<void> {
    return this.write(() => this.inner.reboot(id, ctx));
  }
  createVm(spec: NewVm, ctx?: CallContext): Promise<StartedTask> {
    return this.write(() => this.inner.createVm(spec, ctx));
  }
  createVmFromImage(spec: NewVmFromImage, ctx?: CallContext): Promise<CreatedVm> {
    return this.write(() => this.inner.createVmFromImage(spec, ctx));
  }
  updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void> {
    return this.write(() => this.inner.updateVm(id, changes, ctx));
  }
  deleteVm(id: VmId, ctx?: CallContext): Promise<void> {
    return this.write(() => this.inner.deleteVm(id, ctx));
  }
  createImage(spec: NewImage, ctx?: CallContext): Promise<StartedTask | StartedImage> {
    return this.write(() => this.inner.createImage(spec, ctx));
  }
  updateImage(id: ImageId, changes: ImageChanges, ctx?: CallContext): Promise<void> {
    return this.write(() => this.inner.updateImage(id, changes, ctx));
  }
  copyImage(id: ImageId, destination: string, ctx?: CallContext): Promise<StartedImage | QueuedCopy> {
    return this.write(() => this.inner.copyImage(id, destination, ctx));
  }
  deleteImage(id: ImageId, ctx?: CallContext): Promise<void> {
    return this.write(() => this.inner.deleteImage(id, ctx));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private read<T>(key: string, what: string, ctx: CallContext | undefined, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.reads.run(key, what, ctx?.signal, start);
  }

  private async write<T>(change: () => Promise<T>): Promise<T> {
    this.reads.renew();
    try {
      return await change();
    } finally {
      this.reads.renew();
    }
  }
}
