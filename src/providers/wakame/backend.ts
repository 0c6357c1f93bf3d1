import { OperationError } from '../../errors.js';
import type { CallContext, Capability, StartedTask, VmmBackend } from '../../vmm/backend.js';
import type {
  Host,
  HostId,
  Image,
  ImageId,
  Network,
  NetworkId,
  NewImage,
  Storage,
  Task,
  TaskId,
  Vm,
  VmChanges,
  VmId,
  VmSummary,
} from '../../vmm/model.js';
import type { DcmgrClient, PowerAction } from './dcmgr/client.js';
import { INVALID_INSTANCE_STATE, isDcmgrError } from './dcmgr/error-codes.js';
import type { WireImage, WireInstance } from './dcmgr/wire.js';
import { ALLOWED_STATES, imageStatusOf, vmStatusOf, wrongState, type ImageStatus, type InstanceAction } from './states.js';

/**
 * Wakame-VDC behind the neutral interface. Instances are VMs and machine images are images; an
 * action is checked against the instance's dcmgr state before it is sent (dcmgr's rules, see
 * states.ts), because dcmgr's own refusal (125) names only the current state.
 *
 * dcmgr has no task list: an image made from an instance is its own progress report
 * (creating -> pending -> available), so the image id doubles as the task id.
 */

export interface WakameBackendOptions {
  /** The hypervisor new instances run on (dcmgr requires one); without it this target creates no instances. */
  hypervisor?: string;
}

/** The neutral Image with Wakame-VDC's view of its progress. */
export type WakameImage = Image & { status: ImageStatus; description: string; owner: string | undefined; is_public: boolean };

export interface NewInstanceSpec {
  name: string;
  image: ImageId;
  vcpus: number;
  ram_mb: number;
}

export const WAKAME_STYLE = 'wakame-dcmgr-12.03';

const PROGRESS: Readonly<Record<string, number>> = { creating: 10, pending: 50 };

export class WakameBackend implements VmmBackend {
  readonly style = WAKAME_STYLE;
  readonly capabilities: ReadonlySet<Capability>;
  private readonly client: DcmgrClient;
  private readonly hypervisor: string | undefined;

  constructor(client: DcmgrClient, options: WakameBackendOptions = {}) {
    this.client = client;
    this.hypervisor = options.hypervisor;
    // Backups are owned by the requesting account: an admin target (no account) cannot make them.
    this.capabilities = new Set<Capability>(client.account === undefined ? [] : ['create_image_from_vm', 'tasks']);
  }

  /** Whether create_vm_from_image can work here: an account to own the instance and a hypervisor to run it. */
  get canCreateInstances(): boolean {
    return this.client.account !== undefined && this.hypervisor !== undefined;
  }

  async listVms(ctx?: CallContext): Promise<VmSummary[]> {
    const instances = await this.client.listInstances({}, ctx?.signal);
    return instances.filter((instance) => vmStatusOf(instance.state) !== 'gone').map(summaryFromWire);
  }

  async getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    return vmFromWire(await this.liveInstance(id, ctx));
  }

  async powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void> {
    if (host !== undefined) {
      throw new OperationError('unsupported', 'Wakame-VDC places instances itself: power_on takes no host there', { next: 'call power_on without host' });
    }
    const instance = await this.liveInstance(id, ctx);
    // dcmgr has two ways back up: `start` from stopped (rescheduled, maybe on another host), `poweron` from halted.
    const action: PowerAction | undefined = instance.state === 'stopped' ? 'start' : instance.state === 'halted' ? 'poweron' : undefined;
    if (action === undefined) throw wrongState('power_on', refOf(instance), instance.state);
    await this.act('power_on', instance, () => this.client.powerAction(instance.id, action, {}, ctx?.signal));
  }

  async shutdown(id: VmId, ctx?: CallContext): Promise<void> {
    await this.checked('shutdown', id, ctx, (instance) => this.client.powerAction(instance.id, 'stop', {}, ctx?.signal));
  }

  async powerOff(id: VmId, ctx?: CallContext): Promise<void> {
    await this.checked('power_off', id, ctx, (instance) => this.client.powerAction(instance.id, 'poweroff', { force: true }, ctx?.signal));
  }

  async reboot(id: VmId, ctx?: CallContext): Promise<void> {
    await this.checked('reboot', id, ctx, (instance) => this.client.powerAction(instance.id, 'reboot', {}, ctx?.signal));
  }

  createVm(): Promise<StartedTask> {
    return Promise.reject(
      new OperationError('unsupported', 'Wakame-VDC makes instances from a machine image only, not from disks and networks', {
        next: 'use create_vm_from_image',
      }),
    );
  }

  /** POST /instances; the instance then boots by itself (scheduling -> pending -> initializing -> running). */
  async createVmFromImage(spec: NewInstanceSpec, ctx?: CallContext): Promise<Vm> {
    if (this.client.account === undefined || this.hypervisor === undefined) throw this.cannotCreate();
    const created = await this.client.createInstance(
      { image_id: spec.image, hypervisor: this.hypervisor, cpu_cores: spec.vcpus, memory_size: spec.ram_mb, display_name: spec.name, hostname: spec.name },
      ctx?.signal,
    );
    return vmFromWire(created);
  }

  /** Only the name can change: dcmgr offers no resize of cores or memory. */
  async updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void> {
    const other = Object.entries(changes).filter(([key, value]) => key !== 'new_name' && value !== undefined).map(([key]) => key);
    if (other.length > 0) {
      throw new OperationError('unsupported', `Wakame-VDC cannot change ${other.join(', ')} of an instance; only its name (new_name)`, {
        next: 'to get other sizes, create a new VM from an image with create_vm_from_image',
      });
    }
    if (changes.new_name === undefined) return;
    const instance = await this.liveInstance(id, ctx);
    await this.client.updateInstance(instance.id, { display_name: changes.new_name }, ctx?.signal);
  }

  async deleteVm(id: VmId, ctx?: CallContext): Promise<void> {
    await this.checked('delete_vm', id, ctx, (instance) => this.client.deleteInstance(instance.id, ctx?.signal));
  }

  /** The account's images and the public ones; deleted images (dcmgr keeps their records) only when asked. */
  async listImages(ctx?: CallContext, options: { includeDeleted?: boolean } = {}): Promise<WakameImage[]> {
    const images = await this.client.listImages({ is_public: this.client.account !== undefined }, ctx?.signal);
    return images.map(imageFromWire).filter((image) => options.includeDeleted === true || image.status !== 'deleted');
  }

  async getImage(id: ImageId, ctx?: CallContext): Promise<WakameImage> {
    return imageFromWire(await this.client.getImage(id, ctx?.signal));
  }

  async createImage(spec: NewImage, ctx?: CallContext): Promise<StartedTask> {
    if (spec.source !== 'vm') {
      throw new OperationError('unsupported', 'Wakame-VDC makes images only from an instance (a backup), not from a file', {
        next: "use source 'vm' with a halted VM",
      });
    }
    if (this.client.account === undefined) {
      throw new OperationError('unsupported', 'An admin Wakame-VDC target has no account to own a new image', {
        next: 'configure a target with the account that should own the image',
      });
    }
    const instance = await this.liveInstance(spec.vm, ctx);
    if (instance.state !== 'halted') throw wrongState('create_image', refOf(instance), instance.state);
    const backup = await this.act('create_image', instance, () => this.client.backupInstance(instance.id, { display_name: spec.name }, ctx?.signal));
    return { task_id: backup.image_id as TaskId, image_id: backup.image_id as ImageId };
  }

  async updateImage(id: ImageId, changes: { new_name?: string; description?: string }, ctx?: CallContext): Promise<WakameImage> {
    const image = await this.ownImage(id, 'change', ctx);
    const updated = await this.client.updateImage(image.id, { display_name: changes.new_name, description: changes.description }, ctx?.signal);
    return imageFromWire(updated);
  }

  /** `copy_to` queues a dcmgr job that copies the image's file to `destination` (a backup storage). */
  async copyImage(id: ImageId, destination: string, ctx?: CallContext): Promise<{ job_id: string }> {
    const image = await this.getImage(id, ctx);
    if (image.status !== 'available') {
      throw new OperationError('conflict', `Image ${JSON.stringify(image.name)} (${image.id}) is ${image.status}: only an available image can be copied`, {
        next: image.status === 'pending' ? 'wait until it is available (list_images shows its status), then copy it' : 'pick an available image',
      });
    }
    const job = await this.client.copyImage(image.id, destination, ctx?.signal);
    return { job_id: job.uuid };
  }

  /** A soft delete: dcmgr keeps the record as `deleted`. */
  async deleteImage(id: ImageId, ctx?: CallContext): Promise<void> {
    const image = await this.ownImage(id, 'delete', ctx);
    if (image.status === 'deleted') {
      throw new OperationError('conflict', `Image ${JSON.stringify(image.name)} (${image.id}) is already deleted`, { next: 'nothing to do' });
    }
    await this.client.deleteImage(image.id, ctx?.signal);
  }

  listHosts(): Promise<Host[]> {
    return Promise.reject(this.noInventory('host nodes'));
  }

  listStorages(): Promise<Storage[]> {
    return Promise.reject(this.noInventory('storages'));
  }

  listNetworks(): Promise<Network[]> {
    return Promise.reject(this.noInventory('networks'));
  }

  /** Images still being made from instances: the only background work dcmgr reports. */
  async listTasks(ctx?: CallContext): Promise<TaskId[]> {
    const images = await this.listImages(ctx);
    return images.filter((image) => image.status === 'pending' && image.owner === this.client.account).map((image) => image.id as string as TaskId);
  }

  async getTask(id: TaskId, ctx?: CallContext): Promise<Task> {
    const image = await this.client.getImage(id, ctx?.signal);
    const status = imageStatusOf(image.state);
    return {
      id,
      finished: status !== 'pending',
      progress: status === 'pending' ? (PROGRESS[image.state] ?? 0) : 100,
      status: image.state,
      image_id: image.id as ImageId,
    };
  }

  /** Nothing to clear: the image record is the task. */
  async clearTask(): Promise<void> {}

  async close(): Promise<void> {
    await this.client.close();
  }

  /** The instance, or not_found when dcmgr still lists it but it has been terminated. */
  private async liveInstance(id: VmId, ctx: CallContext | undefined): Promise<WireInstance> {
    const instance = await this.client.getInstance(id, ctx?.signal);
    if (vmStatusOf(instance.state) === 'gone') {
      throw new OperationError('not_found', `VM ${id} has been terminated`, { next: 'list_vms shows the instances that remain' });
    }
    return instance;
  }

  private async checked<T>(action: InstanceAction, id: VmId, ctx: CallContext | undefined, send: (instance: WireInstance) => Promise<T>): Promise<T> {
    const instance = await this.liveInstance(id, ctx);
    if (!ALLOWED_STATES[action].includes(instance.state)) throw wrongState(action, refOf(instance), instance.state);
    return this.act(action, instance, () => send(instance));
  }

  /** A 125 means the state moved between the check and the call: retold with the allowed states. */
  private async act<T>(action: InstanceAction, instance: WireInstance, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isDcmgrError(error, INVALID_INSTANCE_STATE)) throw wrongState(action, refOf(instance), error.dcmgr.message || 'in another state');
      throw error;
    }
  }

  /**
   * dcmgr lets any account change or delete a public image, whoever owns it; a target changes only
   * its own account's images.
   */
  private async ownImage(id: ImageId, verb: string, ctx: CallContext | undefined): Promise<WakameImage> {
    const image = await this.getImage(id, ctx);
    const account = this.client.account;
    if (account !== undefined && image.owner !== account) {
      throw new OperationError('policy', `Cannot ${verb} image ${JSON.stringify(image.name)} (${image.id}): it belongs to account ${image.owner ?? 'unknown'}, not to this target's account ${account}`, {
        next: 'only images of the target\'s own account can be changed; copy or back up your own instead',
      });
    }
    return image;
  }

  private cannotCreate(): OperationError {
    const why = this.client.account === undefined ? 'an admin target has no account to own the instance' : 'the target names no hypervisor for new instances';
    return new OperationError('unsupported', `This Wakame-VDC target cannot create instances: ${why}`, {
      next: 'set the target\'s account and hypervisor (e.g. kvm) to create instances there, or use another target',
    });
  }

  private noInventory(what: string): OperationError {
    return new OperationError('unsupported', `Wakame-VDC shows ${what} only to its administrators' tools; this server does not list them`, {
      next: 'dcmgr places instances itself: create and power on without naming a host, storage or network',
    });
  }
}

function refOf(instance: WireInstance): { id: string; name: string } {
  return { id: instance.id, name: nameOf(instance) };
}

function nameOf(instance: WireInstance): string {
  return instance.display_name || instance.hostname || instance.id;
}

function summaryFromWire(instance: WireInstance): VmSummary {
  const status = vmStatusOf(instance.state);
  return {
    id: instance.id as VmId,
    name: nameOf(instance),
    status: status === 'gone' ? 'unknown' : status,
    vcpus: instance.cpu_cores,
    ram_mb: instance.memory_size,
    ...(instance.host_node ? { host: { id: instance.host_node as HostId, name: instance.host_node } } : {}),
  };
}

function vmFromWire(instance: WireInstance): Vm {
  return {
    ...summaryFromWire(instance),
    description: '',
    autorun: 'off',
    disks: (instance.volume ?? []).map((volume) => ({ id: volume.vol_id, size_mb: volume.size ?? 0, controller: 'virtio' as const })),
    nics: (instance.vif ?? []).map((vif) => ({
      id: vif.vif_id,
      mac: vif.mac_addr ?? '',
      model: 'virtio' as const,
      ...(vif.network_id ? { network: { id: vif.network_id as NetworkId, name: vif.network_id } } : {}),
    })),
  };
}

function imageFromWire(image: WireImage): WakameImage {
  return {
    id: image.id as ImageId,
    name: image.display_name || image.id,
    type: 'disk',
    storages: [],
    status: imageStatusOf(image.state),
    description: image.description ?? '',
    owner: image.account_id ?? undefined,
    is_public: image.is_public === true || image.is_public === 1,
  };
}
