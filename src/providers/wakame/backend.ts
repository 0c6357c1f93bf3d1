import { OperationError } from '../../errors.js';
import type { CallContext, Capability, CreatedVm, QueuedCopy, StartedImage, VmmBackend } from '../../vmm/backend.js';
import type {
  HostId,
  Image,
  ImageChanges,
  ImageFilter,
  ImageId,
  ImageStatus,
  NetworkId,
  NewImage,
  NewVmFromImage,
  Task,
  TaskId,
  Vm,
  VmChanges,
  VmId,
  VmSummary,
} from '../../vmm/model.js';
import { matchesImageFilter } from '../../vmm/listing.js';
import { OptionalOperations } from '../../vmm/optional-operations.js';
import type { StoppedChange } from '../../vmm/preconditions.js';
import { unsupportedCapability } from '../../vmm/unsupported.js';
import type { DcmgrClient, PowerAction } from './dcmgr/client.js';
import { INVALID_INSTANCE_STATE, INVALID_PARAMETER, UNKNOWN_RESOURCE, isDcmgrError } from './dcmgr/error-codes.js';
import type { WireImage, WireInstance, WireQueuedJob } from './dcmgr/wire.js';
import { noSuchJob, taskFromJob } from './jobs.js';
import { ALLOWED_STATES, imageStatusOf, vmStatusOf, wrongState, type InstanceAction } from './states.js';

/**
 * Wakame-VDC behind the neutral interface. Instances are VMs and machine images are images; an
 * action is checked against the instance's dcmgr state before it is sent (dcmgr's rules, see
 * states.ts), because dcmgr's own refusal (125) names only the current state.
 *
 * An image made from an instance is its own progress report (creating -> pending -> available),
 * followed through its `status`. A copy is a dcmgr job (jobs.ts), followed as a task.
 */

export interface WakameBackendOptions {
  /** The hypervisor new instances run on (dcmgr requires one); without it this target creates no instances. */
  hypervisor?: string;
}

/** The neutral Image, with who owns it (a target changes only its own account's images). */
export type WakameImage = Image & { status: NonNullable<Image['status']>; owner: string | undefined };

export const WAKAME_STYLE = 'wakame-dcmgr-12.03';
const WAKAME_STYLE_NAME = 'the Wakame-VDC dcmgr API 12.03';

/** dcmgr requires both on create; these are what a VM gets when the caller names neither. */
const DEFAULT_VCPUS = 1;
const DEFAULT_RAM_MB = 1024;

const INSTEAD: Partial<Record<Capability, string>> = {
  create_vm: 'use create_vm_from_image: Wakame-VDC makes instances from a machine image',
  create_vm_from_image: "set the target's account and hypervisor (e.g. kvm) to create instances there, or use another target",
  create_image_from_file: "make the image from a halted VM instead (source 'vm')",
  create_image_from_url: "make the image from a halted VM instead (source 'vm')",
  create_image_from_vm: 'configure a target with the account that should own the image (an admin target has none)',
  hosts: 'omit the host argument; dcmgr places instances itself',
  storages: 'omit the storage argument; dcmgr places volumes itself',
  networks: 'omit the network argument; dcmgr attaches the default network',
};

/**
 * How many queued copies list_tasks remembers (the oldest is forgotten first): dcmgr's own job list
 * spans every account, so the list is of the jobs this server queued, and each one listed is a read.
 */
const REMEMBERED_JOBS = 50;

export class WakameBackend extends OptionalOperations implements VmmBackend {
  readonly style = WAKAME_STYLE;
  readonly imageDeletion =
    'a soft delete: dcmgr keeps the record with state deleted, and the image leaves list_images; no VM can be made from it afterwards, and this server cannot undo it.';
  readonly capabilities: ReadonlySet<Capability>;
  /**
   * dcmgr terminates a running instance itself (shuttingdown, then terminated), so a delete needs no
   * stop, only the confirmation that says it runs; cores and memory are never changed here.
   */
  readonly mustBeStoppedTo: ReadonlySet<StoppedChange> = new Set();
  private readonly client: DcmgrClient;
  private readonly hypervisor: string | undefined;
  /** The copy jobs this server queued and nobody has collected yet, oldest first. */
  private readonly queuedJobs = new Set<TaskId>();

  constructor(client: DcmgrClient, options: WakameBackendOptions = {}) {
    super();
    this.client = client;
    this.hypervisor = options.hypervisor;
    const capabilities = new Set<Capability>(['reboot', 'update_image', 'copy_image', 'image_status', 'tasks']);
    // New instances and backups are owned by the requesting account: an admin target (no account) makes neither.
    if (client.account !== undefined) capabilities.add('create_image_from_vm');
    if (this.canCreateInstances) capabilities.add('create_vm_from_image');
    this.capabilities = capabilities;
  }

  /** Whether create_vm_from_image can work here: an account to own the instance and a hypervisor to run it. */
  get canCreateInstances(): boolean {
    return this.client.account !== undefined && this.hypervisor !== undefined;
  }

  unsupported(capability: Capability): OperationError {
    return unsupportedCapability(capability, `This Wakame-VDC target speaks ${WAKAME_STYLE_NAME}`, INSTEAD[capability]);
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

  override async reboot(id: VmId, ctx?: CallContext): Promise<void> {
    await this.checked('reboot', id, ctx, (instance) => this.client.powerAction(instance.id, 'reboot', {}, ctx?.signal));
  }

  /** POST /instances; the instance then boots by itself (scheduling -> pending -> initializing -> running). */
  override async createVmFromImage(spec: NewVmFromImage, ctx?: CallContext): Promise<CreatedVm> {
    if (this.client.account === undefined || this.hypervisor === undefined) throw this.cannotCreate();
    const created = await this.client.createInstance(
      {
        image_id: spec.image,
        hypervisor: this.hypervisor,
        cpu_cores: spec.vcpus ?? DEFAULT_VCPUS,
        memory_size: spec.ram_mb ?? DEFAULT_RAM_MB,
        display_name: spec.name,
        hostname: spec.name,
      },
      ctx?.signal,
    );
    return { vm_id: created.id as VmId };
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

  /**
   * The account's images and the public ones. Soft-deleted images only when the filter asks for them:
   * dcmgr keeps their records (state deleted) but nothing can be done with them.
   */
  async listImages(ctx?: CallContext, filter: ImageFilter = {}): Promise<WakameImage[]> {
    // is_public ORs the public images into an account's own; for an admin it would narrow the view to them.
    const state = dcmgrStateFor(filter.status);
    const images = await this.client.listImages({ is_public: this.client.account !== undefined, state }, ctx?.signal);
    // Filtered again: `alive` keeps a record whose state is deleted while deleted_at is unset.
    return images.map(imageFromWire).filter((image) => matchesImageFilter(image, filter));
  }

  async getImage(id: ImageId, ctx?: CallContext): Promise<WakameImage> {
    return imageFromWire(await this.client.getImage(id, ctx?.signal));
  }

  /** A backup of a halted instance; the new image then goes creating -> pending -> available. */
  async createImage(spec: NewImage, ctx?: CallContext): Promise<StartedImage> {
    if (spec.source !== 'vm') throw this.unsupported(spec.source === 'url' ? 'create_image_from_url' : 'create_image_from_file');
    if (this.client.account === undefined) throw this.unsupported('create_image_from_vm');
    const instance = await this.liveInstance(spec.vm, ctx);
    if (instance.state !== 'halted') throw wrongState('create_image', refOf(instance), instance.state);
    const backup = await this.act('create_image', instance, () => this.client.backupInstance(instance.id, { display_name: spec.name }, ctx?.signal));
    return { image_id: backup.image_id as ImageId };
  }

  override async updateImage(id: ImageId, changes: ImageChanges, ctx?: CallContext): Promise<void> {
    const image = await this.ownImage(id, 'change', ctx);
    await this.client.updateImage(image.id, { display_name: changes.new_name, description: changes.description }, ctx?.signal);
  }

  /**
   * `copy_to` queues a dcmgr job: this site's backup storage agent sends the image's file to the site
   * configured as `destination`, which registers the copy as a new image (its own id, pending until
   * the file arrived) in its dcmgr. This dcmgr gets no new record, so the receipt is the job.
   */
  override async copyImage(id: ImageId, destination: string, ctx?: CallContext): Promise<QueuedCopy> {
    const image = await this.getImage(id, ctx);
    if (image.status !== 'available') {
      throw new OperationError('conflict', `Image ${JSON.stringify(image.name)} (${image.id}) is ${image.status}: only an available image can be copied`, {
        next: image.status === 'pending' ? 'wait until it is available (list_images shows its status), then copy it' : 'pick an available image',
      });
    }
    const job = await this.client.copyImage(image.id, destination, ctx?.signal);
    this.remember(job.uuid as TaskId);
    return { job_id: job.uuid };
  }

  /** The copy jobs this server queued since it started, not yet collected by a wait. */
  override async listTasks(): Promise<TaskId[]> {
    return [...this.queuedJobs];
  }

  /** `GET /jobs/:id`; any job dcmgr has, but another account's copy is not shown to an account target. */
  override async getTask(id: TaskId, ctx?: CallContext): Promise<Task> {
    let job: WireQueuedJob;
    try {
      job = await this.client.getJob(id, ctx?.signal);
    } catch (error) {
      if (!isDcmgrError(error, UNKNOWN_RESOURCE) && !isDcmgrError(error, INVALID_PARAMETER)) throw error;
      // A job dcmgr lost (its database reset) would otherwise fail every later listing of the tasks.
      this.queuedJobs.delete(id);
      throw noSuchJob(id, error);
    }
    if (!this.mayShow(job)) throw noSuchJob(id);
    return taskFromJob(job);
  }

  /**
   * Only forgets the job here: dcmgr keeps finished jobs by itself, and its `DELETE /jobs/:id` would
   * cancel one, not clear it.
   */
  override async clearTask(id: TaskId): Promise<void> {
    this.queuedJobs.delete(id);
  }

  /** A soft delete: dcmgr keeps the record as `deleted`. */
  async deleteImage(id: ImageId, ctx?: CallContext): Promise<void> {
    const image = await this.ownImage(id, 'delete', ctx);
    if (image.status === 'deleted') {
      throw new OperationError('conflict', `Image ${JSON.stringify(image.name)} (${image.id}) is already deleted`, { next: 'nothing to do' });
    }
    await this.client.deleteImage(image.id, ctx?.signal);
  }

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

  private remember(id: TaskId): void {
    this.queuedJobs.add(id);
    for (const oldest of this.queuedJobs) {
      if (this.queuedJobs.size <= REMEMBERED_JOBS) break;
      this.queuedJobs.delete(oldest);
    }
  }

  /**
   * dcmgr lets anyone read any job, and a copy's params carry the image record: an account target
   * shows copies of its own images and of public ones, as it shows the images themselves.
   */
  private mayShow(job: WireQueuedJob): boolean {
    const account = this.client.account;
    const image = job.params?.image;
    if (account === undefined || !image?.account_id) return true;
    return image.account_id === account || image.is_public === true || image.is_public === 1;
  }

  private cannotCreate(): OperationError {
    const why = this.client.account === undefined ? 'an admin target has no account to own the instance' : 'the target names no hypervisor for new instances';
    return new OperationError('unsupported', `This Wakame-VDC target cannot create instances: ${why}`, {
      next: 'set the target\'s account and hypervisor (e.g. kvm) to create instances there, or use another target',
    });
  }

}

/**
 * dcmgr's `state` filter for a neutral status: its own word where it has one (available, deleted),
 * otherwise `alive` (not deleted), within which the caller picks pending or failed.
 */
function dcmgrStateFor(status: ImageStatus | undefined): 'available' | 'deleted' | 'alive' {
  return status === 'available' || status === 'deleted' ? status : 'alive';
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
    status: imageStatusOf(image.state),
    storages: [],
    owner: image.account_id ?? undefined,
  };
}
