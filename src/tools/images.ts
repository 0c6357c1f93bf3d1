import { z } from 'zod';
import { OperationError } from '../errors.js';
import type { QueuedCopy } from '../vmm/backend.js';
import { IMAGE_STATUSES, IMAGE_TYPES, URL_IMAGE_FORMATS, type Image, type ImageId, type TaskId } from '../vmm/model.js';
import type { CreateImageSpec, WaitOutcome } from '../vmm/operations.js';
import {
  descriptionArgument,
  imageArgument,
  limitArgument,
  newNameArgument,
  offsetArgument,
  storageArgument,
  timeoutArgument,
  vmArgument,
  waitArgument,
} from './args.js';
import { CONFIRMATION_NOTE, defineTool, type ToolContext, type ToolDefinition } from './define.js';
import { waitFor } from './waiting.js';
import { imageSubject } from './subjects.js';
import { imageBrief, imageView, pageFields, pageInfo, taskView, toImageBrief, toImageView, toTaskView } from './views.js';
import { quoted } from '../text/quote.js';

const ABSOLUTE_PATH = /^\/[^\u0000-\u001f\u007f-\u009f]*$/;
const IMAGE_WAIT_TIMEOUT_S = 600;
const WEB_URL = /^(https?|ftp):\/\/[^\s\u0000-\u001f\u007f-\u009f]+$/i;

const listImages = defineTool({
  name: 'list_images',
  title: 'List images',
  description: 'List images (disk, vdsm, iso) with the storages holding them (or region and status), and size_gb on DSM where the box offers its internal image list, paged.',
  effect: 'read',
  inputNeeds: { status: ['image_status'], region: ['regions'] },
  input: z.object({
    status: z
      .enum(IMAGE_STATUSES)
      .optional()
      .describe('Only this status. Default: all but deleted.'),
    region: z.string().min(1).max(64).optional().describe('Only this LunaNode region.'),
    limit: limitArgument,
    offset: offsetArgument,
  }),
  output: z.object({ images: z.array(imageView), ...pageFields }),
  async run({ status, region, limit, offset }, ctx) {
    const page = await ctx.vmm.listImages({ limit, offset }, ctx, { ...(status === undefined ? {} : { status }), ...(region === undefined ? {} : { region }) });
    return { images: page.items.map(toImageView), ...pageInfo(page, { limit, offset }) };
  },
});

interface SourceArgs {
  name: string;
  ds_file_path?: string;
  type?: (typeof IMAGE_TYPES)[number];
  storages?: string[];
  url?: string;
  format?: (typeof URL_IMAGE_FORMATS)[number];
  region?: string;
  vm?: string;
}

/** Exactly one source: a file on the NAS, a URL, or an existing VM. */
function imageSource(args: SourceArgs): CreateImageSpec {
  const { name, ds_file_path, type, storages, url, format, region, vm } = args;
  const given = [ds_file_path === undefined ? [] : ['ds_file_path'], url === undefined ? [] : ['url'], vm === undefined ? [] : ['vm']].flat();
  if (given.length > 1) {
    throw new OperationError('invalid_input', `create_image takes one source: ds_file_path (a file on the NAS), url, or vm (an existing VM), not ${given.join(' and ')}`, {
      next: 'pass only one of ds_file_path, url and vm',
    });
  }
  if (vm !== undefined) return { source: 'vm', name, vm };
  if (url !== undefined) {
    if (format === undefined) {
      throw new OperationError('invalid_input', `create_image from a URL needs format: one of ${URL_IMAGE_FORMATS.join(', ')}`, {
        next: 'pass format iso for an installer ISO, qcow2 for a disk image',
      });
    }
    return { source: 'url', name, url, format, ...(region === undefined ? {} : { region }) };
  }
  if (ds_file_path === undefined) {
    throw new OperationError('invalid_input', 'create_image needs a source: ds_file_path (a file on the NAS), url, or vm (an existing VM)', {
      next: 'pass ds_file_path with type (and storages), url with format (and region), or vm',
    });
  }
  if (type === undefined) {
    throw new OperationError('invalid_input', `create_image from a file needs type: one of ${IMAGE_TYPES.join(', ')}`, {
      next: 'pass type disk for a virtual disk file, iso for an ISO, vdsm for a vDSM image',
    });
  }
  return { source: 'file', name, ds_file_path, type, ...(storages === undefined ? {} : { storages }) };
}

const imageBuildResult = z.object({
  status: z.enum(['started', 'done', 'failed', 'not_finished']),
  message: z.string(),
  /** DSM builds images in a task. */
  task: taskView.optional(),
  /** Backends whose images carry a status build without one: the image shows the progress. */
  image: imageBrief.optional(),
});

/** The answer about an image being built or copied, after waiting for it when asked. */
async function followImage(id: ImageId, what: string, wait: { wait: boolean; timeout_s: number }, ctx: ToolContext): Promise<z.input<typeof imageBuildResult>> {
  if (!wait.wait) {
    const image = await ctx.vmm.getImage(id, ctx);
    return { status: 'started', message: `${what}: image ${image.name} (id ${id}) is ${image.status ?? 'being made'}. Follow it with get_image (wait: true).`, image: toImageBrief(image) };
  }
  const outcome: WaitOutcome<Image> = await ctx.vmm.waitForImage(id, waitFor(wait.timeout_s, ctx));
  const image = toImageBrief(outcome.value);
  if (!outcome.done) {
    return { status: 'not_finished', message: `${what}: image ${image.name} (id ${id}) is still pending after ${wait.timeout_s} s. Call get_image with wait: true to keep waiting.`, image };
  }
  if (outcome.value.status === 'available') return { status: 'done', message: `${what}: image ${image.name} (id ${id}) is available.`, image };
  return {
    status: 'failed',
    message: `${what}: image ${image.name} (id ${id}) ended ${outcome.value.status ?? 'unknown'}. Check the source (URL reachable, right format), delete the image with delete_image, and retry.`,
    image,
  };
}

const createImage = defineTool({
  name: 'create_image',
  title: 'Create an image',
  description:
    'Create an image from a file on the NAS (ds_file_path, type, storages), a URL (url, format, region) or a VM. '
    + 'Answers a task for wait_task, or the image (wait: true waits for it).',
  effect: 'write',
  needs: ['create_image_from_file', 'create_image_from_url', 'create_image_from_vm'],
  inputNeeds: {
    ds_file_path: ['create_image_from_file'],
    type: ['create_image_from_file'],
    storages: ['create_image_from_file'],
    url: ['create_image_from_url'],
    format: ['create_image_from_url'],
    region: ['create_image_from_url'],
    vm: ['create_image_from_vm'],
  },
  input: z.object({
    name: newNameArgument.describe('Name of the new image.'),
    ds_file_path: z
      .string()
      .min(2)
      .max(4096)
      .regex(ABSOLUTE_PATH, 'must be an absolute path on the NAS (starting with /), without control characters')
      .optional()
      .describe('Absolute path on the NAS, e.g. "/datastore/ubuntu.img".'),
    type: z.enum(IMAGE_TYPES).optional().describe('Needed with ds_file_path.'),
    storages: z
      .array(storageArgument)
      .min(1)
      .max(16)
      .optional()
      .describe('Where to keep it (with ds_file_path). Default: the only storage.'),
    url: z
      .string()
      .max(4096)
      .regex(WEB_URL, 'must be an http, https or ftp URL without spaces or control characters')
      .optional()
      .describe('http(s) or ftp address to download the image from.'),
    format: z.enum(URL_IMAGE_FORMATS).optional().describe('Needed with url.'),
    region: z.string().min(1).max(64).optional().describe("With url. Default: the target's region."),
    vm: vmArgument.optional(),
    wait: waitArgument('the image is available (targets without tasks)', false),
  }),
  output: imageBuildResult,
  async run({ wait, ...args }, ctx) {
    const timeout_s = IMAGE_WAIT_TIMEOUT_S;
    const spec = imageSource(args);
    // Making an image reads the VM without changing it, so a protected VM may be the source.
    const from = spec.source === 'vm' ? `VM ${quoted(spec.vm)}` : spec.source === 'url' ? `URL ${quoted(spec.url)}` : `file ${quoted(spec.ds_file_path)}`;
    await ctx.guard(undefined, `Creates image ${quoted(spec.name)} from ${from}.`);
    const started = await ctx.vmm.createImage(spec, ctx);
    if ('image_id' in started) return followImage(started.image_id, `Creating image ${spec.name}`, { wait, timeout_s }, ctx);
    const { task } = started;
    return {
      status: 'started' as const,
      message: `Creating image ${spec.name} runs as task ${task.id}. Follow it with wait_task, then see the image in list_images.`,
      task: toTaskView(task),
    };
  },
});

const getImage = defineTool({
  name: 'get_image',
  title: 'Get an image',
  description: 'One image with its status; wait: true waits while it is pending (being imported or copied).',
  effect: 'read',
  input: z.object({ image: imageArgument, wait: waitArgument('it is not pending', false) }),
  output: z.object({ message: z.string(), image: imageView }),
  async run({ image, wait }, ctx) {
    const found = await ctx.vmm.getImage(image, ctx);
    if (!wait || found.status !== 'pending') return { message: `Image ${found.name}${found.status === undefined ? '' : ` is ${found.status}`}.`, image: toImageView(found) };
    const outcome = await ctx.vmm.waitForImage(found.id, waitFor(IMAGE_WAIT_TIMEOUT_S, ctx));
    const view = toImageView(outcome.value);
    const still = outcome.done ? `is ${outcome.value.status ?? 'ready'}` : `is still pending after ${IMAGE_WAIT_TIMEOUT_S} s; call again to wait more`;
    return { message: `Image ${view.name} ${still}.`, image: view };
  },
});

const updateImage = defineTool({
  name: 'update_image',
  title: 'Rename or describe an image',
  description: 'Rename an image (new_name) or change its description.',
  effect: 'write',
  needs: ['update_image'],
  input: z.object({
    image: imageArgument,
    new_name: newNameArgument.optional(),
    description: descriptionArgument.optional().describe('"" clears it.'),
  }),
  output: z.object({ status: z.literal('updated'), message: z.string(), image: imageBrief }),
  async run({ image, new_name, description }, ctx) {
    const target = await ctx.vmm.resolveImage(image, ctx);
    const changed = [...(new_name === undefined ? [] : [`name "${target.name}" -> "${new_name}"`]), ...(description === undefined ? [] : ['description'])];
    await ctx.guard(imageSubject(target), `Changes image ${target.name}: ${changed.join(', ') || 'nothing'}.`);
    const updated = await ctx.vmm.updateImage(target.id, { new_name, description }, ctx);
    return { status: 'updated' as const, message: `Image ${updated.name} changed: ${changed.join(', ')}.`, image: toImageBrief(updated) };
  },
});

/** A copy made where this target cannot see it: the job's id is what the agent gets. */
const copyResult = imageBuildResult.extend({
  job: z.object({ id: z.string(), destination: z.string() }).optional(),
});

const copyImage = defineTool({
  name: 'copy_image',
  title: 'Copy an image',
  description:
    'Copy an image to another place; the copy is a new image with its own id. LunaNode: to a region, answered as the new image (wait: true follows it). '
    + "Wakame-VDC: the destination's site registers the copy; the answer is dcmgr's job, for wait_task.",
  effect: 'write',
  needs: ['copy_image'],
  input: z.object({
    image: imageArgument,
    destination: z.string().min(1).max(255).describe('Where the copy goes, e.g. a region such as "montreal".'),
    wait: waitArgument('the copy is available', false),
    timeout_s: timeoutArgument(IMAGE_WAIT_TIMEOUT_S),
  }),
  output: copyResult,
  async run({ image, destination, wait, timeout_s }, ctx) {
    const source = await ctx.vmm.resolveImage(image, ctx);
    await ctx.guard(imageSubject(source), `Copies image ${source.name} to ${destination}, as a new image.`);
    const copy = await ctx.vmm.copyImage(source.id, destination, ctx);
    const what = `Copying image ${source.name} to ${destination}`;
    if ('image_id' in copy) return followImage(copy.image_id, what, { wait, timeout_s }, ctx);
    return followCopyJob(copy, destination, what, { wait, timeout_s }, ctx);
  },
});

/** A copy queued as a job (Wakame-VDC): the copy lives at the destination, so the job is what can be followed. */
async function followCopyJob(
  { job_id }: QueuedCopy,
  destination: string,
  what: string,
  wait: { wait: boolean; timeout_s: number },
  ctx: ToolContext,
): Promise<z.input<typeof copyResult>> {
  const job = { id: job_id, destination };
  const elsewhere = `The copy becomes a new image with its own id in the site behind ${quoted(destination)}, not on target ${ctx.target.name}, whose list_images will not show it.`;
  if (!wait.wait) {
    return {
      status: 'started',
      message: `${what}: queued as job ${job_id}. ${elsewhere} Call wait_task with task_id ${job_id}: once the job has finished it names the copy's image id there, or why the copy failed.`,
      job,
    };
  }
  const outcome = await ctx.vmm.waitForTask(job_id as TaskId, waitFor(wait.timeout_s, ctx));
  const task = toTaskView(outcome.value);
  if (!outcome.done) {
    return { status: 'not_finished', message: `${what}: job ${job_id} is still ${task.status} after ${wait.timeout_s} s. ${elsewhere} Call wait_task with task_id ${job_id} to keep waiting.`, task, job };
  }
  if (task.error !== undefined) return { status: 'failed', message: `${what}: ${task.error}.`, task, job };
  return { status: 'done', message: `${what}: done; the copy is image ${task.image_id} at ${quoted(destination)}, which target ${ctx.target.name} does not list.`, task, job };
}

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
    const where = target.storages.length === 0 ? 'no storage' : `${target.storages.length === 1 ? 'storage' : 'storages'} ${target.storages.map((storage) => quoted(storage.name)).join(', ')}`;
    const how = ctx.vmm.backend.imageDeletion;
    const consequence = how === undefined
      ? `Deletes ${target.type} image ${quoted(target.name)} from ${where}, permanently; this cannot be undone.`
      : `Deletes image ${quoted(target.name)}: ${how}`;
    await ctx.guard(imageSubject(target), consequence);
    const { deleted } = await ctx.vmm.deleteImage(target.id, ctx);
    return { status: 'deleted' as const, message: `Image ${deleted.name} (id ${deleted.id}) was deleted.`, deleted: { id: deleted.id, name: deleted.name } };
  },
});

export const IMAGE_TOOLS: readonly ToolDefinition[] = [listImages, getImage, createImage, updateImage, copyImage, deleteImage];
