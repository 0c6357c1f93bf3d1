/**
 * The backend-neutral model of a VMM cluster. Everything above `src/vmm/` sees only these types,
 * whichever DSM API style (or, later, which provider) is behind them.
 *
 * Units: memory in MiB, disk and storage sizes in MiB (tools convert to GiB for people), times in ms.
 */

declare const brand: unique symbol;
/** A string that is known to be an id of a particular kind of object, not a name or free text. */
export type Id<Kind extends string> = string & { readonly [brand]: Kind };

export type VmId = Id<'vm'>;
export type ImageId = Id<'image'>;
export type HostId = Id<'host'>;
export type StorageId = Id<'storage'>;
export type NetworkId = Id<'network'>;
export type TaskId = Id<'task'>;

/**
 * Guest statuses. The official guide's words, except `shutdown`, which is reported as `stopped`
 * (the compact document's word, and the one people use), and `undefined`, reported as `unknown`.
 */
export const VM_STATUSES = [
  'running',
  'stopped',
  'paused',
  'booting',
  'shutting_down',
  'moving',
  'stor_migrating',
  'creating',
  'importing',
  'preparing',
  'ha_standby',
  'inaccessible',
  'crashed',
  'unknown',
] as const;
export type VmStatus = (typeof VM_STATUSES)[number];

/** 0 off, 1 last state, 2 on: the official guide's values. The compact style knows only off/on. */
export const AUTORUN_MODES = ['off', 'last_state', 'on'] as const;
export type AutorunMode = (typeof AUTORUN_MODES)[number];

export type DiskController = 'virtio' | 'ide' | 'sata' | 'unknown';
export type NicModel = 'virtio' | 'e1000' | 'rtl8139' | 'unknown';

export interface Ref<I extends string> {
  id: I;
  name: string;
}

export interface VmDisk {
  id: string;
  size_mb: number;
  controller: DiskController;
}

export interface VmNic {
  id: string;
  mac: string;
  model: NicModel;
  /** Absent when the vNIC is not connected (the guide's empty network_id). */
  network?: Ref<NetworkId>;
}

/** One row of a VM list: enough to pick a VM, small enough for 10,000 of them. */
export interface VmSummary {
  id: VmId;
  name: string;
  status: VmStatus;
  vcpus: number;
  ram_mb: number;
  /** Set when the backend reports where the VM runs (or is placed). */
  host?: Ref<HostId>;
}

export interface Vm extends VmSummary {
  description: string;
  autorun: AutorunMode;
  storage?: Ref<StorageId>;
  disks: VmDisk[];
  nics: VmNic[];
}

export const IMAGE_TYPES = ['disk', 'vdsm', 'iso'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** Where an image is in its life; backends without a status (DSM) leave it out. */
export const IMAGE_STATUSES = ['pending', 'available', 'failed', 'deleted'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/**
 * Which images a listing shows. Without `status`, every image but the deleted ones (Wakame-VDC keeps
 * soft-deleted records; nothing can be made from them). `region` applies where the backend has regions.
 */
export interface ImageFilter {
  status?: ImageStatus;
  region?: string;
}

export interface Image {
  id: ImageId;
  name: string;
  type: ImageType;
  status?: ImageStatus;
  /** The region (or other place) that holds the image, for backends that have regions. */
  region?: string;
  /** Size when the backend reports it (the compact style does; the official one does not). */
  size_mb?: number;
  storages: Array<Ref<StorageId> & { status: string }>;
}

export interface Host {
  id: HostId;
  name: string;
  status: string;
  /** Capacity is absent while a host is missing, as DSM reports it. */
  cpu_threads?: { free: number; total: number };
  ram_mb?: { free: number; total: number };
}

export interface Storage {
  id: StorageId;
  name: string;
  status: string;
  host?: Ref<HostId>;
  volume_path?: string;
  size_mb?: number;
  used_mb?: number;
}

export interface Network {
  id: NetworkId;
  name: string;
  /** The backend's network for new VMs when nobody says otherwise (VMM's "Default VM Network"). */
  default?: boolean;
}

export interface Task {
  id: TaskId;
  finished: boolean;
  progress: number;
  /** The backend's own word for the task's state (for example `create`, `running`, `failed`). */
  status: string;
  /** What the task produced, once known. */
  vm_id?: VmId;
  image_id?: ImageId;
  /** Where what it makes lives when this target does not list it (a Wakame-VDC copy's destination site). */
  destination?: string;
  /** Set when it finished without doing its job (failed, cancelled): what happened and what to do next. */
  failure?: TaskFailure;
}

export interface TaskFailure {
  message: string;
  next: string;
}

/** What a disk of a new VM is made from. */
export type NewDisk = { kind: 'empty'; size_mb: number } | { kind: 'clone'; image: ImageId };

export interface NewVm {
  name: string;
  storage: StorageId;
  disks: NewDisk[];
  /** Each entry is a network to attach one vNIC to; `null` is a vNIC that is not connected. */
  networks: Array<NetworkId | null>;
}

export interface VmChanges {
  new_name?: string;
  vcpus?: number;
  ram_mb?: number;
  autorun?: AutorunMode;
  description?: string;
}

export interface ImageChanges {
  new_name?: string;
  description?: string;
}

/** A VM made from an image in one request; the backend picks the size (a plan) from vcpus and ram_mb. */
export interface NewVmFromImage {
  name: string;
  image: ImageId;
  vcpus?: number;
  ram_mb?: number;
}

export const URL_IMAGE_FORMATS = ['iso', 'qcow2'] as const;
export type UrlImageFormat = (typeof URL_IMAGE_FORMATS)[number];

export type NewImage =
  | { source: 'file'; name: string; ds_file_path: string; type: ImageType; storages: StorageId[] }
  | { source: 'url'; name: string; url: string; format: UrlImageFormat; region?: string }
  | { source: 'vm'; name: string; vm: VmId };
