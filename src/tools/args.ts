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

function reference(kind: string): z.ZodString {
  return text(255).describe(`${kind} id or exact name.`);
}

export const vmArgument = reference('VM');
export const imageArgument = reference('Image');
export const storageArgument = reference('Storage');
export const networkArgument = reference('Network');
export const hostArgument = reference('Host');

export const newNameArgument = text(255);

export const vcpusArgument = z.number().int().min(1).max(64).describe('Virtual CPUs.');
export const ramMbArgument = z.number().int().min(256).max(1_048_576).describe('Memory in MiB.');
export const sizeGbArgument = z.number().int().min(1).max(65_536).describe('Disk size in GiB.');

export const taskIdArgument = text(255).describe('From a create call or list_tasks.');

export const statusArgument = z.enum(VM_STATUSES).describe('VM status.');
export const autorunArgument = z.enum(AUTORUN_MODES);
/** Free text may span lines; other control characters are refused. */
const NO_CONTROL_CHARACTERS_BUT_LINES = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;
export const descriptionArgument = z
  .string()
  .max(1024)
  .regex(NO_CONTROL_CHARACTERS_BUT_LINES, 'must not contain control characters other than tab and line breaks');

export const limitArgument = z.number().int().min(1).max(200).default(50).describe('Items per page.');
export const offsetArgument = z.number().int().min(0).default(0).describe('Items to skip: next_offset of the previous page.');

export function waitArgument(until: string, byDefault: boolean): z.ZodDefault<z.ZodBoolean> {
  return z.boolean().default(byDefault).describe(`Wait until ${until}.`);
}

/** Seconds. A wait that runs out is not an error: the result says what is not finished yet. */
export function timeoutArgument(defaultSeconds: number): z.ZodDefault<z.ZodNumber> {
  return z.number().int().min(1).max(3600).default(defaultSeconds).describe('Longest wait in seconds.');
}
