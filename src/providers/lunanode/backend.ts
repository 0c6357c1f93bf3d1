import { OperationError } from '../../errors.js';
import type { CallContext, Capability, CreatedVm, StartedImage, VmmBackend } from '../../vmm/backend.js';
import type {
  Host,
  HostId,
  Image,
  ImageChanges,
  ImageFilter,
  ImageId,
  ImageStatus,
  NewImage,
  NewVmFromImage,
  Vm,
  VmChanges,
  VmId,
  VmStatus,
  VmSummary,
} from '../../vmm/model.js';
import { OptionalOperations } from '../../vmm/optional-operations.js';
import type { StoppedChange } from '../../vmm/preconditions.js';
import { unsupportedCapability } from '../../vmm/unsupported.js';
import { list, number, object, optional, text } from './answer-fields.js';
import type { LunaNodeAnswer, LunaNodeClient, LunaNodeParams } from './client.js';
import { cheapestPlan, describePlan, planOf } from './plans.js';

/**
 * LunaNode behind the neutral model. Regions are the hosts (a VM's `host` is its region); plans size
 * new VMs; images carry a status instead of a task. Ids and numbers arrive as strings.
 */

export const LUNANODE_STYLE = 'lunanode';

const CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'create_vm_from_image',
  'create_image_from_url',
  'create_image_from_vm',
  'reboot',
  'update_image',
  'copy_image',
  'hosts',
  'regions',
  'image_status',
]);

const INSTEAD: Partial<Record<Capability, string>> = {
  create_vm: 'use create_vm_from_image: LunaNode makes a VM from an image and a plan',
  create_image_from_file: 'create the image from a URL (url and format) or from a VM (vm)',
  storages: 'LunaNode keeps disks with the plan; list_hosts shows the regions',
  networks: 'LunaNode attaches the default network of the region itself',
  tasks: 'LunaNode has no tasks: follow VMs with get_vm and images with get_image (wait: true)',
};

/** `status_nohtml` words; anything else (a transitional state LunaNode adds) is unknown, not an error. */
const STATUS_WORDS: Record<string, VmStatus> = {
  online: 'running',
  offline: 'stopped',
  build: 'creating',
  'powering off': 'shutting_down',
  'powering on': 'booting',
  rebooting: 'booting',
  stopped: 'stopped',
};

/** vm/list does not say how a VM is; its status comes from vm/info, this many at a time. */
const INFO_CONCURRENCY = 8;

export class LunaNodeBackend extends OptionalOperations implements VmmBackend {
  readonly style = LUNANODE_STYLE;
  readonly capabilities = CAPABILITIES;
  /**
   * None: vm/delete destroys a VM in any state (LunaNode's own Go client, LunaNode/cloug
   * provider/lunanode/api/api_test.go, deletes its test VMs while they are Online or powering off),
   * so a running VM is deleted after confirmation; vcpus and ram_mb never change here (updateVm says so).
   */
  readonly mustBeStoppedTo: ReadonlySet<StoppedChange> = new Set();
  private readonly client: LunaNodeClient;

  constructor(client: LunaNodeClient) {
    super();
    this.client = client;
  }

  unsupported(capability: Capability): OperationError {
    return unsupportedCapability(capability, 'LunaNode', INSTEAD[capability]);
  }

  async listVms(ctx?: CallContext): Promise<VmSummary[]> {
    const rows = list(await this.read('vm', 'list', {}, ctx), 'vms', 'vm/list');
    const summaries: VmSummary[] = new Array(rows.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < rows.length; index = next++) {
        const row = rows[index] as LunaNodeAnswer;
        summaries[index] = summaryOf(row, await this.statusOf(text(row, 'vm_id', 'vm/list') as VmId, ctx));
      }
    };
    await Promise.all(Array.from({ length: Math.min(INFO_CONCURRENCY, rows.length) }, worker));
    return summaries;
  }

  async getVm(id: VmId, ctx?: CallContext): Promise<Vm> {
    const answer = await this.read('vm', 'info', { vm_id: id }, ctx);
    const info = object(answer.info, 'vm/info info');
    const extra = object(answer.extra ?? {}, 'vm/info extra');
    // info.login_details holds the VM's initial root password: it is never read into the model.
    const row = { ...extra, ...info, vm_id: id };
    const summary = summaryOf(row, statusFrom(info));
    const storageGb = number(row, 'storage');
    return {
      ...summary,
      description: '',
      autorun: 'on',
      disks: storageGb === undefined ? [] : [{ id: 'root', size_mb: storageGb * 1024, controller: 'virtio' }],
      nics: [],
    };
  }

  async powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void> {
    if (host !== undefined) {
      throw new OperationError('unsupported', 'LunaNode starts a VM in its own region; it cannot be moved to another host on power on', {
        next: 'omit host',
      });
    }
    await this.write('vm', 'start', { vm_id: id }, ctx);
  }

  async shutdown(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write('vm', 'stop', { vm_id: id }, ctx);
  }

  /** LunaNode's vm/stop is the only stop it has; it shuts the guest down (OpenStack stop). */
  async powerOff(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write('vm', 'stop', { vm_id: id }, ctx);
  }

  override async reboot(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write('vm', 'reboot', { vm_id: id }, ctx);
  }

  override async createVmFromImage(spec: NewVmFromImage, ctx?: CallContext): Promise<CreatedVm> {
    const image = await this.findImage(spec.image, ctx);
    const plans = list(await this.read('plan', 'list', {}, ctx), 'plans', 'plan/list').map(planOf);
    const plan = cheapestPlan(plans, image.region, spec.vcpus ?? 1, spec.ram_mb ?? 0);
    const answer = await this.write('vm', 'create', { hostname: spec.name, plan_id: plan.id, image_id: spec.image, region: image.region }, ctx);
    return { vm_id: text(answer, 'vm_id', 'vm/create') as VmId, plan: describePlan(plan) };
  }

  async updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void> {
    const other = (['vcpus', 'ram_mb', 'autorun', 'description'] as const).filter((key) => changes[key] !== undefined);
    if (other.length > 0) {
      throw new OperationError('unsupported', `LunaNode can rename a VM here, not change its ${other.join(', ')}`, {
        next: 'pass only new_name; a VM changes size by moving it to another plan in the LunaNode panel',
      });
    }
    if (changes.new_name !== undefined) await this.write('vm', 'rename', { vm_id: id, hostname: changes.new_name }, ctx);
  }

  async deleteVm(id: VmId, ctx?: CallContext): Promise<void> {
    await this.write('vm', 'delete', { vm_id: id }, ctx);
  }

  /** `image/list` narrows to one region itself; LunaNode deletes images outright, so none is ever deleted. */
  async listImages(ctx?: CallContext, filter: ImageFilter = {}): Promise<Image[]> {
    const params = filter.region === undefined ? {} : { region: filter.region };
    return list(await this.read('image', 'list', params, ctx), 'images', 'image/list').map(imageOf);
  }

  async createImage(spec: NewImage, ctx?: CallContext): Promise<StartedImage> {
    if (spec.source === 'file') throw this.unsupported('create_image_from_file');
    const answer =
      spec.source === 'url'
        ? await this.write('image', 'fetch', { region: spec.region ?? this.client.region, name: spec.name, location: spec.url, format: spec.format }, ctx)
        : await this.write('vm', 'snapshot', { vm_id: spec.vm, name: spec.name }, ctx);
    return { image_id: text(answer, 'image_id', spec.source === 'url' ? 'image/fetch' : 'vm/snapshot') as ImageId };
  }

  override async updateImage(id: ImageId, changes: ImageChanges, ctx?: CallContext): Promise<void> {
    if (changes.description !== undefined) {
      throw new OperationError('unsupported', 'LunaNode images have a name but no description', { next: 'pass only new_name' });
    }
    if (changes.new_name !== undefined) await this.write('image', 'rename', { image_id: id, name: changes.new_name }, ctx);
  }

  override async copyImage(id: ImageId, destination: string, ctx?: CallContext): Promise<StartedImage> {
    const answer = await this.write('image', 'replicate', { image_id: id, region: destination }, ctx);
    return { image_id: text(answer, 'image_id', 'image/replicate') as ImageId };
  }

  async deleteImage(id: ImageId, ctx?: CallContext): Promise<void> {
    await this.write('image', 'delete', { image_id: id }, ctx);
  }

  /** The regions, as the hosts a VM runs in. */
  override async listHosts(ctx?: CallContext): Promise<Host[]> {
    const answer = await this.read('region', 'list', {}, ctx);
    return regionsOf(answer.regions).map(({ id, name }) => ({ id: id as HostId, name: id, status: name === id ? 'available' : `available (${name})` }));
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async statusOf(id: VmId, ctx: CallContext | undefined): Promise<VmStatus> {
    const answer = await this.read('vm', 'info', { vm_id: id }, ctx);
    return statusFrom(object(answer.info, 'vm/info info'));
  }

  private async findImage(id: ImageId, ctx: CallContext | undefined): Promise<Image & { region: string }> {
    const image = (await this.listImages(ctx)).find((each) => each.id === id);
    if (image === undefined) throw new OperationError('not_found', `LunaNode lists no image ${id}`, { next: 'list_images shows the images there are' });
    if (image.region === undefined) throw new OperationError('protocol', `LunaNode lists image ${id} without a region`);
    return { ...image, region: image.region };
  }

  private read(category: string, action: string, params: LunaNodeParams, ctx: CallContext | undefined): Promise<LunaNodeAnswer> {
    return this.client.call(category, action, params, { kind: 'read', ...(ctx?.signal === undefined ? {} : { signal: ctx.signal }) });
  }

  private write(category: string, action: string, params: LunaNodeParams, ctx: CallContext | undefined): Promise<LunaNodeAnswer> {
    return this.client.call(category, action, params, { kind: 'write', ...(ctx?.signal === undefined ? {} : { signal: ctx.signal }) });
  }
}

function summaryOf(row: LunaNodeAnswer, status: VmStatus): VmSummary {
  const region = optional(row, 'region');
  return {
    id: text(row, 'vm_id', 'the VM list') as VmId,
    name: optional(row, 'name') ?? optional(row, 'hostname') ?? '',
    status,
    vcpus: number(row, 'vcpu') ?? 0,
    ram_mb: number(row, 'ram') ?? 0,
    ...(region === undefined ? {} : { host: { id: region as HostId, name: region } }),
  };
}

/** `status` is HTML for the panel; the plain word and the OpenStack state are beside it. */
function statusFrom(info: LunaNodeAnswer): VmStatus {
  const word = optional(info, 'status_nohtml')?.trim().toLowerCase();
  if (word !== undefined && STATUS_WORDS[word] !== undefined) return STATUS_WORDS[word];
  const raw = optional(info, 'status_raw')?.toLowerCase();
  if (raw === 'active') return 'running';
  if (raw === 'stopped' || raw === 'shutoff') return 'stopped';
  return 'unknown';
}

/** active = available; killed or error = failed; deleted; anything else (queued, saving) = pending. */
export function imageStatusOf(word: string | undefined): ImageStatus {
  switch (word?.toLowerCase()) {
    case 'active':
      return 'available';
    case 'killed':
    case 'error':
      return 'failed';
    case 'deleted':
      return 'deleted';
    default:
      return 'pending';
  }
}

function imageOf(row: LunaNodeAnswer): Image {
  const region = optional(row, 'region');
  const name = optional(row, 'name') ?? '';
  return {
    id: text(row, 'image_id', 'image/list') as ImageId,
    name,
    // image/list gives no format; LunaNode's own labels end ISO images with "(ISO)".
    type: /\(iso\)\s*$/i.test(name) ? 'iso' : 'disk',
    status: imageStatusOf(optional(row, 'status')),
    ...(region === undefined ? {} : { region }),
    storages: [],
  };
}

/**
 * region/list's `regions` is a map of region id to display name ({"toronto": "Toronto, Canada", ...}),
 * as rickparrish/lndapi types it and shows in its answer sample (lndapi/Region/List.cs).
 */
function regionsOf(value: unknown): Array<{ id: string; name: string }> {
  return Object.entries(object(value ?? {}, 'region/list regions')).map(([id, name]) => {
    if (typeof name !== 'string') throw new OperationError('protocol', `LunaNode answered region/list with region ${id} named by something other than a string`);
    return { id, name };
  });
}
