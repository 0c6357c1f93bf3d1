import { DcmgrClient, type DcmgrClientOptions } from '../src/providers/wakame/dcmgr/client.js';
import {
  DEMO_ACCOUNT,
  ManualClock,
  startWakameSimulator,
  type SimImage,
  type SimInstance,
  type WakameSimulatorHandle,
  type WakameSimulatorOptions,
} from '../src/providers/wakame/simulator/index.js';

/** A simulated dcmgr on a clock that moves only when a test says so, and a client acting as the demo account. */
export interface WakameRig {
  sim: WakameSimulatorHandle;
  clock: ManualClock;
  client: DcmgrClient;
  close(): Promise<void>;
}

export const STEP_MS = 1000;
export const IMAGE_STEP_MS = 2000;

export async function wakameRig(options: WakameSimulatorOptions = {}, client: Partial<DcmgrClientOptions> = {}): Promise<WakameRig> {
  const clock = new ManualClock();
  const sim = await startWakameSimulator({ clock, timings: { stepMs: STEP_MS, imageStepMs: IMAGE_STEP_MS }, ...options });
  const made = new DcmgrClient({ url: sim.url, account: DEMO_ACCOUNT, retryDelayMs: 1, ...client });
  return {
    sim,
    clock,
    client: made,
    async close() {
      await made.close();
      await sim.close();
    },
  };
}

export function simInstance(sim: WakameSimulatorHandle, displayName: string): SimInstance {
  const found = [...sim.state.instances.values()].find((instance) => instance.displayName === displayName);
  if (found === undefined) throw new Error(`no simulated instance named ${displayName}`);
  return found;
}

export function simImage(sim: WakameSimulatorHandle, displayName: string): SimImage {
  const found = [...sim.state.images.values()].find((image) => image.displayName === displayName);
  if (found === undefined) throw new Error(`no simulated image named ${displayName}`);
  return found;
}

/** Resolves to the error the promise rejected with; fails the test if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
