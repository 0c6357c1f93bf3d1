import { afterEach } from 'vitest';
import { DsmClient, type DsmClientOptions } from '../src/providers/synology/dsm/client.js';
import { createLogger, type Logger } from '../src/log.js';
import { DEMO_USER, startSimulator, type SimulatorHandle, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';

/** Shared set-up for the DSM client's integration tests: a simulator and a client over real HTTP, closed after each test. */

export const GUEST = 'SYNO.Virtualization.API.Guest';
export const GUEST_ACTION = 'SYNO.Virtualization.API.Guest.Action';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function onCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

export async function simulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const sim = await startSimulator({ powerSettleMs: 20, taskDurationMs: 50, ...options });
  onCleanup(() => sim.close());
  return sim;
}

export function client(url: string, options: Partial<DsmClientOptions> = {}): DsmClient {
  const dsm = new DsmClient({ url, username: DEMO_USER.account, password: DEMO_USER.password, ...options });
  onCleanup(() => dsm.close());
  return dsm;
}

export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', (line) => lines.push(line)), lines };
}

export async function guestId(dsm: DsmClient, name: string): Promise<string> {
  const data = await dsm.call<{ guests: Array<{ guest_id: string; guest_name: string }> }>(GUEST, 'list', {}, { kind: 'read' });
  const guest = data.guests.find((candidate) => candidate.guest_name === name);
  if (guest === undefined) throw new Error(`no guest named ${name} in the simulator`);
  return guest.guest_id;
}

export function requestsTo(sim: SimulatorHandle, api: string, method?: string) {
  return sim.stats.requests.filter((request) => request.api === api && (method === undefined || request.method === method));
}
