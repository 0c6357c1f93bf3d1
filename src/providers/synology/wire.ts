import { type ErrorReason, OperationError, isOperationError, withReason } from '../../errors.js';
import { VM_STATUSES, type Ref, type VmStatus } from '../../vmm/model.js';
import { DeferredArray } from '../../text/json-deferred.js';
import type { DeferredList } from './dsm/transport.js';

/**
 * What the VMM backends need from the DSM wire client (`DsmClient` in ./dsm/client.ts fits it).
 * Kept structural so this layer depends on the client's contract, not on its internals.
 */
export type DsmParams = Record<string, string | number | boolean | null | undefined | object>;

export interface DsmCaller {
  discover(signal?: AbortSignal): Promise<ReadonlyMap<string, unknown>>;
  call<T = unknown>(
    api: string,
    method: string,
    params: DsmParams,
    options: { kind: 'read' | 'write'; signal?: AbortSignal; version?: number; deferList?: DeferredList },
  ): Promise<T>;
  close(): Promise<void>;
}

/** The DSM error code carried by a failure, if it is a DSM `success: false` answer. */
export function dsmCode(error: unknown): number | undefined {
  return isOperationError(error) && error.kind === 'backend' ? error.dsm?.code : undefined;
}

/** DSM codes whose meaning the neutral layer acts on (VMM API guide; backend-notes). */
const REASONS: ReadonlyMap<number, ErrorReason> = new Map([
  /** "the status of the virtual machine is online" */
  [904, 'vm_running'],
  /** "the status of the virtual machine is offline" */
  [907, 'vm_stopped'],
  /** "cannot find task_id": unknown, or finished and cleaned up */
  [1000, 'task_not_found'],
  [903, 'insufficient_memory'],
  /** 902: not enough CPU threads; 908: not enough threads left for reservation on the host */
  [902, 'insufficient_cpu'],
  [908, 'insufficient_cpu'],
]);

/** A DSM refusal with its neutral reason attached, when its code has one; anything else unchanged. */
export function withDsmReason(error: unknown): unknown {
  const code = dsmCode(error);
  const reason = code === undefined ? undefined : REASONS.get(code);
  return reason === undefined || !isOperationError(error) ? error : withReason(error, reason);
}

export type WireObject = Record<string, unknown>;

/** DSM answers are JSON of loosely known shape; these readers turn surprises into clear protocol errors. */
export function wireObject(value: unknown, what: string): WireObject {
  if (isWireObject(value)) return value;
  throw new OperationError('protocol', `DSM answered ${what} with ${describe(value)} where an object was expected`, {
    next: 'check that the URL points at a DSM with Virtual Machine Manager installed',
  });
}

export function wireList(parent: WireObject, field: string, what: string): WireObject[] {
  const value = parent[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new OperationError('protocol', `DSM answered ${what} with ${describe(value)} in "${field}" where a list was expected`);
  }
  return value.map((item) => wireEntry(item, field, what));
}

/**
 * A list read with `deferList` (or without: then it was parsed whole), its entries parsed one by one.
 * An entry is checked when it is parsed; the members named in `deferList.fields` can be read before.
 */
export function deferredWireList(parent: WireObject, field: string, what: string): DeferredArray {
  const value = parent[field];
  if (value instanceof DeferredArray) return value;
  return DeferredArray.of(wireList(parent, field, what));
}

/** Entry `index` of a deferred list, parsed and checked. */
export function deferredEntry(list: DeferredArray, index: number, field: string, what: string): WireObject {
  return wireEntry(list.parse(index), field, what);
}

/** An entry of the list in `field`, checked to be an object. */
function wireEntry(item: unknown, field: string, what: string): WireObject {
  // The description is built only for a bad entry: a list of 10,000 guests would otherwise make 10,000 strings.
  return isWireObject(item) ? item : wireObject(item, `${what} (an entry of "${field}")`);
}

function isWireObject(value: unknown): value is WireObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function requiredText(entry: WireObject, field: string, what: string): string {
  const value = entry[field];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  throw new OperationError('protocol', `DSM answered ${what} with an entry that has no "${field}"`);
}

export function optionalText(entry: WireObject, field: string): string | undefined {
  return textOf(entry[field]);
}

/** A text field's value as optionalText reads it: DSM sends some ids as numbers. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

export function optionalNumber(entry: WireObject, field: string): number | undefined {
  const value = entry[field];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function optionalBoolean(entry: WireObject, field: string): boolean | undefined {
  const value = entry[field];
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 1) return true;
  if (value === 'false' || value === 0) return false;
  return undefined;
}

/** A reference such as a VM's host (`host_id` + `host_name`), present only when the id is. */
export function optionalRef<I extends string>(entry: WireObject, idField: string, nameField: string): Ref<I> | undefined {
  const id = optionalText(entry, idField);
  if (id === undefined || id === '') return undefined;
  return { id: id as I, name: optionalText(entry, nameField) ?? id };
}

const knownStatuses: ReadonlySet<string> = new Set(VM_STATUSES);

/** The official guide says `shutdown` where people (and the compact style) say `stopped`; `undefined` is unknown. */
export function vmStatusFromWire(word: unknown): VmStatus {
  if (word === 'shutdown') return 'stopped';
  if (typeof word === 'string' && knownStatuses.has(word)) return word as VmStatus;
  return 'unknown';
}

export const BYTES_PER_MIB = 1024 * 1024;

export function bytesToMib(bytes: number): number {
  return Math.round(bytes / BYTES_PER_MIB);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : typeof value;
}
