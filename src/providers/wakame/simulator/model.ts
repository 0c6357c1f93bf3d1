import { isoTime } from './clock.js';

/** The simulated dcmgr's records, with dcmgr's words for states. */

export const INSTANCE_STATES = [
  'initializing', 'scheduling', 'pending', 'starting', 'running', 'shuttingdown', 'terminated',
  'halting', 'halted', 'stopping', 'stopped',
] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

export const IMAGE_STATES = ['creating', 'pending', 'available', 'deleted'] as const;
export type ImageState = (typeof IMAGE_STATES)[number];

/** A change that happens by itself at `at` (on the simulator's clock). */
export interface Step<S extends string> {
  state: S;
  at: number;
}

export interface SimAccount {
  id: string;
  disabled: boolean;
}

export interface SimHostNode {
  id: string;
  hypervisor: string;
  cpuCores: number;
  memoryMb: number;
}

export interface SimImage {
  id: string;
  accountId: string;
  displayName: string;
  description: string;
  arch: string;
  state: ImageState;
  isPublic: boolean;
  fileFormat: string;
  osType: string;
  serviceType: string;
  parentImageId: string | null;
  backupObjectId: string;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  steps: Step<ImageState>[];
}

export interface SimInstance {
  id: string;
  accountId: string;
  imageId: string;
  hostNodeId: string | null;
  hypervisor: string;
  cpuCores: number;
  memoryMb: number;
  arch: string;
  hostname: string;
  displayName: string;
  serviceType: string;
  state: InstanceState;
  createdAt: number;
  terminatedAt: number | null;
  volumeId: string;
  vifId: string;
  networkId: string;
  ipv4: string;
  steps: Step<InstanceState>[];
  /** Reboots and forced/soft power-offs asked for, for tests. */
  reboots: number;
  poweroffs: Array<{ force: boolean | undefined }>;
}

/** dcmgr's queued job states, and how a finished one ended (queued_job.rb). */
export type JobState = 'pending' | 'running' | 'finished';
export type JobFinishStatus = 'success' | 'fail' | 'cancel';

/** A `copy_to` job, worked by this site's backup storage agent (bksta) one step of the clock at a time. */
export interface SimJob {
  id: string;
  imageId: string;
  destination: string;
  /** The image and its backup object as they were when the copy was asked for (dcmgr keeps them in `params`). */
  params: Record<string, unknown>;
  resourceId: string;
  queueName: string;
  state: JobState;
  workerId: string | null;
  retryMax: number;
  retryCount: number;
  finishStatus: JobFinishStatus | null;
  finishMessage: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** When the agent next moves the job on; null once it has finished. */
  nextAt: number | null;
}

/** A destination site of this site's backup storage agent, and the copies it registered. */
export interface SimDestination {
  name: string;
  /** false: bksta finds the site down, and each try of a copy there fails. */
  alive: boolean;
  copies: Array<{ imageId: string; backupObjectId: string; sourceImageId: string; jobId: string }>;
}

/** dcmgr's `status` beside `state`: online while a hypervisor runs the instance. */
function instanceStatus(state: InstanceState): string {
  return state === 'running' || state === 'starting' || state === 'initializing' || state === 'halting' || state === 'shuttingdown' || state === 'stopping'
    ? 'online'
    : 'offline';
}

export function imageToWire(image: SimImage): Record<string, unknown> {
  return {
    id: image.id,
    uuid: image.id,
    account_id: image.accountId,
    display_name: image.displayName,
    description: image.description,
    arch: image.arch,
    boot_dev_type: 2,
    state: image.state,
    is_public: image.isPublic,
    is_cacheable: false,
    features: { virtio: true },
    file_format: image.fileFormat,
    root_device: null,
    os_type: image.osType,
    parent_image_id: image.parentImageId,
    service_type: image.serviceType,
    backup_object_id: image.backupObjectId,
    created_at: isoTime(image.createdAt),
    updated_at: isoTime(image.updatedAt),
    deleted_at: image.deletedAt === null ? null : isoTime(image.deletedAt),
    labels: [],
  };
}

export function instanceToWire(instance: SimInstance): Record<string, unknown> {
  const attached = instance.state !== 'terminated';
  return {
    id: instance.id,
    account_id: instance.accountId,
    host_node: instance.hostNodeId,
    cpu_cores: instance.cpuCores,
    memory_size: instance.memoryMb,
    arch: instance.arch,
    image_id: instance.imageId,
    created_at: isoTime(instance.createdAt),
    state: instance.state,
    status: instanceStatus(instance.state),
    ssh_key_pair: null,
    volume: attached ? [{ vol_id: instance.volumeId, guest_device_name: 'vda', state: 'attached' }] : [],
    vif: [
      {
        vif_id: instance.vifId,
        network_id: instance.networkId,
        ...(instance.state === 'running' ? { ipv4: { address: instance.ipv4, nat_address: null } } : {}),
      },
    ],
    hostname: instance.hostname,
    ha_enabled: 0,
    hypervisor: instance.hypervisor,
    display_name: instance.displayName,
    service_type: instance.serviceType,
    labels: [],
  };
}

/** `GET /jobs/:id`: the record's columns, `id` and `uuid` both the canonical job- id (queued_job responses). */
export function jobToWire(job: SimJob): Record<string, unknown> {
  const time = (at: number | null) => (at === null ? null : isoTime(at));
  return {
    id: job.id,
    parent_id: null,
    uuid: job.id,
    queue_name: job.queueName,
    params: job.params,
    resource_id: job.resourceId,
    worker_id: job.workerId,
    state: job.state,
    retry_max: job.retryMax,
    retry_count: job.retryCount,
    finish_status: job.finishStatus,
    finish_message: job.finishMessage,
    created_at: isoTime(job.createdAt),
    updated_at: isoTime(job.updatedAt),
    finished_at: time(job.finishedAt),
    started_at: time(job.startedAt),
  };
}
