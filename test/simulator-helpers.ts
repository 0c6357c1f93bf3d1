import { ManualClock, startSimulator, type SimulatorHandle, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';

/**
 * Short power and task delays on a clock that stands still until the test moves it (`until`, or
 * `clockOf(sim).advance`): what a test sees between two requests never depends on the machine's speed.
 */
export async function fastSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  return startSimulator({ powerSettleMs: 30, taskDurationMs: 60, taskCleanMs: 60, clock: new ManualClock(), ...options });
}

export function clockOf(sim: SimulatorHandle): ManualClock {
  const { clock } = sim.options;
  if (!(clock instanceof ManualClock)) throw new Error('this simulator runs on the real clock');
  return clock;
}

export interface DsmAnswer {
  success: boolean;
  data?: any;
  error?: { code: number; errors?: any };
}

/** A GET with the parameters in the query, as the guide's examples do. */
export async function getApi(sim: SimulatorHandle, cgi: string, params: Record<string, string>): Promise<DsmAnswer> {
  const response = await fetch(`${sim.url}/webapi/${cgi}?${new URLSearchParams(params)}`);
  return (await response.json()) as DsmAnswer;
}

/** A POST with the parameters in a form body, as a careful client does. */
export async function postApi(sim: SimulatorHandle, cgi: string, params: Record<string, string>): Promise<DsmAnswer> {
  const response = await fetch(`${sim.url}/webapi/${cgi}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return (await response.json()) as DsmAnswer;
}

export async function login(sim: SimulatorHandle, extra: Record<string, string> = {}): Promise<string> {
  const answer = await postApi(sim, 'entry.cgi', {
    api: 'SYNO.API.Auth', version: '7', method: 'login', account: 'admin', passwd: 'vmm-demo-password',
    session: 'test', format: 'sid', ...extra,
  });
  if (!answer.success) throw new Error(`login failed: ${JSON.stringify(answer)}`);
  return answer.data.sid as string;
}

/** Calls a VMM API at entry.cgi, version 1, with the session. */
export async function vmm(sim: SimulatorHandle, sid: string, api: string, method: string, params: Record<string, string> = {}): Promise<DsmAnswer> {
  return postApi(sim, 'entry.cgi', { api, version: '1', method, _sid: sid, ...params });
}

/** Probes, moving the simulator's clock on 10 ms between probes, until `done` or `timeoutMs` of its time passed. */
export async function until<T>(sim: SimulatorHandle, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const clock = clockOf(sim);
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || clock.now() > deadline) return value;
    clock.advance(10);
  }
}
