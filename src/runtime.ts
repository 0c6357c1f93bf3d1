import type { Logger } from './log.js';
import { providerOf } from './providers/index.js';
import type { ConnectedBackend } from './providers/provider.js';
import { registerSecret } from './safety/redact.js';
import type { TargetRuntime } from './server.js';
import type { TargetConfig } from './targets.js';
import { Vmm } from './vmm/operations.js';
import { readOnlyBackend } from './vmm/read-only-backend.js';

/**
 * The live side of the targets: per target, its provider's backend (one session, opened on first use)
 * and the VM operations over it. Closing ends every session.
 */

const connections = new WeakMap<TargetRuntime, ConnectedBackend>();

export function buildTargetRuntimes(targets: readonly TargetConfig[], logger: Logger): TargetRuntime[] {
  return targets.map((target) => {
    const provider = providerOf(target.type);
    for (const secret of provider.secretsOf(target.connection)) registerSecret(secret);
    const connected = provider.connect(target.connection, logger);
    const vmm = new Vmm(target.policy.readOnly ? readOnlyBackend(connected.backend, target.name) : connected.backend);
    const runtime: TargetRuntime = { name: target.name, vmm, policy: target.policy };
    connections.set(runtime, connected);
    return runtime;
  });
}

/** Whether the target holds a logged-in session right now (sessions start on first use); asks the backend nothing. */
export function isSessionLive(target: TargetRuntime): boolean {
  return connections.get(target)?.sessionLive() ?? false;
}

/** Ends every session; a failure is logged and does not stop the others. */
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
