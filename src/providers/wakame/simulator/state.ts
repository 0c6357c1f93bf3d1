import { DcmgrFailure } from './failure.js';
import type { ImageState, InstanceState, SimAccount, SimDestination, SimHostNode, SimImage, SimInstance, SimJob, Step } from './model.js';
import type { ResolvedOptions } from './options.js';

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const ACCOUNT_ID = /^a-[a-z0-9]{8}$/;
const INSTANCE_ID = /^i-[a-z0-9]{8}$/;
const IMAGE_ID = /^wmi-[a-z0-9]{8}$/;

/** Who is asking: an account, or nobody (no header: dcmgr's unscoped administrator view). */
export type Requester = SimAccount | undefined;

/** States whose instance holds CPU and memory on a host node. */
const ON_HOST: ReadonlySet<InstanceState> = new Set(['initializing', 'pending', 'starting', 'running', 'halting', 'halted', 'shuttingdown', 'stopping']);

/** Everything the simulated dcmgr knows, and the rules for finding it as a given account. */
export class WakameState {
  readonly accounts = new Map<string, SimAccount>();
  readonly hostNodes: SimHostNode[] = [];
  readonly images = new Map<string, SimImage>();
  readonly instances = new Map<string, SimInstance>();
  readonly jobs: SimJob[] = [];
  /** The sites this site's backup storage agent copies to, by name. */
  readonly destinations = new Map<string, SimDestination>();
  private seed: number;

  constructor(readonly options: ResolvedOptions) {
    this.seed = options.seed >>> 0 || 1;
  }

  now(): number {
    return this.options.clock.now();
  }

  /** `prefix-` and 8 lowercase letters or digits, from a seeded sequence so runs repeat. */
  newId(prefix: string): string {
    for (;;) {
      let id = `${prefix}-`;
      for (let i = 0; i < 8; i += 1) id += ID_CHARS[this.random() % ID_CHARS.length];
      if (!this.images.has(id) && !this.instances.has(id)) return id;
    }
  }

  /** The X-VDC-Account-UUID rules: absent is admin, malformed 103, disabled 104, unknown created on the fly. */
  requester(header: string | undefined): Requester {
    if (header === undefined) return undefined;
    if (!ACCOUNT_ID.test(header)) {
      throw new DcmgrFailure('InvalidRequestCredentials', `Invalid uuid or unsupported uuid: ${header} in Dcmgr::Models::Account`);
    }
    let account = this.accounts.get(header);
    if (account === undefined) {
      account = { id: header, disabled: false };
      this.accounts.set(header, account);
    }
    if (account.disabled) throw new DcmgrFailure('DisabledAccount');
    return account;
  }

  /** Applies every timed step that is due, for every record (a list shows them all current). */
  settleAll(): void {
    for (const image of this.images.values()) this.settleImage(image);
    for (const instance of this.instances.values()) this.settleInstance(instance);
  }

  visibleInstances(requester: Requester): SimInstance[] {
    this.settleAll();
    return [...this.instances.values()].filter((instance) => requester === undefined || instance.accountId === requester.id);
  }

  /** dcmgr's find_by_uuid: 143 for a malformed id, 100 for an unknown one or another account's. */
  findInstance(requester: Requester, id: string): SimInstance {
    if (!INSTANCE_ID.test(id)) throw new DcmgrFailure('InvalidParameter', `Invalid UUID Syntax: ${id}`);
    const instance = this.instances.get(id);
    if (instance === undefined || (requester !== undefined && instance.accountId !== requester.id)) {
      throw new DcmgrFailure('UnknownUUIDResource', id);
    }
    this.settleInstance(instance);
    return instance;
  }

  /** Public images are anyone's to read; private ones only their account's. */
  findImage(requester: Requester, id: string): SimImage {
    if (id === '') throw new DcmgrFailure('UndefinedImageID');
    if (!IMAGE_ID.test(id)) throw new DcmgrFailure('InvalidParameter', `Invalid UUID Syntax: ${id}`);
    const image = this.images.get(id);
    const hidden = image !== undefined && !image.isPublic && requester !== undefined && image.accountId !== requester.id;
    if (image === undefined || hidden) {
      // The older API answered an unknown image with its own code.
      if (this.options.dialect === 'legacy') throw new DcmgrFailure('UnknownImage', id);
      throw new DcmgrFailure('UnknownUUIDResource', id);
    }
    this.settleImage(image);
    return image;
  }

  /** A host node of `hypervisor` with room for the instance, or undefined. */
  placeFor(hypervisor: string, cpuCores: number, memoryMb: number, except?: SimInstance): SimHostNode | undefined {
    this.settleAll();
    return this.hostNodes.find((node) => {
      if (node.hypervisor !== hypervisor) return false;
      let cpu = 0;
      let memory = 0;
      for (const instance of this.instances.values()) {
        if (instance === except || instance.hostNodeId !== node.id || !ON_HOST.has(instance.state)) continue;
        cpu += instance.cpuCores;
        memory += instance.memoryMb;
      }
      return cpu + cpuCores <= node.cpuCores && memory + memoryMb <= node.memoryMb;
    });
  }

  /** Replaces whatever was planned with `states`, one every stepMs from now. */
  planInstance(instance: SimInstance, now: InstanceState, ...next: InstanceState[]): void {
    instance.state = now;
    instance.steps = plan(this.now(), this.options.timings.stepMs, next);
    this.onInstanceState(instance);
  }

  planImage(image: SimImage, now: ImageState, ...next: ImageState[]): void {
    image.state = now;
    image.steps = plan(this.now(), this.options.timings.imageStepMs, next);
  }

  private settleInstance(instance: SimInstance): void {
    const now = this.now();
    while (instance.steps[0] !== undefined && instance.steps[0].at <= now) {
      const step = instance.steps.shift() as Step<InstanceState>;
      instance.state = step.state;
      this.onInstanceState(instance, step.at);
    }
  }

  private settleImage(image: SimImage): void {
    const now = this.now();
    while (image.steps[0] !== undefined && image.steps[0].at <= now) {
      const step = image.steps.shift() as Step<ImageState>;
      image.state = step.state;
      image.updatedAt = step.at;
    }
  }

  /** What reaching a state does beside the state: stopped instances leave their host, terminated ones are stamped. */
  private onInstanceState(instance: SimInstance, at = this.now()): void {
    if (instance.state === 'stopped' || instance.state === 'terminated') instance.hostNodeId = null;
    if (instance.state === 'terminated') instance.terminatedAt = at;
  }

  /** mulberry32: small, seeded, good enough for ids. */
  private random(): number {
    this.seed = (this.seed + 0x6d2b79f5) >>> 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
}

function plan<S extends string>(from: number, stepMs: number, states: S[]): Step<S>[] {
  return states.map((state, index) => ({ state, at: from + stepMs * (index + 1) }));
}
