import { z } from 'zod';
import { AUTORUN_MODES, VM_STATUSES } from '../vmm/model.js';

/**
 * Argument schemas shared across tools, so that `vm`, `ram_mb` or `limit` mean the same thing, with the
 * same bounds and the same words, wherever they appear.
 */

// Spelled as \u ranges rather than \p{Cc} so that JSON Schema validators outside JavaScript understand the pattern.
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;

function text(max: number): z.ZodString {
  return z.string().min(1).max(max).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');
}

function reference(kind: string, listTool: string): z.ZodString {
  return text(255).describe(`${kind} id or exact name (an id wins; an ambiguous name is refused with the candidates). ${listTool} shows them.`);
}

export const vmArgument = reference('VM', 'list_vms');
export const imageArgument = reference('Image', 'list_images');
export const storageArgument = reference('Storage', 'list_storages');
export const networkArgument = reference('Network', 'list_networks');
export const hostArgument = reference('Host', 'list_hosts');

export const newNameArgument = text(255);

export const vcpusArgument = z.number().int().min(1).max(64).describe('Number of virtual CPUs, 1-64.');
export const ramMbArgument = z
  .number()
  .int()
  .min(256)
  .max(1_048_576)
  .describe('Memory in MiB, 256-1048576 (for example 4096 = 4 GiB).');
export const sizeGbArgument = z.number().int().min(1).max(65_536).describe('Disk size in GiB, 1-65536.');

export const taskIdArgument = text(255).describe('Task id, as returned by create_vm, create_vm_from_image, create_image or list_tasks.');

export const statusArgument = z.enum(VM_STATUSES);
export const autorunArgument = z.enum(AUTORUN_MODES);
/** Free text may span lines; other control characters are refused. */
const NO_CONTROL_CHARACTERS_BUT_LINES = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;
export const descriptionArgument = z
  .string()
  .max(1024)
  .regex(NO_CONTROL_CHARACTERS_BUT_LINES, 'must not contain control characters other than tab and line breaks');

export const limitArgument = z.number().int().min(1).max(200).default(50).describe('Page size, 1-200 (default 50).');
export const offsetArgument = z
  .number()
  .int()
  .min(0)
  .default(0)
  .describe('Rows to skip (default 0); pass the next_offset of the previous page to continue.');

export function waitArgument(until: string, byDefault: boolean): z.ZodDefault<z.ZodBoolean> {
  return z.boolean().default(byDefault).describe(`Wait until ${until} (up to timeout_s), sending progress notifications. Default ${byDefault}.`);
}

export function timeoutArgument(defaultSeconds: number): z.ZodDefault<z.ZodNumber> {
  return z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(defaultSeconds)
    .describe(`Longest wait in seconds, 1-3600 (default ${defaultSeconds}). When it passes, the result says what is not finished yet; it is not an error.`);
}
