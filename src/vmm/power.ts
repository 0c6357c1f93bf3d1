import { OperationError, isOperationError, reasonOf } from '../errors.js';
import type { CallContext, VmmBackend } from './backend.js';
import type { Host, HostId, Ref, VmSummary } from './model.js';
import { quoted } from '../text/quote.js';

/**
 * A power-on refused for lack of memory or CPU threads, retold with the numbers that let someone
 * act: the host that was tried (the one asked for, else the one DSM's details name, else the VM's
 * own) with its free figures, the hosts that have room, and when none has, every host's free
 * figures and the largest size that would fit. The host list is read after the failure; if even
 * that fails, the original error stands.
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
  if (hosts.length === 0) return error;
  const tried = triedHost(hosts, requestedHost, error.dsm?.details ?? [], vm);
  const resource = memory ? 'memory' : 'CPU threads';
  const refusal = tried === undefined ? `not enough ${resource} on the host DSM picked` : `not enough ${resource} on host ${quoted(tried.name)}, which has ${freeFigures(tried)}`;
  const elsewhere = hosts.filter((host) => host !== tried && fits(host, vm));
  const [roomy] = elsewhere;
  let detail: string;
  let next: string;
  if (roomy !== undefined) {
    detail = `; room on ${elsewhere.map((host) => `host ${quoted(host.name)} (${freeFigures(host)})`).join(', ')}`;
    next = `power_on again with host ${quoted(roomy.name)}`;
  } else if (tried !== undefined && fits(tried, vm)) {
    detail = '; the host list read just after shows room there now, so other VMs may have freed it meanwhile';
    next = `power_on again${requestedHost === undefined ? '' : ` with host ${quoted(tried.name)}`}; if it fails the same way, shut down other VMs on that host`;
  } else {
    const others = hosts.filter((host) => host !== tried);
    const largest = largestFit(hosts, vm);
    detail = '; no host can take it now'
      + (others.length === 0 ? '' : ` (${others.map((host) => `host ${quoted(host.name)} has ${freeFigures(host)}`).join(', ')})`)
      + (largest === undefined ? '' : `; the largest size that fits is ${counted(largest.vcpus, 'vCPU')} and ${largest.ram_mb} MiB, on host ${quoted(largest.host.name)}`);
    const lower = largest === undefined ? '' : ` (vcpus ${largest.vcpus} and ram_mb ${largest.ram_mb} fit host ${quoted(largest.host.name)})`;
    next = `shut down other VMs to free a host (list_vms with host shows what runs where), or lower vcpus/ram_mb with update_vm${lower} while the VM is stopped; then power_on again`;
  }
  return new OperationError('backend', `Cannot power on VM ${quoted(vm.name)} (${counted(vm.vcpus, 'vCPU')}, ${vm.ram_mb} MiB): ${refusal}${detail}`, {
    next,
    dsm: error.dsm,
    reason: error.reason,
    cause: error,
  });
}

/** Hosts that are up report capacity; the guide's other statuses (inaccessible, network_warn, control_unavail) cannot start a VM. */
function usable(host: Host): host is Host & Required<Pick<Host, 'cpu_threads' | 'ram_mb'>> {
  return host.status === 'running' && host.cpu_threads !== undefined && host.ram_mb !== undefined;
}

function fits(host: Host, vm: VmSummary): boolean {
  return usable(host) && host.cpu_threads.free >= vm.vcpus && host.ram_mb.free >= vm.ram_mb;
}

function freeFigures(host: Host): string {
  if (host.status !== 'running') return `status ${host.status}`;
  const threads = host.cpu_threads === undefined ? 'unknown threads' : counted(host.cpu_threads.free, 'thread');
  const ram = host.ram_mb === undefined ? 'unknown' : String(host.ram_mb.free);
  return `${threads} and ${ram} MiB free`;
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The one asked for, else the host DSM's error details name (the longest matching name wins), else the VM's own. */
function triedHost(hosts: readonly Host[], requested: Ref<HostId> | undefined, details: readonly string[], vm: VmSummary): Host | undefined {
  if (requested !== undefined) return hosts.find((host) => host.id === requested.id);
  const named = hosts
    .filter((host) => host.name !== '' && details.some((line) => line.includes(host.name)))
    .sort((a, b) => b.name.length - a.name.length)[0];
  return named ?? hosts.find((host) => host.id === vm.host?.id) ?? (hosts.length === 1 ? hosts[0] : undefined);
}

/** The biggest VM, no bigger than this one, that some host could start now: memory first, as it is what runs out. */
function largestFit(hosts: readonly Host[], vm: VmSummary): { host: Host; vcpus: number; ram_mb: number } | undefined {
  return hosts
    .filter(usable)
    .map((host) => ({ host, vcpus: Math.min(vm.vcpus, host.cpu_threads.free), ram_mb: Math.min(vm.ram_mb, host.ram_mb.free) }))
    .filter((size) => size.vcpus >= 1 && size.ram_mb > 0)
    .sort((a, b) => b.ram_mb - a.ram_mb || b.vcpus - a.vcpus)[0];
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
