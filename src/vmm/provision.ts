import { OperationError, isOperationError } from '../errors.js';
import type { CallContext } from './backend.js';
import { type Choice, type Chosen, chooseNetwork, chooseStorage } from './choices.js';
import {
  AUTORUN_MODES,
  type Image,
  type ImageType,
  type Network,
  type NetworkId,
  type NewDisk,
  type Storage,
  type Task,
  type TaskId,
  type UrlImageFormat,
  type Vm,
  type VmChanges,
  type VmId,
  type VmStatus,
  type VmSummary,
} from './model.js';
import type { Capability, VmmBackend } from './backend.js';
import { explainPowerOnFailure, messageOf } from './power.js';
import { KINDS, type Kind, resolveRef } from './resolve.js';
import { sameName } from '../text/names.js';
import { quoted } from '../text/quote.js';
import type { WaitOptions, WaitOutcome } from './wait.js';

/** What provisioning needs of the operations layer (`Vmm` fits it); an interface, so neither module imports the other. */
export interface ProvisioningVmm {
  readonly backend: VmmBackend;
  requireCapability(capability: Capability, ctx?: CallContext): Promise<void>;
  resolveImage(ref: string, ctx?: CallContext): Promise<Image>;
  resolveStorage(ref: string, ctx?: CallContext): Promise<Storage>;
  resolveNetwork(ref: string, ctx?: CallContext): Promise<Network>;
  listStorages(ctx?: CallContext): Promise<Storage[]>;
  listNetworks(ctx?: CallContext): Promise<Network[]>;
  waitForTask(id: TaskId, options: WaitOptions): Promise<WaitOutcome<Task>>;
  waitForStatus(id: VmId, wanted: readonly VmStatus[], options: WaitOptions): Promise<WaitOutcome<Vm>>;
}

export interface CreateVmSpec {
  name: string;
  /** Storage id or name. */
  storage: string;
  vcpus?: number;
  ram_mb?: number;
  /** Each disk is empty (`size_gb`) or a clone of a disk image (`image`, id or name). */
  disks: Array<{ size_gb: number } | { image: string }>;
  /** Network ids or names; one vNIC each. */
  networks: string[];
}

export interface CreateVmFromImageSpec {
  name: string;
  /** A disk image (id or name) cloned as the system disk. */
  image: string;
  /** Default: the usable storage holding the image with the most free space that fits the disks. */
  storage?: string;
  /** Default: the backend's default network, else the only one. */
  network?: string;
  vcpus?: number;
  ram_mb?: number;
  /** Adds an empty data disk of this size beside the cloned one (DSM cannot resize a clone on create). */
  disk_size_gb?: number;
  power_on?: boolean;
}

export type CreateImageSpec =
  | { source: 'file'; name: string; ds_file_path: string; type: ImageType; storages?: string[] }
  | { source: 'url'; name: string; url: string; format: UrlImageFormat; region?: string }
  | { source: 'vm'; name: string; vm: string };

export interface CreateVmOutcome {
  vm?: Vm;
  task: Task;
  finished: boolean;
  /** Steps that did not happen after the VM was created (e.g. "set vcpus=4 (error ...)", "power on"). */
  remaining: string[];
  warnings: string[];
  /** The defaults picked for arguments the caller left out (create from an image only). */
  chosen?: Chosen[];
}

/** Everything to do once the create task has started. */
interface CreationJob {
  name: string;
  task: TaskId;
  vcpus?: number;
  ram_mb?: number;
  powerOn: boolean;
  warnings: string[];
}

export async function createVmFromSpec(
  vmm: ProvisioningVmm,
  spec: CreateVmSpec,
  options: { wait?: WaitOptions },
  ctx: CallContext | undefined,
): Promise<CreateVmOutcome> {
  await vmm.requireCapability('create_vm', ctx);
  const name = checkNewVm(spec);
  await ensureNameFree(vmm, name, ctx);
  const storage = await vmm.resolveStorage(spec.storage, ctx);
  const warnings: string[] = [];
  const images = spec.disks.some((disk) => 'image' in disk) ? await vmm.backend.listImages(ctx) : [];
  const disks: NewDisk[] = spec.disks.map((disk) => {
    if (!('image' in disk)) return { kind: 'empty', size_mb: diskSizeMb(disk.size_gb) };
    const image = cloneable(resolveRef(KINDS.image, disk.image, images));
    warnings.push(...placementWarnings(image, storage));
    return { kind: 'clone', image: image.id };
  });
  const networks: NetworkId[] = [];
  if (spec.networks.length > 0) {
    const known = await vmm.listNetworks(ctx);
    for (const ref of spec.networks) networks.push(resolveRef(KINDS.network, ref, known).id);
  }
  const started = await vmm.backend.createVm({ name, storage: storage.id, disks, networks }, ctx);
  return finishCreation(vmm, { ...sizing(spec), name, task: started.task_id, powerOn: false, warnings }, options.wait, ctx);
}

export async function createVmFromImage(
  vmm: ProvisioningVmm,
  spec: CreateVmFromImageSpec,
  options: { wait: WaitOptions },
  ctx: CallContext | undefined,
): Promise<CreateVmOutcome> {
  await vmm.requireCapability('create_vm', ctx);
  const name = checkNewVm(spec);
  const dataDisk = spec.disk_size_gb === undefined ? undefined : diskSizeMb(spec.disk_size_gb);
  await ensureNameFree(vmm, name, ctx);
  const image = cloneable(await vmm.resolveImage(spec.image, ctx));
  const { storage, network, chosen } = await placeNewVm(vmm, name, image, spec, (image.size_mb ?? 0) + (dataDisk ?? 0), ctx);
  const disks: NewDisk[] = [{ kind: 'clone', image: image.id }];
  if (dataDisk !== undefined) disks.push({ kind: 'empty', size_mb: dataDisk });
  const started = await vmm.backend.createVm({ name, storage: storage.id, disks, networks: [network.id] }, ctx);
  const outcome = await finishCreation(
    vmm,
    { ...sizing(spec), name, task: started.task_id, powerOn: spec.power_on ?? false, warnings: placementWarnings(image, storage) },
    options.wait,
    ctx,
  );
  return { ...outcome, chosen };
}

/**
 * The storage and network of a VM made from an image: as given, or picked as VMM's create wizard
 * picks them (see choices.ts). Every choice that cannot be made is named in one error, with its
 * candidates, so that the caller fixes the call once.
 */
async function placeNewVm(
  vmm: ProvisioningVmm,
  name: string,
  image: Image,
  spec: CreateVmFromImageSpec,
  neededMb: number,
  ctx: CallContext | undefined,
): Promise<{ storage: Storage; network: Network; chosen: Chosen[] }> {
  const [storages, networks] = await Promise.all([vmm.listStorages(ctx), vmm.listNetworks(ctx)]);
  const chosen: Chosen[] = [];
  const unmade: Array<{ argument: Chosen['argument']; why: string }> = [];
  const pick = <T extends { id: string; name: string }>(argument: Chosen['argument'], choice: Choice<T>): T | undefined => {
    if ('missing' in choice) {
      unmade.push({ argument, why: choice.missing });
      return undefined;
    }
    chosen.push({ argument, id: choice.picked.id, name: choice.picked.name, why: choice.why });
    return choice.picked;
  };
  const storage =
    spec.storage === undefined ? pick('storage', chooseStorage(image, storages, neededMb)) : resolveRef(KINDS.storage, spec.storage, storages);
  const network = spec.network === undefined ? pick('network', chooseNetwork(networks)) : resolveRef(KINDS.network, spec.network, networks);
  if (storage === undefined || network === undefined) {
    const names = unmade.map((choice) => choice.argument).join(' and ');
    throw new OperationError('invalid_input', `VM ${quoted(name)} needs ${names} given: ${unmade.map((choice) => choice.why).join('; ')}`, {
      next: `pass ${names} as one of the names or ids listed`,
    });
  }
  return { storage, network, chosen };
}

/**
 * After DSM accepted the create: follow the task, then set CPU/RAM (DSM refuses them on create), then
 * power on. The VM exists from here on, so a failing step is reported in `remaining`, never thrown
 * away with the VM. The whole sequence shares the wait's time budget.
 */
async function finishCreation(
  vmm: ProvisioningVmm,
  job: CreationJob,
  wait: WaitOptions | undefined,
  ctx: CallContext | undefined,
): Promise<CreateVmOutcome> {
  const { warnings } = job;
  const started: Task = { id: job.task, finished: false, progress: 0, status: 'started' };
  const pending = pendingSteps(job);
  const afterTask = pending.map((step) => `${step} (after task ${job.task} finishes)`);
  if (wait === undefined) return { task: started, finished: false, remaining: afterTask, warnings };

  const deadline = Date.now() + wait.timeoutMs;
  const signal = wait.signal ?? ctx?.signal;
  const steps: CallContext = signal === undefined ? {} : { signal };
  let task: Task;
  try {
    const outcome = await vmm.waitForTask(job.task, { ...wait, signal, onProgress: phase(wait.onProgress, 0) });
    task = outcome.value;
    if (!outcome.done) {
      warnings.push(`task ${job.task} was still ${task.status} at ${task.progress}% when the wait ended; follow it with wait_task`);
      return { task, finished: false, remaining: afterTask, warnings };
    }
  } catch (error) {
    if (isCancellation(error)) throw cancelledDuringCreation(job, undefined, pending, error);
    // We lost track of the task, but the VM may well exist: look for it instead of hiding it.
    warnings.push(`could not follow task ${job.task}: ${messageOf(error)}`);
    const vm = await findByName(vmm, job.name, steps);
    return {
      ...(vm === undefined ? {} : { vm: await vmm.backend.getVm(vm.id, steps) }),
      task: { ...started, status: 'unknown' },
      finished: false,
      remaining: pending,
      warnings,
    };
  }

  const vmId = task.vm_id ?? (await findByName(vmm, job.name, steps))?.id;
  if (vmId === undefined) {
    throw new OperationError(
      'backend',
      `Creating VM ${quoted(job.name)} failed: task ${job.task} ended with status "${task.status}" and no VM of that name exists`,
      { next: 'check the storage has free space and the image is usable (list_storages, list_images), then retry' },
    );
  }

  const remaining: string[] = [];
  const setStep = setStepOf(job);
  let sized = true;
  if (setStep !== undefined) {
    try {
      await vmm.backend.updateVm(vmId, { vcpus: job.vcpus, ram_mb: job.ram_mb }, steps);
    } catch (error) {
      if (isCancellation(error)) throw cancelledDuringCreation(job, vmId, pending, error);
      sized = false;
      remaining.push(`${setStep} (failed: ${messageOf(error)})`);
    }
  }

  let vm: Vm | undefined;
  try {
    vm = await vmm.backend.getVm(vmId, steps);
  } catch (error) {
    if (isCancellation(error)) throw cancelledDuringCreation(job, vmId, remaining, error);
    warnings.push(`VM ${quoted(job.name)} (id ${vmId}) was created but could not be read back: ${messageOf(error)}`);
  }

  if (job.powerOn && !sized) remaining.push('power on (skipped: CPU/RAM were not set as asked)');
  if (job.powerOn && sized) {
    const summary: VmSummary = vm ?? { id: vmId, name: job.name, status: 'stopped', vcpus: job.vcpus ?? 0, ram_mb: job.ram_mb ?? 0 };
    try {
      await vmm.backend.powerOn(vmId, undefined, steps);
    } catch (error) {
      if (isCancellation(error)) throw cancelledDuringCreation(job, vmId, [...remaining, 'power on'], error);
      const explained = await explainPowerOnFailure(vmm.backend, error, summary, undefined, steps);
      remaining.push(`power on (failed: ${messageOf(explained)})`);
      return { ...(vm === undefined ? {} : { vm }), task, finished: true, remaining, warnings };
    }
    try {
      const running = await vmm.waitForStatus(vmId, ['running'], {
        timeoutMs: Math.max(0, deadline - Date.now()),
        signal,
        onProgress: phase(wait.onProgress, TASK_PHASE_END),
      });
      vm = running.value;
      if (!running.done) warnings.push(`VM ${quoted(job.name)} was still ${running.value.status} when the wait ended`);
    } catch (error) {
      if (isCancellation(error)) throw cancelledDuringCreation(job, vmId, remaining, error);
      warnings.push(`VM ${quoted(job.name)} was powered on, but following its status failed: ${messageOf(error)}`);
    }
  }
  return { ...(vm === undefined ? {} : { vm }), task, finished: true, remaining, warnings };
}

/** Checks a change set before anything is sent; shared by update and create. */
export function checkChanges(changes: VmChanges): void {
  const given = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (given.length === 0) {
    throw new OperationError('invalid_input', 'Nothing to change: no new_name, vcpus, ram_mb, autorun or description given', {
      next: 'pass at least one of them',
    });
  }
  if (changes.new_name !== undefined && changes.new_name.trim() === '') {
    throw new OperationError('invalid_input', 'new_name is empty', { next: 'pass a non-empty new_name' });
  }
  checkWhole('vcpus', changes.vcpus);
  checkWhole('ram_mb', changes.ram_mb);
  if (changes.autorun !== undefined && !AUTORUN_MODES.includes(changes.autorun)) {
    throw new OperationError('invalid_input', `autorun must be one of ${AUTORUN_MODES.join(', ')}, got ${String(changes.autorun)}`, {
      next: `pass autorun as ${AUTORUN_MODES.join(', ')}`,
    });
  }
}

/** The one item when there is exactly one; otherwise the caller has to choose and is told the choices. */
export function defaultChoice<T extends { id: string; name: string }>(kind: Kind, argument: string, items: readonly T[]): T {
  const [only] = items;
  if (only !== undefined && items.length === 1) return only;
  if (items.length === 0) {
    throw new OperationError('not_found', `No ${kind.noun} exists to use as the default ${argument}`, {
      next: `create one in Virtual Machine Manager, then retry (${kind.listTool} shows what exists)`,
    });
  }
  const choices = items.map((item) => `${quoted(item.name)} (id ${item.id})`).join(', ');
  throw new OperationError('invalid_input', `${items.length} ${kind.noun}s exist, so ${argument} must be given: ${choices}`, {
    next: `pass ${argument} as one of these names or ids`,
  });
}

function checkNewVm(spec: { name: string; vcpus?: number; ram_mb?: number }): string {
  const name = spec.name.trim();
  if (name === '') throw new OperationError('invalid_input', 'A new VM needs a name', { next: 'pass a non-empty name' });
  checkWhole('vcpus', spec.vcpus);
  checkWhole('ram_mb', spec.ram_mb);
  return name;
}

function checkWhole(field: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new OperationError('invalid_input', `${field} must be a whole number of at least 1, got ${value}`, {
      next: `pass a positive whole ${field}`,
    });
  }
}

function diskSizeMb(sizeGb: number): number {
  if (!Number.isFinite(sizeGb) || sizeGb <= 0) {
    throw new OperationError('invalid_input', `A disk size must be a positive number of GiB, got ${sizeGb}`, {
      next: 'pass size_gb such as 20',
    });
  }
  return Math.round(sizeGb * 1024);
}

/** The guide: the image cloned into a vDisk must be of type disk. */
function cloneable(image: Image): Image {
  if (image.type === 'disk') return image;
  throw new OperationError('invalid_input', `Image ${quoted(image.name)} is a ${image.type} image; only disk images can be cloned into a VM disk`, {
    next: 'pick an image of type disk from list_images',
  });
}

/** DSM answers 403 to a duplicate name only after the work started; say it before. */
async function ensureNameFree(vmm: ProvisioningVmm, name: string, ctx: CallContext | undefined): Promise<void> {
  const taken = await findByName(vmm, name, ctx);
  if (taken !== undefined) {
    throw new OperationError('conflict', `A VM named ${quoted(name)} already exists (id ${taken.id}, ${taken.status})`, {
      next: 'pick another name, or use the existing VM',
    });
  }
}

async function findByName(vmm: ProvisioningVmm, name: string, ctx: CallContext | undefined): Promise<VmSummary | undefined> {
  return (await vmm.backend.listVms(ctx)).find((vm) => sameName(vm.name, name));
}

function placementWarnings(image: Image, storage: Storage): string[] {
  if (image.storages.length === 0 || image.storages.some((where) => where.id === storage.id)) return [];
  return [`image ${quoted(image.name)} is not on storage ${quoted(storage.name)}; DSM has to copy it there, or may refuse the clone`];
}

function sizing(spec: { vcpus?: number; ram_mb?: number }): { vcpus?: number; ram_mb?: number } {
  return {
    ...(spec.vcpus === undefined ? {} : { vcpus: spec.vcpus }),
    ...(spec.ram_mb === undefined ? {} : { ram_mb: spec.ram_mb }),
  };
}

function setStepOf(job: CreationJob): string | undefined {
  const parts = [
    ...(job.vcpus === undefined ? [] : [`vcpus=${job.vcpus}`]),
    ...(job.ram_mb === undefined ? [] : [`ram_mb=${job.ram_mb}`]),
  ];
  return parts.length === 0 ? undefined : `set ${parts.join(', ')} with update_vm`;
}

function pendingSteps(job: CreationJob): string[] {
  const setStep = setStepOf(job);
  return [...(setStep === undefined ? [] : [setStep]), ...(job.powerOn ? ['power on'] : [])];
}

/** The task reports 0-100; the status polls that follow continue from there. */
const TASK_PHASE_END = 100;

/**
 * One progress scale across the steps of a creation, so it never runs backwards (MCP progress must
 * grow). The steps' totals differ, so none is passed on.
 */
function phase(onProgress: WaitOptions['onProgress'], offset: number): WaitOptions['onProgress'] {
  if (onProgress === undefined) return undefined;
  return (progress) => onProgress({ progress: offset + progress.progress, message: progress.message });
}

function isCancellation(error: unknown): boolean {
  return isOperationError(error) && error.kind === 'cancelled';
}

function cancelledDuringCreation(job: CreationJob, vmId: VmId | undefined, left: string[], cause: unknown): OperationError {
  const created = vmId === undefined ? `DSM keeps creating VM ${quoted(job.name)} (task ${job.task})` : `VM ${quoted(job.name)} exists (id ${vmId})`;
  const steps = left.length > 0 ? `; not done: ${left.join('; ')}` : '';
  return new OperationError('cancelled', `Cancelled while creating VM ${quoted(job.name)}: ${created}${steps}`, {
    next: `check it with get_vm or get_task ${job.task}, then finish or delete it`,
    cause,
  });
}

