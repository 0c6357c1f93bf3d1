import { OperationError } from '../../errors.js';
import type { LunaNodeAnswer } from './client.js';

/**
 * Reading the fields of LunaNode's answers, where ids and numbers arrive as strings. A field that is
 * missing where it must be is a protocol error naming the endpoint.
 */

export function object(value: unknown, what: string): LunaNodeAnswer {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as LunaNodeAnswer;
  throw new OperationError('protocol', `LunaNode answered ${what} with something other than an object`);
}

/**
 * The list in `field`: vm/list's `vms`, image/list's `images` and plan/list's `plans` are JSON arrays
 * of objects in LunaNode's own clients (LunaNode/cloug provider/lunanode/api/params.go, LunaNode/lobster
 * lndynamic/params.go) and in the answer samples of rickparrish/lndapi (lndapi/Plan/PlanList.cs).
 */
export function list(answer: LunaNodeAnswer, field: string, what: string): LunaNodeAnswer[] {
  const value = answer[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OperationError('protocol', `LunaNode answered ${what} with "${field}" that is not a list`);
  return value.map((item) => object(item, `${what} (an entry of "${field}")`));
}

export function text(row: LunaNodeAnswer, field: string, what: string): string {
  const value = optional(row, field);
  if (value !== undefined && value !== '') return value;
  throw new OperationError('protocol', `LunaNode answered ${what} without "${field}"`);
}

export function optional(row: LunaNodeAnswer, field: string): string | undefined {
  const value = row[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** LunaNode sends numbers as strings. */
export function number(row: LunaNodeAnswer, field: string): number | undefined {
  const value = optional(row, field);
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}
