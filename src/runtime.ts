import { DsmClient } from './providers/synology/dsm/client.js';
import type { Logger } from './log.js';
import { registerSecret } from './safety/redact.js';
import type { TargetRuntime } from './server.js';
import type { TargetConfig } from './targets.js';
import { createDsmBackend, Vmm } from './vmm/operations.js';
import { readOnlyBackend } from './vmm/read-only-backend.js';

/**
 * The live side of the targets: one DSM client (one session, logged in on first use), its backend
 * and the VM operations per target. Closing logs every session out.
 */

const clients = new WeakMap<TargetRuntime, DsmClient>();

export function buildTargetRuntimes(targets: readonly TargetConfig[], logger: Logger): TargetRuntime[] {
  return targets.map((target) => {
    const { connection } = target;
    registerSecret(connection.password);
    registerSecret(connection.otpSecret);
    registerSecret(connection.deviceId);
    const client = new DsmClient({ ...connection, logger });
    const backend = createDsmBackend(client);
    const vmm = new Vmm(target.policy.readOnly ? readOnlyBackend(backend, target.name) : backend);
    const runtime: TargetRuntime = { name: target.name, vmm, policy: target.policy };
    clients.set(runtime, client);
    return runtime;
  });
}

/** Whether the target holds a logged-in DSM session right now (sessions start on first use); asks DSM nothing. */
export function isSessionLive(target: TargetRuntime): boolean {
  return clients.get(target)?.sessionLive ?? false;
}

/** Logs out of every DSM session; a failure is logged and does not stop the others. */
export async function closeTargetRuntimes(targets: readonly TargetRuntime[], logger: Logger): Promise<void> {
  await Promise.all(
    targets.map(async (target) => {
      try {
        await target.vmm.close();
      } catch (error) {
        logger.warning(`closing target ${target.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
}
