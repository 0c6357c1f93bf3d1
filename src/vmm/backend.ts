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
} from './model.js';

/** Every backend call can be cancelled; a cancelled MCP request aborts its HTTP calls. */
export interface CallContext {
  signal?: AbortSignal;
}

/** Operations a backend may lack (the compact DSM style has no VM create, for one). */
export type Capability =
  | 'create_vm'
  | 'create_image_from_file'
  | 'create_image_from_vm'
  | 'hosts'
  | 'storages'
  | 'networks'
  | 'tasks';

/** The receipt of a started background job. */
export interface StartedTask {
  task_id: TaskId;
  /** Some backends name what the task will produce when it starts (the compact image create does). */
  image_id?: ImageId;
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
   * For backends that learn what they can do on first contact (DSM discovery): after this resolves,
   * `style` and `capabilities` are exact. Backends that know them from construction may omit it.
   */
  prepare?(ctx?: CallContext): Promise<void>;

  listVms(ctx?: CallContext): Promise<VmSummary[]>;
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
  createVm(spec: NewVm, ctx?: CallContext): Promise<StartedTask>;
  updateVm(id: VmId, changes: VmChanges, ctx?: CallContext): Promise<void>;
  deleteVm(id: VmId, ctx?: CallContext): Promise<void>;

  listImages(ctx?: CallContext): Promise<Image[]>;
  createImage(spec: NewImage, ctx?: CallContext): Promise<StartedTask>;
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
