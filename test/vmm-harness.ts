import { expect } from 'vitest';
import { DsmClient } from '../src/providers/synology/dsm/client.js';
import { OperationError } from '../src/errors.js';
import { DEMO_USER, startSimulator, type SimulatorHandle, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';
import { createDsmBackend } from '../src/providers/synology/backend.js';
import type { ImageId, Task } from '../src/vmm/model.js';
import { Vmm } from '../src/vmm/operations.js';

/** A simulated DSM, the real client talking HTTP to it, and a Vmm on top: what the vmm tests run against. */
export interface VmmRig {
  sim: SimulatorHandle;
  client: DsmClient;
  vmm: Vmm;
  /** Requests to `api` (and `method`) the simulator has seen so far. */
  requests(api: string, method?: string): number;
  close(): Promise<void>;
}

export const STYLES = ['official', 'compact'] as const;

/** Short delays keep tests fast, yet long enough that a poll sees the transitional statuses; polls start at 10 ms. */
export async function startRig(options: SimulatorOptions = {}, poll = { pollMs: 10, maxPollMs: 40 }): Promise<VmmRig> {
  const sim = await startSimulator({ powerSettleMs: 150, taskDurationMs: 150, ...options });
  const client = new DsmClient({ url: sim.url, username: DEMO_USER.account, password: DEMO_USER.password });
  const vmm = new Vmm(createDsmBackend(client), poll);
  return {
    sim,
    client,
    vmm,
    requests: (api, method) =>
      sim.stats.requests.filter((request) => request.api === api && (method === undefined || request.method === method)).length,
    async close() {
      await vmm.close();
      await sim.close();
    },
  };
}

/** The guest API of a style, for counting requests in the simulator's log. */
export function guestApi(style: (typeof STYLES)[number]): string {
  return style === 'official' ? 'SYNO.Virtualization.API.Guest' : 'SYNO.Virtualization.Guest';
}

/** The OperationError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<OperationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OperationError);
  return error as OperationError;
}

/** The task a DSM image build started; fails the test if the build answered with an image instead. */
export async function startedTask(build: Promise<{ task: Task } | { image_id: ImageId }>): Promise<Task> {
  const started = await build;
  if (!('task' in started)) throw new Error(`expected a task, got image ${started.image_id}`);
  return started.task;
}
