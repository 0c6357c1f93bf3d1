import { serve } from '../../../http/serve.js';
import { Faults, type FaultSpec } from './faults.js';
import { buildInventory } from './inventory.js';
import { resolveOptions, type ResolvedOptions, type WakameSimulatorOptions } from './options.js';
import { createRequestListener, type WakameSimulatorStats } from './server.js';
import { WakameState } from './state.js';

export { ManualClock, systemClock, type SimClock } from './clock.js';
export type { FaultKind, FaultSpec } from './faults.js';
export type { ImageState, InstanceState, JobFinishStatus, JobState, SimDestination, SimImage, SimInstance, SimJob } from './model.js';
export { DEMO_ACCOUNT, DEMO_DESTINATION, SHARED_POOL_ACCOUNT } from './options.js';
export type { AccountSpec, DestinationSpec, HostNodeSpec, ImageSpec, InstanceSpec, Timings, WakameSimulatorOptions } from './options.js';
export type { RecordedRequest, WakameSimulatorStats } from './server.js';
export { WakameState } from './state.js';

export interface WakameSimulatorHandle {
  /** e.g. http://127.0.0.1:41234, or https with `tls` (dcmgr's API is below it at /api/12.03). */
  url: string;
  close(): Promise<void>;
  faults: { add(spec: FaultSpec): void; clear(): void };
  stats: WakameSimulatorStats;
  state: WakameState;
  options: ResolvedOptions;
}

/** Starts a simulated dcmgr on `host:port` (default 127.0.0.1, an ephemeral port). */
export async function startWakameSimulator(options: WakameSimulatorOptions = {}): Promise<WakameSimulatorHandle> {
  const resolved = resolveOptions(options);
  const state = new WakameState(resolved);
  buildInventory(state, resolved);
  const faults = new Faults();
  const stats: WakameSimulatorStats = { requests: [] };
  const served = await serve(createRequestListener(state, faults, stats), resolved);
  return {
    url: served.url,
    faults,
    stats,
    state,
    options: resolved,
    close: () => served.close(),
  };
}

/** The lines the standalone simulator prints: where it listens and which account to use. */
export function describeWakameSimulator(handle: WakameSimulatorHandle, account: string): string[] {
  const { state } = handle;
  const mine = [...state.instances.values()].filter((instance) => instance.accountId === account).length;
  return [
    `Simulated Wakame-VDC dcmgr (API 12.03) listening on ${handle.url}/api/12.03`,
    `accounts: ${state.accounts.size}, instances: ${state.instances.size} (${mine} of ${account}), images: ${state.images.size}`,
    `account: ${account}  (sent as X-VDC-Account-UUID; dcmgr has no password)`,
    `try: curl -H 'X-VDC-Account-UUID: ${account}' '${handle.url}/api/12.03/instances.json?start=0&limit=10'`,
  ];
}
