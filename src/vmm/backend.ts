import type { OperationError } from '../errors.js';
import type {
  Host,
  HostId,
  Image,
  ImageChanges,
  ImageFilter,
  ImageId,
  Network,
  NewVmFromImage,
  NewImage,
  NewVm,
  Storage,
  Task,
  TaskId,
  Vm,
  VmChanges,
  VmId,
  VmSummary,
} from './model.js';
import type { StoppedChange } from './preconditions.js';

/** Every backend call can be cancelled; a cancelled MCP request aborts its HTTP calls. */
/**
 * The name part of a list_vms filter, handed to the backend so that it can drop the VMs whose name fails
 * before building their summaries: on 10,000 VMs, building them all is most of the work after the parse.
 */
export interface NameFilter {
  /** The same for the same filter: concurrent listings with one key share one backend request. */
  readonly key: string;
  matches(name: string): boolean;
}

export interface CallContext {
  signal?: AbortSignal;
}

/**
 * Operations a backend may lack (the compact DSM style has no VM create, LunaNode no tasks). The tool
 * layer hides a tool no target can do and names the targets that can when one cannot.
 */
export const CAPABILITIES = [
  /** Create a VM from explicit parts: storage, disks, networks (`createVm`). */
  'create_vm',
  /** Create a VM from an image in one request, sized by a plan the backend picks (`createVmFromImage`). */
  'create_vm_from_image',
  'create_image_from_file',
  'create_image_from_url',
  'create_image_from_vm',
  'reboot',
  'update_image',
  'copy_image',
  /** Images live in regions a listing may be narrowed to (the `region` of `listImages`' filter). */
  'regions',
  /** Images carry a status (pending, available, failed, deleted) a listing may be narrowed to. */
  'image_status',
  'hosts',
  'storages',
  'networks',
  'tasks',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** The receipt of a started background job. */
export interface StartedTask {
  task_id: TaskId;
  /** Some backends name what the task will produce when it starts (the compact image create does). */
  image_id?: ImageId;
}

/** The receipt of an image build that has no task: the image itself shows the progress (its `status`). */
export interface StartedImage {
  image_id: ImageId;
}

/**
 * A copy that this backend cannot follow: dcmgr's `copy_to` queues a job, and the site behind the
 * destination registers the copy there, under a new id this target never lists.
 */
export interface QueuedCopy {
  job_id: string;
}

/** A VM created in one request; `plan` names the size the backend picked, when it picked one. */
export interface CreatedVm {
  vm_id: VmId;
  plan?: string;
}

/**
 * One VMM cluster, seen through typed operations. Implementations translate to one wire protocol;
 * they do not resolve names, wait, or apply policy (that is `src/vmm/operations.ts` and the tool layer).
 *
 * Reads may be retried by the implementation; writes never are.
 */
export interface VmmBackend {
  /** Which API family this backend speaks, for diagnostics (for example `dsm-official`, `dsm-compact`). */
  readonly style: string;
  readonly capabilities: ReadonlySet<Capability>;
  /**
   * What tools/list is answered from, known before any contact (a DSM learns its `capabilities` only
   * at discovery). It may grow once the backend learned more, never shrink: the tool layer then tells
   * clients the list changed. Backends that know `capabilities` from construction may omit it.
   */
  readonly offers?: ReadonlySet<Capability>;
  /**
   * For backends that learn what they can do on first contact (DSM discovery): after this resolves,
   * `style` and `capabilities` are exact. Backends that know them from construction may omit it.
   */
  prepare?(ctx?: CallContext): Promise<void>;
  /**
   * The changes this system makes only on a stopped VM; the tool layer refuses them on a running VM
   * before anyone is asked to confirm. Absent: every one (STOPPED_FOR_EVERY_CHANGE), the safe reading
   * for a system that does not say.
   */
  readonly mustBeStoppedTo?: ReadonlySet<StoppedChange>;
  /** What deleting an image does on this system, for the confirmation preview, when it is not a permanent removal. */
  readonly imageDeletion?: string;
  /** What a missing capability means on this system and what to do instead. */
  unsupported(capability: Capability): OperationError;

  /**
   * Every VM, or with `named` at least those whose name it matches: a backend may leave out the others
   * or ignore it, since the caller filters again.
   */
  listVms(ctx?: CallContext, named?: NameFilter): Promise<VmSummary[]>;
  getVm(id: VmId, ctx?: CallContext): Promise<Vm>;
  /**
   * For backends whose API reads one VM by its exact name in a single request (DSM's `Guest get` takes
   * `guest_name`; names are unique there): the VM, or `undefined` when none was found that way. Name
   * resolution then lists every VM and matches there, which is also all it does for backends without
   * this method (src/vmm/operations.ts).
   */
  getVmByName?(name: string, ctx?: CallContext): Promise<Vm | undefined>;
  /** Power on; `host` picks where, otherwise the cluster's auto-select decides. No task is returned. */
  powerOn(id: VmId, host: HostId | undefined, ctx?: CallContext): Promise<void>;
  /** Graceful ACPI shutdown. */
  shutdown(id: VmId, ctx?: CallContext): Promise<void>;
  /** Forced power off. */
  powerOff(id: VmId, ctx?: CallContext): Promise<void>;
  /** Restart a running VM (capability `reboot`). */
  reboot(id: VmId, ctx?: CallContext): Promise<void>;
  createVm(spec: NewVm, ctx?: CallContext): Promise<StartedTask>;
  /** Create a VM from an image in one request (capability `create_vm_from_image` without `create_vm`). */
  createVmFromImage(spec: NewVmFromImage, ctx?: CallContext): Promise<CreatedVm>;
  updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void>;
  deleteVm(id: VmId, ctx?: CallContext): Promise<void>;

  /**
   * The images, without deleted ones unless `filter.status` asks for them. A backend whose API can
   * narrow by the filter does so; the caller applies the filter again, so the rest of it may be ignored.
   */
  listImages(ctx?: CallContext, filter?: ImageFilter): Promise<Image[]>;
  createImage(spec: NewImage, ctx?: CallContext): Promise<StartedTask | StartedImage>;
  /** Rename or describe an image (capability `update_image`). */
  updateImage(id: ImageId, changes: ImageChanges, ctx?: CallContext): Promise<void>;
  /**
   * Copy an image to another place (a LunaNode region, a Wakame-VDC destination); capability
   * `copy_image`. Answers the copy's id when the copy is an image of this backend, else the job making it.
   */
  copyImage(id: ImageId, destination: string, ctx?: CallContext): Promise<StartedImage | QueuedCopy>;
  deleteImage(id: ImageId, ctx?: CallContext): Promise<void>;

  listHosts(ctx?: CallContext): Promise<Host[]>;
  listStorages(ctx?: CallContext): Promise<Storage[]>;
  listNetworks(ctx?: CallContext): Promise<Network[]>;

  listTasks(ctx?: CallContext): Promise<TaskId[]>;
  getTask(id: TaskId, ctx?: CallContext): Promise<Task>;
  /** Forgets a finished task: creates keep theirs (auto_clean_task=false) until someone read the result. */
  clearTask(id: TaskId, ctx?: CallContext): Promise<void>;

  /** Ends the session (logout) and releases connections. Safe to call twice. */
  close(): Promise<void>;
}
