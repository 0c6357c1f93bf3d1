import { z } from 'zod';
import { OperationError } from '../errors.js';
import { IMAGE_TYPES } from '../vmm/model.js';
import type { CreateImageSpec } from '../vmm/operations.js';
import { imageArgument, limitArgument, newNameArgument, offsetArgument, storageArgument, vmArgument } from './args.js';
import { CONFIRMATION_NOTE, defineTool, type ToolDefinition } from './define.js';
import { imageSubject } from './subjects.js';
import { imageView, pageFields, pageInfo, taskView, toImageView, toTaskView } from './views.js';

const ABSOLUTE_PATH = /^\/[^\u0000-\u001f\u007f-\u009f]*$/;

const listImages = defineTool({
  name: 'list_images',
  title: 'List images',
  description: 'List images (disk, vdsm, iso) with size_gb and the storages holding them, paged.',
  effect: 'read',
  input: z.object({ limit: limitArgument, offset: offsetArgument }),
  output: z.object({ images: z.array(imageView), ...pageFields }),
  async run({ limit, offset }, ctx) {
    const page = await ctx.vmm.listImages({ limit, offset }, ctx);
    return { images: page.items.map(toImageView), ...pageInfo(page, { limit, offset }) };
  },
});

/** Exactly one source: a file on the NAS, or an existing VM. */
function imageSource(args: { name: string; ds_file_path?: string; type?: (typeof IMAGE_TYPES)[number]; storages?: string[]; vm?: string }): CreateImageSpec {
  const { name, ds_file_path, type, storages, vm } = args;
  if (ds_file_path !== undefined && vm !== undefined) {
    throw new OperationError('invalid_input', 'create_image takes either ds_file_path (a file on the NAS) or vm (an existing VM), not both', {
      next: 'pass only one of ds_file_path and vm',
    });
  }
  if (vm !== undefined) return { source: 'vm', name, vm };
  if (ds_file_path === undefined) {
    throw new OperationError('invalid_input', 'create_image needs a source: ds_file_path (a file on the NAS) or vm (an existing VM)', {
      next: 'pass ds_file_path with type (and storages), or vm',
    });
  }
  if (type === undefined) {
    throw new OperationError('invalid_input', `create_image from a file needs type: one of ${IMAGE_TYPES.join(', ')}`, {
      next: 'pass type disk for a virtual disk file, iso for an ISO, vdsm for a vDSM image',
    });
  }
  return { source: 'file', name, ds_file_path, type, ...(storages === undefined ? {} : { storages }) };
}

const createImage = defineTool({
  name: 'create_image',
  title: 'Create an image',
  description:
    'Create an image from a file on the NAS (ds_file_path, type, storages) or from a VM. Returns the task to follow with wait_task.',
  effect: 'write',
  input: z.object({
    name: newNameArgument.describe('Name of the new image.'),
    ds_file_path: z
      .string()
      .min(2)
      .max(4096)
      .regex(ABSOLUTE_PATH, 'must be an absolute path on the NAS (starting with /), without control characters')
      .optional()
      .describe('Absolute path on the NAS, e.g. "/datastore/ubuntu.img". Give this or vm.'),
    type: z.enum(IMAGE_TYPES).optional().describe('Needed with ds_file_path.'),
    storages: z
      .array(storageArgument)
      .min(1)
      .max(16)
      .optional()
      .describe('Where to keep it (with ds_file_path). Default: the only storage.'),
    vm: vmArgument.optional(),
  }),
  output: z.object({ status: z.literal('started'), message: z.string(), task: taskView }),
  async run(args, ctx) {
    const spec = imageSource(args);
    // Making an image reads the VM without changing it, so a protected VM may be the source.
    const from = spec.source === 'vm' ? `VM ${spec.vm}` : spec.source === 'url' ? `URL ${spec.url}` : `file ${spec.ds_file_path}`;
    await ctx.guard(undefined, `Creates image ${spec.name} from ${from}.`);
    const started = await ctx.vmm.createImage(spec, ctx);
    if (!('task' in started)) {
      throw new OperationError('protocol', `The backend started image ${spec.name} (id ${started.image_id}) without a task`, {
        next: 'follow it with list_images',
      });
    }
    const { task } = started;
    return {
      status: 'started' as const,
      message: `Creating image ${spec.name} runs as task ${task.id}. Follow it with wait_task, then see the image in list_images.`,
      task: toTaskView(task),
    };
  },
});

const deleteImage = defineTool({
  name: 'delete_image',
  title: 'Delete an image',
  description: `Delete an image from every storage, permanently; VMs cloned from it keep their disks. ${CONFIRMATION_NOTE}`,
  effect: 'destructive',
  input: z.object({ image: imageArgument }),
  output: z.object({
    status: z.literal('deleted'),
    message: z.string(),
    deleted: z.object({ id: z.string(), name: z.string() }),
  }),
  async run({ image }, ctx) {
    const target = await ctx.vmm.resolveImage(image, ctx);
    const where = target.storages.map((storage) => storage.name).join(', ') || 'no storage';
    await ctx.guard(imageSubject(target), `Deletes ${target.type} image ${target.name} from ${where} permanently; this cannot be undone.`);
    const { deleted } = await ctx.vmm.deleteImage(target.id, ctx);
    return { status: 'deleted' as const, message: `Image ${deleted.name} (id ${deleted.id}) was deleted.`, deleted: { id: deleted.id, name: deleted.name } };
  },
});

export const IMAGE_TOOLS: readonly ToolDefinition[] = [listImages, createImage, deleteImage];
