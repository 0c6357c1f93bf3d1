import { serve } from '../../../http/serve.js';
import { buildApiTable } from './apis.js';
import type { Simulator, SimulatorStats } from './context.js';
import { Faults } from './faults.js';
import type { FaultControls } from './faults.js';
import { IdSource } from './ids.js';
import { buildInventory } from './inventory.js';
import { resolveOptions } from './options.js';
import type { ResolvedOptions, SimulatorOptions } from './options.js';
import { PowerControl } from './power.js';
import { createRequestListener } from './server.js';
import { SessionStore } from './sessions.js';
import { SimulatorState } from './state.js';
import { TaskBoard } from './tasks.js';
import { Timers } from './timers.js';

export type { RecordedRequest, SimulatorStats } from './context.js';
export type { FaultControls, FaultKind, FaultSpec } from './faults.js';
export type { SimDisk, SimHost, SimImage, SimNetwork, SimNic, SimStorage, SimTask, SimVm, SimVmStatus } from './model.js';
export { DEMO_USER } from './options.js';
export { ManualClock, type SimClock } from './clock.js';
export type { HostSpec, ImageSpec, InventoryOptions, SimulatedUser, SimulatorOptions, SimulatorStyle, StorageSpec } from './options.js';
export { SimulatorState } from './state.js';

export interface SimulatorHandle {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
  faults: FaultControls;
  stats: SimulatorStats;
  state: SimulatorState;
  /** The options in effect, defaults filled in. */
  options: ResolvedOptions;
  /** Sessions that are still usable (not logged out, expired or kicked). */
  readonly liveSessions: number;
}

/** Starts a simulated DSM on `host:port` (default 127.0.0.1, an ephemeral port). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const resolved = resolveOptions(options);
  const state = new SimulatorState();
  const ids = new IdSource(resolved.inventory.seed ?? 1);
  buildInventory(state, ids, resolved.inventory);
  const timers = new Timers(resolved.clock);
  const sessions = new SessionStore(resolved.sessionTtlMs, resolved.expiryCode, resolved.duplicateLoginKicks);
  const sim: Simulator = {
    options: resolved,
    state,
    sessions,
    ids,
    timers,
    startedAt: timers.now(),
    tasks: new TaskBoard(state, ids, timers, resolved.taskCleanMs),
    power: new PowerControl(state, timers, resolved.powerSettleMs),
    stats: { logins: 0, logouts: 0, requests: [] },
  };
  const faults = new Faults(sessions);
  const listener = createRequestListener(sim, buildApiTable(resolved), faults);
  const served = await serve(listener, resolved);
  return {
    url: served.url,
    faults,
    stats: sim.stats,
    state,
    options: resolved,
    get liveSessions() {
      return sessions.liveCount;
    },
    close() {
      timers.clearAll();
      return served.close();
    },
  };
}

/** The lines the standalone simulator prints: where it listens and the (public) demo credentials. */
export function describeSimulator(handle: SimulatorHandle): string[] {
  const { options } = handle;
  const lines = [
    `Simulated Synology DSM ${options.dsmVersion} (${options.style} VMM API) listening on ${handle.url}`,
    `VMs: ${handle.state.vms.size}, hosts: ${handle.state.hosts.size}, storages: ${handle.state.storages.size}, images: ${handle.state.images.size}`,
  ];
  for (const user of options.users) {
    lines.push(`account: ${user.account}  password: ${user.password}${user.otpSecret === undefined ? '' : '  (2-step verification on)'}`);
  }
  const first = options.users[0];
  if (first !== undefined) {
    lines.push(
      `try: curl '${handle.url}/webapi/auth.cgi?api=SYNO.API.Auth&version=3&method=login&account=${encodeURIComponent(first.account)}` +
        `&passwd=${encodeURIComponent(first.password)}&format=sid&session=demo'`,
    );
  }
  return lines;
}
