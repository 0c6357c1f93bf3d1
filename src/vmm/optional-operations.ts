import type { OperationError } from '../errors.js';
import type { CallContext, Capability, CreatedVm, QueuedCopy, StartedImage, StartedTask } from './backend.js';
import type { Host, ImageChanges, ImageId, Network, NewVm, NewVmFromImage, Storage, Task, TaskId, VmId } from './model.js';

/**
 * Every VmmBackend operation that stands behind a capability, each refused with that capability's
 * `unsupported` answer. A backend extends this and writes only what its system can do: LunaNode
 * overrides reboot, create_vm_from_image and listHosts, and keeps the refusals of tasks, storages and
 * networks. Being called anyway is the tool layer's fault (it checks capabilities first), so the
 * refusal is the same one the tool layer would have given.
 */
export abstract class OptionalOperations {
  abstract unsupported(capability: Capability): OperationError;

  createVm(_spec: NewVm, _ctx?: CallContext): Promise<StartedTask> {
    return this.refuse('create_vm');
  }

  createVmFromImage(_spec: NewVmFromImage, _ctx?: CallContext): Promise<CreatedVm> {
    return this.refuse('create_vm_from_image');
  }

  reboot(_id: VmId, _ctx?: CallContext): Promise<void> {
    return this.refuse('reboot');
  }

  updateImage(_id: ImageId, _changes: ImageChanges, _ctx?: CallContext): Promise<void> {
    return this.refuse('update_image');
  }

  copyImage(_id: ImageId, _destination: string, _ctx?: CallContext): Promise<StartedImage | QueuedCopy> {
    return this.refuse('copy_image');
  }

  listHosts(_ctx?: CallContext): Promise<Host[]> {
    return this.refuse('hosts');
  }

  listStorages(_ctx?: CallContext): Promise<Storage[]> {
    return this.refuse('storages');
  }

  listNetworks(_ctx?: CallContext): Promise<Network[]> {
    return this.refuse('networks');
  }

  listTasks(_ctx?: CallContext): Promise<TaskId[]> {
    return this.refuse('tasks');
  }

  getTask(_id: TaskId, _ctx?: CallContext): Promise<Task> {
    return this.refuse('tasks');
  }

  clearTask(_id: TaskId, _ctx?: CallContext): Promise<void> {
    return this.refuse('tasks');
  }

  private refuse(capability: Capability): Promise<never> {
    return Promise.reject(this.unsupported(capability));
  }
}
