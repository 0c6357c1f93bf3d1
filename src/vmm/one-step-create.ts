import { OperationError, isOperationError } from '../errors.js';
import type { CallContext, VmmBackend } from './backend.js';
import type { Image, Vm, VmId, VmStatus } from './model.js';
import { messageOf } from './power.js';
import type { WaitOptions, WaitOutcome } from './wait.js';

/**
 * Creating a VM on a backend that makes one from an image in a single request and sizes it by a plan it
 * picks (LunaNode's vm/create): no task, no storage or network to choose, the VM boots by itself.
 */

export interface OneStepSpec {
  name: string;
  /** An image (id or exact name); the VM is made where the image is. */
  image: string;
  vcpus?: number;
  ram_mb?: number;
  /** Arguments that mean something only to backends that create from parts; given here, they are refused. */
  storage?: string;
  network?: string;
  disk_size_gb?: number;
}

export interface OneStepOutcome {
  vm_id: VmId;
  vm?: Vm;
  /** The size the backend picked, as it names it. */
  plan?: string;
  /** The VM reached `running` within the wait. */
  finished: boolean;
  warnings: string[];
}

export interface OneStepVmm {
  readonly backend: VmmBackend;
  resolveImage(ref: string, ctx?: CallContext): Promise<Image>;
  waitForStatus(id: VmId, wanted: readonly VmStatus[], options: WaitOptions): Promise<WaitOutcome<Vm>>;
}

export async function createInOneStep(vmm: OneStepVmm, spec: OneStepSpec, wait: WaitOptions, ctx: CallContext | undefined): Promise<OneStepOutcome> {
  const name = spec.name.trim();
  if (name === '') throw new OperationError('invalid_input', 'A new VM needs a name', { next: 'pass a non-empty name' });
  const partsOnly = (['storage', 'network', 'disk_size_gb'] as const).filter((key) => spec[key] !== undefined);
  if (partsOnly.length > 0) {
    throw new OperationError('invalid_input', `This target picks storage and network itself (from the plan and the image's region); ${partsOnly.join(', ')} cannot be given`, {
      next: `omit ${partsOnly.join(' and ')}; vcpus and ram_mb choose the plan`,
    });
  }
  const taken = (await vmm.backend.listVms(ctx)).find((vm) => vm.name === name);
  if (taken !== undefined) {
    throw new OperationError('conflict', `A VM named "${name}" already exists (id ${taken.id}, ${taken.status})`, {
      next: 'pick another name, or use the existing VM',
    });
  }
  const image = await vmm.resolveImage(spec.image, ctx);
  if (image.status !== undefined && image.status !== 'available') {
    throw new OperationError('conflict', `Image ${image.name} is ${image.status}, not available: a VM cannot be made from it yet`, {
      next: image.status === 'pending' ? 'wait for it with get_image (wait: true), then retry' : 'pick another image from list_images',
    });
  }
  const created = await vmm.backend.createVmFromImage(
    {
      name,
      image: image.id,
      ...(spec.vcpus === undefined ? {} : { vcpus: spec.vcpus }),
      ...(spec.ram_mb === undefined ? {} : { ram_mb: spec.ram_mb }),
    },
    ctx,
  );
  const base = { vm_id: created.vm_id, ...(created.plan === undefined ? {} : { plan: created.plan }) };
  const signal = wait.signal ?? ctx?.signal;
  try {
    const outcome = await vmm.waitForStatus(created.vm_id, ['running'], { ...wait, signal });
    const warnings = outcome.done ? [] : [`VM ${name} was still ${outcome.value.status} when the wait ended; follow it with get_vm`];
    return { ...base, vm: outcome.value, finished: outcome.done, warnings };
  } catch (error) {
    // The VM exists from here on: never hide it behind a failed status read.
    if (isOperationError(error) && error.kind === 'cancelled') {
      throw new OperationError('cancelled', `Cancelled while VM ${name} (id ${created.vm_id}) was being built; it exists and keeps booting`, {
        next: 'check it with get_vm, then keep or delete it',
        cause: error,
      });
    }
    return { ...base, finished: false, warnings: [`VM ${name} (id ${created.vm_id}) was created, but following its status failed: ${messageOf(error)}`] };
  }
}
