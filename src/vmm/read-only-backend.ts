import { OperationError } from '../errors.js';
import type { VmmBackend } from './backend.js';

/**
 * The methods of VmmBackend that only look. Everything else a backend offers, whatever its provider
 * and including methods added after this list was written, counts as a write: a new method is refused
 * on read-only targets until someone decides here that it only reads. Failing closed is the point.
 */
const READ_METHODS: ReadonlySet<PropertyKey> = new Set<keyof VmmBackend>([
  'prepare',
  'listVms',
  'getVm',
  'listImages',
  'listHosts',
  'listStorages',
  'listNetworks',
  'listTasks',
  'getTask',
  // Builds the explanation of a missing capability; sends nothing.
  'unsupported',
  'close',
]);

/**
 * VMM_READ_ONLY enforced below every tool, resource, prompt and wait: any write method of the wrapped
 * backend throws before anything reaches the wire. The tool layer already hides and refuses write
 * tools; this catches the writes no tool asks for (wait_task clearing a finished task deleted another
 * server's task record).
 */
export function readOnlyBackend(inner: VmmBackend, targetName: string): VmmBackend {
  return new Proxy(inner, {
    get(backend, property) {
      const value: unknown = Reflect.get(backend, property);
      if (typeof value !== 'function') return value;
      if (READ_METHODS.has(property)) return value.bind(backend);
      return () => Promise.reject(refusal(String(property), targetName));
    },
  });
}

function refusal(method: string, targetName: string): OperationError {
  return new OperationError('policy', `Target ${JSON.stringify(targetName)} is read-only (VMM_READ_ONLY): ${method} was not sent to the backend`, {
    next: 'only reads are possible on this target; unset VMM_READ_ONLY to allow changes',
  });
}
