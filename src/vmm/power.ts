import { OperationError, isOperationError, reasonOf } from '../errors.js';
import type { CallContext, VmmBackend } from './backend.js';
import type { Host, HostId, Ref, VmSummary } from './model.js';

/**
 * A power-on refused for lack of memory or CPU threads, retold with the numbers that let someone
 * act: which host, how much it has free, how much the VM wants, and which hosts could take it.
 * The host list is read after the failure; if even that fails, the original error stands.
 */
export async function explainPowerOnFailure(
  backend: VmmBackend,
  error: unknown,
  vm: VmSummary,
  requestedHost: Ref<HostId> | undefined,
  ctx: CallContext | undefined,
): Promise<unknown> {
  const reason = reasonOf(error);
  const memory = reason === 'insufficient_memory';
  if (!isOperationError(error) || !(memory || reason === 'insufficient_cpu')) return error;
  if (!backend.capabilities.has('hosts')) return error;
  let hosts: Host[];
  try {
    hosts = await backend.listHosts(ctx);
  } catch (hostError) {
    // The power-on failure is what the user needs to see; the host list was only decoration.
    return new OperationError(error.kind, `${error.message} (host capacity could not be read: ${messageOf(hostError)})`, {
      next: error.next,
      dsm: error.dsm,
      reason: error.reason,
      cause: error,
    });
  }
  const hostId = requestedHost?.id ?? vm.host?.id;
  const target = hosts.find((host) => host.id === hostId) ?? (hosts.length === 1 ? hosts[0] : undefined);
  const wanted = memory ? vm.ram_mb : vm.vcpus;
  const free = (host: Host): number | undefined => (memory ? host.ram_mb?.free : host.cpu_threads?.free);
  const unit = memory ? ' MiB' : ' threads';
  const resource = memory ? 'memory' : 'CPU threads';
  const fitting = hosts.filter((host) => host !== target && (free(host) ?? 0) >= wanted);
  const alternatives =
    fitting.length > 0 ? ` (hosts with enough free: ${fitting.map((host) => `${host.name} ${free(host)}${unit}`).join(', ')})` : '';
  const lower = memory ? 'lower ram_mb' : 'lower vcpus';
  const roomiest = [...hosts].sort((a, b) => (free(b) ?? 0) - (free(a) ?? 0))[0];
  let detail: string;
  if (target !== undefined) {
    detail = `insufficient ${resource} on host ${target.name}: free ${free(target) ?? 'unknown'}${unit}, wanted ${wanted}${unit}; pick another host or ${lower}`;
  } else if (roomiest !== undefined) {
    detail = `insufficient ${resource} on every host (most free: host ${roomiest.name} with ${free(roomiest) ?? 'unknown'}${unit}), wanted ${wanted}${unit}; shut down other VMs or ${lower}`;
  } else {
    return error;
  }
  return new OperationError('backend', `Cannot power on VM ${vm.name}: ${detail}`, {
    next: `power on with another host${alternatives}, or shut down other VMs, or ${lower} with update_vm while the VM is stopped`,
    dsm: error.dsm,
    reason: error.reason,
    cause: error,
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
