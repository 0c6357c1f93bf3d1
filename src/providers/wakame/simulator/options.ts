import type { Logger } from '../../../log.js';
import { silentLogger } from '../../../log.js';
import { systemClock, type SimClock } from './clock.js';
import type { ImageState, InstanceState } from './model.js';

/** The account the demo acts as; dcmgr account ids are not secrets, they name a tenant. */
export const DEMO_ACCOUNT = 'a-vmmdemo1';
/** Owner of the public images, as in a stock Wakame-VDC install. */
export const SHARED_POOL_ACCOUNT = 'a-shpoolxx';

export interface AccountSpec {
  id: string;
  /** Every request with this account answers 403/104. */
  disabled?: boolean;
}

export interface HostNodeSpec {
  hypervisor: string;
  cpuCores: number;
  memoryMb: number;
}

export interface ImageSpec {
  displayName: string;
  account: string;
  isPublic?: boolean;
  state?: ImageState;
  description?: string;
  osType?: string;
}

export interface InstanceSpec {
  displayName: string;
  account: string;
  /** Display name of the image it runs. */
  image: string;
  state: Extract<InstanceState, 'running' | 'halted' | 'stopped'>;
  cpuCores?: number;
  memoryMb?: number;
}

export interface Timings {
  /** How long each passing instance state lasts (scheduling, pending, starting, stopping, halting, shuttingdown). */
  stepMs: number;
  /** How long a new image stays creating, then pending, before it is available. */
  imageStepMs: number;
  /** How long a copy job stays pending, then running, on each try (default: imageStepMs). */
  jobStepMs: number;
}

/** A site this site's backup storage agent copies images to (bksta's `destination` setting). */
export interface DestinationSpec {
  name: string;
  /** false: the site is down, so every try of a copy there fails. Default true. */
  alive?: boolean;
}

/** The destination the demo site is configured with; a copy to any other name fails as bksta's would. */
export const DEMO_DESTINATION = 'bkst-remote';
/** bksta's default_retry_max_per_job: a copy is tried this often before its job fails. */
const DEFAULT_JOB_RETRY_MAX = 2;

export interface WakameSimulatorOptions {
  /** Default: the machine's clock. A ManualClock lets tests move time instead of waiting. */
  clock?: SimClock;
  timings?: Partial<Timings>;
  accounts?: AccountSpec[];
  hostNodes?: HostNodeSpec[];
  images?: ImageSpec[];
  instances?: InstanceSpec[];
  /** Lists as 12.03 answers them (`total`), or as the older API the seed documents (`owner_total`, 127 for an unknown image). */
  dialect?: '12.03' | 'legacy';
  /** Most live instances an account may have before POST answers 162. */
  instanceQuota?: number;
  /** false: the service type has no backup storage, so backups answer 153. */
  backupStorage?: boolean;
  /** Where copy_to can send images (default: one live destination, DEMO_DESTINATION). */
  destinations?: DestinationSpec[];
  /** How often a copy is tried before its job fails (default 2, bksta's). */
  jobRetryMax?: number;
  /** Seed of the deterministic id sequence (default 1). */
  seed?: number;
  /** Serve HTTPS with this PEM pair, as a TLS proxy in front of dcmgr would. */
  tls?: { key: string; cert: string };
  host?: string;
  port?: number;
  logger?: Logger;
}

export interface ResolvedOptions {
  clock: SimClock;
  timings: Timings;
  accounts: AccountSpec[];
  hostNodes: HostNodeSpec[];
  images: ImageSpec[];
  instances: InstanceSpec[];
  dialect: '12.03' | 'legacy';
  instanceQuota: number;
  backupStorage: boolean;
  destinations: DestinationSpec[];
  jobRetryMax: number;
  seed: number;
  tls: { key: string; cert: string } | undefined;
  host: string;
  port: number;
  logger: Logger;
}

const OTHER_ACCOUNT = 'a-otherten';

/** A small cloud: shared public images, the demo account's own, and a neighbour the demo must not see. */
export const DEMO_IMAGES: ImageSpec[] = [
  { displayName: 'ubuntu-24.04-server', account: SHARED_POOL_ACCOUNT, isPublic: true, osType: 'linux', description: 'Ubuntu 24.04 LTS, cloud-init' },
  { displayName: 'centos-7-minimal', account: SHARED_POOL_ACCOUNT, isPublic: true, osType: 'linux', description: 'CentOS 7 minimal' },
  { displayName: 'debian-12-app', account: DEMO_ACCOUNT, osType: 'linux', description: 'Debian 12 with the app stack' },
  { displayName: 'old-build', account: DEMO_ACCOUNT, state: 'deleted', osType: 'linux', description: 'superseded build' },
  { displayName: 'neighbour-private', account: OTHER_ACCOUNT, osType: 'linux', description: 'another tenant\'s image' },
];

export const DEMO_INSTANCES: InstanceSpec[] = [
  { displayName: 'web-1', account: DEMO_ACCOUNT, image: 'ubuntu-24.04-server', state: 'running', cpuCores: 2, memoryMb: 2048 },
  { displayName: 'db-1', account: DEMO_ACCOUNT, image: 'debian-12-app', state: 'running', cpuCores: 4, memoryMb: 8192 },
  { displayName: 'batch-1', account: DEMO_ACCOUNT, image: 'centos-7-minimal', state: 'halted', cpuCores: 1, memoryMb: 1024 },
  { displayName: 'legacy-1', account: DEMO_ACCOUNT, image: 'centos-7-minimal', state: 'stopped', cpuCores: 1, memoryMb: 512 },
  { displayName: 'neighbour-vm', account: OTHER_ACCOUNT, image: 'neighbour-private', state: 'running', cpuCores: 1, memoryMb: 1024 },
];

export function resolveOptions(options: WakameSimulatorOptions = {}): ResolvedOptions {
  return {
    clock: options.clock ?? systemClock,
    timings: timingsOf(options.timings),
    accounts: options.accounts ?? [{ id: DEMO_ACCOUNT }, { id: SHARED_POOL_ACCOUNT }, { id: OTHER_ACCOUNT }],
    hostNodes: options.hostNodes ?? [
      { hypervisor: 'kvm', cpuCores: 32, memoryMb: 65536 },
      { hypervisor: 'kvm', cpuCores: 16, memoryMb: 32768 },
    ],
    images: options.images ?? DEMO_IMAGES,
    instances: options.instances ?? DEMO_INSTANCES,
    dialect: options.dialect ?? '12.03',
    instanceQuota: options.instanceQuota ?? 100,
    backupStorage: options.backupStorage ?? true,
    destinations: options.destinations ?? [{ name: DEMO_DESTINATION }],
    jobRetryMax: options.jobRetryMax ?? DEFAULT_JOB_RETRY_MAX,
    seed: options.seed ?? 1,
    tls: options.tls,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    logger: options.logger ?? silentLogger,
  };
}

function timingsOf(given: Partial<Timings> = {}): Timings {
  const stepMs = given.stepMs ?? 1500;
  const imageStepMs = given.imageStepMs ?? 3000;
  return { stepMs, imageStepMs, jobStepMs: given.jobStepMs ?? imageStepMs };
}
