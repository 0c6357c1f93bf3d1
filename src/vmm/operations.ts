import { OperationError, isOperationError, reasonOf } from '../errors.js';
import type { CallContext, Capability, QueuedCopy, StartedImage, VmmBackend } from './backend.js';
import { CoalescingBackend } from './coalescing-backend.js';
import { type Page, type PageRequest, checkPage, matchesImageFilter, nameFilter, paginate } from './listing.js';
import type {
  Host,
  Image,
  ImageChanges,
  ImageFilter,
  ImageId,
  Network,
  NewImage,
  Ref,
  Storage,
  StorageId,
  Task,
  TaskId,
  Vm,
  VmChanges,
  VmId,
  VmStatus,
  VmSummary,
} from './model.js';
import { explainPowerOnFailure } from './power.js';
import { STOPPED_FOR_EVERY_CHANGE, type StoppedChange, unlessStopped } from './preconditions.js';
import {
  type CreateImageSpec,
  type CreateVmFromImageSpec,
  type CreateVmOutcome,
  type CreateVmSpec,
  createVmFromImage,
  createVmFromSpec,
  checkChanges,
  defaultChoice,
} from './provision.js';
import { type OneStepOutcome, type OneStepSpec, createInOneStep } from './one-step-create.js';
import { KINDS, resolveRef } from './resolve.js';
import { sameName } from '../text/names.js';
import {
  DEFAULT_POLL_SCHEDULE,
  type PollSchedule,
  type WaitOptions,
  type WaitOutcome,
  pollUntil,
} from './wait.js';
import { quoted } from '../text/quote.js';

export type { Page, PageRequest } from './listing.js';
export type { Progress, WaitOptions, WaitOutcome } from './wait.js';
export type { CreateImageSpec, CreateVmFromImageSpec, CreateVmOutcome, CreateVmSpec } from './provision.js';
export type { OneStepOutcome, OneStepSpec } from './one-step-create.js';

export interface VmFilter {
  /** A case-insensitive substring of the name, or a glob over the whole name when it has `*` or `?`. */
  name?: string;
  /** Names starting with this, taken literally (completion): case-insensitive, NFC. */
  namePrefix?: string;
  status?: VmStatus;
  /** A host id or name. */
  host?: string;
}

export interface PowerOutcome {
  vm: Vm;
  /** The backend said the VM was already in the wanted state (reason vm_running or vm_stopped); nothing was changed. */
  already: boolean;
  /** The VM reached the wanted state (within the wait, when one was asked for). */
  settled: boolean;
}

export interface VmmOptions {
  /** First pause between polls while waiting (default 500 ms); grows 1.5x per poll. */
  pollMs?: number;
  /** Longest pause between polls (default 5000 ms). */
  maxPollMs?: number;
}

const TASK_READ_CONCURRENCY = 8;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Virtual machine operations over any backend: name-or-id resolution, filters and paging, waits
 * with backoff and progress, and multi-step provisioning that never hides a half-made VM.
 * Nothing is cached, so every answer is current; identical reads asked for at the same time share
 * one backend request (see CoalescingBackend).
 */
export class Vmm {
  readonly backend: VmmBackend;
  private readonly schedule: PollSchedule;

  constructor(backend: VmmBackend, options: VmmOptions = {}) {
    this.backend = backend instanceof CoalescingBackend ? backend : new CoalescingBackend(backend);
    const pollMs = options.pollMs ?? DEFAULT_POLL_SCHEDULE.pollMs;
    this.schedule = { pollMs, maxPollMs: Math.max(pollMs, options.maxPollMs ?? DEFAULT_POLL_SCHEDULE.maxPollMs) };
  }

  async capabilities(ctx?: CallContext): Promise<ReadonlySet<Capability>> {
    await this.backend.prepare?.(ctx);
    return this.backend.capabilities;
  }

  /** Throws the explanation of a missing capability (which style, what to do instead). */
  async requireCapability(capability: Capability, ctx?: CallContext): Promise<void> {
    if (!(await this.capabilities(ctx)).has(capability)) throw this.backend.unsupported(capability);
  }

  /** Whether this target's backend makes `change` only on a stopped VM. */
  needsStopped(change: StoppedChange): boolean {
    return (this.backend.mustBeStoppedTo ?? STOPPED_FOR_EVERY_CHANGE).has(change);
  }

  /** Why `change` cannot happen to `vm` in its present status on this target (its backend's rule), or undefined when it can. */
  unmetPrecondition(change: StoppedChange, vm: { name: string; status?: string }): OperationError | undefined {
    return unlessStopped(vm, change, this.backend.mustBeStoppedTo ?? STOPPED_FOR_EVERY_CHANGE);
  }

  /** `ref` is an id or exact name, or a VM the caller has just read (the tool layer reads it for the guard). */
  async resolveVm(ref: string | Vm, ctx?: CallContext): Promise<VmSummary> {
    if (typeof ref !== 'string') return ref;
    const direct = await this.vmDirectly(ref, ctx);
    if (direct !== undefined) return summaryOf(direct);
    return resolveRef(KINDS.vm, ref, await this.backend.listVms(ctx));
  }

  async resolveImage(ref: string, ctx?: CallContext): Promise<Image> {
    return resolveRef(KINDS.image, ref, await this.backend.listImages(ctx));
  }

  async resolveHost(ref: string, ctx?: CallContext): Promise<Host> {
    return resolveRef(KINDS.host, ref, await this.listHosts(ctx));
  }

  async resolveStorage(ref: string, ctx?: CallContext): Promise<Storage> {
    return resolveRef(KINDS.storage, ref, await this.listStorages(ctx));
  }

  async resolveNetwork(ref: string, ctx?: CallContext): Promise<Network> {
    return resolveRef(KINDS.network, ref, await this.listNetworks(ctx));
  }

  async listVms(filter: VmFilter, page: PageRequest, ctx?: CallContext): Promise<Page<VmSummary>> {
    checkPage(page);
    const host = filter.host === undefined ? undefined : await this.resolveHost(filter.host, ctx);
    const named = nameFilter(filter.name, filter.namePrefix);
    // With a host filter the backend lists every VM: telling "no host known" from "no name matched" needs them all.
    const all = await this.backend.listVms(ctx, host === undefined ? named : undefined);
    if (host !== undefined && all.length > 0 && all.every((vm) => vm.host === undefined)) {
      throw new OperationError('unsupported', `This DSM's VM list (${this.backend.style}) does not say which host a VM is on, so VMs cannot be filtered by host`, {
        next: 'list without the host filter',
      });
    }
    const vms = all.filter(
      (vm) =>
        (named === undefined || named.matches(vm.name)) &&
        (filter.status === undefined || vm.status === filter.status) &&
        (host === undefined || vm.host?.id === host.id),
    );
    return paginate(vms, page);
  }

  async getVm(ref: string, ctx?: CallContext): Promise<Vm> {
    const direct = await this.vmDirectly(ref, ctx);
    if (direct !== undefined) return direct;
    const vm = resolveRef(KINDS.vm, ref, await this.backend.listVms(ctx));
    return this.backend.getVm(vm.id, ctx);
  }

  async powerOn(ref: string | Vm, options: { host?: string; wait?: WaitOptions }, ctx?: CallContext): Promise<PowerOutcome> {
    const vm = await this.resolveVm(ref, ctx);
    const host = options.host === undefined ? undefined : await this.resolveHost(options.host, ctx);
    let already = false;
    try {
      await this.backend.powerOn(vm.id, host?.id, ctx);
    } catch (error) {
      if (reasonOf(error) !== 'vm_running') throw await explainPowerOnFailure(this.backend, error, vm, host, ctx);
      already = true;
    }
    return this.settle(vm.id, ['running'], already, options.wait, ctx);
  }

  async shutdown(ref: string | Vm, options: { wait?: WaitOptions }, ctx?: CallContext): Promise<PowerOutcome> {
    const vm = await this.resolveVm(ref, ctx);
    const already = await this.stopping(() => this.backend.shutdown(vm.id, ctx));
    return this.settle(vm.id, ['stopped'], already, options.wait, ctx);
  }

  async powerOff(ref: string | Vm, options: { wait?: WaitOptions }, ctx?: CallContext): Promise<PowerOutcome> {
    const vm = await this.resolveVm(ref, ctx);
    const already = await this.stopping(() => this.backend.powerOff(vm.id, ctx));
    return this.settle(vm.id, ['stopped'], already, options.wait, ctx);
  }

  /** Restarts a running VM; with `wait`, until it is running again. A stopped VM is refused, not started. */
  async reboot(ref: string | Vm, options: { wait?: WaitOptions }, ctx?: CallContext): Promise<PowerOutcome> {
    await this.requireCapability('reboot', ctx);
    const vm = await this.resolveVm(ref, ctx);
    // The status was just read: a stopped VM is refused without asking the backend to do what it cannot.
    if (vm.status === 'stopped') throw nothingToReboot(vm);
    try {
      await this.backend.reboot(vm.id, ctx);
    } catch (error) {
      if (reasonOf(error) !== 'vm_stopped' || !(error instanceof OperationError)) throw error;
      throw nothingToReboot(vm, error);
    }
    return this.settle(vm.id, ['running'], false, options.wait, ctx);
  }

  async updateVm(ref: string | Vm, changes: VmChanges, ctx?: CallContext): Promise<Vm> {
    checkChanges(changes);
    const vm = await this.resolveVm(ref, ctx);
    const unmet = changes.vcpus === undefined && changes.ram_mb === undefined ? undefined : this.unmetPrecondition('resize', vm);
    if (unmet !== undefined) throw unmet;
    if (changes.new_name !== undefined && changes.new_name !== vm.name) {
      const newName = changes.new_name;
      const taken = (await this.backend.listVms(ctx)).find((other) => other.id !== vm.id && sameName(other.name, newName));
      if (taken !== undefined) {
        throw new OperationError('conflict', `Cannot rename VM ${quoted(vm.name)}: VM ${taken.id} is already named ${quoted(taken.name)}`, {
          next: 'pick another new_name',
        });
      }
    }
    try {
      await this.backend.updateVm(vm.id, changes, ctx);
    } catch (error) {
      throw explainOnline(error, vm, 'change it');
    }
    return this.backend.getVm(vm.id, ctx);
  }

  async deleteVm(ref: string | Vm, ctx?: CallContext): Promise<{ deleted: VmSummary }> {
    const vm = await this.resolveVm(ref, ctx);
    const unmet = this.unmetPrecondition('delete', vm);
    if (unmet !== undefined) throw unmet;
    try {
      await this.backend.deleteVm(vm.id, ctx);
    } catch (error) {
      throw explainOnline(error, vm, 'delete it');
    }
    return { deleted: vm };
  }

  /** Creates a VM from explicit parts; with `wait`, follows the task and applies vcpus/ram_mb. */
  async createVm(spec: CreateVmSpec, options: { wait?: WaitOptions }, ctx?: CallContext): Promise<CreateVmOutcome> {
    return createVmFromSpec(this, spec, options, ctx);
  }

  /** The common path in one call: clone a disk image, attach a network, set CPU/RAM, optionally power on. */
  async createVmFromImage(
    spec: CreateVmFromImageSpec,
    options: { wait: WaitOptions },
    ctx?: CallContext,
  ): Promise<CreateVmOutcome> {
    return createVmFromImage(this, spec, options, ctx);
  }

  /** On backends that create a VM from an image in one request (capability create_vm_from_image without create_vm). */
  async createVmInOneStep(spec: OneStepSpec, options: { wait: WaitOptions }, ctx?: CallContext): Promise<OneStepOutcome> {
    await this.requireCapability('create_vm_from_image', ctx);
    return createInOneStep(this, spec, options.wait, ctx);
  }

  /**
   * One page of the images the filter selects (without a status: all but the deleted ones), counted
   * after filtering. The backend narrows its request where its API can; the filter is applied here
   * again, so the page and total are right either way.
   */
  async listImages(page: PageRequest, ctx?: CallContext, filter: ImageFilter = {}): Promise<Page<Image>> {
    checkPage(page);
    if (filter.region !== undefined) await this.requireCapability('regions', ctx);
    if (filter.status !== undefined) await this.requireCapability('image_status', ctx);
    const images = await this.backend.listImages(ctx, filter);
    return paginate(images.filter((image) => matchesImageFilter(image, filter)), page);
  }

  /**
   * Starts an image build. The receipt is a task (DSM; follow it with waitForTask) or, on backends whose
   * images carry a status, the new image (follow it with waitForImage).
   */
  async createImage(spec: CreateImageSpec, ctx?: CallContext): Promise<{ task: Task } | { image_id: ImageId }> {
    const name = spec.name.trim();
    if (name === '') {
      throw new OperationError('invalid_input', 'An image needs a name', { next: 'pass a non-empty name' });
    }
    let image: NewImage;
    if (spec.source === 'vm') {
      await this.requireCapability('create_image_from_vm', ctx);
      const vm = await this.resolveVm(spec.vm, ctx);
      image = { source: 'vm', name, vm: vm.id };
    } else if (spec.source === 'url') {
      await this.requireCapability('create_image_from_url', ctx);
      image = { source: 'url', name, url: spec.url, format: spec.format, ...(spec.region === undefined ? {} : { region: spec.region }) };
    } else {
      await this.requireCapability('create_image_from_file', ctx);
      const storages = await this.imageStorages(spec.storages, ctx);
      image = { source: 'file', name, ds_file_path: spec.ds_file_path, type: spec.type, storages };
    }
    const started = await this.backend.createImage(image, ctx);
    if (!('task_id' in started)) return { image_id: started.image_id };
    return {
      task: {
        id: started.task_id,
        finished: false,
        progress: 0,
        status: 'started',
        ...(started.image_id === undefined ? {} : { image_id: started.image_id }),
      },
    };
  }

  /**
   * One image. A deleted one (Wakame-VDC keeps its record, and list_images shows it with status
   * deleted) is found by its id, once no live image matched: names of deleted records may repeat.
   */
  async getImage(ref: string, ctx?: CallContext): Promise<Image> {
    try {
      return await this.resolveImage(ref, ctx);
    } catch (error) {
      if (!(error instanceof OperationError && error.kind === 'not_found') || !(await this.capabilities(ctx)).has('image_status')) throw error;
      const deleted = (await this.backend.listImages(ctx, { status: 'deleted' })).find((image) => image.id === ref.trim());
      if (deleted === undefined) throw error;
      return deleted;
    }
  }

  async updateImage(ref: string, changes: ImageChanges, ctx?: CallContext): Promise<Image> {
    await this.requireCapability('update_image', ctx);
    if (changes.new_name === undefined && changes.description === undefined) {
      throw new OperationError('invalid_input', 'Nothing to change: no new_name or description given', { next: 'pass at least one of them' });
    }
    if (changes.new_name !== undefined && changes.new_name.trim() === '') {
      throw new OperationError('invalid_input', 'new_name is empty', { next: 'pass a non-empty new_name' });
    }
    const image = await this.resolveImage(ref, ctx);
    await this.backend.updateImage(image.id, changes, ctx);
    return (await this.backend.listImages(ctx)).find((each) => each.id === image.id) ?? { ...image, ...(changes.new_name === undefined ? {} : { name: changes.new_name }) };
  }

  /**
   * Starts a copy of an image to `destination` (a region, for one). A copy made here is followed like a
   * new image; one made elsewhere (a Wakame-VDC destination) comes back as the job making it.
   */
  async copyImage(ref: string, destination: string, ctx?: CallContext): Promise<{ source: Image } & (StartedImage | QueuedCopy)> {
    await this.requireCapability('copy_image', ctx);
    const image = await this.resolveImage(ref, ctx);
    return { source: image, ...(await this.backend.copyImage(image.id, destination, ctx)) };
  }

  /** Polls an image until its status is no longer pending (available, failed or deleted), with progress. */
  async waitForImage(id: ImageId, options: WaitOptions): Promise<WaitOutcome<Image>> {
    return pollUntil<Image>(
      {
        what: `waiting for image ${id} to become available`,
        read: async (signal) => {
          const image = (await this.backend.listImages({ signal })).find((each) => each.id === id);
          if (image === undefined) {
            throw new OperationError('not_found', `Image ${id} disappeared while being watched`, { next: 'check list_images' });
          }
          return image;
        },
        isDone: (image) => image.status !== 'pending',
        describe: (image, poll) => ({ progress: poll, message: `image ${image.name}: ${image.status ?? 'unknown'}` }),
      },
      options,
      this.schedule,
    );
  }

  async deleteImage(ref: string, ctx?: CallContext): Promise<{ deleted: Image }> {
    const image = await this.resolveImage(ref, ctx);
    await this.backend.deleteImage(image.id, ctx);
    return { deleted: image };
  }

  async listHosts(ctx?: CallContext): Promise<Host[]> {
    await this.requireCapability('hosts', ctx);
    return this.backend.listHosts(ctx);
  }

  async listStorages(ctx?: CallContext): Promise<Storage[]> {
    await this.requireCapability('storages', ctx);
    return this.backend.listStorages(ctx);
  }

  async listNetworks(ctx?: CallContext): Promise<Network[]> {
    await this.requireCapability('networks', ctx);
    return this.backend.listNetworks(ctx);
  }

  /** Every task DSM still holds. A task that vanishes between listing and reading is left out. */
  async listTasks(ctx?: CallContext): Promise<Task[]> {
    await this.requireCapability('tasks', ctx);
    const ids = await this.backend.listTasks(ctx);
    const tasks: Array<Task | undefined> = new Array(ids.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < ids.length; index = next++) {
        tasks[index] = await this.readTaskIfPresent(ids[index] as TaskId, ctx);
      }
    };
    await Promise.all(Array.from({ length: Math.min(TASK_READ_CONCURRENCY, ids.length) }, worker));
    return tasks.filter((task): task is Task => task !== undefined);
  }

  async getTask(id: string, ctx?: CallContext): Promise<Task> {
    await this.requireCapability('tasks', ctx);
    try {
      return await this.backend.getTask(id as TaskId, ctx);
    } catch (error) {
      throw reasonOf(error) === 'task_not_found' ? taskNotFound(id, error) : error;
    }
  }

  /**
   * Polls a task until it finishes, with backoff; a timeout answers done=false, not an error. A finished
   * task is then cleared from DSM: creates keep theirs (auto_clean_task=false) only so that this result
   * can be read, and it now has been.
   */
  async waitForTask(id: TaskId, options: WaitOptions): Promise<WaitOutcome<Task>> {
    await this.requireCapability('tasks', { signal: options.signal });
    let seen: Task | undefined;
    const outcome = await pollUntil<Task>(
      {
        what: `waiting for task ${id}`,
        read: async (signal) => {
          try {
            seen = await this.backend.getTask(id, { signal });
            return seen;
          } catch (error) {
            if (reasonOf(error) !== 'task_not_found') throw error;
            throw seen === undefined ? taskNotFound(id, error) : taskVanished(seen, error);
          }
        },
        isDone: (task) => task.finished,
        describe: (task) => ({
          progress: task.progress,
          total: 100,
          message: `task ${id}: ${task.finished ? 'finished' : task.status}, ${task.progress}%`,
        }),
      },
      options,
      this.schedule,
    );
    if (outcome.done) {
      await this.backend.clearTask(id, { signal: options.signal }).catch((error: unknown) => {
        // Deliberately not reported: an uncleared task is only an extra line in DSM's task list, and
        // the caller already holds the task's final state.
        if (!isOperationError(error)) throw error;
      });
    }
    return outcome;
  }

  /** Polls a VM until its status is one of `wanted`. Power actions return no task, so this is how to wait for them. */
  async waitForStatus(id: VmId, wanted: readonly VmStatus[], options: WaitOptions): Promise<WaitOutcome<Vm>> {
    return pollUntil<Vm>(
      {
        what: `waiting for VM ${id} to be ${wanted.join(' or ')}`,
        read: (signal) => this.backend.getVm(id, { signal }),
        isDone: (vm) => wanted.includes(vm.status),
        describe: (vm, poll) => ({ progress: poll, message: `status: ${vm.status}` }),
      },
      options,
      this.schedule,
    );
  }

  async close(): Promise<void> {
    await this.backend.close();
  }

  /** A single storage is the obvious default; several make the caller choose. */
  private async defaultStorage(ctx?: CallContext): Promise<Storage> {
    return defaultChoice(KINDS.storage, 'storage', await this.listStorages(ctx));
  }

  private async imageStorages(refs: readonly string[] | undefined, ctx?: CallContext): Promise<StorageId[]> {
    if (refs === undefined || refs.length === 0) return [(await this.defaultStorage(ctx)).id];
    const storages = await this.listStorages(ctx);
    return refs.map((ref) => resolveRef(KINDS.storage, ref, storages).id);
  }

  /**
   * One request instead of listing every VM: a UUID-shaped reference is tried as an id first (an id
   * wins over a VM named like it), then the reference as an exact name where the backend reads a VM
   * by name. Only a miss of both lists the VMs, whose matching decides and explains a miss.
   */
  private async vmDirectly(ref: string, ctx: CallContext | undefined): Promise<Vm | undefined> {
    const wanted = ref.trim();
    if (wanted === '') return undefined;
    const byId = await this.vmById(wanted, ctx);
    if (byId !== undefined) return byId;
    const byName = await this.backend.getVmByName?.(wanted, ctx);
    return byName?.name === wanted ? byName : undefined;
  }

  private async vmById(ref: string, ctx: CallContext | undefined): Promise<Vm | undefined> {
    if (!UUID.test(ref)) return undefined;
    try {
      const vm = await this.backend.getVm(ref as VmId, ctx);
      return vm.id === ref ? vm : undefined;
    } catch (error) {
      // A refusal (unknown id) means the reference is a name after all; a failed request is a failure.
      if (!isOperationError(error) || error.kind !== 'backend') throw error;
      return undefined;
    }
  }

  private async readTaskIfPresent(id: TaskId, ctx?: CallContext): Promise<Task | undefined> {
    try {
      return await this.backend.getTask(id, ctx);
    } catch (error) {
      // Listed a moment ago, cleaned up since (auto_clean_task): it is simply no longer there.
      if (reasonOf(error) === 'task_not_found') return undefined;
      throw error;
    }
  }

  /** A stop refused because the VM is stopped means it already was. */
  private async stopping(stop: () => Promise<void>): Promise<boolean> {
    try {
      await stop();
      return false;
    } catch (error) {
      if (reasonOf(error) === 'vm_stopped') return true;
      throw error;
    }
  }

  private async settle(
    id: VmId,
    wanted: readonly VmStatus[],
    already: boolean,
    wait: WaitOptions | undefined,
    ctx: CallContext | undefined,
  ): Promise<PowerOutcome> {
    if (wait !== undefined) {
      const outcome = await this.waitForStatus(id, wanted, { ...wait, signal: wait.signal ?? ctx?.signal });
      return { vm: outcome.value, already, settled: outcome.done };
    }
    const vm = await this.backend.getVm(id, ctx);
    return { vm, already, settled: wanted.includes(vm.status) };
  }
}

function summaryOf(vm: Vm): VmSummary {
  return {
    id: vm.id,
    name: vm.name,
    status: vm.status,
    vcpus: vm.vcpus,
    ram_mb: vm.ram_mb,
    ...(vm.host === undefined ? {} : { host: vm.host }),
  };
}

/** A backend's own not-found error already says what is missing; DSM's code 1000 says only "cannot find task_id". */
function taskNotFound(id: string, cause: unknown): OperationError {
  if (isOperationError(cause) && cause.kind === 'not_found') return cause;
  return new OperationError('not_found', `No task ${id}: DSM does not know the id, or the task finished and was cleaned up`, {
    next: 'call list_tasks to see the tasks DSM still holds; check list_vms or list_images for what the task produced',
    cause,
  });
}

function taskVanished(last: Task, cause: unknown): OperationError {
  return new OperationError(
    'not_found',
    `Task ${last.id} disappeared while being watched (last seen ${last.status} at ${last.progress}%): DSM cleaned it up (auto-clean) or lost it, so its outcome is unknown`,
    { next: 'check list_vms or list_images for what the task was producing', cause },
  );
}

function explainOnline(error: unknown, vm: Ref<VmId>, action: string): unknown {
  if (reasonOf(error) !== 'vm_running' || !(error instanceof OperationError)) return error;
  return new OperationError('conflict', `VM ${quoted(vm.name)} is running, so the backend refused to ${action}`, {
    next: 'shut the VM down first with shutdown, then retry',
    dsm: error.dsm,
    reason: 'vm_running',
    cause: error,
  });
}


function nothingToReboot(vm: Ref<VmId>, cause?: OperationError): OperationError {
  return new OperationError('conflict', `VM ${vm.name} is stopped, so there is nothing to reboot`, {
    next: 'start it with power_on instead',
    reason: 'vm_stopped',
    ...(cause === undefined ? {} : { cause }),
  });
}
